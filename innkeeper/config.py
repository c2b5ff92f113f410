"""Settings from the environment, validated once at start-up.

Two modes:
- ``demo`` (the default): every variable has a safe default, SQLite in ``var/``, DEBUG on.
- ``production``: nothing is assumed. Every missing or invalid variable is collected and the process
  refuses to start with one message that lists them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

MODES = ("demo", "production")
DEMO_SECRET_KEY = "demo-only-insecure-secret-key-never-use-in-production-0123456789"


@dataclass(frozen=True)
class Config:
    mode: str
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    database: dict
    time_zone: str
    platform_hosts: list[str]


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
    debug = _parse(env, "DEBUG", _bool, problems, required=False, default=not production)
    if production and debug:
        problems.append("DEBUG must be off in production mode")
    time_zone = _parse(env, "TIME_ZONE", _time_zone, problems, required=False, default="UTC")
    platform_hosts = _parse(env, "PLATFORM_HOSTS", _hosts, problems, required=False,
                            default=["localhost", "127.0.0.1", "testserver"])

    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ImproperlyConfigured(
            f"Innkeeper cannot start in {mode} mode; fix these environment variables:\n{lines}"
        )
    return Config(mode=mode, debug=debug, secret_key=secret_key, allowed_hosts=allowed_hosts,
                  database=database, time_zone=time_zone, platform_hosts=[h.lower() for h in platform_hosts])
