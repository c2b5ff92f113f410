"""The one activity log: who did what, told as a sentence in the viewer's language, paged on the audit page,
never another hotel's, never a secret, and the two old logs carried over by the migration."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as booking_services
from innkeeper.booking.models import Booking
from innkeeper.core import activity
from innkeeper.core.activity import Actor
from innkeeper.core.models import ActivityLog
from tests import factories
from tests.test_panel_audit import sign_in


def two_rooms(hotel):
    std = factories.make_room_type(hotel, slug="std", rooms=2)
    with scopes_disabled():
        return std, list(std.rooms.order_by("number"))


def test_a_staff_move_reads_as_a_sentence_in_english_and_in_russian_on_the_booking_page(
        client, hotel, other_hotel, book, future):
    std, (first, second) = two_rooms(hotel)
    b = book(hotel, std, future, future + timedelta(days=1))
    desk = sign_in(client, hotel, "STAFF", "desk@moscow.example")
    with scopes_disabled():
        desk.name = "Anna"
        desk.save()
        start = Booking.objects.get(pk=b.pk).room.number
        target = second if start == first.number else first
    assert client.post(f"/panel/bookings/{b.reference}/move/", {"room": target.pk}).status_code == 302
    moved = ActivityLog.objects.get(verb="booking.moved")
    assert (moved.hotel_id, moved.actor, moved.subject_id) == (hotel.pk, Actor.staff(desk), str(b.pk))
    english = f"Anna (staff) moved booking {b.reference} from room {start} to {target.number}"
    russian = (f"Anna (сотрудник): бронирование {b.reference} перенесено из номера {start} "
               f"в номер {target.number}")
    with translation.override("en"):
        assert moved.sentence() == english
    with translation.override("ru"):
        assert moved.sentence() == russian
    page = client.get(f"/panel/bookings/{b.reference}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page
    page = client.get(f"/panel/bookings/{b.reference}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert russian in page and f"Гость: бронирование {b.reference} в номере {start} создано" in page


def test_status_names_and_other_actors_read_in_the_viewers_language(hotel):
    def entry(**kwargs):
        return ActivityLog(hotel=hotel, subject_type="booking.Booking", subject_id="1",
                           data={"reference": "K7M2QX", **kwargs.pop("data", {})}, **kwargs)

    cancelled = entry(verb="booking.status", actor_kind="guest",
                      data={"from_status": "CONFIRMED", "to_status": "CANCELLED"})
    confirmed = entry(verb="booking.status", actor_kind="system",
                      data={"from_status": "HOLD", "to_status": "CONFIRMED"})
    revoked = entry(verb="booking.key_revoked", actor_kind="provider", actor_id="ttlock",
                    actor_label="ttlock")
    with translation.override("en"):
        assert cancelled.sentence() == "The guest cancelled booking K7M2QX"
        assert confirmed.sentence() == "Innkeeper changed booking K7M2QX from “On hold” to “Confirmed”"
        assert revoked.sentence() == "ttlock (provider) revoked the key of booking K7M2QX"
    with translation.override("ru"):
        assert cancelled.sentence() == "Гость: бронирование K7M2QX отменено"
        assert confirmed.sentence() == (
            "Innkeeper: статус бронирования K7M2QX изменён с «Удерживается» на «Подтверждено»")


def test_the_lock_clouds_answers_are_the_providers_and_the_queueing_is_the_systems(hotel, book, future):
    from innkeeper.locks import services as locks

    std = factories.make_room_type(hotel, slug="std", rooms=0)
    factories.make_room(std, number="101", lock_id="SIM-1")
    b = book(hotel, std, future, future + timedelta(days=1))
    with scope(hotel=hotel):
        b = booking_services.booking_transition(booking=b, to="CHECKED_IN", actor="staff:nobody@example.com")
        key = locks.keys_issue_for(booking=b, now=timezone.now())
    locks.key_process(key_id=key.pk)
    who = [(e.verb, e.actor_kind, e.actor_id)
           for e in activity.history(b).filter(verb__startswith="booking.key_")]
    assert who == [("booking.key_queued", "system", ""), ("booking.key_active", "provider", "simulator")]


def test_the_audit_page_pages_to_the_last_of_251_entries_and_never_shows_another_hotels(
        client, hotel, other_hotel):
    start = timezone.now() - timedelta(days=1)
    ActivityLog.objects.bulk_create(
        [ActivityLog(hotel=hotel, subject_type="hotels.RoomType", subject_id="1", verb="rates.set",
                     actor_kind="staff", actor_id=str(n), actor_label=f"Person {n}",
                     at=start + timedelta(seconds=n),
                     data={"before": {"price_nightly": str(n)}, "after": {"price_nightly": str(n + 1)}})
         for n in range(1, 252)]
        + [ActivityLog(hotel=other_hotel, subject_type="hotels.RoomType", subject_id="2", verb="rates.set",
                       actor_kind="staff", actor_label="Stranger", at=start + timedelta(seconds=n))
           for n in range(30)])
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    seen = []
    url = "/panel/audit/"
    while url:
        page = client.get(url).content.decode()
        assert "Stranger" not in page and "252 entries" not in page
        assert "251 entries" in page
        seen += [int(n) for n in re.findall(r"Person (\d+) \(staff\) changed the rates", page)]
        following = re.search(r'href="(\?page=\d+)" rel="next"', page)
        url = f"/panel/audit/{following.group(1)}" if following else None
    assert seen == list(range(251, 0, -1))  # newest first, each once, the 251st (the oldest) on the last page
    last = client.get("/panel/audit/?page=6").content.decode()
    assert "Page 6 of 6" in last and 'rel="prev"' in last and 'rel="next"' not in last
    assert "<dt>price_nightly</dt><dd>1 → 2</dd>" in last  # the details as a list, not a dict
    assert "{" not in re.sub(r"(?s)<script.*?</script>|<style.*?</style>", "", last.split("<main", 1)[-1])
    assert client.get("/panel/audit/?page=nonsense").status_code == 200


def test_a_booking_page_shows_only_its_own_history(client, hotel, other_hotel, book, future):
    std, _rooms = two_rooms(hotel)
    mine = book(hotel, std, future, future + timedelta(days=1))
    theirs_type = factories.make_room_type(other_hotel, slug="x", rooms=1)
    theirs = book(other_hotel, theirs_type, future, future + timedelta(days=1))
    activity.record(hotel=other_hotel, subject=(Booking._meta.label, mine.pk), verb="booking.status",
                    actor=Actor.system(), data={"reference": "ELSEWHERE", "to_status": "CANCELLED"})
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    page = client.get(f"/panel/bookings/{mine.reference}/").content.decode()
    assert f"The guest made booking {mine.reference}" in page
    assert theirs.reference not in page and "ELSEWHERE" not in page
    assert client.get(f"/panel/bookings/{theirs.reference}/").status_code == 404


def test_no_secret_is_ever_written(hotel):
    entry = activity.record(hotel=hotel, subject=hotel, verb="lockaccount.set", actor=Actor.system(), data={
        "before": {"username": "u", "password": "pw-1", "client_secret": "s3cret"},
        "after": {"username": "v", "password": "pw-2", "access_token": "t0ken", "pin": "123456",
                  "secrets_changed": ["password"]}})
    entry.refresh_from_db()
    assert entry.data == {"before": {"username": "u"},
                          "after": {"username": "v", "secrets_changed": ["password"]}}


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_both_old_logs_with_times_actors_and_changes(book, future):
    hotel, other = factories.make_hotel(), factories.make_hotel()
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    desk = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    b = book(hotel, std, future, future + timedelta(days=1))
    ActivityLog.objects.all().delete()  # what the booking wrote today: only the old logs' rows count here
    with scopes_disabled():
        room = std.rooms.get()
    now = timezone.now()
    before = [("core", "0002_activitylog")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    when = now - timedelta(days=3)
    old.get_model("core", "AuditEntry").objects.create(
        hotel_id=hotel.pk, actor_id=owner.pk, actor_label=owner.email, action="room.update",
        object_type="hotels.Room", object_id=str(room.pk), before={"status": "AVAILABLE"},
        after={"status": "MAINTENANCE"}, at=when)
    events = old.get_model("booking", "BookingEvent")
    for n, (actor, action, from_status, to_status, data) in enumerate([
            ("guest", "created", "", "CONFIRMED", {"room": room.number}),
            ("staff:DESK@moscow.example", "status", "CONFIRMED", "CANCELLED", {"reason": "Guest called"}),
            ("system", "key_revoke_queued", "", "", {"key": f"{b.pk}:1"})]):
        made = events.objects.create(hotel_id=hotel.pk, booking_id=b.pk, actor=actor, action=action,
                                     from_status=from_status, to_status=to_status, data=data)
        events.objects.filter(pk=made.pk).update(at=when + timedelta(hours=n + 1))  # "at" is set on insert
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = [(e.hotel_id, e.subject_type, e.subject_id, e.verb, e.actor, e.data, e.at)
            for e in ActivityLog.objects.order_by("at")]
    at = [when + timedelta(hours=n) for n in range(4)]
    assert rows == [
        (hotel.pk, "hotels.Room", str(room.pk), "room.update", Actor.staff(owner),
         {"before": {"status": "AVAILABLE"}, "after": {"status": "MAINTENANCE"}}, at[0]),
        (hotel.pk, "booking.Booking", str(b.pk), "booking.created", Actor.guest(),
         {"reference": b.reference, "to_status": "CONFIRMED", "room": room.number}, at[1]),
        (hotel.pk, "booking.Booking", str(b.pk), "booking.status", Actor.staff(desk),
         {"reference": b.reference, "from_status": "CONFIRMED", "to_status": "CANCELLED",
          "reason": "Guest called"},
         at[2]),
        (hotel.pk, "booking.Booking", str(b.pk), "booking.key_revoke_queued", Actor.system(),
         {"reference": b.reference, "key": f"{b.pk}:1"}, at[3]),
    ]
    assert not ActivityLog.objects.filter(hotel=other).exists()
    with translation.override("en"):
        assert ActivityLog.objects.get(verb="booking.status").sentence() == \
            f"Test Person (staff) cancelled booking {b.reference}"
