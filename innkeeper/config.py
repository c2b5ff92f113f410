"""Settings from the environment, validated once at start-up.

Two modes:
- ``demo`` (the default): every variable has a safe default, SQLite in ``var/``, DEBUG off (the demo
  serves no debug pages; DEBUG=true turns them on for development).
- ``production``: nothing is assumed. Every missing or invalid variable is collected and the process
  refuses to start with one message that lists them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

MODES = ("demo", "production")
DEMO_SECRET_KEY = "demo-only-insecure-secret-key-never-use-in-production-0123456789"  # noqa: S105


@dataclass(frozen=True)
class Config:
    mode: str
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    database: dict
    time_zone: str
    platform_hosts: list[str]
    field_encryption_keys: list[str]
    lock_provider: str = "simulator"
    ttlock: dict | None = None
    app_keys: bool = False  # the install's lock account sends guests a TTLock app key too
    app_keys_remote_unlock: bool = False
    locks_dispatch: str = "inline"
    trusted_proxy_count: int = 0
    rate_limits: dict | None = None
    cache_url: str = ""
    celery_broker_url: str = ""
    email: dict = field(default_factory=dict)
    whatsapp: dict = field(default_factory=dict)
    booking_horizon_days: int = 730
    # A hotel's outbound URLs (its WAHA or TTLock server) may be on loopback or private networks.
    outbound_allow_private_hosts: bool = False
    platform_domain: str = ""
    domain_verify_nameservers: list[str] = field(default_factory=list)


def _parse(env: Mapping[str, str], name: str, parser, problems: list[str], *, required: bool, default=None,
           hint: str = ""):
    raw = env.get(name, "").strip()
    if not raw:
        if required:
            problems.append(f"{name} is missing{': ' + hint if hint else ''}")
        return default
    try:
        return parser(raw)
    except (ValueError, ImproperlyConfigured, KeyError) as exc:
        problems.append(f"{name} is invalid ({exc}){': ' + hint if hint else ''}")
        return default


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not true or false")


def _hosts(raw: str) -> list[str]:
    hosts = [h.strip() for h in raw.split(",") if h.strip()]
    if not hosts:
        raise ValueError("no host names given")
    return hosts


def _local_host(host: str) -> bool:
    """A name only this machine or its private network answers to (or Django's "any host")."""
    import ipaddress

    name = host.strip().lower().lstrip(".").strip("[]")
    if name in ("*", "localhost", "testserver") or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _demo_refusals(hosts: list[str]) -> list[str]:
    """Why this demo looks like a site on the internet: demo mode has a public secret key, a published
    staff password and a page that shows guests' messages, so it refuses to run like one."""
    reasons = []
    public = [h for h in hosts if not _local_host(h)]
    if public:
        reasons.append(f"ALLOWED_HOSTS or PLATFORM_HOSTS name public hosts ({', '.join(public)})")
    return reasons


def _database(raw: str) -> dict:
    db = environ.Env.db_url_config(raw)
    engine = db.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ValueError("only postgres:// and sqlite:// URLs are supported")
    if not db.get("NAME"):
        raise ValueError("the URL names no database")
    return db


def _secret(raw: str) -> str:
    if raw == DEMO_SECRET_KEY:
        raise ValueError("it is the public demo key")
    if len(raw) < 50 or len(set(raw)) < 5:
        raise ValueError("use at least 50 random characters")
    return raw


def _time_zone(raw: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{raw!r} is not an IANA time zone") from None
    return raw


LOCK_PROVIDERS = ("none", "simulator", "ttlock")
NO_LOCKS = "none"  # no install-wide lock account: guests collect their key at reception unless a hotel has its own
TTLOCK_CREDENTIALS = ("TTLOCK_CLIENT_ID", "TTLOCK_CLIENT_SECRET", "TTLOCK_USERNAME", "TTLOCK_PASSWORD")
# The simulators (innkeeper.simulators) are installed in demo mode only: production has neither their
# tables nor their providers.
DEMO_ONLY = "is for demo mode only (production installs no simulators)"
TTLOCK_DEFAULT_BASE_URL = "https://euapi.ttlock.com"


def _fernet_keys(raw: str) -> list[str]:
    from cryptography.fernet import Fernet

    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        raise ValueError("no keys given")
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError("each key must be 32 url-safe base64-encoded bytes "
                             "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
                             ) from None
    return keys


def demo_encryption_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY, so demo installs need no extra variable."""
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(f"field-encryption:{secret_key}".encode()).digest()).decode()


def _choice(options):
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise ValueError(f"use one of {', '.join(options)}")
        return value
    return parse
def _broker(raw: str) -> str:
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if scheme not in ("redis", "rediss", "amqp", "amqps", "pyamqp", "filesystem"):
        raise ValueError("use redis://, rediss://, amqp:// (RabbitMQ) or filesystem://")
    return raw


def _port(raw: str) -> int:
    port = int(raw)
    if not 0 < port < 65536:
        raise ValueError(f"{port} is not a TCP port")
    return port


def _rate_limits(raw: str):
    from innkeeper.core import throttle  # imports no setting at import time

    return throttle.parse(raw)


def _cache_url(raw: str) -> str:
    if not raw.startswith(("redis://", "rediss://")):
        raise ValueError("only redis:// and rediss:// URLs are supported")
    return raw


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(f"{value} is negative")
    return value


def _url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ValueError("use an http:// or https:// URL")
    return raw.rstrip("/")


def _seconds(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 120:
        raise ValueError("use a number of seconds between 0 and 120")
    return value


def _domain(raw: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_domain_name

    host = raw.strip().lower().rstrip(".")
    try:
        validate_domain_name(host)
    except ValidationError:
        raise ValueError(f"{raw!r} is not a domain name") from None
    if "." not in host:
        raise ValueError(f"{raw!r} is not a domain name with a dot")
    return host


def _nameservers(raw: str) -> list[str]:
    """Comma-separated ``address`` or ``address:port`` (IPv6 in brackets: ``[::1]:53``)."""
    import ipaddress

    servers = [s.strip() for s in raw.split(",") if s.strip()]
    if not servers:
        raise ValueError("no address given")
    for server in servers:
        address, port = server, "53"
        if server.startswith("["):
            address, _, port = server[1:].partition("]")
            port = port.removeprefix(":") or "53"
        elif server.count(":") == 1:
            address, port = server.split(":")
        try:
            ipaddress.ip_address(address)
            _port(port)
        except ValueError:
            raise ValueError(f"{server!r} is not an IP address with an optional port") from None
    return servers


def _horizon_days(raw: str) -> int:
    days = int(raw)
    if not 1 <= days <= 3650:
        raise ValueError("use a number of days between 1 and 3650")
    return days


def _locks(env, problems: list[str], production: bool) -> tuple[str, dict | None]:
    """The install's lock account. Production without LOCK_PROVIDER has none (``none``): an install without
    smart locks, or whose hotels each bring their own lock account, runs as it is; but TTLock credentials
    without LOCK_PROVIDER say someone meant to have locks, so that stops the start rather than quietly
    sending every guest to reception."""
    given = [name for name in TTLOCK_CREDENTIALS if env.get(name, "").strip()]
    provider = _parse(env, "LOCK_PROVIDER", _choice(LOCK_PROVIDERS), problems,
                      required=production and bool(given), default=NO_LOCKS if production else "simulator",
                      hint=(f"{', '.join(given)} given: set ttlock, or none for no smart locks" if production
                            else "none, simulator or ttlock"))
    if production and provider == "simulator":
        problems.append(f"LOCK_PROVIDER=simulator {DEMO_ONLY}: use ttlock, or none for no smart locks")
    if provider != "ttlock":
        return provider, None
    ttlock = {
        "client_id": _parse(env, "TTLOCK_CLIENT_ID", str, problems, required=True,
                            hint="the app id from the TTLock open platform"),
        "client_secret": _parse(env, "TTLOCK_CLIENT_SECRET", str, problems, required=True),
        "username": _parse(env, "TTLOCK_USERNAME", str, problems, required=True,
                           hint="the platform user that owns the locks"),
        "password": _parse(env, "TTLOCK_PASSWORD", str, problems, required=True),
        "base_url": _parse(env, "TTLOCK_BASE_URL", _url, problems, required=False,
                           default=TTLOCK_DEFAULT_BASE_URL),
        "timeout": _parse(env, "TTLOCK_TIMEOUT", _seconds, problems, required=False, default=30.0),
    }
    return provider, ttlock


def _text(raw: str) -> str:
    return raw


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
SIMULATOR_EMAIL_BACKEND = "innkeeper.simulators.messages.EmailBackend"
OLD_SIMULATOR_EMAIL_BACKEND = "innkeeper.messaging.providers.simulator.EmailBackend"  # its old path, still read
WHATSAPP_PROVIDERS = ("waha", "cloud", "twilio", "simulator", "off")


def _email(env: Mapping[str, str], problems: list[str], production: bool) -> dict:
    """E-mail goes through Django's EMAIL_BACKEND: SMTP, an anymail backend, or (demo) the simulator."""
    backend = _parse(env, "EMAIL_BACKEND", _text, problems, required=False,
                     default=SMTP_BACKEND if production else SIMULATOR_EMAIL_BACKEND)
    if backend == OLD_SIMULATOR_EMAIL_BACKEND:
        backend = SIMULATOR_EMAIL_BACKEND
    if production and backend == SIMULATOR_EMAIL_BACKEND:
        problems.append(f"EMAIL_BACKEND={backend} {DEMO_ONLY}")
    smtp = backend == SMTP_BACKEND
    return {
        "backend": backend,
        "host": _parse(env, "EMAIL_HOST", _text, problems, required=production and smtp, default="localhost",
                       hint="the SMTP server's host name"),
        "port": _parse(env, "EMAIL_PORT", _port, problems, required=False, default=587 if production else 25),
        "user": _parse(env, "EMAIL_HOST_USER", _text, problems, required=False, default=""),
        "password": _parse(env, "EMAIL_HOST_PASSWORD", _text, problems, required=False, default=""),
        "use_tls": _parse(env, "EMAIL_USE_TLS", _bool, problems, required=False, default=production),
        "from_email": _parse(env, "DEFAULT_FROM_EMAIL", _text, problems, required=production,
                             default="Innkeeper <bookings@innkeeper.localhost>",
                             hint='the sender of guest e-mail, e.g. "Hotel <stay@hotel.example>"'),
        # django-anymail's settings, e.g. ANYMAIL_MAILGUN_API_KEY → ANYMAIL["MAILGUN_API_KEY"]
        "anymail": {k[len("ANYMAIL_"):]: v for k, v in env.items() if k.startswith("ANYMAIL_") and v.strip()},
    }


def _content_sids(raw: str) -> dict:
    """TWILIO_CONTENT_SIDS: {"BOOKING_CONFIRMATION": {"en": "HX...", "ru": "HX..."}, ...}: a message type's
    templates, or KEY_COLLECTION's (the access message of a room without a smart lock)."""
    import json

    from innkeeper.messaging.variables import CLOUD_TEMPLATE_PARAMETERS as types

    try:
        value = json.loads(raw)
    except ValueError:
        raise ValueError("not JSON") from None
    if not isinstance(value, dict):
        raise ValueError("a JSON object of message type → {language: ContentSid}")
    for type_, by_locale in value.items():
        if type_ not in types:
            raise ValueError(f"unknown message type {type_!r}; use {', '.join(types)}")
        if not isinstance(by_locale, dict) or not all(
                isinstance(sid, str) and sid.startswith("HX") for sid in by_locale.values()):
            raise ValueError(f"{type_} needs an object of language → ContentSid (HX...)")
    return value


def _waha_tier(raw: str) -> str:
    if raw.lower() not in ("core", "plus"):
        raise ValueError("use core or plus")
    return raw.lower()


def _whatsapp(env: Mapping[str, str], problems: list[str], production: bool) -> dict:
    def choice(raw: str) -> str:
        value = raw.lower()
        if value not in WHATSAPP_PROVIDERS:
            raise ValueError(f"use one of {', '.join(WHATSAPP_PROVIDERS)}")
        return value

    provider = _parse(env, "WHATSAPP_PROVIDER", choice, problems, required=production,
                      default="simulator", hint=" | ".join(p for p in WHATSAPP_PROVIDERS
                                                           if not production or p != "simulator"))
    if production and provider == "simulator":
        problems.append(f"WHATSAPP_PROVIDER=simulator {DEMO_ONLY}: use waha, cloud, twilio or off")

    def need(name, parser=_text, default=""):
        return _parse(env, name, parser, problems, required=production, default=default)

    def opt(name, parser=_text, default=""):
        return _parse(env, name, parser, problems, required=False, default=default)

    cfg = {"provider": provider, "default_region": opt("WHATSAPP_DEFAULT_REGION", default="")}
    waha, cloud, twilio = provider == "waha", provider == "cloud", provider == "twilio"
    cfg["waha"] = {
        "base_url": (need if waha else opt)("WAHA_BASE_URL", _url, "http://localhost:3000"),
        "api_key": (need if waha else opt)("WAHA_API_KEY"),
        "session": opt("WAHA_SESSION", default="default"),
        # core: one session, "default", shared by every hotel; plus: a session of each hotel's own (its number)
        "tier": opt("WAHA_TIER", _waha_tier, "core"),
        "webhook_hmac_key": opt("WAHA_WEBHOOK_HMAC_KEY"),
    }
    cfg["cloud"] = {
        "base_url": opt("WHATSAPP_CLOUD_BASE_URL", _url, "https://graph.facebook.com"),
        "api_version": opt("WHATSAPP_CLOUD_API_VERSION", default="v21.0"),
        "access_token": (need if cloud else opt)("WHATSAPP_CLOUD_ACCESS_TOKEN"),
        "phone_number_id": (need if cloud else opt)("WHATSAPP_CLOUD_PHONE_NUMBER_ID"),
        "app_secret": (need if cloud else opt)("WHATSAPP_CLOUD_APP_SECRET"),
        "verify_token": opt("WHATSAPP_CLOUD_VERIFY_TOKEN"),
    }
    cfg["twilio"] = {
        "base_url": opt("TWILIO_BASE_URL", _url, "https://api.twilio.com"),
        "account_sid": (need if twilio else opt)("TWILIO_ACCOUNT_SID"),
        "auth_token": (need if twilio else opt)("TWILIO_AUTH_TOKEN"),
        "from_number": (need if twilio else opt)("TWILIO_WHATSAPP_FROM"),
        "status_callback_url": opt("TWILIO_STATUS_CALLBACK_URL", _url),
        # Approved WhatsApp templates (Content API), sent through a Messaging Service; without one for a
        # message, its rendered text goes as Body, which WhatsApp delivers only inside the 24-hour window.
        "messaging_service_sid": opt("TWILIO_MESSAGING_SERVICE_SID"),
        "content_sids": opt("TWILIO_CONTENT_SIDS", _content_sids, {}),
    }
    if cfg["twilio"]["content_sids"] and not cfg["twilio"]["messaging_service_sid"].startswith("MG"):
        problems.append("TWILIO_MESSAGING_SERVICE_SID (MG...) is needed with TWILIO_CONTENT_SIDS: Twilio sends "
                        "content templates through a Messaging Service")
    return cfg


def load(base_dir: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate ``env`` (default: the process environment); raise one error listing every problem."""
    env = os.environ if env is None else env
    problems: list[str] = []
    mode = env.get("INNKEEPER_MODE", "demo").strip().lower() or "demo"
    if mode not in MODES:
        raise ImproperlyConfigured(f"INNKEEPER_MODE must be one of {', '.join(MODES)}, not {mode!r}.")
    production = mode == "production"

    default_db = f"sqlite:///{base_dir / 'var' / 'innkeeper.sqlite3'}"
    database = _parse(env, "DATABASE_URL", _database, problems, required=production,
                      default=None, hint="e.g. postgres://user:password@host:5432/innkeeper")
    if database is None:
        database = _database(default_db)
    secret_key = _parse(env, "SECRET_KEY", _secret, problems, required=production, default=DEMO_SECRET_KEY,
                        hint="50+ random characters")
    allowed_hosts = _parse(env, "ALLOWED_HOSTS", _hosts, problems, required=production, default=["*"],
                           hint="comma-separated host names, e.g. hotel.example.com,.example.com")
    debug = _parse(env, "DEBUG", _bool, problems, required=False, default=False)
    if production and debug:
        problems.append("DEBUG must be off in production mode")
    time_zone = _parse(env, "TIME_ZONE", _time_zone, problems, required=False, default="UTC")
    platform_hosts = _parse(env, "PLATFORM_HOSTS", _hosts, problems, required=False,
                            default=["localhost", "127.0.0.1", "testserver"])

    keys = _parse(env, "FIELD_ENCRYPTION_KEYS", _fernet_keys, problems, required=production,
                  hint="comma-separated Fernet keys, the newest first")
    if keys is None:
        keys = [demo_encryption_key(secret_key or DEMO_SECRET_KEY)]
    lock_provider, ttlock = _locks(env, problems, production)
    app_keys = _parse(env, "TTLOCK_APP_KEYS", _bool, problems, required=False, default=False, hint="true or false")
    app_keys_remote_unlock = _parse(env, "TTLOCK_APP_KEYS_REMOTE_UNLOCK", _bool, problems, required=False,
                                    default=False, hint="true or false")
    locks_dispatch = _parse(env, "LOCKS_DISPATCH", _choice(("inline", "celery")), problems, required=False,
                            default="inline", hint="inline or celery")
    rate_limits = _parse(env, "RATE_LIMITS", _rate_limits, problems, required=False, default=_rate_limits(""),
                         hint="off, or overrides such as booking=20/h,lookup=5/m")
    cache_url = _parse(env, "CACHE_URL", _cache_url, problems, required=False, default="",
                       hint="redis://host:6379/1, shared by every process for the rate limits")
    trusted_proxy_count = _parse(env, "TRUSTED_PROXY_COUNT", _count, problems, required=False, default=0,
                                 hint="how many reverse proxies in front of the app add X-Forwarded-For, e.g. 1")
    celery_broker_url = _parse(env, "CELERY_BROKER_URL", _broker, problems, required=production,
                               default="filesystem://", hint="e.g. redis://redis:6379/0 or amqp://user:pw@rabbit//")
    booking_horizon_days = _parse(env, "BOOKING_HORIZON_DAYS", _horizon_days, problems, required=False,
                                  default=730, hint="how many days ahead guests may book")
    email = _email(env, problems, production)
    whatsapp = _whatsapp(env, problems, production)
    outbound_allow_private_hosts = _parse(env, "OUTBOUND_ALLOW_PRIVATE_HOSTS", _bool, problems,
                                          required=False, default=None, hint="true or false")
    if outbound_allow_private_hosts is None:  # its old name, from when only the WAHA address was checked
        outbound_allow_private_hosts = _parse(env, "MESSAGING_ALLOW_PRIVATE_HOSTS", _bool, problems,
                                              required=False, default=False, hint="true or false")
    platform_domain = _parse(env, "PLATFORM_DOMAIN", _domain, problems, required=False, default="",
                             hint="each hotel's site answers on <slug>.<this domain>, e.g. innkeeper.example")
    domain_verify_nameservers = _parse(env, "DOMAIN_VERIFY_NAMESERVERS", _nameservers, problems,
                                       required=False, default=[],
                                       hint="comma-separated resolver addresses, e.g. 1.1.1.1,9.9.9.9")

    if not production and not problems:
        reasons = _demo_refusals([*allowed_hosts, *platform_hosts])
        if reasons:
            raise ImproperlyConfigured(
                "Innkeeper cannot start in demo mode: demo mode is not for the internet, and this "
                "configuration looks like a production one ("
                + "; ".join(reasons) + "). Demo mode uses a public secret key and a published staff "
                "password, and its /outbox/ page shows every guest's messages. Set INNKEEPER_MODE=production "
                "with its variables (see docs/configuration.md), or for a demo on this machine leave "
                "ALLOWED_HOSTS and PLATFORM_HOSTS unset."
            )
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ImproperlyConfigured(
            f"Innkeeper cannot start in {mode} mode; fix these environment variables:\n{lines}"
        )
    return Config(mode=mode, debug=debug, secret_key=secret_key, allowed_hosts=allowed_hosts,
                  database=database, time_zone=time_zone, platform_hosts=[h.lower() for h in platform_hosts],
                  field_encryption_keys=keys, lock_provider=lock_provider, ttlock=ttlock, app_keys=app_keys,
                  app_keys_remote_unlock=app_keys_remote_unlock,
                  locks_dispatch=locks_dispatch, trusted_proxy_count=trusted_proxy_count,
                  rate_limits=rate_limits, cache_url=cache_url,
                  celery_broker_url=celery_broker_url, email=email,
                  whatsapp=whatsapp, booking_horizon_days=booking_horizon_days,
                  outbound_allow_private_hosts=outbound_allow_private_hosts,
                  platform_domain=platform_domain, domain_verify_nameservers=domain_verify_nameservers)
