"""Automation rules: status and time triggers, wording with placeholders in any language, preview = sent text,
test and manual sends, the journey's own messages as switchable rules."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django_scopes import scope, scopes_disabled

from innkeeper.booking.states import Status
from innkeeper.core.errors import InvalidInput
from innkeeper.core.models import ActivityLog
from innkeeper.journey import services as journey
from innkeeper.messaging import placeholders, services
from innkeeper.messaging.models import AutomationRule, Message, MessageStatus, Trigger
from tests import factories
from tests.conftest import local
from tests.messaging_helpers import deliver, rendered


@pytest.fixture
def room_type(hotel):
    return factories.make_room_type(hotel, slug="std", rooms=2)


@pytest.fixture
def theirs(other_hotel):
    return factories.make_room_type(other_hotel, slug="std", rooms=1)


def rule(hotel, trigger, *, body="Hello {guest_name}, room {room_number} at {hotel_name}.", locale="en",
         subject="A word from {hotel_name}", **fields):
    with scope(hotel=hotel):
        made = services.rule_save(hotel=hotel, name=f"{trigger} rule", trigger=trigger, **fields)
        services.rule_template_save(rule=made, locale=locale, subject=subject, body=body)
    return made


def sent_for(booking, made):
    with scopes_disabled():
        return sorted(Message.objects.filter(booking_id=booking.pk, rule=made).values_list("channel", flat=True))


def step(booking, to, now):
    with scope(hotel=booking.hotel):
        return journey.booking_transition(booking=booking, to=to, actor="staff", now=now)


# -- the safe formatter ----------------------------------------------------------------------------

@pytest.mark.parametrize("source,named", [
    ("Hi {guest}", "guest"), ("Hi {guest_name.__class__}", "{guest_name.__class__}"),
    ("Hi {guest_name!r}", "{guest_name!r}"), ("Hi {guest_name:>99999}", "{guest_name:>99999}"),
    ("Hi {0}", "{0}"), ("Hi {}", "{}"),
])
def test_an_unknown_or_clever_placeholder_is_refused_with_its_name(source, named):
    with pytest.raises(InvalidInput) as refused:
        placeholders.validate(source)
    assert refused.value.code == "unknown_placeholder" and named in refused.value.message


def test_the_formatter_fills_in_known_names_keeps_escaped_braces_and_cuts_long_output():
    assert placeholders.fill("{{ {guest_name} }} {add_ons}", {"guest_name": "Anna", "add_ons": ["Tea", "Bus"]}
                             ) == "{ Anna } Tea, Bus"
    assert placeholders.fill("{guest_name}", {}) == ""
    long = placeholders.fill("{guest_name}" * 10, {"guest_name": "x" * 1000})
    assert len(long) == placeholders.MAX_BODY and long.endswith("…")
    with pytest.raises(InvalidInput, match="partner"):
        placeholders.validate("Hi {guest_name")


def test_a_rule_template_with_an_unknown_placeholder_is_refused_on_save_in_any_language(hotel):
    with scope(hotel=hotel):
        made = services.rule_save(hotel=hotel, name="Welcome", trigger=Trigger.CHECKED_IN)
        with pytest.raises(InvalidInput) as refused:
            services.rule_template_save(rule=made, locale="de", subject="Hallo", body="Zimmer {room_nummer}")
        assert refused.value.field == "body" and "room_nummer" in refused.value.message
        services.rule_template_save(rule=made, locale="pt-BR", subject="Olá", body="Quarto {room_number}")
        with pytest.raises(InvalidInput):
            services.rule_template_save(rule=made, locale="not a language", subject="x", body="y")
    with scopes_disabled():
        assert list(made.templates.values_list("locale", flat=True)) == ["pt-BR"]


# -- status triggers -------------------------------------------------------------------------------

def test_a_rule_fires_when_the_booking_reaches_its_status_once_and_only_in_its_hotel(
        hotel, other_hotel, room_type, theirs, book, future, now, smtp):
    welcome = rule(hotel, Trigger.CHECKED_IN, email=True, whatsapp=False)
    mine = book(hotel, room_type, future, future + timedelta(days=1), name="Anna Petrova")
    other = book(other_hotel, theirs, future, future + timedelta(days=1))
    assert sent_for(mine, welcome) == []  # confirmed, not checked in yet
    step(mine, Status.CHECKED_IN, now)
    step(other, Status.CHECKED_IN, now)
    assert sent_for(mine, welcome) == ["EMAIL"]
    with scopes_disabled():
        assert not Message.objects.filter(booking_id=other.pk, type="AUTOMATED").exists()
        message = Message.objects.get(booking_id=mine.pk, rule=welcome)
    done = deliver(message)
    assert done.status == MessageStatus.SENT
    assert done.body_text == f"Hello Anna Petrova, room {mine.room.number} at Moscow Inn."
    assert smtp.messages[-1]["Subject"] == "A word from Moscow Inn"


def test_a_rule_speaks_the_guests_language_else_the_hotels(hotel, room_type, book, future, now):
    thanks = rule(hotel, Trigger.CHECKED_OUT, body="Thanks, {guest_name}", subject="Thanks")
    with scope(hotel=hotel):
        services.rule_template_save(rule=thanks, locale="ru", subject="Спасибо", body="Спасибо, {guest_name}")
    ru = book(hotel, room_type, future, future + timedelta(days=1), name="Анна")
    with scopes_disabled():
        type(ru).objects.filter(pk=ru.pk).update(locale="ru")
        ru.refresh_from_db()
    step(ru, Status.CHECKED_IN, now)
    step(ru, Status.CHECKED_OUT, now)
    with scopes_disabled():
        row = Message.objects.get(booking_id=ru.pk, rule=thanks, channel="EMAIL")
    assert rendered(row).body_text == "Спасибо, Анна"


def test_a_journey_message_switched_off_is_not_sent_and_one_channel_can_be_kept(hotel, room_type, book, future):
    with scope(hotel=hotel):
        services.builtin_set(hotel=hotel, type="BOOKING_CONFIRMATION", active=True, email=True, whatsapp=False)
    kept = book(hotel, room_type, future, future + timedelta(days=1))
    with scope(hotel=hotel):
        services.builtin_set(hotel=hotel, type="BOOKING_CONFIRMATION", active=False, email=True, whatsapp=True)
        assert [r.builtin for r in services.rules_of(hotel)][:2] == ["BOOKING_CONFIRMATION", "CHECKIN_REMINDER"]
    off = book(hotel, room_type, future, future + timedelta(days=1))
    with scopes_disabled():
        assert list(Message.objects.filter(booking_id=kept.pk).values_list("channel", flat=True)) == ["EMAIL"]
        assert not Message.objects.filter(booking_id=off.pk).exists()


# -- time triggers ---------------------------------------------------------------------------------

def test_a_time_rule_goes_at_its_local_time_moves_with_the_stay_and_never_for_a_cancelled_one(
        hotel, other_hotel, room_type, theirs, book, future, now):
    day_before = rule(hotel, Trigger.ARRIVAL, offset_minutes=-24 * 60, at_time=time(10, 0))
    moved = book(hotel, room_type, future, future + timedelta(days=1))
    cancelled = book(hotel, room_type, future, future + timedelta(days=1))
    other = book(other_hotel, theirs, future, future + timedelta(days=1))
    with scope(hotel=hotel):
        journey.booking_cancel(booking=cancelled, actor="staff", now=now)
        from innkeeper.booking import stays
        stay = stays.nightly(hotel, future + timedelta(days=2), future + timedelta(days=3), now=now)
        moved = journey.booking_change_stay(booking=moved, stay=stay, actor="staff", now=now)
    old_time = local(hotel, future - timedelta(days=1), 10)
    assert journey.automation_run(now=old_time) == []  # the stay is not there any more
    new_time = local(hotel, future + timedelta(days=1), 10)
    assert journey.automation_run(now=new_time - timedelta(minutes=1)) == []
    with time_machine.travel(new_time, tick=False):
        assert journey.automation_run() == [(moved, day_before)]
    assert journey.automation_run(now=new_time + timedelta(minutes=5)) == []  # once
    assert sent_for(moved, day_before) == ["EMAIL", "WHATSAPP"]
    assert sent_for(cancelled, day_before) == [] and sent_for(other, day_before) == []


def test_a_rule_hours_after_departure_waits_for_the_stay_to_end(hotel, room_type, book, future, now):
    after = rule(hotel, Trigger.DEPARTURE, offset_minutes=60, whatsapp=False)
    stay = book(hotel, room_type, future, future + timedelta(days=1))
    end = local(hotel, future + timedelta(days=1), 12)
    assert journey.automation_run(now=end + timedelta(minutes=59)) == []
    assert journey.automation_run(now=end + timedelta(minutes=60)) == [(stay, after)]


def test_an_inactive_rule_sends_nothing(hotel, room_type, book, future):
    made = rule(hotel, Trigger.BOOKED, offset_minutes=5)
    with scope(hotel=hotel):
        services.rule_save(hotel=hotel, rule=made, name=made.name, trigger=made.trigger, offset_minutes=5,
                           active=False)
    stay = book(hotel, room_type, future, future + timedelta(days=1))
    assert journey.automation_run(now=stay.created_at + timedelta(minutes=6)) == []


# -- preview, test send, manual send ---------------------------------------------------------------

def test_the_preview_is_exactly_the_text_that_is_sent(hotel, room_type, book, future, now, smtp):
    welcome = rule(hotel, Trigger.CHECKED_IN, body="Dear {guest_name}, your room is {room_number}.\n"
                                                  "Stay: {check_in} – {check_out}. Link: {manage_link}")
    stay = book(hotel, room_type, future, future + timedelta(days=1), name="Anna <Petrova>")
    with scope(hotel=hotel):
        preview = services.manual_preview(booking=stay, channel="EMAIL", rule=welcome)
    step(stay, Status.CHECKED_IN, now)
    with scopes_disabled():
        row = Message.objects.get(booking_id=stay.pk, rule=welcome, channel="EMAIL")
    sent = deliver(row)
    assert (sent.subject, sent.body_text, sent.body_html) == (preview["subject"], preview["text"], preview["html"])
    assert "Anna &lt;Petrova&gt;" in sent.body_html and "<Petrova>" not in sent.body_html


def test_a_test_send_goes_to_the_staff_members_own_address_through_the_outbox_and_is_logged(hotel, smtp):
    user = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    welcome = rule(hotel, Trigger.CHECKED_IN)
    with scope(hotel=hotel):
        row = services.message_send_test(hotel=hotel, user=user, channel="EMAIL", locale="en", rule=welcome)
    assert (row.recipient, row.type, row.status) == ("desk@moscow.example", "TEST", MessageStatus.QUEUED)
    assert deliver(row).status == MessageStatus.SENT
    assert smtp.messages[-1]["To"] == "desk@moscow.example"
    assert row.body_text == "Hello Anna Petrova, room 204 at Moscow Inn."
    with scopes_disabled():
        assert ActivityLog.objects.get(hotel=hotel, verb="message.test_send").actor_id == str(user.pk)
        with pytest.raises(InvalidInput):  # WhatsApp needs the staff member's own number
            services.message_send_test(hotel=hotel, user=user, channel="WHATSAPP", locale="en", rule=welcome)


def test_a_manual_send_is_worded_as_previewed_logged_and_refuses_another_hotels_rule(
        hotel, other_hotel, room_type, book, future, smtp):
    user = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    stay = book(hotel, room_type, future, future + timedelta(days=1), name="Anna Petrova")
    foreign = rule(other_hotel, Trigger.CHECKED_IN)
    text = {"subject": "About {reference}", "body": "Your taxi waits, {guest_name}."}
    with scope(hotel=hotel):
        preview = services.manual_preview(booking=stay, channel="EMAIL", **text)
        rows = services.message_send_manual(booking=stay, channels=["EMAIL"], actor=user, **text)
        with pytest.raises(InvalidInput):
            services.message_send_manual(booking=stay, channels=["EMAIL"], actor=user, rule=foreign)
        with pytest.raises(InvalidInput, match="unknown_thing"):
            services.message_send_manual(booking=stay, channels=["EMAIL"], actor=user, subject="x",
                                         body="{unknown_thing}")
    assert [r.type for r in rows] == ["MANUAL"]
    sent = deliver(rows[0])
    assert (sent.subject, sent.body_text) == (preview["subject"], preview["text"])
    assert sent.body_text == "Your taxi waits, Anna Petrova."
    with scopes_disabled():
        entry = ActivityLog.objects.get(hotel=hotel, verb="booking.message_manual")
    assert entry.subject_id == str(stay.pk) and entry.actor_id == str(user.pk)
    with scopes_disabled():
        assert Message.objects.filter(type="MANUAL").count() == 1


def test_rules_of_another_hotel_cannot_be_changed(hotel, other_hotel):
    foreign = rule(other_hotel, Trigger.CHECKED_IN)
    with scope(hotel=hotel), pytest.raises(InvalidInput):
        services.rule_save(hotel=hotel, rule=foreign, name="mine now", trigger=Trigger.CHECKED_IN)
    with scopes_disabled():
        assert AutomationRule.objects.get(pk=foreign.pk).name == "CHECKED_IN rule"


def test_a_due_time_is_computed_in_the_hotels_zone(hotel, room_type, book, future):
    made = rule(hotel, Trigger.ARRIVAL, offset_minutes=-2 * 24 * 60, at_time=time(9, 30))
    stay = book(hotel, room_type, future, future + timedelta(days=1))
    assert services.rule_due_at(made, stay) == datetime.combine(future - timedelta(days=2), time(9, 30),
                                                                tzinfo=hotel.tz)


# -- the journey's timed messages, moved by the hotel ---------------------------------------------

def test_a_hotel_moves_the_thanks_and_the_check_out_reminder_and_another_hotel_keeps_the_usual_times(
        hotel, other_hotel, room_type, theirs, book, future):
    with scope(hotel=hotel):
        services.builtin_set(hotel=hotel, type="POST_STAY_THANKS", active=True, email=True, whatsapp=False,
                             offset_minutes=24 * 60, at_time=time(10, 0))
        services.builtin_set(hotel=hotel, type="CHECKOUT_REMINDER", active=True, email=True, whatsapp=True,
                             offset_minutes=-30)
    mine = book(hotel, room_type, future, future + timedelta(days=1))
    other = book(other_hotel, theirs, future, future + timedelta(days=1))
    end, their_end = mine.end, other.end
    assert end == local(hotel, future + timedelta(days=1), 12)
    # The reminder: 30 minutes before check-out here, two hours before there (the usual).
    assert journey.stay_messages_run(now=end - timedelta(minutes=31)) == []
    assert journey.stay_messages_run(now=end - timedelta(minutes=30)) == [(mine, "CHECKOUT_REMINDER")]
    assert journey.stay_messages_run(now=their_end - timedelta(minutes=120)) == [(other, "CHECKOUT_REMINDER")]
    for booking, when in ((mine, end), (other, their_end)):
        step(booking, Status.CHECKED_IN, when - timedelta(days=1))
        step(booking, Status.CHECKED_OUT, when)
    # The thanks: the next day at 10:00 in Moscow here, an hour after check-out there.
    assert journey.stay_messages_run(now=their_end + timedelta(minutes=59)) == []
    assert journey.stay_messages_run(now=their_end + timedelta(hours=1)) == [(other, "POST_STAY_THANKS")]
    next_morning = local(hotel, future + timedelta(days=2), 10)
    assert journey.stay_messages_run(now=next_morning - timedelta(minutes=1)) == []
    assert journey.stay_messages_run(now=next_morning) == [(mine, "POST_STAY_THANKS")]
    with scopes_disabled():
        assert list(Message.objects.filter(booking_id=mine.pk, type="POST_STAY_THANKS")
                    .values_list("channel", flat=True)) == ["EMAIL"]
        assert AutomationRule.objects.filter(hotel=other_hotel).count() == 0


def test_a_hotel_moves_the_check_in_reminder_to_a_time_of_day_or_turns_it_off(
        hotel, other_hotel, room_type, theirs, book, future):
    with scope(hotel=hotel):
        services.builtin_set(hotel=hotel, type="CHECKIN_REMINDER", active=True, email=True, whatsapp=True,
                             offset_minutes=-3 * 24 * 60, at_time=time(19, 30))
    arrival = future + timedelta(days=5)
    mine = book(hotel, room_type, arrival, arrival + timedelta(days=1))
    other = book(other_hotel, theirs, arrival, arrival + timedelta(days=1))
    evening = local(hotel, arrival - timedelta(days=3), 19, 30)
    assert journey.checkin_reminders_run(now=evening - timedelta(minutes=1)) == []
    assert journey.checkin_reminders_run(now=evening) == [mine]  # the other hotel's is still 48 hours away
    their_lead = other.start - timedelta(hours=48)
    assert journey.checkin_reminders_run(now=their_lead - timedelta(minutes=1)) == []
    assert journey.checkin_reminders_run(now=their_lead) == [other]
    with scopes_disabled():
        assert Message.objects.filter(booking_id=mine.pk, type="CHECKIN_REMINDER").count() == 2
    # Off: the reminder is not sent at all (the other hotel's still is).
    with scope(hotel=hotel):
        services.builtin_set(hotel=hotel, type="CHECKIN_REMINDER", active=False, email=True, whatsapp=True)
    late = book(hotel, room_type, arrival, arrival + timedelta(days=1))
    journey.checkin_reminders_run(now=evening + timedelta(minutes=15))
    usual_time = late.start - timedelta(hours=47)  # the usual 48 hours' lead has come, in the afternoon
    assert journey.checkin_reminders_run(now=usual_time) == []
    with scopes_disabled():
        assert not Message.objects.filter(booking_id=late.pk, type="CHECKIN_REMINDER").exists()
    # Back on: the booking passed over while it was off is reminded (it was not marked as reminded).
    with scope(hotel=hotel):
        services.builtin_set(hotel=hotel, type="CHECKIN_REMINDER", active=True, email=True, whatsapp=True)
    assert journey.checkin_reminders_run(now=usual_time + timedelta(minutes=5)) == [late]
    with scopes_disabled():
        assert Message.objects.filter(booking_id=late.pk, type="CHECKIN_REMINDER").count() == 2


def test_a_journey_message_moved_the_wrong_way_is_refused_in_words_and_the_usual_time_comes_back(hotel):
    with scope(hotel=hotel):
        with pytest.raises(InvalidInput, match="The thanks goes after check-out, not before.") as refused:
            services.builtin_set(hotel=hotel, type="POST_STAY_THANKS", active=True, email=True, whatsapp=True,
                                 offset_minutes=-60)
        assert refused.value.field == "offset_minutes"
        with pytest.raises(InvalidInput, match="The check-in reminder goes before arrival, not after."):
            services.builtin_set(hotel=hotel, type="CHECKIN_REMINDER", active=True, email=True, whatsapp=True,
                                 offset_minutes=60)
        moved = services.builtin_set(hotel=hotel, type="CHECKOUT_REMINDER", active=True, email=True,
                                     whatsapp=True, offset_minutes=-45)
        assert services.builtin_timing(moved, "CHECKOUT_REMINDER") == services.Timing(-45, None, usual=False)
        back = services.builtin_set(hotel=hotel, type="CHECKOUT_REMINDER", active=True, email=True, whatsapp=True)
        assert services.builtin_timing(back, "CHECKOUT_REMINDER") == services.Timing(-120)
        # A message with no time of its own keeps none.
        confirmation = services.builtin_set(hotel=hotel, type="BOOKING_CONFIRMATION", active=True, email=True,
                                            whatsapp=True, offset_minutes=-60)
        assert confirmation.offset_minutes is None
