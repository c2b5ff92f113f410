"""Django settings. Every value that differs between installs comes from innkeeper.config."""

from datetime import time as _time
from pathlib import Path

from csp.constants import NONCE as _NONCE
from csp.constants import NONE as _NONE
from csp.constants import SELF as _SELF

from innkeeper import config as _config

BASE_DIR = Path(__file__).resolve().parent.parent
CONFIG = _config.load(BASE_DIR)

INNKEEPER_MODE = CONFIG.mode
DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "csp",
    "django_countries",
    "modeltranslation",  # hotel texts per language: innkeeper/hotels/translation.py
    "innkeeper.core",
    "innkeeper.accounts",
    "innkeeper.hotels",
    "innkeeper.booking",
    "innkeeper.messaging",
    "innkeeper.web",
    "innkeeper.dashboard",
    "innkeeper.locks",
    "innkeeper.checkin",
    "innkeeper.payments",
    "innkeeper.journey",
    "innkeeper.pms",
    "innkeeper.feedback",
    "innkeeper.demo",
]
# The demo's simulators (a lock cloud, message senders) and their tables: demo mode only, so a production
# database never has them and production offers no simulator (innkeeper.config refuses them there).
if CONFIG.mode == "demo":
    INSTALLED_APPS.append("innkeeper.simulators")

MIDDLEWARE = [
    "innkeeper.web.middleware.SecurityMiddleware",  # Django's, plus Permissions-Policy
    "csp.middleware.CSPMiddleware",  # early, so every page (even the unknown-host one) has its nonce
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers compressed; Django pads them against BREACH (https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.middleware.gzip).
    "django.middleware.gzip.GZipMiddleware",
    "innkeeper.web.middleware.NulMiddleware",
    "innkeeper.web.middleware.SiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "innkeeper.web.middleware.HotelLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "innkeeper.handlers.TooManyRequestsMiddleware",  # a rate-limited page: 429, Retry-After, when to try again
]

ROOT_URLCONF = "innkeeper.urls"
WSGI_APPLICATION = "innkeeper.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# One field template for every form: help text and errors carry the ids Django's aria-describedby names.
FORM_RENDERER = "innkeeper.web.renderers.FormRenderer"


LOCK_TIMEOUT_MS = 10_000  # PostgreSQL lock_timeout: how long a write waits for a row lock (a room type's)


def _database(db: dict) -> dict:
    db = dict(db)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Writers queue up instead of racing: every transaction takes the write lock at BEGIN,
        # which is what makes the booking check-then-insert safe on SQLite.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        # A file, not the shared-cache in-memory database: shared cache answers "table is locked"
        # at once instead of waiting, which would break the concurrency tests.
        db["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}
    else:
        # Persistent connections: a new connection per request measured ~6x slower.
        db.setdefault("CONN_MAX_AGE", 60)
        db["CONN_HEALTH_CHECKS"] = True
        # Every session waits at most this long for a row lock (a booking queues on its room type's row):
        # given once when the connection opens, not by a statement in every write (core.db.write).
        options = db["OPTIONS"] = dict(db.get("OPTIONS") or {})
        options["options"] = " ".join(filter(None, [options.get("options", ""),
                                                    f"-c lock_timeout={LOCK_TIMEOUT_MS}"]))
    return db


DATABASES = {"default": _database(CONFIG.database)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Hotel texts (names, descriptions, policies) have a column per language (innkeeper/hotels/translation.py).
# One missing in the language asked for falls back to English, then to the other languages in order, so a
# text given in any language is never shown empty. With en and ru this is exactly "the hotel's main
# language, then English" whatever the hotel's main language (tests/test_hotel_content.py).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en", *(code for code, _n in LANGUAGES if code != "en"))}
USE_I18N = True
USE_TZ = True
TIME_ZONE = CONFIG.time_zone

# Hosts that show the platform's own site; every other host must be one of a hotel's domains.
INNKEEPER_PLATFORM_HOSTS = CONFIG.platform_hosts
# The platform's own domain: each hotel's site also answers on <slug>.<PLATFORM_DOMAIN>, with no proof
# needed; no hotel may claim the domain itself or another name under it ("": none).
PLATFORM_DOMAIN = CONFIG.platform_domain
# A hotel's own domain routes once a DNS TXT record proves it (hotels.verification). The resolvers asked
# (["address" or "address:port"]; []: the system's), how long one check may take, how often the beat
# re-checks pending domains, and for how many days after they were added.
DOMAIN_VERIFY_NAMESERVERS = CONFIG.domain_verify_nameservers
DOMAIN_VERIFY_TIMEOUT_SECONDS = 3.0
DOMAIN_VERIFY_EVERY_SECONDS = 600.0
DOMAIN_VERIFY_RECHECK_DAYS = 7

STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = CONFIG.mode != "production"  # serve app static files without collectstatic
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if CONFIG.mode == "production" else
                    "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if CONFIG.mode == "production":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Browsers keep to https for a year, on hotels' subdomains too. Production only: a demo on
    # localhost must not pin browsers to https.
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# Security headers. Content-Security-Policy (django-csp): everything from this site; inline <style> and
# <script> only with the request's nonce ({{ request.csp_nonce }}: the hotel theme, JSON-LD); no framing.
# A view may set its own header (the logo's sandbox): the middleware keeps it.

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF, _NONCE],
        "style-src": [_SELF, _NONCE],
        "img-src": [_SELF, "data:"],  # data: the API docs' stylesheet draws its icons with data: URIs
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "frame-ancestors": [_NONE],
    },
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# Permissions-Policy (no Django setting): innkeeper.web.middleware.SecurityMiddleware sends it.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"innkeeper": {"level": "INFO"}},
}

# Staff accounts: e-mail sign-in, Django's PBKDF2 password hash, sessions in HTTP-only, same-site cookies.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "panel:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600  # a staff sign-in lasts one working shift (Django's default: two weeks)
# Sign-in throttling (django-axes): 5 failures for one e-mail from one address lock it for 15 minutes.
from datetime import timedelta as _timedelta  # noqa: E402

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = _timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field name (it holds the e-mail)
AXES_USERNAME_CALLABLE = "innkeeper.accounts.models.throttle_key"  # Anna@ and anna@ count as one
AXES_LOCKOUT_CALLABLE = "innkeeper.dashboard.views.locked_out"
# The client's address as the project reads it everywhere: X-Forwarded-For only behind TRUSTED_PROXY_COUNT
# proxies, so a forged header can neither dodge a lockout nor lock out someone else's address.
AXES_CLIENT_IP_CALLABLE = "innkeeper.core.http.client_ip"
AXES_VERBOSE = False

# Booking engine
INNKEEPER_BOOKING_LOCK_TIMEOUT_MS = LOCK_TIMEOUT_MS  # the same, for core.db.write (tests lower it)
INNKEEPER_BOOKING_HORIZON_DAYS = CONFIG.booking_horizon_days  # how far ahead a stay may start
INNKEEPER_EARLY_CHECK_IN_CUTOFF = _time(22, 0)  # stays starting at or after this local time get no early check-in

# Encryption at rest (passport numbers, lock PINs): the first key encrypts, every key decrypts.
FIELD_ENCRYPTION_KEYS = CONFIG.field_encryption_keys

# Smart locks and online check-in
LOCK_PROVIDER = CONFIG.lock_provider
TTLOCK = CONFIG.ttlock
# The install's lock account (a hotel without its own): guests also get a TTLock app key, which may (or may
# not) open the door remotely through the gateway. A hotel's own lock account says this for itself.
TTLOCK_APP_KEYS = CONFIG.app_keys
TTLOCK_APP_KEYS_REMOTE_UNLOCK = CONFIG.app_keys_remote_unlock
# inline: key operations run right after the transaction commits (no worker needed);
# celery: a worker runs them (innkeeper.locks.tasks).
LOCKS_DISPATCH = CONFIG.locks_dispatch  # deprecated and read by nothing: a Celery worker always does keys
LOCKS_EARLY_CHECK_IN_MINUTES = 240  # how much earlier the door opens with the early check-in add-on
LOCKS_LATE_CHECK_OUT_MINUTES = 240  # how much longer it opens with the late check-out add-on
LOCKS_GRACE_MINUTES = 30  # added on both sides of every key's validity window
LOCKS_MAX_ATTEMPTS = 6  # per lock operation before the key is FAILED / REVOKE_FAILED
LOCKS_AUTO_CHECK_OUT = True  # check stays out (and revoke their keys) once they have ended
LOCKS_AUTO_CHECK_OUT_AFTER_MINUTES = 60
WEBKEY_UNLOCKS_PER_MINUTE = 5  # per key
WEBKEY_UNLOCKS_PER_MINUTE_PER_IP = 20  # per client address (innkeeper.core.http.client_ip)
# Rate limits on anonymous requests (innkeeper.core.throttle): None when RATE_LIMITS=off. They count in the
# cache, which must be shared by every process in production (CACHE_URL, Redis).
RATE_LIMITS = CONFIG.rate_limits
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CONFIG.cache_url}
          if CONFIG.cache_url else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TRUSTED_PROXY_COUNT = CONFIG.trusted_proxy_count  # reverse proxies whose X-Forwarded-For is believed
CHECKIN_REMINDER_HOURS = 48  # the check-in reminder goes out this long before arrival...
CHECKIN_REMINDER_LOCAL_HOURS = (9, 21)  # ...between these hours in the hotel's time zone
# The check-out reminder goes out this long before the stay ends (a late check-out included), if that falls
# in the hours above and after arrival; the thanks this long after it ends, or when those hours next begin.
CHECKOUT_REMINDER_MINUTES = 120
POST_STAY_MESSAGE_HOURS = 1  # the thanks with the feedback link: an hour after check-out (in waking hours)

# Links in messages to a hotel's own site: https on its primary domain in production; the demo's
# <slug>.localhost hosts answer on ./bin/demo's port.
HOTEL_LINK_SCHEME = "https" if CONFIG.mode == "production" else "http"
HOTEL_LINK_PORT = None if CONFIG.mode == "production" else int(__import__("os").environ.get("PORT") or 8000)

# Guest messaging: e-mail through Django's backends, WhatsApp through one configured provider.
EMAIL_BACKEND = CONFIG.email["backend"]
EMAIL_HOST = CONFIG.email["host"]
EMAIL_PORT = CONFIG.email["port"]
EMAIL_HOST_USER = CONFIG.email["user"]
EMAIL_HOST_PASSWORD = CONFIG.email["password"]
EMAIL_USE_TLS = CONFIG.email["use_tls"]
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = CONFIG.email["from_email"]
ANYMAIL = CONFIG.email["anymail"]
INNKEEPER_WHATSAPP = CONFIG.whatsapp
# The URLs a hotel configures (its WAHA server, its TTLock server) may be on a private or loopback address
# (operators who run those services on their own network, the demo, tests); see innkeeper/core/outbound.py.
# MESSAGING_ALLOW_PRIVATE_HOSTS, its old name, still works in the environment and here.
OUTBOUND_ALLOW_PRIVATE_HOSTS = CONFIG.outbound_allow_private_hosts
INNKEEPER_MESSAGING = {
    "max_attempts": 8,  # then DEAD; staff may retry it
    "backoff_base_seconds": 30,  # 30 s, 60 s, 120 s, ... with jitter
    "backoff_max_seconds": 6 * 3600,
    "http_timeout_seconds": 10,
    "sending_lease_seconds": 300,  # a row SENDING this long lost its worker; the sweeper sends it again
    "sweep_every_seconds": 30,
}
# Messages a hotel may hand to its providers, automated and sent by hand counted apart; a hotel may set its
# own (messaging.SendLimit). A full window puts the rest off until it ends; nothing is dropped.
MESSAGE_SEND_LIMITS = {"automated_per_minute": 60, "automated_per_day": 2000,
                       "manual_per_minute": 20, "manual_per_day": 500}
# A time rule's message not sent within this long of its time (the sweep was down) is not sent at all.
AUTOMATION_LATE_MINUTES = 24 * 60

# Celery: the row is the truth, the task is the doorbell. The demo's broker is a folder (no server).
CELERY_BROKER_URL = CONFIG.celery_broker_url
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = BASE_DIR / "var" / "celery" / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(_broker_dir), "data_folder_out": str(_broker_dir),
                                       "processed_folder": str(_broker_dir / "processed"),
                                       "control_folder": str(_broker_dir.parent / "control"),
                                       "store_processed": False}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves its message for another worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up fast when the broker is down: the row stays QUEUED and the sweeper sends it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2,
                                    "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE = {
    "messages-sweep": {"task": "innkeeper.messaging.tasks.messages_sweep",
                       "schedule": float(INNKEEPER_MESSAGING["sweep_every_seconds"])},
    **__import__("innkeeper.locks.schedule", fromlist=["BEAT_SCHEDULE"]).BEAT_SCHEDULE,  # key operations
    **__import__("innkeeper.journey.schedule", fromlist=["BEAT_SCHEDULE"]).BEAT_SCHEDULE,  # check-out, reminders
    **__import__("innkeeper.booking.schedule", fromlist=["BEAT_SCHEDULE"]).BEAT_SCHEDULE,  # lapsed holds
    "domains-verify": {"task": "hotels.domains_verify_pending", "schedule": DOMAIN_VERIFY_EVERY_SECONDS},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celery" / "beat-schedule")
