"""PMS reservations imported per second: the sync engine reading a PMS and making each reservation a stay here
with its journey (confirmation rows on e-mail and WhatsApp), 10,000 reservations.

By default the PMS is the in-memory one of the tests (tests/pms_fake_adapter.py: Python data behind the
PmsAdapter interface), so the figure is the engine's own cost: mapping, ExternalReservation rows, the booking
INSERT with its no-overlap check, the activity entry and the message rows, a page of 500 per transaction. A
page's new stays are written together (innkeeper.booking.imported.ImportPage): one INSERT of the bookings, one
of their activity entries, the confirmations in one read and one INSERT, one doorbell per 50 messages.

With ``--qloapps`` the PMS is the fake QloApps 1.6 webservice of the tests (tests/fakes/qloapps.py) over real
HTTP on 127.0.0.1, read by the QloApps adapter: the same engine plus the requests (room_bookings by id, then
the page's rows, orders and customers by ``filter[id]``), their JSON and the adapter's mapping. The fake runs in
a thread of this process (it shares the interpreter), so its own time is in the figure too: it scans its
tables for every request, as QloApps' SQL would without an index, with each filter read once per request,
and keeps connections alive with TCP_NODELAY, as a web server does. The issue's goal: 10,000 reservations in
under 60 s.

Measured:
- **import**: the first sync of the account (the window around today): every reservation new;
- **re-read**: the next sync reading the same 10,000 reservations, none changed (each compared and skipped);
- **bare**: ``Booking.objects.create()`` of 1,000 stays in autocommit (the no-overlap guard runs, nothing else),
  the yardstick: **import/bare** is the fraction of a raw INSERT's rate the whole import keeps.

    .venv/bin/python bench/pms_sync.py [--count 10000] [--rooms 100] [--qloapps]

The last line is ``pms import/s: N (10,000 in S s)``.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta

from _common import create_hotel, print_footer, print_header, setup_django, table  # noqa: I001


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--qloapps", action="store_true", help="read the fake QloApps over HTTP")
    args = parser.parse_args()
    if args.qloapps:
        os.environ["OUTBOUND_ALLOW_PRIVATE_HOSTS"] = "true"  # the fake QloApps listens on 127.0.0.1
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
    hotel, _types, _rooms = create_hotel("pms", [{"slug": "standard", "rooms": args.rooms,
                                                   "name": "General Rooms" if args.qloapps else "Standard"}])
    with scopes_disabled():
        numbers = [r.number for r in hotel.rooms.order_by("number")]
    today = timezone.now().astimezone(hotel.tz).date()
    stays = []  # (number, room's number, check-in) of every reservation, rooms in turn
    for i in range(per_room):
        for number in numbers:
            if len(stays) < args.count:
                stays.append((len(stays), number, today + timedelta(days=1 + 3 * i)))
    server = None
    if args.qloapps:
        server, account = qloapps_account(hotel, stays)
        source = "the fake QloApps over HTTP"
    else:
        store = fake.store("bench", rooms=numbers)
        for n, number, day in stays:
            store.book(f"R{n}", day, day + timedelta(days=2), room=number, name=f"Guest {n}",
                       email=f"guest{n}@example.com", phone="+7 916 123-45-67")
        with scopes_disabled():
            account = IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="fakepms",
                                                        config={"url": "fake://bench", "key": store.key})
        source = "in-memory (tests/pms_fake_adapter.py)"
    print_header("PMS sync: reservations imported per second", info,
                 {"reservations": f"{args.count:,} in {args.rooms} rooms, 2 nights each", "page": "500",
                  "PMS": source})

    started = time.perf_counter()
    state = pms.pms_sync(account=account)
    imported = time.perf_counter() - started
    started = time.perf_counter()
    again = pms.pms_sync(account=account)
    reread = time.perf_counter() - started
    if server is not None:
        server.__exit__(None, None, None)
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
    reread_count = again.last_counts.get("read", 0)  # QloApps: only what changed since the first sync (none)

    table(["run", "reservations", "seconds", "per s", "per s / bare"], [
        ["import (first sync)", args.count, f"{imported:.1f}", f"{rate:,.0f}", f"{rate / bare_rate:.2f}"],
        ["re-read, none changed", reread_count, f"{reread:.1f}", f"{reread_count / reread:,.0f}",
         f"{reread_count / reread / bare_rate:.2f}"],
        ["bare Booking INSERT", len(sample), f"{bare:.2f}", f"{bare_rate:,.0f}", "1.00"],
    ])
    print(f"first sync counts: {state.last_counts}; second: {again.last_counts}")
    print(f"bookings made: {made:,}; message rows: {messages:,}")
    print_footer()
    print(f"pms import/s: {rate:,.0f} ({args.count:,} in {imported:.1f} s)")


def qloapps_account(hotel, stays):
    """The fake QloApps serving ``stays`` in its hotel 1: our rooms' numbers added to its General Rooms, one
    order (one room_bookings row) and one customer with a mobile phone per stay. Returns (server, account)."""
    from django_scopes import scopes_disabled

    from innkeeper.core.models import IntegrationAccount
    from tests.fakes.qloapps import KEY, FakeQloAppsServer

    server = FakeQloAppsServer()
    shop, base_url = server.__enter__()
    t = shop.tables
    link = t["hotel_room_types"][1]  # General Rooms (product 1) of hotel 1
    ids = {}
    for number in dict.fromkeys(number for _n, number, _day in stays):
        room = max(t["hotel_rooms"]) + 1
        t["hotel_rooms"][room] = {**t["hotel_rooms"][1], "id": str(room), "id_product": link["id_product"],
                                  "id_hotel": "1", "room_num": number}
        ids[number] = room
    customers, orders = max(t["customers"], default=1), max(t["orders"], default=0)
    for n, number, day in stays:
        # create_order and add_customer look up the next id with max(); kept here instead for 10,000 rows.
        customers += 1
        t["customers"][customers] = _customer(shop, customers, n)
        t["addresses"][customers] = _address(shop, customers, n)
        orders += 1
        order = _order(shop, orders, customers)
        t["orders"][orders] = order
        shop._new_row(order, ids[number], day.isoformat(), (day + timedelta(days=2)).isoformat())
    with scopes_disabled():
        account = IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="qloapps", config={
            "base_url": base_url, "api_key": KEY, "id_hotel": "1", "auth_in_query": False})
    return server, account


def _customer(shop, cid, n):
    from tests.fakes.qloapps import CUSTOMER

    return {**CUSTOMER, "id": cid, "firstname": "Guest", "lastname": str(n), "email": f"guest{n}@example.com",
            "date_add": shop.now, "date_upd": shop.now}


def _address(shop, cid, n):
    from tests.fakes.qloapps import ADDRESS

    return {**ADDRESS, "id": cid, "id_customer": str(cid), "firstname": "Guest", "lastname": str(n),
            "phone_mobile": "+79161234567", "date_add": shop.now, "date_upd": shop.now}


def _order(shop, oid, cid):
    from tests.fakes.qloapps import _order_template

    return {**_order_template(), "id": oid, "id_cart": str(oid), "id_customer": str(cid), "current_state": "2",
            "valid": "1", "reference": f"REF{oid:06d}", "date_add": shop.now, "date_upd": shop.now}


if __name__ == "__main__":
    main()
