"""One registry of integration providers: ``kind`` -> provider name -> class.

Kinds today: "lock" (ttlock, simulator), "whatsapp" (waha, cloud, twilio, simulator, off) and "email" (smtp:
the install's Django EMAIL_BACKEND with the hotel's own sender). Domain apps register their providers when
their providers package is imported (their AppConfig.ready() imports it), so core imports no domain app.

A provider class says what its configuration is (``fields``: which are required, which are URLs passed
through the outbound guard, which are secrets), how to check that the account works (``verify``: one cheap
authenticated call, a short sentence back, never the remote body) and, for inbound events, how to read a
callback (``parse_callback``). Each kind's app also registers the installation's own account of the kind
(``register_install``), the one a hotel without an account of its own uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from innkeeper.core import outbound
from innkeeper.core.errors import InvalidInput

KINDS = ("lock", "whatsapp", "email", "pms")
INSTALL = "install"  # the account part of a hook URL for the install's own account


@dataclass(frozen=True)
class ConfigField:
    name: str
    required: bool = False
    secret: bool = False  # never shown again, never in the audit log; blank on a form keeps the stored one
    url: bool = False  # the server sends secrets there: checked by the outbound guard
    type: type = str


class VerifyFailed(Exception):
    """``verify()`` could not use the account; ``message`` is a short sentence for the panel."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CallbackRefused(Exception):
    """An inbound callback without a valid signature (or verify token): answered 403, nothing applied."""


class CallbackMalformed(ValueError):
    """A signed callback that is not what the provider sends: answered 400, nothing applied."""


STALE_AFTER = 5 * 60  # seconds: a signed callback whose own timestamp is older (or this far ahead) is refused


@dataclass(frozen=True)
class Callback:
    """What ``parse_callback`` read: the events (each with ``event_id`` and ``at``, epoch seconds or None),
    and the answer the provider expects (Meta's handshake challenge, Twilio's empty TwiML)."""

    events: tuple = ()
    answer: str = ""
    content_type: str = "text/plain"
    handshake: bool = False  # a subscription check, not events: answer and do nothing else


def stale(at: float | None, now: float) -> bool:
    """True when a callback's timestamp is more than STALE_AFTER away from ``now`` (a replay, or a clock
    that cannot be trusted); a scheme without timestamps (None) is never stale."""
    return at is not None and abs(now - at) > STALE_AFTER


class IntegrationProvider:
    """What every registered provider class publishes (its calls are its own)."""

    kind = ""
    name = ""
    registry_name = ""  # the name in the registry when it differs from ``name``
    fields: tuple[ConfigField, ...] = ()
    missing_message = ""  # what the owner reads when a required field is blank (default: "required")

    @classmethod
    def secret_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in cls.fields if f.secret)

    @classmethod
    def clean_config(cls, config: dict) -> dict:
        """The config with exactly this provider's fields, types checked, required ones present and URLs
        allowed by the outbound guard; raises InvalidInput naming the field to fix."""
        known = {f.name: f for f in cls.fields}
        unknown = set(config) - set(known)
        if unknown:
            raise InvalidInput(_("Unknown setting: %(name)s.") % {"name": sorted(unknown)[0]},
                               field=sorted(unknown)[0], code="invalid")
        cleaned = {}
        for field in cls.fields:
            value = config.get(field.name, field.type())
            if value is None:
                value = field.type()
            if not isinstance(value, field.type) or isinstance(value, bool) and field.type is not bool:
                raise InvalidInput(_("This value has the wrong type."), field=field.name, code="invalid")
            if isinstance(value, str):
                value = value.strip()
            if field.required and not value:
                raise InvalidInput(cls.missing_message or _("This field is required."), field=field.name,
                                   code="required")
            if field.url and value:
                outbound.check_outbound_url(value, field=field.name)
            cleaned[field.name] = value
        return cleaned

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:  # pragma: no cover - interface
        """One cheap authenticated call; a short sentence on success, VerifyFailed otherwise."""
        return _("Nothing to check for this provider.")

    @classmethod
    def parse_callback(cls, request, config: dict) -> Callback:  # pragma: no cover - interface
        """Verify the inbound request with the account's ``config`` and read its events; raise
        CallbackRefused (bad signature) or CallbackMalformed (not the provider's format)."""
        raise NotImplementedError


_registry: dict[str, dict[str, type[IntegrationProvider]]] = {kind: {} for kind in KINDS}


def register(cls: type[IntegrationProvider]) -> type[IntegrationProvider]:
    """Class decorator: ``cls.kind`` / ``cls.registry_name or cls.name`` in the registry (registering again replaces it)."""
    if cls.kind not in _registry:
        raise ValueError(f"unknown provider kind {cls.kind!r}")
    _registry[cls.kind][cls.registry_name or cls.name] = cls
    return cls


def get(kind: str, name: str) -> type[IntegrationProvider]:
    """The registered class; KeyError for an unknown kind or name."""
    return _registry[kind][name]


def names(kind: str) -> list[str]:
    return sorted(_registry.get(kind, {}))


# The installation's own account of each kind (the environment's LOCK_PROVIDER, WHATSAPP_PROVIDER ...), which
# a hotel without an account of its own uses: its app registers a function giving (provider name, config).
_install_accounts: dict[str, Callable[[], tuple[str, dict]]] = {}


def register_install(kind: str, account: Callable[[], tuple[str, dict]]) -> None:
    if kind not in _registry:
        raise ValueError(f"unknown provider kind {kind!r}")
    _install_accounts[kind] = account


def install_account(kind: str) -> tuple[str, dict] | None:
    """(provider name, config) of the installation's account of ``kind``; None when no app says."""
    account = _install_accounts.get(kind)
    return account() if account is not None else None
