"""Django settings. Every value that differs between installs comes from innkeeper.config."""

from pathlib import Path

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
    "innkeeper.core",
    "innkeeper.hotels",
    "innkeeper.booking",
    "innkeeper.messaging",
    "innkeeper.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "innkeeper.web.middleware.SiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "innkeeper.web.middleware.HotelLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    return db


DATABASES = {"default": _database(CONFIG.database)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = CONFIG.time_zone

# Hosts that show the platform's own site; every other host must be one of a hotel's domains.
INNKEEPER_PLATFORM_HOSTS = CONFIG.platform_hosts

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"innkeeper": {"level": "INFO"}},
}

# Booking engine
INNKEEPER_BOOKING_LOCK_TIMEOUT_MS = 10_000  # PostgreSQL lock_timeout while waiting for a room type

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
INNKEEPER_MESSAGING = {
    "max_attempts": 8,  # then DEAD; staff may retry it
    "backoff_base_seconds": 30,  # 30 s, 60 s, 120 s, ... with jitter
    "backoff_max_seconds": 6 * 3600,
    "http_timeout_seconds": 10,
    "sending_lease_seconds": 300,  # a row SENDING this long lost its worker; the sweeper sends it again
    "sweep_every_seconds": 30,
}

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
}
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celery" / "beat-schedule")
