"""In a real browser, a hotel whose PMS is QloApps (the local fake over HTTP): staff press "Sync now", a worker
takes the sync, and the PMS page and the bookings list show the reservation made in QloApps; the guest opens the
check-in link from the confirmation the sync queued, and the check-in page is theirs."""

import re
from datetime import date, timedelta

import pytest
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking, Source
from innkeeper.core.models import IntegrationAccount
from innkeeper.messaging.models import Message
from innkeeper.pms.models import ExternalReservation
from tests import factories
from tests.e2e.test_panel_checks import sign_in
from tests.fakes.qloapps import KEY, FakeQloAppsServer
from tests.messaging_helpers import rendered

FUTURE = date.today() + timedelta(days=20), date.today() + timedelta(days=23)


@pytest.fixture
def shop(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the hotel's QloApps is a fake on this machine
    with FakeQloAppsServer() as (shop, base_url):
        shop.base_url = base_url
        yield shop
        assert shop.problems == []


def test_sync_now_imports_the_qloapps_reservation_and_its_check_in_link_opens(page, hotel, other_hotel, shop,
                                                                               worker):
    general = factories.make_room_type(hotel, slug="general", name="General Rooms")
    factories.make_room(general, number="GR-101")
    factories.make_room(factories.make_room_type(other_hotel, slug="general", name="General Rooms"),
                        number="GR-101")
    with scopes_disabled():
        IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="qloapps", config={
            "base_url": shop.base_url, "api_key": KEY, "id_hotel": "1", "auth_in_query": False})
    guest = shop.add_customer("Anna", "Petrova", "anna@example.com", phone="+79161234567")
    order = shop.create_order(guest, [(1, FUTURE[0].isoformat(), FUTURE[1].isoformat())], state=2)

    base = sign_in(page, hotel)
    page.goto(f"{base}/panel/pms/")
    page.get_by_text("Connected to qloapps.").wait_for()
    page.get_by_role("button", name="Sync now").click()
    page.get_by_text("A sync has been asked for and starts in a moment.").wait_for()
    assert shop.calls("room_bookings") == []  # the request itself never called the PMS
    assert worker.run("pms.sync_account") == ["pms.sync_account"]
    page.reload()
    page.locator("[data-sync=last]").get_by_text(
        "1 read, 1 new, 0 changed, 0 cancelled, 0 need your attention.").wait_for()

    with scopes_disabled():
        booking = Booking.objects.get(hotel=hotel)
        assert not Booking.objects.filter(hotel=other_hotel).exists()
        assert ExternalReservation.objects.get(booking=booking).booking_ref == order["reference"]
    assert (booking.source, booking.room.number, booking.guest_name) == (Source.PMS, "GR-101", "Anna Petrova")
    page.goto(f"{base}/panel/bookings/")
    row = page.get_by_role("row").filter(has_text=booking.reference)
    row.get_by_text("Anna Petrova").wait_for()
    page.goto(f"{base}/panel/bookings/{booking.reference}/")
    page.get_by_text("GR-101").first.wait_for()

    # The guest opens the check-in link from the confirmation e-mail the sync queued for them.
    with scopes_disabled():
        confirmation = rendered(Message.objects.get(booking_id=booking.pk, type="BOOKING_CONFIRMATION",
                                                    channel="EMAIL"))
    assert confirmation.recipient == "anna@example.com"
    link = re.search(r"http://moscow\.localhost:8000(/en/check-in/\?token=\S+)", confirmation.body_text)
    page.goto(f"http://moscow.localhost:{page.port}{link.group(1)}")
    page.get_by_role("link", name="Start check-in").wait_for()
    assert booking.reference in page.content()
