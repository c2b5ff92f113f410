"""Cloudbeds and Mews webhooks end to end: a delivery shaped and authenticated as each PMS sends it is posted to
the one hook view (/hooks/pms/<provider>/<account>), the worker processes the stored event by fetching the
reservation from the PMS (a local fake over real HTTP), and the stay appears here with its confirmation. The same
delivery twice stores one event and makes one message; an unauthenticated, malformed or stale one stores nothing;
another hotel's account id in the URL cannot touch this hotel."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock

import pytest
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking, Source
from innkeeper.booking.states import Status
from innkeeper.core.models import IntegrationAccount
from innkeeper.messaging.models import Message
from innkeeper.pms.models import ExternalReservation, InboundEvent
from tests import factories
from tests.fakes.cloudbeds import API_KEY, PROPERTY_ID, FakeCloudbedsServer
from tests.fakes.mews import ACCESS_TOKEN, CLIENT_TOKEN, ENTERPRISE_ID, FakeMewsServer

pytestmark = pytest.mark.django_db

CB_SECRET, CB_THEIR_SECRET = "cb-hook-secret-moscow", "cb-hook-secret-other"
MEWS_TOKEN, MEWS_THEIR_TOKEN = "mews-hook-token-moscow", "mews-hook-token-other"


def account(hotel, provider, config):
    with scopes_disabled():
        return IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider=provider, config=config)


def rooms_here(*hotels):
    for h in hotels:
        factories.make_room(factories.make_room_type(h, slug="standard", name="Standard"), number="101")


def confirmations(hotel):
    with scopes_disabled():
        return sorted(Message.objects.filter(hotel=hotel, type="BOOKING_CONFIRMATION")
                      .values_list("channel", "recipient"))


def stored(hotel=None):
    with scopes_disabled():
        rows = InboundEvent.objects.all()
        return list(rows.filter(hotel=hotel) if hotel is not None else rows)


def bookings(hotel):
    with scopes_disabled():
        return list(Booking.objects.filter(hotel=hotel).select_related("room"))


# -- Cloudbeds: unsigned JSON, the account's secret in the URL, a unix timestamp, the booking's id only ----------

@pytest.fixture
def cloudbeds(settings, hotel, other_hotel):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the PMS is a fake on this machine
    rooms_here(hotel, other_hotel)
    with FakeCloudbedsServer(tz=hotel.tz) as (fake, base_url):
        fake.add_room_type("11", "Standard")
        fake.add_room("101", "101", "11")
        ours = account(hotel, "cloudbeds", {"property_id": PROPERTY_ID, "api_key": API_KEY, "base_url": base_url,
                                            "webhook_secret": CB_SECRET})
        theirs = account(other_hotel, "cloudbeds", {"property_id": "777001", "api_key": "cbat_theirs",
                                                    "base_url": base_url, "webhook_secret": CB_THEIR_SECRET})
        yield fake, ours, theirs
    assert fake.problems == []


def cb_post(client, acc, body: bytes, secret=CB_SECRET):
    query = f"?secret={secret}" if secret is not None else ""
    return client.post(f"/hooks/pms/cloudbeds/{acc.pk}{query}", body, content_type="application/json")


def test_cloudbeds_webhook_fetches_the_booking_and_confirms_it_once(client, cloudbeds, worker, hotel, other_hotel,
                                                                     future):
    fake, ours, theirs = cloudbeds
    guest = fake.add_guest("Anna", "Petrova", email="anna@example.com", phone="+79120000001", country="ru")
    booking = fake.book(guest, future, future + timedelta(days=2), ("11", "101"))
    body = fake.webhook("reservation/created", booking, startDate=future.isoformat(),
                        endDate=(future + timedelta(days=2)).isoformat())

    assert cb_post(client, ours, body).status_code == 200
    assert cb_post(client, ours, body).status_code == 200  # Cloudbeds delivered it again: answered, not stored
    assert len(stored(hotel)) == 1 and fake.calls("getReservation") == []  # nothing fetched inside the request
    assert worker.run("pms.event_process") == ["pms.event_process"]

    assert fake.calls("getReservation") == [{"propertyID": PROPERTY_ID, "reservationID": booking.reservation_id}]
    [here] = bookings(hotel)
    assert (here.status, here.source, here.room.number, here.guest_email) == (
        Status.CONFIRMED, Source.PMS, "101", "anna@example.com")
    assert (here.start.astimezone(hotel.tz).date(), here.end.astimezone(hotel.tz).date()) == (
        future, future + timedelta(days=2))
    assert confirmations(hotel) == [("EMAIL", "anna@example.com"), ("WHATSAPP", "+79120000001")]
    with scopes_disabled():
        assert ExternalReservation.objects.get(account=ours).external_id == (
            f"{booking.reservation_id}/{booking.reservation_id}-1")
    assert bookings(other_hotel) == [] and stored(other_hotel) == []

    # Cancelled in Cloudbeds: the status webhook cancels it here; delivered twice, one cancellation message each.
    fake.cancel(booking)
    cancelled = fake.webhook("reservation/status_changed", booking, status="canceled")
    cb_post(client, ours, cancelled)
    cb_post(client, ours, cancelled)
    worker.run("pms.event_process")
    here.refresh_from_db()
    assert here.status == Status.CANCELLED
    with scopes_disabled():
        assert sorted(Message.objects.filter(booking=here, type="BOOKING_CANCELLED").values_list("channel", flat=True)
                      ) == ["EMAIL", "WHATSAPP"]
    assert len(stored(hotel)) == 2


def test_cloudbeds_webhook_for_a_deleted_booking_cancels_every_room_of_it(client, cloudbeds, worker, hotel, future):
    fake, ours, _theirs = cloudbeds
    guest = fake.add_guest("Ivan", "Sidorov", email="ivan@example.com")
    booking = fake.book(guest, future, future + timedelta(days=1), ("11", "101"))
    cb_post(client, ours, fake.webhook("reservation/created", booking))
    worker.run("pms.event_process")
    fake.remove(booking)
    cb_post(client, ours, fake.webhook("reservation/deleted", booking))
    worker.run("pms.event_process")
    [here] = bookings(hotel)
    assert here.status == Status.CANCELLED


@pytest.mark.parametrize("case", ["no_secret", "wrong_secret", "not_json", "no_event", "stale", "other_property",
                                  "their_account_with_our_secret", "their_account_with_their_secret"])
def test_a_refused_cloudbeds_webhook_stores_nothing(client, cloudbeds, worker, hotel, other_hotel, future, case):
    fake, ours, theirs = cloudbeds
    guest = fake.add_guest("Anna", "Petrova", email="anna@example.com")
    booking = fake.book(guest, future, future + timedelta(days=1), ("11", "101"))
    body = fake.webhook("reservation/created", booking)
    expected = 401
    if case == "no_secret":
        response = cb_post(client, ours, body, secret=None)
    elif case == "wrong_secret":
        response = cb_post(client, ours, body, secret=CB_SECRET + "x")
    elif case == "not_json":
        response, expected = cb_post(client, ours, b"event=reservation/created"), 400
    elif case == "no_event":
        response, expected = cb_post(client, ours, json.dumps({"propertyID": int(PROPERTY_ID)}).encode()), 400
    elif case == "stale":  # a delivery captured ten minutes ago and sent again
        response = cb_post(client, ours, fake.webhook("reservation/created", booking,
                                                      timestamp=round(time.time() - 600, 2)))
    elif case == "other_property":
        response, expected = cb_post(client, ours, fake.webhook("reservation/created", booking, propertyID=777001)), 400
    elif case == "their_account_with_our_secret":  # our delivery sent to the other hotel's account id
        response = cb_post(client, theirs, body)
    else:  # their own secret, naming our property and our booking: not their property, refused
        response, expected = cb_post(client, theirs, body, secret=CB_THEIR_SECRET), 400
    assert response.status_code == expected
    assert stored() == []
    assert worker.run("pms.event_process") == []
    assert fake.calls("getReservation") == []
    assert bookings(hotel) == [] and bookings(other_hotel) == []


# -- Mews: a general webhook (ids only), the token we gave Mews in the URL, no timestamp --------------------------

@pytest.fixture
def mews(settings, hotel, other_hotel):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    rooms_here(hotel, other_hotel)
    with FakeMewsServer() as (fake, platform_url):
        category = fake.add_category("Standard")
        fake.room_id = fake.add_room("101", category)
        fake.category = category
        ours = account(hotel, "mews", {"client_token": CLIENT_TOKEN, "access_token": ACCESS_TOKEN,
                                       "platform_url": platform_url, "enterprise_id": ENTERPRISE_ID,
                                       "webhook_token": MEWS_TOKEN})
        theirs = account(other_hotel, "mews", {"client_token": CLIENT_TOKEN, "access_token": "their-access-token",
                                               "platform_url": platform_url, "enterprise_id": str(uuid.uuid4()),
                                               "webhook_token": MEWS_THEIR_TOKEN})
        yield fake, ours, theirs
    assert fake.problems == []


def mews_post(client, acc, body: bytes, token=MEWS_TOKEN):
    query = f"?token={token}" if token is not None else ""
    return client.post(f"/hooks/pms/mews/{acc.pk}{query}", body, content_type="application/json")


def mews_stay(fake, hotel, future, **customer):
    customer_id = fake.add_customer("Olga", "Ivanova", **customer)
    start = datetime.combine(future, clock(15), tzinfo=hotel.tz)
    end = datetime.combine(future + timedelta(days=3), clock(11), tzinfo=hotel.tz)
    return fake.book(customer_id, start, end, fake.category, fake.room_id)


def test_mews_webhook_fetches_the_reservation_and_confirms_it_once(client, mews, worker, hotel, other_hotel, future):
    fake, ours, _theirs = mews
    reservation = mews_stay(fake, hotel, future, Email="olga@example.com", Phone="+79120000003",
                            PreferredLanguageCode="ru-RU")
    # Mews sends "Added" with an "Updated" for the same id in one delivery, and customers' events beside.
    body = fake.webhook(("ServiceOrderUpdated", reservation["Id"]), ("CustomerAdded", reservation["AccountId"]),
                        ("ServiceOrderUpdated", reservation["Id"]))
    assert mews_post(client, ours, body).status_code == 200
    assert mews_post(client, ours, body).status_code == 200  # the same delivery retried by Mews
    assert len(stored(hotel)) == 1 and fake.calls("reservations/getAll/2023-06-06") == []
    assert worker.run("pms.event_process") == ["pms.event_process"]

    [fetch] = fake.calls("reservations/getAll/2023-06-06")
    assert fetch["ReservationIds"] == [reservation["Id"]] and fetch["AccessToken"] == ACCESS_TOKEN
    [here] = bookings(hotel)
    assert (here.status, here.source, here.room.number, here.locale) == (Status.CONFIRMED, Source.PMS, "101", "ru")
    assert (here.start, here.end) == (datetime.fromisoformat(reservation["ScheduledStartUtc"].replace("Z", "+00:00")),
                                      datetime.fromisoformat(reservation["ScheduledEndUtc"].replace("Z", "+00:00")))
    assert confirmations(hotel) == [("EMAIL", "olga@example.com"), ("WHATSAPP", "+79120000003")]
    assert bookings(other_hotel) == [] and stored(other_hotel) == []

    # Checked in at the Mews desk, then a later delivery about it: followed here, no second confirmation.
    fake.start(reservation)
    mews_post(client, ours, fake.webhook(("ServiceOrderUpdated", reservation["Id"]), ("ResourceUpdated", "x")))
    worker.run("pms.event_process")
    here.refresh_from_db()
    assert here.status == Status.CHECKED_IN
    assert len(confirmations(hotel)) == 2


@pytest.mark.parametrize("case", ["no_token", "wrong_token", "not_json", "no_events", "other_enterprise",
                                  "their_account_with_our_token", "their_account_with_their_token"])
def test_a_refused_mews_webhook_stores_nothing(client, mews, worker, hotel, other_hotel, future, case):
    fake, ours, theirs = mews
    reservation = mews_stay(fake, hotel, future, Email="olga@example.com")
    body = fake.webhook(("ServiceOrderUpdated", reservation["Id"]))
    expected = 401
    if case == "no_token":
        response = mews_post(client, ours, body, token=None)
    elif case == "wrong_token":
        response = mews_post(client, ours, body, token=MEWS_TOKEN[:-1])
    elif case == "not_json":
        response, expected = mews_post(client, ours, b"<Events/>"), 400
    elif case == "no_events":
        response, expected = mews_post(client, ours, json.dumps({"EnterpriseId": ENTERPRISE_ID}).encode()), 400
    elif case == "other_enterprise":
        other = json.loads(body)
        other["EnterpriseId"] = str(uuid.uuid4())
        response, expected = mews_post(client, ours, json.dumps(other).encode()), 400
    elif case == "their_account_with_our_token":
        response = mews_post(client, theirs, body)
    else:  # their own token, but a delivery about our enterprise: refused
        response, expected = mews_post(client, theirs, body, token=MEWS_THEIR_TOKEN), 400
    assert response.status_code == expected
    assert stored() == []
    assert worker.run("pms.event_process") == []
    assert fake.calls("reservations/getAll/2023-06-06") == []
    assert bookings(hotel) == [] and bookings(other_hotel) == []
