"""The panel's reservations page: status tabs with counts, the source, search and paging; never another
hotel's bookings; a fixed number of queries however many are listed."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.core.models import IntegrationAccount
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def signed_in(client, hotel):
    staff = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    assert client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD}).status_code == 302
    return client


def _set(booking, **fields):
    with scopes_disabled():
        Booking.objects.filter(pk=booking.pk).update(**fields)


def _tabs(page: str) -> dict[str, int]:
    return {code: int(n) for code, n in re.findall(r'data-tab="(\w+)">[^<]*<span class="count">(\d+)</span>', page)}


@pytest.fixture
def stays(hotel, other_hotel, book):
    """One booking of each kind a tab shows, and the other hotel's arriving today."""
    today = timezone.now().astimezone(hotel.tz).date()
    rt = factories.make_room_type(hotel, slug="std", rooms=8)
    made = {
        "today": book(hotel, rt, today, today + timedelta(days=2), name="Today Tanya"),
        "tomorrow": book(hotel, rt, today + timedelta(days=1), today + timedelta(days=3), name="Tomorrow Tim"),
        "later": book(hotel, rt, today + timedelta(days=5), today + timedelta(days=6), name="Later Lena"),
        "in_house": book(hotel, rt, today + timedelta(days=7), today + timedelta(days=8), name="Inside Igor"),
        "out": book(hotel, rt, today + timedelta(days=9), today + timedelta(days=10), name="Gone Gleb"),
        "cancelled": book(hotel, rt, today, today + timedelta(days=1), name="Cancelled Carl"),
    }
    _set(made["in_house"], status="CHECKED_IN")
    _set(made["out"], status="CHECKED_OUT")
    _set(made["cancelled"], status="CANCELLED")
    theirs = factories.make_room_type(other_hotel, slug="x", rooms=1)
    made["stranger"] = book(other_hotel, theirs, today, today + timedelta(days=1), name="Stranger Sam")
    return made


def test_tabs_count_and_list_each_status_and_never_another_hotel(signed_in, stays):
    page = signed_in.get("/panel/bookings/").content.decode()
    assert _tabs(page) == {"all": 6, "arriving": 2, "in_house": 1, "checked_out": 1, "cancelled": 1}
    assert 'aria-current="page" data-tab="all"' in page
    assert "Stranger" not in page

    def listed(tab):
        page = signed_in.get("/panel/bookings/", {"tab": tab}).content.decode()
        assert "Stranger" not in page
        return {name for name in ("Today Tanya", "Tomorrow Tim", "Later Lena", "Inside Igor", "Gone Gleb",
                                  "Cancelled Carl") if name in page}

    assert listed("arriving") == {"Today Tanya", "Tomorrow Tim"}  # today and tomorrow, not cancelled, not later
    assert listed("in_house") == {"Inside Igor"}
    assert listed("checked_out") == {"Gone Gleb"}
    assert listed("cancelled") == {"Cancelled Carl"}
    assert listed("nonsense") == set(listed("all"))  # an unknown tab is "all"


def test_search_and_source_narrow_the_tabs_and_their_counts(signed_in, hotel, stays):
    _set(stays["tomorrow"], source="PMS")
    IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="qloapps", config={})
    page = signed_in.get("/panel/bookings/", {"tab": "arriving", "source": "PMS"}).content.decode()
    assert _tabs(page) == {"all": 1, "arriving": 1, "in_house": 0, "checked_out": 0, "cancelled": 0}
    assert "Tomorrow Tim" in page and "Today Tanya" not in page
    assert "<td>QloApps</td>" in page  # the PMS by its name
    page = signed_in.get("/panel/bookings/", {"q": "tanya"}).content.decode()
    assert _tabs(page)["all"] == 1 and "Today Tanya" in page
    assert "<td>Hotel website</td>" in page
    # another tab keeps the search; the search form keeps the tab
    assert 'href="?q=tanya&amp;tab=arriving"' in page and 'name="tab" value="all"' in page


def test_tabs_page_their_list(signed_in, hotel, book, future, settings):
    rt = factories.make_room_type(hotel, slug="many", rooms=60)
    for n in range(55):
        book(hotel, rt, future, future + timedelta(days=1), name=f"Guest {n:02}")
    page = signed_in.get("/panel/bookings/", {"tab": "all"}).content.decode()
    assert "55 in all" in page and "Page 1 of 2" in page
    second = signed_in.get("/panel/bookings/", {"tab": "all", "page": 2}).content.decode()
    assert second.count('class="ref"') == 5


def test_the_reservations_page_runs_as_many_queries_for_forty_bookings_as_for_four(
        signed_in, hotel, book, future, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rt = factories.make_room_type(hotel, slug="q", rooms=40)
    for _ in range(4):
        book(hotel, rt, future, future + timedelta(days=1))
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get("/panel/bookings/").status_code == 200
    for _ in range(36):
        book(hotel, rt, future, future + timedelta(days=1))
    with django_assert_max_num_queries(len(few)):
        assert signed_in.get("/panel/bookings/").status_code == 200
