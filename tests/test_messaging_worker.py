"""Real Celery workers (subprocesses) on the real Redis: a confirmation travels booking → broker → worker
→ SMTP, and a worker killed in the middle of a send loses nothing; on a provider that cannot recognise a
repeated request (Twilio) the re-send duplicates the message if the first one had arrived, as the log says.

Skipped when no Redis answers on 127.0.0.1:6379 unless REQUIRE_REDIS=1 (CI sets it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.messaging import services
from innkeeper.messaging.models import Message, MessageStatus
from tests.fakes import whatsapp as fw
from tests.fakes.smtp import FakeSmtp
from tests.messaging_helpers import confirmed_booking, log, rows, switch_broker, use_whatsapp

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
S = MessageStatus


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_url():
    if not _redis_answers():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("Redis does not answer on 127.0.0.1:6379, and REQUIRE_REDIS=1.")
        pytest.skip("no Redis on 127.0.0.1:6379 (REQUIRE_REDIS=1 makes this a failure)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # this suite's own database number
    return REDIS_URL


@pytest.fixture
def on_redis(redis_url, transactional_db):
    """This process publishes to Redis too (the demo default is the filesystem broker)."""
    before = switch_broker(redis_url)
    yield redis_url
    switch_broker(*before)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, env: dict):
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "innkeeper", "worker", "--pool=solo", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-l", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_env(on_redis):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "WHATSAPP_", "TWILIO_", "WAHA_"))}
    env.update(INNKEEPER_MODE="demo", DATABASE_URL=_database_url(), CELERY_BROKER_URL=on_redis)
    return env


@pytest.fixture
def workers():
    started = []

    def start(env):
        started.append(Worker(env).start())
        return started[-1]
    yield start
    for w in started:
        w.stop()


def wait_for(predicate, timeout=40.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def current(message) -> Message:
    with scopes_disabled():
        return Message.objects.get(pk=message.pk)


def test_a_confirmation_travels_through_redis_and_a_worker_to_smtp(hotel, worker_env, workers):
    smtp = FakeSmtp().start()
    try:
        workers({**worker_env, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                 "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port), "EMAIL_USE_TLS": "false",
                 "DEFAULT_FROM_EMAIL": "Moscow Inn <stay@moscow.example>", "WHATSAPP_PROVIDER": "off"})
        booking = confirmed_booking(hotel, phone="")  # committed; on_commit queued the task on Redis
        email = rows(booking)["EMAIL"]
        wait_for(lambda: current(email).status == S.SENT)
        assert len(smtp.messages) == 1 and booking.reference in smtp.messages[0]["Subject"]
    finally:
        smtp.stop()


@pytest.mark.parametrize("accepted_before_the_kill", [True, False])
def test_a_worker_killed_mid_send_loses_nothing_and_the_log_says_it_may_duplicate(hotel, worker_env, workers,
                                                                                   settings, accepted_before_the_kill):
    fake = fw.FakeWhatsApp().start()
    use_whatsapp(settings, "twilio", fake.url)  # this process sweeps, so it knows the provider too
    try:
        env = {**worker_env, "EMAIL_BACKEND": "innkeeper.simulators.messages.EmailBackend",
               "WHATSAPP_PROVIDER": "twilio", "TWILIO_BASE_URL": fake.url, "TWILIO_ACCOUNT_SID": fw.TWILIO_SID,
               "TWILIO_AUTH_TOKEN": fw.TWILIO_TOKEN, "TWILIO_WHATSAPP_FROM": "+14155238886",
               "TWILIO_MESSAGING_SERVICE_SID": fw.TWILIO_SERVICE,
               "TWILIO_CONTENT_SIDS": json.dumps({"BOOKING_CONFIRMATION": {"en": fw.TWILIO_CONTENT_EN}})}
        fake.fail("hold")
        booking = confirmed_booking(hotel)  # its tasks wait on Redis for a worker
        wa = rows(booking)["WHATSAPP"]
        first = workers(env)
        assert fake.held.wait(40), "the worker never reached the provider"
        assert current(wa).status == S.SENDING
        first.kill()  # kill -9 while the provider holds the request
        fake.release(accept=accepted_before_the_kill)
        time.sleep(0.3)
        assert current(wa).status == S.SENDING  # nobody will finish this send ...

        workers(env)  # ... until a new worker and the sweeper's next round after the lease
        with scopes_disabled():
            lease = timedelta(seconds=301)  # as if the sweeper came by once the lease ran out
            Message.objects.filter(pk=wa.pk).update(claimed_at=timezone.now() - lease)
            due = services.messages_sweep()
        assert wa.pk in due
        done = wait_for(lambda: (m := current(wa)).status == S.SENT and m)
        assert done.attempts == 2 and len(fake.requests) == 2
        # Twilio cannot recognise a repeated request, so the sweeper said the re-send may duplicate ...
        with scopes_disabled():
            unclear = done.log.get(outcome="unclear")
        assert log(wa) == ["unclear", "sent"] and "may get it twice" in unclear.detail
        # ... and it did exactly when Twilio had accepted the first request: nothing lost, once or twice.
        assert len(fake.sends) == (2 if accepted_before_the_kill else 1)
        assert done.provider_message_id == fake.sends[-1]["id"]
    finally:
        fake.stop()
