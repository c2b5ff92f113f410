"""Settings: demo mode needs nothing; production refuses to start and lists every problem."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from innkeeper import config

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "k" * 30 + "abcdefghijklmnopqrstuvwxyz"
MESSAGING = {"CELERY_BROKER_URL": "redis://redis:6379/0", "EMAIL_HOST": "smtp.example.com",
             "DEFAULT_FROM_EMAIL": "Hotel <stay@hotel.example>", "WHATSAPP_PROVIDER": "off"}


def test_demo_mode_needs_no_variables(tmp_path):
    cfg = config.load(tmp_path, {})
    assert (cfg.mode, cfg.debug, cfg.allowed_hosts) == ("demo", True, ["*"])
    assert cfg.database["ENGINE"] == "django.db.backends.sqlite3"
    assert cfg.database["NAME"] == str(tmp_path / "var" / "innkeeper.sqlite3")


def test_production_lists_every_missing_variable_at_once(tmp_path):
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, {"INNKEEPER_MODE": "production"})
    message = str(err.value)
    for name in ("DATABASE_URL is missing", "SECRET_KEY is missing", "ALLOWED_HOSTS is missing",
                 "CELERY_BROKER_URL is missing", "EMAIL_HOST is missing", "DEFAULT_FROM_EMAIL is missing",
                 "WHATSAPP_PROVIDER is missing"):
        assert name in message


def test_production_lists_invalid_values(tmp_path):
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, {"INNKEEPER_MODE": "production", "DATABASE_URL": "mysql://db/x",
                               "SECRET_KEY": "short", "ALLOWED_HOSTS": " , ", "DEBUG": "maybe",
                               "TIME_ZONE": "Mars/Olympus"})
    message = str(err.value)
    for expected in ("DATABASE_URL is invalid", "SECRET_KEY is invalid", "ALLOWED_HOSTS is invalid",
                     "DEBUG is invalid", "TIME_ZONE is invalid"):
        assert expected in message, message


def test_production_accepts_a_complete_environment(tmp_path):
    cfg = config.load(tmp_path, {"INNKEEPER_MODE": "production", "SECRET_KEY": GOOD_SECRET,
                                 "DATABASE_URL": "postgres://inn:pw@db.internal:5432/innkeeper",
                                 "ALLOWED_HOSTS": "hotel.example.com, .example.org", **MESSAGING})
    assert (cfg.debug, cfg.allowed_hosts) == (False, ["hotel.example.com", ".example.org"])
    assert (cfg.database["ENGINE"], cfg.database["HOST"], cfg.database["NAME"]) == (
        "django.db.backends.postgresql", "db.internal", "innkeeper")


def test_production_refuses_debug_and_the_demo_key(tmp_path):
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, {"INNKEEPER_MODE": "production", "SECRET_KEY": config.DEMO_SECRET_KEY,
                               "DATABASE_URL": "postgres://db/x", "ALLOWED_HOSTS": "a.example", "DEBUG": "true"})
    assert "DEBUG must be off" in str(err.value) and "public demo key" in str(err.value)


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="INNKEEPER_MODE"):
        config.load(tmp_path, {"INNKEEPER_MODE": "staging"})


def test_manage_py_prints_one_clear_message_and_exits_2():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS",
                                                            *MESSAGING)}
    env["INNKEEPER_MODE"] = "production"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot start in production mode" in result.stderr
    assert result.stderr.count(" is missing") == 3 + len(MESSAGING)


def test_demo_mode_uses_the_simulators_and_a_broker_without_a_server(tmp_path):
    cfg = config.load(tmp_path, {})
    assert cfg.celery_broker_url == "filesystem://"
    assert cfg.email["backend"] == config.SIMULATOR_EMAIL_BACKEND
    assert cfg.whatsapp["provider"] == "simulator"


def test_production_names_the_credentials_its_whatsapp_provider_needs(tmp_path):
    env = {"INNKEEPER_MODE": "production", "SECRET_KEY": GOOD_SECRET, "DATABASE_URL": "postgres://db/x",
           "ALLOWED_HOSTS": "a.example", **MESSAGING, "WHATSAPP_PROVIDER": "twilio", "CELERY_BROKER_URL": "kafka://x"}
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, env)
    message = str(err.value)
    for expected in ("TWILIO_ACCOUNT_SID is missing", "TWILIO_AUTH_TOKEN is missing", "TWILIO_WHATSAPP_FROM is missing",
                     "CELERY_BROKER_URL is invalid"):
        assert expected in message, message
    assert "WAHA_API_KEY" not in message
    cfg = config.load(tmp_path, {**env, "WHATSAPP_PROVIDER": "waha", "WAHA_BASE_URL": "http://waha:3000/",
                                 "WAHA_API_KEY": "k", "CELERY_BROKER_URL": "amqp://u:p@rabbit//"})
    assert cfg.whatsapp["waha"]["base_url"] == "http://waha:3000"
    assert (cfg.email["backend"], cfg.email["port"], cfg.email["use_tls"]) == (config.SMTP_BACKEND, 587, True)
    cfg = config.load(tmp_path, {**env, "WHATSAPP_PROVIDER": "off", "CELERY_BROKER_URL": "redis://r:6379/0",
                                 "EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend",
                                 "ANYMAIL_MAILGUN_API_KEY": "key-1", "EMAIL_HOST": ""})
    assert cfg.email["anymail"] == {"MAILGUN_API_KEY": "key-1"}
