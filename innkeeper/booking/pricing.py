"""Quotes: what a stay costs, line by line. The quote shown is the amount charged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from innkeeper.booking.stays import HOURLY, Stay
from innkeeper.core.money import money
from innkeeper.hotels.models import AddOnCharge


@dataclass(frozen=True)
class QuoteLine:
    kind: str  # night | hours | extra_guests | add_on
    label: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    date: date | None = None
    code: str | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "label": self.label, "quantity": self.quantity,
            "unit_price": str(self.unit_price), "amount": str(self.amount),
            "date": self.date.isoformat() if self.date else None, "code": self.code,
        }


@dataclass(frozen=True)
class Quote:
    currency: str
    lines: list[QuoteLine] = field(default_factory=list)
    subtotal: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")
    tax_rate: Decimal = Decimal("0")
    tax_included: bool = True

    def as_dict(self) -> dict:
        return {
            "currency": self.currency, "lines": [line.as_dict() for line in self.lines],
            "subtotal": str(self.subtotal), "tax": str(self.tax), "total": str(self.total),
            "tax_rate": str(self.tax_rate), "tax_included": self.tax_included,
        }


def _line(kind, label, quantity, unit_price, *, day=None, code=None) -> QuoteLine:
    unit_price = money(unit_price)
    return QuoteLine(kind, label, quantity, unit_price, money(unit_price * quantity), day, code)


def quote(*, hotel, room_type, stay: Stay, guests: int, add_ons=(), overrides: dict | None = None) -> Quote:
    """Price ``stay`` in ``room_type`` for ``guests``.

    ``overrides`` maps date -> RateOverride for this room type (missing dates use base prices).
    Extra guests (above base occupancy) pay per night, or once per hourly stay.
    """
    overrides = overrides or {}
    lines: list[QuoteLine] = []
    if stay.kind == HOURLY:
        ov = overrides.get(stay.check_in)
        price = ov.price_hourly if ov and ov.price_hourly is not None else room_type.base_price_hourly
        lines.append(_line("hours", _("%(n)d hours") % {"n": stay.hours}, stay.hours, price, day=stay.check_in))
        units = 1
    else:
        for night in stay.dates:
            ov = overrides.get(night)
            price = ov.price_nightly if ov and ov.price_nightly is not None else room_type.base_price_nightly
            lines.append(_line("night", _("Night of %(date)s") % {"date": night.isoformat()}, 1, price, day=night))
        units = stay.nights

    extra = max(0, guests - room_type.base_occupancy)
    if extra and room_type.extra_guest_charge:
        lines.append(_line("extra_guests", _("Extra guests"), extra * units, room_type.extra_guest_charge))

    lines += [add_on_line(add_on, units=units, guests=guests) for add_on in add_ons]
    return _totals(hotel, lines)


def add_on_line(add_on, *, units: int, guests: int) -> QuoteLine:
    """An add-on's line: once per stay, per night (per hourly stay), or per guest."""
    quantity = {AddOnCharge.PER_STAY: 1, AddOnCharge.PER_NIGHT: units, AddOnCharge.PER_GUEST: guests}[add_on.charge]
    return _line("add_on", add_on.name, quantity, add_on.price, code=add_on.code)


def _totals(hotel, lines: list[QuoteLine]) -> Quote:
    subtotal = money(sum((line.amount for line in lines), Decimal("0")))
    rate = Decimal(hotel.tax_rate) / 100
    if hotel.prices_include_tax:
        tax = money(subtotal - subtotal / (1 + rate))
        total = subtotal
    else:
        tax = money(subtotal * rate)
        total = subtotal + tax
    return Quote(hotel.currency, lines, subtotal, tax, total, Decimal(hotel.tax_rate), hotel.prices_include_tax)


def line_from_dict(data: dict) -> QuoteLine:
    return QuoteLine(data["kind"], data["label"], int(data["quantity"]), Decimal(data["unit_price"]),
                     Decimal(data["amount"]), date.fromisoformat(data["date"]) if data.get("date") else None,
                     data.get("code"))


def with_add_ons(*, hotel, quoted: dict, add_ons, units: int, guests: int) -> Quote:
    """A stored quote with ``add_ons`` added at today's add-on prices; the lines already agreed stay as
    they were (a change of rates since booking does not touch them)."""
    lines = [line_from_dict(d) for d in quoted["lines"]]
    lines += [add_on_line(add_on, units=units, guests=guests) for add_on in add_ons]
    return _totals(hotel, lines)
