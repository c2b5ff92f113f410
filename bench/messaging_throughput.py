"""Guest messaging: messages per second from the outbox to a provider, and booking commit → provider latency.

    python bench/messaging_throughput.py            # 400 messages per run, 60 bookings for latency
    python bench/messaging_throughput.py --quick    # 120 messages, 20 bookings
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/innkeeper_bench python bench/messaging_throughput.py

The provider is the local fake WAHA server of the tests (tests/fakes/whatsapp.py, real HTTP on 127.0.0.1).

throughput  Confirmation rows (QUEUED, written by real bookings) are delivered by 1 and 2 workers (threads,
            each its own database connection) doing what a Celery worker's core.outbox_process task does:
            innkeeper.core.outbox.process("message") claims a batch of due rows in one SKIP LOCKED query,
            POSTs each to /api/sendText on the kept-alive client, records SENT and the attempts, until no
            row is due. Beside it, the same number of bare POSTs to the fake with the same HTTP client
            set-up: the machine-independent figure is outbox/bare, the share of the raw HTTP rate the
            outbox path keeps. The last line is the 2-worker figure: `outbox msgs/s: N (2 workers)`.
latency     A real Celery worker (a subprocess, on Redis at 127.0.0.1:6379/5 when it answers, else on the
            filesystem broker) runs beside; bookings are made one at a time through booking_create(). For
            each: the time from the booking's commit to the fake receiving its WhatsApp confirmation, p50/p95.
            Beside it, the ratio to the booking_create() time itself (machine-independent).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

sys.path.insert(0, str(_common.ROOT))
from tests.fakes import whatsapp as fw

REDIS_URL = "redis://127.0.0.1:6379/5"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class TimedFake(fw.FakeWhatsApp):
    """The fake WAHA server, noting when each message reached it (by its text's booking reference)."""

    def __init__(self):
        super().__init__()
        self.arrivals: dict[str, float] = {}

    def _accept(self, provider, message_id, **fields):
        super()._accept(provider, message_id, **fields)
        self.arrivals[fields.get("text", "")] = time.time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_messages, n_latency = (120, 20) if args.quick else (400, 60)

    fake = TimedFake().start()
    broker = REDIS_URL if _redis_answers() else "filesystem://"
    os.environ.update(WHATSAPP_PROVIDER="waha", WAHA_BASE_URL=fake.url, WAHA_API_KEY=fw.WAHA_KEY,
                      EMAIL_BACKEND="innkeeper.simulators.messages.EmailBackend",
                      CELERY_BROKER_URL=broker)
    info = _common.setup_django("messaging_throughput")
    if broker == REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()

    from django.db import connection
    from django.utils import timezone
    from django_scopes import scope, scopes_disabled

    from innkeeper.booking import services as booking_services
    from innkeeper.booking import stays
    from innkeeper.core import outbox
    from innkeeper.journey import services as journey
    from innkeeper.messaging.models import Message
    from innkeeper.messaging.providers import http

    _common.print_header("Guest messaging: outbox → provider", info,
                         {"provider": f"fake WAHA over HTTP at {fake.url}", "broker (latency)": broker})
    hotel, _types, _rooms = _common.create_hotel("msg-bench", [{"slug": "std", "rooms": 40}])
    first = date.today() + timedelta(days=10)
    counter = iter(range(10**6))

    def book():
        j = next(counter)
        day = first + timedelta(days=j // 40)
        with scope(hotel=hotel):
            stay = stays.from_request(hotel, check_in=day, check_out=day + timedelta(days=1),
                                      now=timezone.now())
            return journey.booking_create(
                hotel=hotel, room_type="std", stay=stay, guests=1,
                guest=booking_services.GuestDetails(f"Guest {j}", f"guest{j}@example.com", "+7 916 123-45-67"))

    # -- throughput ---------------------------------------------------------------------------------
    rows = []
    figure = 0.0
    for threads in (1, 2):
        bookings = [book() for _ in range(n_messages)]
        with scopes_disabled():
            ids = list(Message.objects.filter(booking__in=bookings, channel="WHATSAPP").values_list("pk", flat=True))
            # Only the WhatsApp rows are timed: the e-mail rows wait until after this run.
            emails = list(Message.objects.filter(booking__in=bookings, channel="EMAIL").values_list("pk", flat=True))
            Message.objects.filter(pk__in=emails).update(next_attempt_at=timezone.now() + timedelta(days=1))
        lock = threading.Lock()

        def work():
            try:
                with scopes_disabled():
                    while outbox.process("message"):  # a worker's turns: a batch each
                        pass
            finally:
                connection.close()

        sends_before = len(fake.sends)
        started = time.perf_counter()
        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        outbox_s = time.perf_counter() - started
        sent = len(fake.sends) - sends_before
        with scopes_disabled():
            ok = Message.objects.filter(pk__in=ids, status="SENT").count()
            Message.objects.filter(pk__in=emails).update(status="SKIPPED", next_attempt_at=None)

        bare_queue = list(range(len(ids)))

        def bare(bare_queue=bare_queue, lock=lock):
            while True:
                with lock:
                    if not bare_queue:
                        return
                    bare_queue.pop()
                http.request("POST", f"{fake.url}/api/sendText", headers={"X-Api-Key": fw.WAHA_KEY},
                             json={"session": "default", "chatId": "79161234567@c.us", "text": "bench"})

        started = time.perf_counter()
        pool = [threading.Thread(target=bare) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        bare_s = time.perf_counter() - started
        rows.append([threads, len(ids), ok, sent, len(ids) / outbox_s, len(ids) / bare_s,
                     (len(ids) / outbox_s) / (len(ids) / bare_s)])
        figure = len(ids) / outbox_s
    _common.table(["workers", "messages", "SENT", "reached fake", "outbox msg/s", "bare HTTP req/s", "outbox/bare"],
                  rows, title="Throughput: outbox → provider")

    # -- latency ------------------------------------------------------------------------------------
    env = dict(os.environ)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "innkeeper", "worker", "--pool=solo", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-l", "error"],
        cwd=_common.ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        warm = book()  # wait for the worker to be up: its first message
        deadline = time.time() + 60
        while not any(warm.reference in text for text in fake.arrivals) and time.time() < deadline:
            time.sleep(0.05)
        latencies, service_times = [], []
        for _ in range(n_latency):
            started = time.perf_counter()
            b = book()
            service_times.append(time.perf_counter() - started)
            committed = time.time()
            deadline = committed + 30
            while time.time() < deadline:
                hit = next((t for text, t in list(fake.arrivals.items()) if b.reference in text), None)
                if hit:
                    latencies.append(hit - committed)
                    break
                time.sleep(0.002)
            time.sleep(0.05)
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(20)
    p50, p95 = _common.percentile(latencies, 50) * 1000, _common.percentile(latencies, 95) * 1000
    svc = _common.percentile(service_times, 50) * 1000
    _common.table(["bookings", "handed over", "commit→provider p50 ms", "p95 ms", "booking_create p50 ms",
                   "p50 / booking_create"],
                  [[n_latency, len(latencies), p50, p95, svc, p50 / svc if svc else float("nan")]],
                  title=f"Latency: booking commit → confirmation handed to the provider (worker on {broker})")
    fake.stop()
    _common.print_footer()
    print(f"outbox msgs/s: {figure:.0f} (2 workers)")


if __name__ == "__main__":
    main()
