"""core.db.insert and core.db.select: the written-out INSERT and SELECT of the booking path give what the ORM gives."""

from datetime import timedelta
from decimal import Decimal

from django.utils import translation
from django_scopes import scope, scopes_disabled

from innkeeper.core import db
from innkeeper.core.models import ActivityLog
from innkeeper.hotels.models import Hotel, RoomType
from innkeeper.hotels.selectors import hotel_by_slug
from innkeeper.messaging.models import Message
from tests import factories


def test_insert_writes_every_row_and_gives_each_its_own_id(hotel, other_hotel, now):
    entries = [ActivityLog(hotel_id=h.pk, subject_type="booking.Booking", subject_id=str(i), verb="booking.created",
                           actor_kind="system", data={"reference": f"R{i}", "total": "10.50", "n": i},
                           at=now + timedelta(seconds=i))
               for i, h in enumerate([hotel, other_hotel, hotel])]
    db.insert(entries)
    assert len({e.pk for e in entries}) == 3 and all(e.pk for e in entries)
    assert not any(e._state.adding for e in entries)
    with scopes_disabled():
        for entry in entries:  # each id names the row written from that instance
            stored = ActivityLog.objects.get(pk=entry.pk)
            assert (stored.hotel_id, stored.subject_id, stored.data, stored.at) == (
                entry.hotel_id, entry.subject_id, entry.data, entry.at)
        assert ActivityLog.objects.filter(hotel=other_hotel).count() == 1


def test_insert_prepares_values_as_save_does(hotel, now):
    """Encrypted and JSON columns are stored prepared, and the creation time is filled in."""
    row = Message(hotel=hotel, channel="EMAIL", type="BOOKING_CONFIRMATION", locale="en",
                  idempotency_key="core-db-test", recipient="guest@example.com", subject="", body_text="",
                  variables={"pin": "123456"}, next_attempt_at=now)
    db.insert([row])
    with scope(hotel=hotel):
        stored = Message.objects.get(pk=row.pk)
    assert stored.variables == {"pin": "123456"} and stored.recipient == "guest@example.com"
    assert stored.created_at is not None and row.created_at == stored.created_at


def test_select_loads_the_hotel_as_the_orm_does(hotel, other_hotel):
    hotel.name_ru = "Московская гостиница"
    hotel.save()
    loaded = hotel_by_slug("moscow")
    with scopes_disabled():
        expected = Hotel.objects.get(pk=hotel.pk)
    assert loaded.pk == hotel.pk and not loaded._state.adding
    for field in Hotel._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    with translation.override("ru"):
        assert loaded.name == "Московская гостиница"
    with translation.override("en"):
        assert loaded.name == "Moscow Inn"


def test_select_converts_decimals_and_booleans(hotel, other_hotel):
    factories.make_room_type(other_hotel, slug="suite", base_price_nightly=Decimal("999.00"))
    room_type = factories.make_room_type(hotel, slug="suite", base_price_nightly=Decimal("123.45"))
    found = db.select(RoomType, "t.hotel_id = %s AND t.slug = %s", [hotel.pk, "suite"])
    assert [r.pk for r in found] == [room_type.pk]
    assert found[0].base_price_nightly == Decimal("123.45") and isinstance(found[0].base_price_nightly, Decimal)
    assert found[0].is_active is True
