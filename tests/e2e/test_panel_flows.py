"""Staff in a real browser: an owner invites someone who signs up from the e-mailed link; the new staff
member finds a booking, resends its check-in link and moves it on the tape chart; the database agrees."""

import re
from datetime import timedelta

from django.core import mail
from django_scopes import scopes_disabled

from innkeeper.accounts.models import Membership, User
from innkeeper.booking.models import Booking
from innkeeper.core import activity
from innkeeper.core.activity import Actor
from innkeeper.messaging.models import Message
from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import rendered


def test_owner_invites_staff_who_finds_a_booking_and_moves_it(page, hotel, book, future):
    page.set_viewport_size({"width": 1280, "height": 900})
    std = factories.make_room_type(hotel, slug="std", name="Standard", rooms=3)
    booking = book(hotel, std, future, future + timedelta(days=2), name="Anna Petrova")
    book(hotel, std, future, future + timedelta(days=2), name="Someone Else")
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    base = f"http://localhost:{page.port}"

    page.goto(f"{base}/panel/")
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Team").click()
    page.get_by_label("E-mail").fill("nina@example.com")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to nina@example.com.").wait_for()
    link = re.search(r"http://\S+/panel/join/\S+/", mail.outbox[-1].body).group(0)
    page.get_by_role("button", name="Sign out").click()

    page.goto(link)
    assert page.get_by_label("E-mail").input_value() == "nina@example.com"
    page.get_by_label("Your name").fill("Nina Novak")
    page.get_by_label("Password").fill("a long staff passphrase")
    page.get_by_role("button", name="Create my account").click()
    page.get_by_text(f"Welcome to {hotel.name}.").wait_for()
    with scopes_disabled():
        assert Membership.objects.get(user__email="nina@example.com").role == "STAFF"

    page.get_by_role("link", name="Bookings").click()
    page.get_by_label("Reference, guest, e-mail or phone").fill("anna")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=booking.reference).click()
    page.get_by_role("heading", name=re.compile(booking.reference)).wait_for()
    page.get_by_role("button", name="Resend check-in link").click()
    page.get_by_text("Sent again to guest@example.com").wait_for()
    with scopes_disabled():
        reminder = rendered(Message.objects.get(booking=booking, type="CHECKIN_REMINDER", channel="EMAIL"))
    assert "/check-in/?token=" in reminder.body_text and reminder.recipient == "guest@example.com"

    page.get_by_role("link", name="Tape chart").click()
    page.goto(f"{base}/panel/tape/?from={future}")
    bar = page.locator(f'[data-reference="{booking.reference}"]')
    bar.get_by_text("Move").first.click()
    with scopes_disabled():
        free = std.rooms.exclude(bookings__status="CONFIRMED").get()
    bar.get_by_label("Move to room").select_option(str(free.pk))
    bar.get_by_role("button", name="Move").click()
    page.get_by_text(f"{booking.reference} moved to room {free.number}.").wait_for()
    assert page.locator(f'[data-room="{free.number}"] [data-reference="{booking.reference}"]').count() == 1
    with scopes_disabled():
        assert Booking.objects.get(pk=booking.pk).room_id == free.pk
        moved = activity.history(booking).filter(verb="booking.moved").get()
        nina = Actor.staff(User.objects.get(email="nina@example.com"))
    assert moved.actor == nina
