"""Online check-in and door keys: how long our side takes per guest.

For N bookings (default 200; --quick 50) in a bench hotel whose rooms have locks on a local fake TTLock
cloud (tests/fakes/ttlock.py, answering at once, so the figures are our own cost: services, database,
HTTP client; a real gateway adds its 3-10 s per command on top), it measures per operation:

- check-in completion (extras, identity with encrypted passport number, status change, key row);
- key issue: claim, keyboardPwd/add over HTTP, record ACTIVE;
- key issue with the gateway offline: add refused, fallback keyboardPwd/get, record;
- web-key unlock: token check, rate limit, lock/unlock over HTTP, attempt logged;
- revocation: booking cancelled (row written), then keyboardPwd/delete over HTTP, record REVOKED.

The machine-independent figure is each operation's p50 divided by the p50 of a bare HTTP round trip to
the same fake server (one pooled ``httpx.Client``, a POST the fake answers with an error): how many plain
requests to the lock cloud one operation costs.

    .venv/bin/python bench/keys.py [--quick] [-n N]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import create_hotel, percentile, print_footer, print_header, setup_django, table  # noqa: E402


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - started) * 1000


def summary(name, values, base_p50):
    return [name, len(values), f"{percentile(values, 50):.1f}", f"{percentile(values, 95):.1f}",
            f"{max(values):.1f}", f"{1000 * len(values) / sum(values):.0f}",
            f"{percentile(values, 50) / base_p50:.1f}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=None)
    args = parser.parse_args()
    n = args.n or (50 if args.quick else 200)

    info = setup_django("keys")
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone
    from django_scopes import scope, scopes_disabled

    from innkeeper.booking import services as booking_services
    from innkeeper.booking import stays
    from innkeeper.checkin import services as checkin
    from innkeeper.journey import services as journey
    from innkeeper.locks import services as keys
    from innkeeper.locks.models import KeyStatus
    from innkeeper.locks.providers.ttlock import forget_tokens
    from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer

    hotel, types, rooms = create_hotel("keys", [{"slug": "double", "rooms": n}])
    with scopes_disabled():
        for room in rooms["double"]:  # locks of the fake's account, as the panel binds them
            room.lock_id, room.lock_account_key = f"L{room.number}", f"ttlock:{CLIENT_ID}:{USERNAME}"
            room.save(update_fields=["lock_id", "lock_account_key"])

    print_header("Check-in and keys", info, {"bookings": str(n), "lock cloud": "local fake TTLock over HTTP"})
    settings.LOCKS_DISPATCH = "celery"  # rows only: this script runs each operation itself, timed
    settings.WEBKEY_UNLOCKS_PER_MINUTE = settings.WEBKEY_UNLOCKS_PER_MINUTE_PER_IP = 10 ** 6
    forget_tokens()
    with FakeTTLockServer() as (cloud, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 10.0}
        for room in rooms["double"]:
            cloud.add_lock(room.lock_id, has_gateway=int(room.number) % 2 == 0)

        now = timezone.now()
        arrival = date.today() + timedelta(days=10)
        booked = []
        with scope(hotel=hotel):
            for i in range(n):
                stay = stays.nightly(hotel, arrival, arrival + timedelta(days=2), now=now)
                booked.append(journey.booking_create(
                    hotel=hotel, room_type="double", stay=stay, guests=1,
                    guest=booking_services.GuestDetails(f"Guest {i}", f"g{i}@example.com"), now=now))
            identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-01-01",
                                              document_number="AB1234567", nationality="Russian",
                                              today=arrival)
            completion, issued = [], []
            for booking in booked:
                (_b, key), ms = timed(lambda b=booking: journey.checkin_complete(booking=b, identity=identity, now=now))
                completion.append(ms)
                issued.append(key)

        custom, offline = [], []
        for key in issued:
            done, ms = timed(lambda k=key: keys.key_process(key_id=k.pk, now=now))
            assert done.status == KeyStatus.ACTIVE, done.last_error
            (custom if done.kind == "CUSTOM" else offline).append(ms)

        for room in rooms["double"]:
            cloud.locks[room.lock_id].has_gateway = True
        cache.clear()
        inside = booked[0].start + timedelta(hours=2)
        unlocks = []
        with scopes_disabled():
            tokens = [keys.webkey_token(k) for k in issued]
        for token in tokens:
            _k, ms = timed(lambda t=token: keys.webkey_unlock(token=t, channel="api", ip="127.0.0.1", now=inside))
            unlocks.append(ms)

        cancel, revoke = [], []
        with scope(hotel=hotel):
            for booking in booked:
                cancel.append(timed(lambda b=booking: journey.booking_cancel(booking=b, actor="bench"))[1])
        later = timezone.now()
        for key in issued:
            done, ms = timed(lambda k=key: keys.key_process(key_id=k.pk, now=later))
            assert done.status == KeyStatus.REVOKED, (done.status, done.last_error)
            revoke.append(ms)
        assert cloud.problems == [] and cloud.live_passcodes() == [] and len(cloud.unlocks) == n
        with httpx.Client(timeout=10.0) as client:  # the baseline, after the checks (the fake notes it as odd)
            bare = [timed(lambda: client.post(f"{base_url}/v3/lock/list", data={}))[1] for _ in range(n)]
    forget_tokens()

    base = percentile(bare, 50)
    table(["operation", "count", "p50 ms", "p95 ms", "max ms", "per s", "p50 / HTTP p50"], [
        summary("check-in completion (key row queued)", completion, base),
        summary("key issue: custom PIN via gateway", custom, base),
        summary("key issue: gateway offline -> offline passcode", offline, base),
        summary("web key: Open door", unlocks, base),
        summary("cancel booking (revocation queued)", cancel, base),
        summary("key revocation on the lock", revoke, base),
        summary("bare HTTP round trip to the fake", bare, base),
    ])
    print_footer()


if __name__ == "__main__":
    main()
