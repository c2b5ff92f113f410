import contextlib
import threading
from datetime import date, datetime, timedelta

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection, transaction
from django.test.testcases import QuietWSGIRequestHandler
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services, stays
from innkeeper.journey import services as journey
from tests import factories

# Fixtures of the messaging tests (fake SMTP and WhatsApp servers, fast retry settings), and a worker's turn
# for the tasks that requests queue.
pytest_plugins = ["tests.messaging_helpers", "tests.worker_helpers"]


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher (PBKDF2, 1,000,000 rounds) costs ~0.5 s a password; tests check behaviour, not cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _language_of_its_own():
    """Each test starts in the default language. A request activates its language for the thread and
    nothing turns it off, so a Russian page in one test would make the next test's texts Russian."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _rate_limits_count_from_zero():
    """The rate limits are on in every test, as in a real install, each test counting from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _tasks_stay_in_this_process():
    """Tasks queued by tests go to an in-memory broker, never into the demo's broker folder under var/;
    the worker tests switch to Redis for themselves."""
    from tests.messaging_helpers import switch_broker

    before = switch_broker("memory://")
    yield
    switch_broker(*before)


@pytest.fixture
def fake_dns(settings):
    """A local DNS server (tests.fakes.dns) that domain checks ask instead of the system's resolvers."""
    from tests.fakes.dns import FakeDns

    server = FakeDns().start()
    settings.DOMAIN_VERIFY_NAMESERVERS = [server.address]
    settings.DOMAIN_VERIFY_TIMEOUT_SECONDS = 1.0
    yield server
    server.stop()


@pytest.fixture
def vendor():
    return connection.vendor


@pytest.fixture
def hotel(db):
    return factories.make_hotel(name="Moscow Inn", slug="moscow", time_zone="Europe/Moscow")


@pytest.fixture
def other_hotel(db):
    return factories.make_hotel(name="Other Inn", slug="other", time_zone="America/New_York")


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def future(now) -> date:
    """A date safely in the future for every time zone, a weekday-agnostic anchor for stays."""
    return (now + timedelta(days=30)).date()


@pytest.fixture
def in_scope():
    """Run code as a request for one hotel would: inside that hotel's scope."""
    def run(hotel, fn, *args, **kwargs):
        with scope(hotel=hotel):
            return fn(*args, **kwargs)
    return run


@pytest.fixture
def book(in_scope, now):
    """Book through the journey (the booking and what it sets off): book(hotel, room_type, check_in,
    check_out) or (.., start=, hours=)."""
    def run(hotel, room_type, check_in=None, check_out=None, *, start=None, hours=None, guests=1,
            hold=False, add_ons=(), email="guest@example.com", name="Guest Name", at=None):
        at = at or now
        with scope(hotel=hotel):
            stay = stays.from_request(hotel, check_in=check_in, check_out=check_out, start=start, hours=hours,
                                      now=at)
            return journey.booking_create(
                hotel=hotel, room_type=room_type.slug, stay=stay, guests=guests, hold=hold, add_ons=add_ons,
                guest=services.GuestDetails(name, email), now=at)
    return run


def local(hotel, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=hotel.tz)


class _Server(ThreadedWSGIServer):
    request_queue_size = 256  # accept a whole burst of connections instead of dropping some


@pytest.fixture
def wsgi_server(transactional_db):
    """The app on a real HTTP server in this process (a thread per request, each with its own
    database connection, closed after the request, as in production). Yields the port."""
    httpd = _Server(("127.0.0.1", 0), QuietWSGIRequestHandler, allow_reuse_address=True)
    httpd.set_app(WSGIHandler())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@contextlib.contextmanager
def locked_elsewhere(rows):
    """Another writer holds the row locks that ``rows()`` takes (it returns a select_for_update
    queryset), on a database connection of its own, for the duration of the block."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic(), scopes_disabled():
                list(rows())
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(15)
