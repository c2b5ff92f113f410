"""PMS reservations imported per second: the sync engine reading a PMS and making each reservation a stay here
with its journey (confirmation rows on e-mail and WhatsApp), 10,000 reservations.

The PMS is the in-memory one of the tests (tests/pms_fake_adapter.py: Python data behind the PmsAdapter
interface), so the figure is the engine's own cost: mapping, ExternalReservation rows, the booking INSERT with
its no-overlap check, the activity entry and the message rows, a page of 500 per transaction. A real PMS adds
its HTTP time on top.

Measured:
- **import**: the first sync of the account (the window around today): every reservation new;
- **re-read**: the next sync reading the same 10,000 reservations, none changed (each compared and skipped);
- **bare**: ``Booking.objects.create()`` of 1,000 stays in autocommit (the no-overlap guard runs, nothing else),
  the yardstick: **import/bare** is the fraction of a raw INSERT's rate the whole import keeps.

    .venv/bin/python bench/pms_sync.py [--count 10000] [--rooms 100]

The last line is ``pms import/s: N (10,000 in S s)``.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from _common import create_hotel, print_footer, print_header, setup_django, table  # noqa: I001


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rooms", type=int, default=100)
    args = parser.parse_args()
    info = setup_django("pms_sync")

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from innkeeper.booking.models import Booking
    from innkeeper.core.models import IntegrationAccount
    from innkeeper.journey import pms
    from innkeeper.messaging.models import Message
    from tests import pms_fake_adapter as fake
    from tests.messaging_helpers import switch_broker

    switch_broker("memory://")  # the message rows' doorbells go nowhere: no worker runs in this bench

    per_room = -(-args.count // args.rooms)
    if per_room * 3 > 360:
        raise SystemExit("bench: too many reservations per room for a year; give more --rooms")
    hotel, _types, _rooms = create_hotel("pms", [{"slug": "standard", "rooms": args.rooms, "name": "Standard"}])
    with scopes_disabled():
        numbers = [r.number for r in hotel.rooms.order_by("number")]
    store = fake.store("bench", rooms=numbers)
    today = timezone.now().astimezone(hotel.tz).date()
    n = 0
    for i in range(per_room):
        for number in numbers:
            if n >= args.count:
                break
            day = today + timedelta(days=1 + 3 * i)
            store.book(f"R{n}", day, day + timedelta(days=2), room=number, name=f"Guest {n}",
                       email=f"guest{n}@example.com", phone="+7 916 123-45-67")
            n += 1
    with scopes_disabled():
        account = IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="fakepms",
                                                    config={"url": "fake://bench", "key": store.key})
    print_header("PMS sync: reservations imported per second", info,
                 {"reservations": f"{args.count:,} in {args.rooms} rooms, 2 nights each", "page": "500"})

    started = time.perf_counter()
    state = pms.pms_sync(account=account)
    imported = time.perf_counter() - started
    started = time.perf_counter()
    again = pms.pms_sync(account=account)
    reread = time.perf_counter() - started
    with scopes_disabled():
        made = Booking.objects.filter(hotel=hotel).count()
        messages = Message.objects.filter(hotel=hotel).count()

    # The yardstick: bare INSERTs of stays like the imported ones, a year later so none overlaps.
    with scopes_disabled():
        sample = list(Booking.objects.filter(hotel=hotel).order_by("pk")[:1000])
    started = time.perf_counter()
    for k, b in enumerate(sample):
        b.pk, b.reference = None, f"X{k:05d}"
        shift = timedelta(days=400)
        b.check_in, b.check_out = b.check_in + shift, b.check_out + shift
        b.start, b.end, b.blocks_from, b.blocks_until = (b.start + shift, b.end + shift, b.blocks_from + shift,
                                                         b.blocks_until + shift)
        b.save(force_insert=True)
    bare = time.perf_counter() - started
    bare_rate = len(sample) / bare
    rate = args.count / imported

    table(["run", "reservations", "seconds", "per s", "per s / bare"], [
        ["import (first sync)", args.count, f"{imported:.1f}", f"{rate:,.0f}", f"{rate / bare_rate:.2f}"],
        ["re-read, none changed", args.count, f"{reread:.1f}", f"{args.count / reread:,.0f}",
         f"{args.count / reread / bare_rate:.2f}"],
        ["bare Booking INSERT", len(sample), f"{bare:.2f}", f"{bare_rate:,.0f}", "1.00"],
    ])
    print(f"first sync counts: {state.last_counts}; second: {again.last_counts}")
    print(f"bookings made: {made:,}; message rows: {messages:,}")
    print_footer()
    print(f"pms import/s: {rate:,.0f} ({args.count:,} in {imported:.1f} s)")


if __name__ == "__main__":
    main()
