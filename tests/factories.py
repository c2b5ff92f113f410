"""Builders for test data. They run with scopes disabled; the code under test runs inside a scope."""

from __future__ import annotations

import itertools
from datetime import time, timedelta
from decimal import Decimal

from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.hotels.models import AddOn, AddOnCharge, BookingModel, Hotel, RateOverride, Room, RoomType

_seq = itertools.count(1)


@scopes_disabled()
def make_hotel(**fields) -> Hotel:
    n = next(_seq)
    defaults = dict(name=f"Hotel {n}", slug=f"hotel-{n}", time_zone="Europe/Moscow", currency="EUR",
                    default_locale="en", locales=["en", "ru"], booking_model=BookingModel.BOTH,
                    check_in_time=time(14), check_out_time=time(12), hourly_min_hours=2, hourly_max_hours=12,
                    hourly_start_hour=8, hourly_end_hour=22, tax_rate=Decimal("0"), prices_include_tax=True)
    defaults.update(fields)
    return Hotel.objects.create(**defaults)


def _per_language(text: str, fields: dict) -> bool:
    """Whether ``fields`` give ``text`` per language (``name_en``, ``name_ru``) rather than as ``name``, which
    sets the active language's."""
    return any(key.startswith(f"{text}_") for key in fields)


@scopes_disabled()
def make_room_type(hotel: Hotel, *, rooms: int = 0, **fields) -> RoomType:
    n = next(_seq)
    defaults = dict(slug=f"type-{n}", base_price_nightly=Decimal("100.00"),
                    base_price_hourly=Decimal("20.00"), base_occupancy=2, max_occupancy=3,
                    extra_guest_charge=Decimal("0"))
    if not _per_language("name", fields):
        defaults["name"] = f"Type {n}"
    defaults.update(fields)
    room_type = RoomType.objects.create(hotel=hotel, **defaults)
    for _ in range(rooms):
        make_room(room_type)
    return room_type


@scopes_disabled()
def make_room(room_type: RoomType, **fields) -> Room:
    """A room; one with a ``lock_id`` has it on the lock account its hotel uses now (as the panel would
    bind it), unless ``lock_account_key`` says otherwise."""
    defaults = dict(number=f"R{next(_seq)}")
    defaults.update(fields)
    if defaults.get("lock_id") and "lock_account_key" not in defaults:
        defaults["lock_account_key"] = lock_account_key(room_type.hotel)
    return Room.objects.create(hotel=room_type.hotel, room_type=room_type, **defaults)


def lock_account_key(hotel: Hotel) -> str:
    from innkeeper.locks.providers import provider_for

    return provider_for(hotel).account_key


@scopes_disabled()
def make_override(room_type: RoomType, day, **fields) -> RateOverride:
    return RateOverride.objects.create(hotel=room_type.hotel, room_type=room_type, date=day, **fields)


@scopes_disabled()
def make_add_on(hotel: Hotel, code: str, price, charge=AddOnCharge.PER_STAY, **fields) -> AddOn:
    if not _per_language("name", fields):
        fields.setdefault("name", code.title())
    return AddOn.objects.create(hotel=hotel, code=code, price=Decimal(price), charge=charge, **fields)


PASSWORD = "a long test passphrase"


def make_member(hotel: Hotel, role: str = "STAFF", email: str | None = None):
    from innkeeper.accounts.models import Membership, User

    user = User.objects.create_user(email or f"person{next(_seq)}@example.com", PASSWORD, name="Test Person")
    if hotel is not None:
        Membership.objects.create(user=user, hotel=hotel, role=role)
    return user


def make_lock_account(hotel: Hotel, provider: str = "ttlock", *, is_active: bool = True, **config):
    """A hotel's own lock account, stored as it is (no checks: tests also store what a form would refuse)."""
    from innkeeper.core.models import IntegrationAccount

    with scopes_disabled():
        return IntegrationAccount.objects.create(
            hotel=hotel, kind="lock", provider=provider, config=config,
            status=IntegrationAccount.ACTIVE if is_active else IntegrationAccount.DISABLED)


def make_messaging_account(hotel: Hotel, *, whatsapp_provider: str = "", is_active: bool = True, **fields):
    """A hotel's own WhatsApp account and e-mail sender from the panel card's field names
    (``waha_base_url``, ``email_from_address`` ...), stored as they are; returns the WhatsApp account."""
    from innkeeper.core.models import IntegrationAccount

    status = IntegrationAccount.ACTIVE if is_active else IntegrationAccount.DISABLED
    email = {key: fields.pop(f"email_{key}", "") for key in ("from_name", "from_address", "reply_to")}
    prefix = {"waha": "waha_", "cloud": "cloud_", "twilio": "twilio_"}.get(whatsapp_provider, "")
    config = {name.removeprefix(prefix): value for name, value in fields.items() if prefix and name.startswith(prefix)}
    with scopes_disabled():
        if any(email.values()):
            IntegrationAccount.objects.create(hotel=hotel, kind="email", provider="smtp", config=email, status=status)
        if whatsapp_provider:
            return IntegrationAccount.objects.create(hotel=hotel, kind="whatsapp", provider=whatsapp_provider,
                                                     config=config, status=status)
    return None


@scopes_disabled()
def copies_of(booking, count: int) -> list:
    """count more bookings like this one, each two days after the last in the same room (so none overlaps),
    created after it and one after another: the original stays the oldest."""
    copies = []
    for n in range(1, count + 1):
        shift = timedelta(days=2 * n)
        copy = Booking.objects.get(pk=booking.pk)
        copy.pk, copy.reference = None, f"Z{n:05d}"
        copy.check_in += shift
        copy.check_out = copy.check_out + shift if copy.check_out else None
        copy.start, copy.end = copy.start + shift, copy.end + shift
        copy.blocks_from, copy.blocks_until = copy.blocks_from + shift, copy.blocks_until + shift
        copy.request_key = ""
        copy.save()
        copies.append(copy)
    return copies
