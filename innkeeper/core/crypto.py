"""Encryption at rest with a rotatable key list (FIELD_ENCRYPTION_KEYS: the first encrypts, all decrypt)."""

from __future__ import annotations

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("a value was encrypted with a key that is no longer in FIELD_ENCRYPTION_KEYS") from None


def mask(value: str, visible: int = 3) -> str:
    """``AB1234567`` → ``••••••567``: enough to recognise, not enough to use."""
    value = value or ""
    if len(value) <= visible:
        return "•" * len(value)
    return "•" * (len(value) - visible) + value[-visible:]


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token. Not searchable; empty strings stay empty."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (dict or list) stored encrypted as text."""

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        return json.loads(value) if value else (self.get_default() if not self.null else None)

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) and value else value

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):  # already JSON text (e.g. from a form)
            value = json.loads(value) if value else {}
        return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))
