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
FERNET_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="  # 32 bytes, url-safe base64
# Production has no simulators: its locks are TTLock's.
TTLOCK = {"LOCK_PROVIDER": "ttlock", "TTLOCK_CLIENT_ID": "app-id", "TTLOCK_CLIENT_SECRET": "app-secret",
          "TTLOCK_USERNAME": "owner", "TTLOCK_PASSWORD": "owner-password"}
PRODUCTION = {"INNKEEPER_MODE": "production", "SECRET_KEY": GOOD_SECRET, "DATABASE_URL": "postgres://db/x",
              "ALLOWED_HOSTS": "a.example", "FIELD_ENCRYPTION_KEYS": FERNET_KEY, **TTLOCK, **MESSAGING}


def test_demo_mode_needs_no_variables(tmp_path):
    cfg = config.load(tmp_path, {})
    assert (cfg.mode, cfg.debug, cfg.allowed_hosts) == ("demo", False, ["*"])  # no debug pages
    assert cfg.database["ENGINE"] == "django.db.backends.sqlite3"
    assert cfg.database["NAME"] == str(tmp_path / "var" / "innkeeper.sqlite3")


def test_production_lists_every_missing_variable_at_once(tmp_path):
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, {"INNKEEPER_MODE": "production"})
    message = str(err.value)
    for name in ("DATABASE_URL is missing", "SECRET_KEY is missing", "ALLOWED_HOSTS is missing",
                 "FIELD_ENCRYPTION_KEYS is missing",
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
                                 "ALLOWED_HOSTS": "hotel.example.com, .example.org",
                                 "FIELD_ENCRYPTION_KEYS": FERNET_KEY, **TTLOCK, **MESSAGING})
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
    assert result.stderr.count(" is missing") == 4 + len(MESSAGING)


def test_demo_mode_derives_an_encryption_key_and_uses_the_lock_simulator(tmp_path):
    cfg = config.load(tmp_path, {})
    assert cfg.field_encryption_keys == [config.demo_encryption_key(config.DEMO_SECRET_KEY)]
    assert (cfg.lock_provider, cfg.ttlock, cfg.locks_dispatch) == ("simulator", None, "inline")


def test_encryption_keys_are_checked_and_rotation_lists_are_kept_in_order(tmp_path):
    other = "WllZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVk="
    cfg = config.load(tmp_path, {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": f"{other}, {FERNET_KEY}"})
    assert cfg.field_encryption_keys == [other, FERNET_KEY]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is invalid"):
        config.load(tmp_path, {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": "not-a-key"})


def test_ttlock_needs_its_credentials_and_a_valid_url(tmp_path):
    without = {name: value for name, value in PRODUCTION.items() if not name.startswith("TTLOCK_")}
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, {**without, "LOCK_PROVIDER": "ttlock", "TTLOCK_BASE_URL": "euapi.ttlock.com"})
    message = str(err.value)
    for expected in ("TTLOCK_CLIENT_ID is missing", "TTLOCK_CLIENT_SECRET is missing", "TTLOCK_USERNAME is missing",
                     "TTLOCK_PASSWORD is missing", "TTLOCK_BASE_URL is invalid"):
        assert expected in message, message
    cfg = config.load(tmp_path, {**without, "LOCK_PROVIDER": "TTLock", "TTLOCK_CLIENT_ID": "id",
                                 "TTLOCK_CLIENT_SECRET": "s", "TTLOCK_USERNAME": "u", "TTLOCK_PASSWORD": "p"})
    assert cfg.ttlock == {"client_id": "id", "client_secret": "s", "username": "u", "password": "p",
                          "base_url": "https://euapi.ttlock.com", "timeout": 30.0}
    with pytest.raises(ImproperlyConfigured, match="LOCK_PROVIDER is invalid"):
        config.load(tmp_path, {**PRODUCTION, "LOCK_PROVIDER": "august"})


def test_production_without_smart_locks_starts_with_lock_provider_none(tmp_path):
    without_locks = {name: value for name, value in PRODUCTION.items()
                     if name != "LOCK_PROVIDER" and not name.startswith("TTLOCK_")}
    cfg = config.load(tmp_path, {**without_locks, "LOCK_PROVIDER": "none"})
    assert (cfg.mode, cfg.lock_provider, cfg.ttlock) == ("production", "none", None)
    # Unset is the same: an install has no smart locks until it says which.
    assert (config.load(tmp_path, without_locks).lock_provider, config.load(tmp_path, {}).lock_provider) == (
        "none", "simulator")  # the demo keeps its simulated locks


def test_ttlock_credentials_without_lock_provider_stop_production(tmp_path):
    without_provider = {name: value for name, value in PRODUCTION.items() if name != "LOCK_PROVIDER"}
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, without_provider)
    assert ("LOCK_PROVIDER is missing: TTLOCK_CLIENT_ID, TTLOCK_CLIENT_SECRET, TTLOCK_USERNAME, TTLOCK_PASSWORD "
            "given: set ttlock, or none for no smart locks") in str(err.value)
    assert config.load(tmp_path, {**without_provider, "LOCK_PROVIDER": "none"}).ttlock is None


def test_the_lock_provider_none_starts_the_app_in_production(tmp_path):
    """manage.py check in production with LOCK_PROVIDER=none and no TTLock variables: Django starts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TTLOCK_", "LOCK_PROVIDER"))}
    env.update({k: v for k, v in PRODUCTION.items() if k != "LOCK_PROVIDER" and not k.startswith("TTLOCK_")})
    env.update({"LOCK_PROVIDER": "none", "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}"})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_ttlock_app_keys_are_off_unless_switched_on(tmp_path):
    cfg = config.load(tmp_path, PRODUCTION)
    assert (cfg.app_keys, cfg.app_keys_remote_unlock) == (False, False)
    cfg = config.load(tmp_path, {**PRODUCTION, "TTLOCK_APP_KEYS": "1", "TTLOCK_APP_KEYS_REMOTE_UNLOCK": "yes"})
    assert (cfg.app_keys, cfg.app_keys_remote_unlock) == (True, True)
    with pytest.raises(ImproperlyConfigured, match="TTLOCK_APP_KEYS is invalid"):
        config.load(tmp_path, {**PRODUCTION, "TTLOCK_APP_KEYS": "sometimes"})


def test_the_booking_horizon_defaults_to_two_years_and_is_checked(tmp_path):
    assert config.load(tmp_path, {}).booking_horizon_days == 730
    assert config.load(tmp_path, {"BOOKING_HORIZON_DAYS": "365"}).booking_horizon_days == 365
    for bad in ("0", "forever", "5000"):
        with pytest.raises(ImproperlyConfigured) as err:
            config.load(tmp_path, {"BOOKING_HORIZON_DAYS": bad})
        assert "BOOKING_HORIZON_DAYS is invalid" in str(err.value)


def test_private_hosts_for_a_hotels_outbound_urls_are_refused_unless_the_install_allows_them(tmp_path):
    load = lambda env: config.load(tmp_path, env).outbound_allow_private_hosts  # noqa: E731
    assert load({}) is False
    assert load({"OUTBOUND_ALLOW_PRIVATE_HOSTS": "true"}) is True
    assert load({"MESSAGING_ALLOW_PRIVATE_HOSTS": "true"}) is True  # the old name still works
    assert load({"OUTBOUND_ALLOW_PRIVATE_HOSTS": "false", "MESSAGING_ALLOW_PRIVATE_HOSTS": "true"}) is False
    for name in ("OUTBOUND_ALLOW_PRIVATE_HOSTS", "MESSAGING_ALLOW_PRIVATE_HOSTS"):
        with pytest.raises(ImproperlyConfigured) as err:
            config.load(tmp_path, {name: "maybe"})
        assert f"{name} is invalid" in str(err.value)


@pytest.mark.parametrize("env, reason", [
    ({"ALLOWED_HOSTS": "hotel.example.com"}, "public hosts (hotel.example.com)"),
    ({"PLATFORM_HOSTS": "localhost,book.example.org"}, "public hosts (book.example.org)"),
    ({"ALLOWED_HOSTS": "93.184.216.34"}, "public hosts (93.184.216.34)"),
])
def test_demo_mode_refuses_a_configuration_that_looks_like_production(tmp_path, env, reason):
    with pytest.raises(ImproperlyConfigured) as err:
        config.load(tmp_path, env)
    message = str(err.value)
    assert message.startswith("Innkeeper cannot start in demo mode: demo mode is not for the internet")
    assert reason in message
    assert "INNKEEPER_MODE=production" in message


def test_demo_mode_runs_on_this_machine_and_its_private_network(tmp_path):
    local = "*,localhost,.localhost,demo.localhost,127.0.0.1,[::1],192.168.1.20"
    cfg = config.load(tmp_path, {"ALLOWED_HOSTS": local,
                                 "PLATFORM_HOSTS": "localhost,testserver", "DEBUG": "true"})
    assert cfg.mode == "demo" and cfg.debug is True
    with pytest.raises(ImproperlyConfigured, match="demo mode is not for the internet"):
        config.load(tmp_path, {"INNKEEPER_MODE": "demo", "ALLOWED_HOSTS": "localhost,hotel.example.com"})


def test_a_production_looking_demo_refuses_to_start_with_one_clear_message():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS",
                                                            "INNKEEPER_MODE", *MESSAGING)}
    env.update({"DEBUG": "off", "ALLOWED_HOSTS": "hotel.example.com"})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "demo mode is not for the internet" in result.stderr
