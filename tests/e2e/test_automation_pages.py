"""The automation pages in a real browser, phone-sized: an owner writes a rule whose preview follows the typing
(an unknown placeholder named at once), saves it and finds it in the list, unfolds the thanks after the stay and
moves it;
staff write to a guest from the "Send a message" picker and find the message in the log."""

import re
from datetime import timedelta

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from innkeeper.messaging.models import AutomationRule, Message, RuleTemplate
from tests import factories
from tests.factories import PASSWORD


def sign_in(page, email):
    page.goto(f"http://localhost:{page.port}/panel/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_owner_writes_a_rule_with_a_live_preview_saves_it_and_moves_the_thanks(page, hotel, other_hotel):
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    sign_in(page, owner.email)
    page.goto(f"http://localhost:{page.port}/panel/messages/")
    page.get_by_role("link", name="Automation rules and send limits").click()
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("Day before")
    page.get_by_label("When").select_option("ARRIVAL")
    page.get_by_label("How long").fill("1")
    page.get_by_label("At this time of day (optional)").fill("10:00")
    page.get_by_label("Language code").fill("de")
    page.get_by_label("Subject (e-mail)").fill("Morgen in {hotel_name}")
    preview = page.locator("#preview")
    page.get_by_label("Text", exact=True).press_sequentially("Hallo {gast}")
    expect(preview.get_by_role("alert")).to_have_text("Unknown placeholder: {gast}.")
    page.get_by_label("Text", exact=True).fill("Hallo {guest_name}, bis morgen!")
    expect(preview.locator('[data-channel="WHATSAPP"] pre')).to_have_text("Hallo Anna Petrova, bis morgen!")
    expect(preview.locator('[data-channel="EMAIL"]')).to_contain_text("Morgen in Moscow Inn")
    expect(preview.get_by_role("alert")).to_have_count(0)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Rule saved.").wait_for()
    with scopes_disabled():
        made = AutomationRule.objects.get(hotel=hotel, builtin="")
        assert RuleTemplate.objects.get(rule=made).body == "Hallo {guest_name}, bis morgen!"
        assert (made.offset_minutes, made.at_time.strftime("%H:%M")) == (-24 * 60, "10:00")
    page.get_by_role("link", name="Automation", exact=True).click()
    expect(page.locator(f'[data-rule="{made.pk}"]')).to_contain_text("Day before · 1 day before arrival, at 10:00")

    thanks = page.locator('[data-builtin="POST_STAY_THANKS"]')
    expect(thanks.locator("[data-timing]")).to_have_text("1 hour after check-out")
    expect(thanks.locator("[data-state]")).to_have_text("E-mail and WhatsApp")
    expect(thanks.get_by_label("How long")).to_be_hidden()  # folded: the page stays short on a phone
    thanks.locator("summary").click()
    thanks.get_by_label("How long").fill("1")
    thanks.get_by_label(re.compile("^Unit")).select_option("days")
    thanks.get_by_label("At this time of day (optional)").fill("10:00")
    thanks.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    expect(page.locator('[data-builtin="POST_STAY_THANKS"] [data-timing]')).to_have_text(
        "1 day after check-out, at 10:00")
    with scopes_disabled():
        assert AutomationRule.objects.get(hotel=hotel, builtin="POST_STAY_THANKS").offset_minutes == 24 * 60
        assert not AutomationRule.objects.filter(hotel=other_hotel).exists()


def test_staff_write_to_a_guest_from_the_picker_and_the_message_is_in_the_log(page, hotel, other_hotel, book,
                                                                               future):
    anna = book(hotel, factories.make_room_type(hotel, slug="std", rooms=1), future, future + timedelta(days=1),
                name="Anna Petrova", email="anna@example.com")
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="std", rooms=1), future,
                  future + timedelta(days=1), name="Anna Other", email="anna@example.com")
    desk = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    sign_in(page, desk.email)
    page.get_by_role("link", name="Messages").first.click()
    page.get_by_role("link", name="Send a message").click()
    page.get_by_label("Reference, guest name, e-mail or phone").fill("anna@")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("[data-pick]")).to_have_count(1)
    assert theirs.reference not in page.locator("main").inner_text()
    page.get_by_role("link", name=re.compile(anna.reference)).click()
    page.get_by_role("heading", name="Write to Anna Petrova").wait_for()
    page.get_by_label("Subject (e-mail)").fill("Your taxi")
    page.get_by_label("Text", exact=True).press_sequentially("Your taxi waits, {guest_name}.")
    expect(page.locator('#preview [data-channel="EMAIL"] pre')).to_have_text("Your taxi waits, Anna Petrova.")
    page.get_by_role("button", name="Send now").click()
    page.get_by_text("The message is on its way.").wait_for()
    assert page.url.endswith(f"/panel/messages/?booking={anna.reference}")
    with scopes_disabled():
        row = Message.objects.get(type="MANUAL")
        assert not Message.objects.filter(booking=theirs, type="MANUAL").exists()
    assert (row.booking_id, row.subject, row.body_text) == (anna.pk, "Your taxi", "Your taxi waits, Anna Petrova.")
    expect(page.locator(f'a[href="/panel/messages/{row.pk}/"]').first).to_be_visible()
