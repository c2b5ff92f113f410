"""The staff panel's booking screens: today, search, one booking and its actions, the tape chart, new
bookings by phone; always inside the signed-in person's hotel."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.accounts.models import User
from innkeeper.booking import services, stays
from innkeeper.booking.models import Booking
from innkeeper.core import activity
from innkeeper.core.activity import Actor
from innkeeper.journey import services as journey
from tests import factories
from tests.conftest import local
from tests.factories import PASSWORD
from tests.outbox_helpers import work_outbox


@pytest.fixture
def staff(hotel):
    return factories.make_member(hotel, "STAFF", "desk@moscow.example")


@pytest.fixture
def signed_in(client, staff):
    assert client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def rooms(hotel):
    return factories.make_room_type(hotel, slug="std", name="Standard", rooms=3, base_price_nightly=D("100"))


def test_today_shows_arrivals_occupancy_and_revenue(signed_in, hotel, rooms, book, now):
    today = now.astimezone(hotel.tz).date()
    arriving = book(hotel, rooms, today, today + timedelta(days=2), name="Arriving Anna")
    page = signed_in.get("/panel/").content.decode()
    assert "Arriving Anna" in page and arriving.reference in page
    assert "1/3" in page  # one of three rooms in use tonight
    assert "€200" in page  # this month's arrivals: one booking of two nights at 100


def test_search_finds_by_reference_name_and_status_and_never_another_hotel(
        signed_in, hotel, other_hotel, rooms, book, future):
    anna = book(hotel, rooms, future, future + timedelta(days=1), name="Anna Petrova")
    book(hotel, rooms, future, future + timedelta(days=1), name="Boris Ivanov")
    theirs = factories.make_room_type(other_hotel, slug="x", rooms=1)
    stranger = book(other_hotel, theirs, future, future + timedelta(days=1), name="Anna Stranger")
    page = signed_in.get("/panel/bookings/", {"q": "anna"}).content.decode()
    assert "Anna Petrova" in page and "Boris" not in page and "Stranger" not in page
    assert "Anna Petrova" in signed_in.get("/panel/bookings/", {"q": anna.reference.lower()}).content.decode()
    assert "No booking matches" in signed_in.get("/panel/bookings/", {"status": "CANCELLED"}).content.decode()
    assert signed_in.get(f"/panel/bookings/{stranger.reference}/").status_code == 404
    r = signed_in.post(f"/panel/bookings/{stranger.reference}/status/", {"status": "CANCELLED"})
    assert r.status_code == 404
    with scopes_disabled():
        assert Booking.objects.get(pk=stranger.pk).status == "CONFIRMED"


def test_a_status_change_follows_the_state_machine_and_is_recorded_with_who(signed_in, staff, hotel, rooms, book,
                                                                             future):
    b = book(hotel, rooms, future, future + timedelta(days=1))
    page = signed_in.get(f"/panel/bookings/{b.reference}/").content.decode()
    assert 'value="CHECKED_IN"' in page and 'value="CHECKED_OUT"' not in page  # only what may follow CONFIRMED
    assert '<option value="" selected>' in page  # nothing chosen in advance
    refused = signed_in.post(f"/panel/bookings/{b.reference}/status/", {"status": "CHECKED_OUT"}, follow=True)
    assert "Choose one of the statuses offered" in refused.content.decode()
    signed_in.post(f"/panel/bookings/{b.reference}/status/", {"status": "CANCELLED", "reason": "Guest called"})
    with scopes_disabled():
        assert Booking.objects.get(pk=b.pk).status == "CANCELLED"
        event = activity.history(b).filter(verb="booking.status").latest("id")
    assert (event.actor, event.data["from_status"], event.data["to_status"], event.data["reason"]) == (
        Actor.staff(staff), "CONFIRMED", "CANCELLED", "Guest called")
    closed = signed_in.get(f"/panel/bookings/{b.reference}/").content.decode()
    assert "This booking is closed" in closed and 'name="status"' not in closed


def test_the_tape_chart_places_bookings_on_rooms_and_moves_one_to_a_free_room(signed_in, hotel, rooms, book, future):
    a = book(hotel, rooms, future, future + timedelta(days=2), name="Anna")
    b = book(hotel, rooms, future, future + timedelta(days=2), name="Boris")
    page = signed_in.get("/panel/tape/", {"from": future.isoformat()}).content.decode()
    assert f'data-reference="{a.reference}"' in page
    assert f'.stay[data-reference="{a.reference}"] {{ grid-column: 2 / span 2; }}' in page
    with scopes_disabled():
        free = (set(rooms.rooms.values_list("pk", flat=True)) - {a.room_id, b.room_id}).pop()
        taken = b.room_id
    busy = signed_in.post(f"/panel/bookings/{a.reference}/move/", {"room": taken,
                                                                   "next": f"/panel/tape/?from={future}"}, follow=True)
    assert "is taken for these dates" in busy.content.decode()
    moved = signed_in.post(f"/panel/bookings/{a.reference}/move/", {"room": free, "next": f"/panel/tape/?from={future}"})
    assert moved.status_code == 302 and moved["Location"] == f"/panel/tape/?from={future}"
    with scopes_disabled():
        assert Booking.objects.get(pk=a.pk).room_id == free


def test_a_phone_booking_is_made_through_the_booking_engine(signed_in, hotel, rooms, future):
    form = {"source": "PHONE", "room_type": rooms.pk, "mode": "nightly", "check_in": future.isoformat(),
            "check_out": (future + timedelta(days=2)).isoformat(), "guests": 2, "name": "Caller Carl",
            "email": "carl@example.com", "phone": "+7 900 000-00-00", "locale": "ru", "request_key": "k1"}
    r = signed_in.post("/panel/bookings/new/", form)
    assert r.status_code == 302
    with scopes_disabled():
        b = Booking.objects.get()
    assert (b.source, b.status, b.guest_name, b.total, b.locale) == ("PHONE", "CONFIRMED", "Caller Carl",
                                                                     D("200.00"), "ru")
    assert signed_in.post("/panel/bookings/new/", form).status_code == 302  # sent twice: one booking
    too_many = signed_in.post("/panel/bookings/new/", {**form, "guests": 9, "request_key": "k2"})
    assert too_many.status_code == 400
    with scopes_disabled():
        assert Booking.objects.count() == 1


PAGES = ["/panel/", "/panel/bookings/", "/panel/bookings/new/", "/panel/tape/"]


@pytest.mark.parametrize("path", PAGES)
def test_booking_pages_need_a_hotel_member(client, hotel, path):
    assert client.get(path)["Location"].startswith("/panel/sign-in/?next=")
    nobody = factories.make_member(None, email="nobody@example.com")
    client.post("/panel/sign-in/", {"username": nobody.email, "password": PASSWORD})
    assert client.get(path).status_code == 403


def test_staff_issue_and_revoke_keys_on_the_simulated_lock(signed_in, hotel, book, future, settings,
                                                           django_capture_on_commit_callbacks):
    from innkeeper.locks.models import LockKey
    settings.LOCK_PROVIDER = "simulator"
    rt = factories.make_room_type(hotel, slug="keyed", rooms=1)
    with scopes_disabled():
        rt.rooms.update(lock_id="SIM-1", lock_account_key="simulator")
    b = book(hotel, rt, future, future + timedelta(days=1))
    early = signed_in.post(f"/panel/bookings/{b.reference}/keys/issue/", follow=True)
    assert "once the guest has checked in" in early.content.decode()
    signed_in.post(f"/panel/bookings/{b.reference}/status/", {"status": "CHECKED_IN"})
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(f"/panel/bookings/{b.reference}/keys/issue/")
    with scopes_disabled():
        assert LockKey.objects.get(booking=b).status == "PENDING"  # the staff member's request made no lock call
    assert "Being created on the lock" in signed_in.get(f"/panel/bookings/{b.reference}/").content.decode()
    work_outbox("lock_key")  # the worker's turn
    with scopes_disabled():
        key = LockKey.objects.get(booking=b)
    assert key.status == "ACTIVE" and key.lock_id == "SIM-1"
    assert "Active" in signed_in.get(f"/panel/bookings/{b.reference}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(f"/panel/bookings/{b.reference}/keys/revoke/")
    work_outbox("lock_key")
    with scopes_disabled():
        key.refresh_from_db()
        actors = [(e.verb, e.actor) for e in activity.history(b).filter(
            verb__in=["booking.keys_issue", "booking.keys_revoke"])]
        desk = Actor.staff(User.objects.get(email="desk@moscow.example"))
    assert key.status == "REVOKED"
    assert actors == [("booking.keys_issue", desk), ("booking.keys_revoke", desk)]


def test_today_counts_exactly_and_a_lapsed_hold_is_nobodys_arrival(client, hotel, other_hotel, book, now):
    rt = factories.make_room_type(hotel, slug="six", rooms=6, base_price_nightly=D("100"),
                                  base_price_hourly=D("20"))
    day = (now.astimezone(hotel.tz).date().replace(day=1) + timedelta(days=62)).replace(day=10)
    earlier = local(hotel, day - timedelta(days=5), 10)
    make = lambda first, last, name, **kw: book(hotel, rt, first, last, name=name, at=earlier, **kw)  # noqa: E731
    arriving = make(day, day + timedelta(days=2), "Arriving Anna")
    leaving = make(day - timedelta(days=2), day, "Leaving Lev")
    late = make(day - timedelta(days=2), day, "Late Lena")  # checked in, and not gone at 16:00 (late check-out)
    staying = make(day - timedelta(days=1), day + timedelta(days=1), "Staying Sam")
    cancelled = make(day, day + timedelta(days=1), "Cancelled Carl")
    with scope(hotel=hotel):
        services.booking_cancel(booking=cancelled, actor="test", now=earlier)
    hourly = book(hotel, rt, start=local(hotel, day, 15), hours=3, name="Hourly Hana", at=earlier)
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="x", rooms=1), day,
                  day + timedelta(days=1), name="Stranger", at=earlier)
    lapsed = make(day, day + timedelta(days=1), "Lapsed Hold", hold=True)
    unpaid = make(day, day + timedelta(days=1), "Unpaid Ulla", hold=True)
    with scope(hotel=hotel):
        services.booking_transition(booking=unpaid, to="PENDING_PAYMENT", actor="test", now=earlier)
        services.booking_transition(booking=late, to="CHECKED_IN", actor="test", now=earlier)
    staff = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    with time_machine.travel(local(hotel, day, 16), tick=False):
        client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD})
        r = client.get("/panel/")
    sheet, ctx = r.context["sheet"], r.context
    refs = lambda rows: [b.reference for b in rows]  # noqa: E731
    assert refs(sheet.arrivals) == [arriving.reference, hourly.reference]
    assert refs(sheet.departures) == [leaving.reference, late.reference, hourly.reference]
    assert refs(sheet.in_house) == [late.reference, staying.reference, arriving.reference, hourly.reference]
    assert ctx["today"] == (day, 3, 6)  # Anna's and Sam's nights and Hana's hours, of six rooms
    assert ctx["next_30"] == round(100 * (3 + 1) / (6 * 30))  # then only Anna's second night
    assert ctx["revenue"] == D("860.00")  # 4 × 200 + 3 h at 20; not the cancelled one, not the holds
    assert set(refs(ctx["recent"])) == {b.reference for b in (arriving, leaving, late, staying, cancelled, hourly,
                                                              lapsed, unpaid)}
    page = r.content.decode()
    assert "3/6" in page and "€860" in page and "Lapsed Hold" not in page.split("Recent bookings")[0]
    assert "Unpaid Ulla" not in page.split("Recent bookings")[0]
    assert theirs.reference not in page and "Stranger" not in page


def _tape_queries(client, first):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/panel/tape/", {"from": first.isoformat()}).status_code == 200
    return len(queries)


def test_the_tape_chart_runs_as_many_queries_for_fifty_bookings_as_for_five(signed_in, hotel, book, future,
                                                                           django_assert_max_num_queries):
    rt = factories.make_room_type(hotel, slug="busy", rooms=10)

    def stay(night):
        book(hotel, rt, future + timedelta(days=night), future + timedelta(days=night + 2))

    for _ in range(5):
        stay(0)
    few = _tape_queries(signed_in, future)
    for night in (0, 2, 4, 6, 8):  # then every room is booked night after night
        for _ in range(5 if night == 0 else 10):
            stay(night)
    with scopes_disabled():
        assert Booking.objects.count() == 50
    with django_assert_max_num_queries(few):
        assert signed_in.get("/panel/tape/", {"from": future.isoformat()}).status_code == 200


def test_the_tape_chart_offers_only_rooms_free_for_the_whole_stay(signed_in, hotel, rooms, book, future):
    a = book(hotel, rooms, future, future + timedelta(days=3), name="Anna")
    b = book(hotel, rooms, future + timedelta(days=2), future + timedelta(days=4), name="Boris")
    with scopes_disabled():
        third = rooms.rooms.exclude(pk__in=[a.room_id, b.room_id]).get()
        numbers = {r.pk: r.number for r in rooms.rooms.all()}
    page = signed_in.get("/panel/tape/", {"from": future.isoformat()}).content.decode()
    select = lambda booking: re.search(rf'<select id="move-{booking.pk}" name="room">(.*?)</select>',  # noqa: E731
                                       page, re.S).group(1)
    assert re.findall(r'value="(\d+)"', select(a)) == [str(third.pk)]  # Boris's room is taken on Anna's last night
    assert re.findall(r'value="(\d+)"', select(b)) == [str(third.pk)]
    assert numbers[third.pk] in select(a)


def test_a_late_check_out_moves_only_to_a_room_free_until_it_ends(signed_in, hotel, rooms, book, future):
    factories.make_add_on(hotel, "late-check-out", "15")
    anna = book(hotel, rooms, future, future + timedelta(days=2), name="Anna", add_ons=["late-check-out"])
    boris = book(hotel, rooms, future + timedelta(days=2), future + timedelta(days=3), name="Boris")
    with scopes_disabled():
        third = rooms.rooms.exclude(pk__in=[anna.room_id, boris.room_id]).get()
    page = signed_in.get("/panel/tape/", {"from": future.isoformat()}).content.decode()
    options = re.search(rf'<select id="move-{anna.pk}" name="room">(.*?)</select>', page, re.S).group(1)
    # Boris arrives at check-in time on Anna's last day, while Anna keeps her room until the late check-out.
    assert re.findall(r'value="(\d+)"', options) == [str(third.pk)]


def test_an_hourly_booking_sits_on_its_room_and_day_with_its_times_and_every_bar_opens_its_booking(
        signed_in, hotel, rooms, book, future):
    nightly = book(hotel, rooms, future, future + timedelta(days=2), name="Anna")
    hourly = book(hotel, rooms, start=local(hotel, future + timedelta(days=3), 10), hours=3, name="Hana")
    with scopes_disabled():
        room_number = Booking.objects.select_related("room").get(pk=hourly.pk).room.number
    page = signed_in.get("/panel/tape/", {"from": future.isoformat()}).content.decode()
    row = re.search(rf'<div class="tape-row" role="row" data-room="{room_number}">(.*?)\n  </div>', page, re.S).group(1)
    bar = re.search(rf'<div class="stay[^"]*" role="cell" data-reference="{hourly.reference}">\s*'
                    rf'<a href="([^"]+)">([^<]+)</a>', row)
    place = re.search(rf'\.stay\[data-reference="{hourly.reference}"\] \{{ ([^}}]+) \}}', page).group(1)
    assert place == "grid-column: 5 / span 1;"  # the fourth day of the chart, one day wide
    assert bar.group(1) == f"/panel/bookings/{hourly.reference}/"
    assert "10:00–13:00" in bar.group(2) and "Hana" in bar.group(2)
    for booking in (nightly, hourly):
        assert page.count(f'href="/panel/bookings/{booking.reference}/"') == 1


EXTERNAL = ["https://evil.example/sign-in/", "//evil.example/panel/", "http://testserver.evil.example/"]


@pytest.mark.parametrize("elsewhere", EXTERNAL)
def test_actions_never_send_anyone_to_another_site(signed_in, hotel, rooms, book, future, elsewhere):
    from innkeeper.messaging.models import Message

    a = book(hotel, rooms, future, future + timedelta(days=1))
    b = book(hotel, rooms, future, future + timedelta(days=1))
    with scopes_disabled():
        free = rooms.rooms.exclude(pk__in=[a.room_id, b.room_id]).get()
        failed = Message.objects.filter(booking=a).first()
        Message.objects.filter(pk=failed.pk).update(status="FAILED")
    home = f"/panel/bookings/{a.reference}/"
    answers = {
        "status": signed_in.post(f"{home}status/", {"status": "CHECKED_IN", "next": elsewhere}),
        "move taken": signed_in.post(f"{home}move/", {"room": b.room_id, "next": elsewhere}),
        "move": signed_in.post(f"{home}move/", {"room": free.pk, "next": elsewhere}),
        "retry": signed_in.post(f"/panel/messages/{failed.pk}/retry/", {"next": elsewhere}),
    }
    assert {what: r["Location"] for what, r in answers.items()} == {
        "status": home, "move taken": home, "move": home, "retry": "/panel/messages/"}
    with scopes_disabled():
        assert Booking.objects.get(pk=a.pk).room_id == free.pk  # the move itself still worked
    inside = signed_in.post(f"/panel/messages/{failed.pk}/retry/", {"next": "/panel/messages/?status=FAILED"})
    assert inside["Location"] == "/panel/messages/?status=FAILED"  # a page of the panel is fine


def test_search_by_email_phone_and_source_and_never_another_hotels(signed_in, hotel, other_hotel, rooms, future):
    stay = lambda h: stays.nightly(h, future, future + timedelta(days=1), now=timezone.now())  # noqa: E731

    def make(h, room_type, name, email, phone, source):
        with scope(hotel=h):
            return services.booking_create(hotel=h, room_type=room_type.slug, stay=stay(h), guests=1, source=source,
                                           guest=services.GuestDetails(name, email, phone))

    anna = make(hotel, rooms, "Anna Petrova", "anna.p@mail.example", "+7 916 123-45-67", "PHONE")
    boris = make(hotel, rooms, "Boris Ivanov", "boris@corp.example", "+7 903 555-00-11", "WALK_IN")
    theirs = factories.make_room_type(other_hotel, slug="x", rooms=1)
    make(other_hotel, theirs, "Anna Stranger", "anna.p@mail.example", "+7 916 123-45-67", "PHONE")

    def found(**query):
        page = signed_in.get("/panel/bookings/", query).content.decode()
        assert "Stranger" not in page
        return {ref for ref in (anna.reference, boris.reference) if ref in page}

    assert found(q="ANNA.P@mail") == {anna.reference}
    assert found(q="corp.example") == {boris.reference}
    assert found(q="123-45-67") == {anna.reference}
    assert found(q="+7 903") == {boris.reference}
    assert found(source="WALK_IN") == {boris.reference}
    assert found(source="PHONE") == {anna.reference}
    assert found(source="DIRECT") == set()
    assert found(source="PHONE", q="boris") == set()


def test_a_walk_in_and_an_hourly_booking_from_the_panel(signed_in, hotel, rooms, future):
    base = {"room_type": rooms.pk, "guests": 1, "email": "desk@example.com", "phone": "", "locale": "en"}
    walk_in = signed_in.post("/panel/bookings/new/", {**base, "source": "WALK_IN", "mode": "nightly",
                                                      "check_in": future.isoformat(), "name": "Walking Wanda",
                                                      "check_out": (future + timedelta(days=1)).isoformat(),
                                                      "request_key": "w1"})
    hourly = signed_in.post("/panel/bookings/new/", {**base, "source": "PHONE", "mode": "hourly", "name": "Hourly Hana",
                                                     "start": f"{future.isoformat()}T09:00", "hours": 3,
                                                     "request_key": "h1"})
    assert walk_in.status_code == hourly.status_code == 302
    with scopes_disabled():
        w = Booking.objects.get(guest_name="Walking Wanda")
        h = Booking.objects.get(guest_name="Hourly Hana")
    assert (w.source, w.kind, w.status, w.check_in, w.check_out, w.total) == (
        "WALK_IN", "NIGHTLY", "CONFIRMED", future, future + timedelta(days=1), D("100.00"))
    assert (h.source, h.kind, h.hours, h.start, h.end, h.total) == (
        "PHONE", "HOURLY", 3, local(hotel, future, 9), local(hotel, future, 12), D("60.00"))
    assert walk_in["Location"] == f"/panel/bookings/{w.reference}/"
    page = signed_in.get(hourly["Location"]).content.decode()
    assert "Hourly Hana" in page and "09:00" in page and "12:00" in page


def test_the_booking_page_masks_the_passport_number(signed_in, hotel, rooms, book, future, settings):
    from innkeeper.checkin import services as checkin

    settings.LOCK_PROVIDER = "simulator"
    b = book(hotel, rooms, future, future + timedelta(days=1))
    identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-05-17",
                                      document_number="75 1234567", nationality="RU", today=future)
    with scope(hotel=hotel):
        journey.checkin_complete(booking=b, identity=identity)
    page = signed_in.get(f"/panel/bookings/{b.reference}/").content.decode()
    assert "••••••567" in page and "Anna Petrova" in page and "Russia" in page
    assert "1234567" not in page and "751234567" not in page and "75 1234567" not in page


def test_sign_out_ends_the_session(signed_in):
    assert signed_in.get("/panel/").status_code == 200
    assert signed_in.post("/panel/sign-out/").status_code == 302
    again = signed_in.get("/panel/bookings/")
    assert again.status_code == 302 and again["Location"] == "/panel/sign-in/?next=/panel/bookings/"


@pytest.mark.parametrize("first, error", [
    ("9999-12-31", "Choose a day between"), ("0001-01-01", "Choose a day between"),
    ("2030-02-30", "Enter a valid date."), ("1-1-1", "Enter a valid date."),
])
def test_a_far_off_or_broken_day_on_the_tape_chart_is_400_with_the_error_beside_the_field(
        signed_in, hotel, other_hotel, rooms, book, now, first, error):
    today = now.astimezone(hotel.tz).date()
    mine = book(hotel, rooms, today + timedelta(days=1), today + timedelta(days=2), name="Anna Near")
    theirs_type = factories.make_room_type(other_hotel, slug="std", rooms=1)
    theirs = book(other_hotel, theirs_type, today + timedelta(days=1), today + timedelta(days=2), name="Other")
    r = signed_in.get("/panel/tape/", {"from": first})
    assert r.status_code == 400
    page = r.content.decode()
    assert re.search(rf'<p class="error" id="id_from_error">{re.escape(error)}', page)
    assert mine.reference in page and theirs.reference not in page  # today's window, this hotel only


def test_the_tape_chart_goes_to_a_day_fifty_years_on_and_back(signed_in, hotel, now):
    today = now.astimezone(hotel.tz).date()
    for day in (today + timedelta(days=18262), today - timedelta(days=18262)):
        r = signed_in.get("/panel/tape/", {"from": day.isoformat()})
        assert r.status_code == 200 and f"?from={day - timedelta(days=7)}" in r.content.decode()


NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next">')


def test_the_list_pages_through_all_250_bookings_keeping_the_filter_and_never_counts_another_hotel(
        signed_in, hotel, other_hotel, rooms, book, future):
    oldest = book(hotel, rooms, future, future + timedelta(days=1), name="Anna Petrova")
    newest = factories.copies_of(oldest, 249)[-1]
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="std", rooms=1), future,
                  future + timedelta(days=1), name="Anna Other")
    url, seen, pages = "/panel/bookings/?q=anna", [], []
    while url:
        page = signed_in.get(url).content.decode().replace("&amp;", "&")
        pages.append(page)
        seen += re.findall(r'class="ref" href="/panel/bookings/(\w{6})/"', page)
        found = NEXT_LINK.search(page)
        url = "/panel/bookings/" + found.group(1) if found else None
        assert url is None or "q=anna" in url  # the filter stays with the pages
    assert len(pages) == 5 and "Page 1 of 5" in pages[0] and "Page 5 of 5" in pages[4]
    assert "250 in all" in pages[0]
    assert len(seen) == 250 == len(set(seen))
    assert seen[0] == newest.reference and seen[-1] == oldest.reference
    assert theirs.reference not in seen
    assert 'rel="prev"' in pages[4] and 'rel="prev"' not in pages[0]


@pytest.mark.parametrize(("asked", "shown"), [("999", "Page 5 of 5"), ("nope", "Page 1 of 5"), ("-1", "Page 5 of 5"),
                                              ("0", "Page 5 of 5")])
def test_a_page_that_is_not_one_shows_the_first_or_the_last(signed_in, hotel, rooms, book, future, asked, shown):
    oldest = book(hotel, rooms, future, future + timedelta(days=1))
    factories.copies_of(oldest, 249)
    r = signed_in.get("/panel/bookings/", {"page": asked})
    assert r.status_code == 200 and shown in r.content.decode()
    assert (oldest.reference in r.content.decode()) == (shown == "Page 5 of 5")
