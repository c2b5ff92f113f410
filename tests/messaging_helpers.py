"""Shared set-up for the messaging tests: fake providers wired into settings, bookings with phones."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as booking_services
from innkeeper.booking import stays
from innkeeper.journey import services as journey
from innkeeper.messaging import services
from innkeeper.messaging.models import Message
from tests import factories
from tests.fakes import whatsapp as fake_wa
from tests.fakes.smtp import FakeSmtp, free_port


def switch_broker(url: str, options: dict | None = None) -> tuple[str, dict]:
    """Point this process's Celery app at another broker; returns the previous (url, options)."""
    from innkeeper import celery_app

    before = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = options or {}
    # Forget the cached pools (kombu keeps one per broker URL, so switching back finds the old one).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    return before


FAST = {"max_attempts": 3, "backoff_base_seconds": 30, "backoff_max_seconds": 3600, "http_timeout_seconds": 0.5,
        "sending_lease_seconds": 300, "sweep_every_seconds": 30}


def whatsapp_settings(provider: str, base_url: str) -> dict:
    cfg = copy.deepcopy(django_settings.INNKEEPER_WHATSAPP)
    cfg["provider"] = provider
    cfg["waha"].update(base_url=base_url, api_key=fake_wa.WAHA_KEY, session="default", webhook_hmac_key="waha-hmac")
    cfg["cloud"].update(base_url=base_url, api_version="v21.0", access_token=fake_wa.CLOUD_TOKEN,
                        phone_number_id=fake_wa.CLOUD_PHONE_ID, app_secret="cloud-app-secret",
                        verify_token="verify-me")
    cfg["twilio"].update(base_url=base_url, account_sid=fake_wa.TWILIO_SID, auth_token=fake_wa.TWILIO_TOKEN,
                         from_number="+14155238886", status_callback_url="",
                         messaging_service_sid=fake_wa.TWILIO_SERVICE,
                         content_sids={"BOOKING_CONFIRMATION": {"en": fake_wa.TWILIO_CONTENT_EN,
                                                                "ru": fake_wa.TWILIO_CONTENT_RU},
                                       "KEY_COLLECTION": {"en": fake_wa.TWILIO_KEY_COLLECTION}})
    return cfg


@pytest.fixture
def fast(settings):
    settings.INNKEEPER_MESSAGING = dict(FAST)
    return settings


@pytest.fixture
def smtp(fast):
    server = FakeSmtp().start()
    fast.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    fast.EMAIL_HOST, fast.EMAIL_PORT, fast.EMAIL_USE_TLS, fast.EMAIL_TIMEOUT = "127.0.0.1", server.port, False, 2
    fast.DEFAULT_FROM_EMAIL = "Moscow Inn <stay@moscow.example>"
    yield server
    server.stop()


@pytest.fixture
def fake_whatsapp():
    server = fake_wa.FakeWhatsApp(slow_seconds=1.5).start()
    yield server
    server.stop()


def use_whatsapp(settings, provider: str, base_url: str) -> None:
    settings.INNKEEPER_WHATSAPP = whatsapp_settings(provider, base_url)


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def confirmed_booking(hotel, *, phone="+7 916 123-45-67", name="Anna Petrova", email="anna@example.com",
                      locale=None, hold=False, add_ons=()):
    room_type = factories.make_room_type(hotel, rooms=1)
    day = (timezone.now() + timedelta(days=30)).date()
    with scope(hotel=hotel):
        stay = stays.from_request(hotel, check_in=day, check_out=day + timedelta(days=2), now=timezone.now())
        return journey.booking_create(
            hotel=hotel, room_type=room_type.slug, stay=stay, guests=1, locale=locale, hold=hold, add_ons=add_ons,
            guest=booking_services.GuestDetails(name, email, phone))


def rows(booking) -> dict[str, Message]:
    """The booking's messages by channel, with the wording the worker fills in when it sends them."""
    with scopes_disabled():
        return {m.channel: services.message_render(m) for m in Message.objects.filter(booking_id=booking.pk)}


def rendered(message: Message) -> Message:
    """``message`` with the wording the worker fills in when it sends it."""
    with scopes_disabled():
        return services.message_render(message)


def deliver(message, *, at=None) -> Message:
    with scopes_disabled():
        services.message_deliver(message.pk, now=at)
        return Message.objects.get(pk=message.pk)


def later(message, seconds: float = 0.001):
    """A moment after the message's next attempt is due."""
    with scopes_disabled():
        due = Message.objects.get(pk=message.pk).next_attempt_at
    return due + timedelta(seconds=seconds)


def log(message) -> list[str]:
    with scopes_disabled():
        return list(Message.objects.get(pk=message.pk).log.values_list("outcome", flat=True))
