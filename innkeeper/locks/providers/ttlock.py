"""TTLock Open Platform cloud API v3 (see shared/integrations/ttlock.md).

Form-encoded requests; every /v3 call carries clientId, accessToken and date (epoch ms); errors come
as HTTP 200 with a non-zero ``errcode``. Custom PINs go through the gateway (addType=2), offline period
passcodes (keyboardPwd/get) need whole-hour bounds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from innkeeper.config import TTLOCK_DEFAULT_BASE_URL
from innkeeper.core import outbound
from innkeeper.core.providers import ConfigField, IntegrationProvider, VerifyFailed, register
from innkeeper.locks.providers.base import APP_KEY_FIELDS, AppKey, LockError, LockInfo, LockProvider, Passcode

log = logging.getLogger(__name__)

GATEWAY = 2  # addType / deleteType: push through the gateway now (1 = Bluetooth only records it)
PERIOD = 3  # keyboardPwdType for a passcode valid between startDate and endDate
PASSCODE_VERSION = 4
LOCKS_PER_PAGE = 100  # pageSize of /v3/lock/list; the cloud says how many pages there are
MAX_LOCK_PAGES = 100  # a lock list that never ends is an unreadable answer, not a reason to loop forever

TOKEN_ERRORS = {10003, 10004}  # invalid / expired token: refresh, then repeat once
UNREACHABLE = {-2012, -3002}  # no gateway / gateway offline: may come back, so retryable too
RETRYABLE = {30006, 90000, -3003, 80000}  # rate limit, server error, gateway busy, clock skew
# Everything else (bad parameters, no permission, unsupported feature, wrong credentials) is permanent.
MESSAGES = {
    -2012: gettext_noop("The lock is not connected to any gateway."),
    -3002: gettext_noop("The lock's gateway is offline."),
    -3003: gettext_noop("The gateway is busy."),
    -4043: gettext_noop("Remote unlock is switched off or not supported by this lock."),
    -1007: gettext_noop("The lock has no offline passcode data."),
    30006: gettext_noop("The lock cloud's API call limit was reached."),
    80000: gettext_noop("The server clock differs from the lock cloud's by more than five minutes."),
    90000: gettext_noop("The lock cloud had an internal error."),
    10007: gettext_noop("The lock account's user name or password is wrong."),
    10001: gettext_noop("The lock account's client id or secret is wrong (or belongs to another region)."),
    20006: gettext_noop("The guest has no TTLock account, and none could be created for them."),
}
REMOTE_ON, REMOTE_OFF = 1, 2  # key/send remoteEnable: may the app key open the lock through the gateway
CREATE_USER = 1  # key/send createUser: make a TTLock account for a receiver (e-mail or phone) who has none


@dataclass(frozen=True)
class TTLockAccount:
    client_id: str
    client_secret: str
    username: str
    password: str
    base_url: str
    timeout: float = 30.0
    guarded: bool = False  # a URL the hotel gave: every connection passes the outbound guard


@dataclass
class _Token:
    access: str
    refresh: str
    expires_at: float


# Tokens last 90 days; one per account per process, shared by threads.
_tokens: dict[tuple[str, ...], _Token] = {}
_tokens_lock = threading.Lock()


# One HTTP client (connection pool, TLS context) per account per process: making one costs more than
# a request to a nearby server.
_clients: dict[TTLockAccount, httpx.Client] = {}
_clients_pid = os.getpid()


def _client(account: TTLockAccount) -> httpx.Client:
    global _clients_pid
    with _tokens_lock:
        if _clients_pid != os.getpid():
            # A forked worker (Celery prefork, gunicorn) must not share its parent's sockets: dropped, not
            # closed, since closing would end the parent's connections too.
            _clients.clear()
            _clients_pid = os.getpid()
        client = _clients.get(account)
        if client is None:
            options = {"base_url": account.base_url,
                       "timeout": httpx.Timeout(account.timeout, connect=min(account.timeout, 10.0))}
            client = _clients[account] = (outbound.guarded_client(**options) if account.guarded
                                          else httpx.Client(follow_redirects=False, **options))
        return client


def forget_tokens() -> None:
    """Drop cached tokens and connections (a changed account, or tests)."""
    with _tokens_lock:
        _tokens.clear()
        for client in _clients.values():
            client.close()
        _clients.clear()


def ms(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_key(account: TTLockAccount) -> tuple[str, ...]:
    """Whose token it is: the server and every credential of the account (the secrets as digests), so two
    hotels' accounts, or one whose secret or password changed, never share a token."""
    return (account.base_url, account.client_id, _digest(account.client_secret), account.username,
            _digest(account.password))


VERIFY_TIMEOUT = 5.0  # the panel's "Test connection" waits for the lock cloud this long at most


@register
class TTLockProvider(LockProvider, IntegrationProvider):
    kind, name = "lock", "ttlock"
    fields = (ConfigField("client_id", required=True), ConfigField("client_secret", required=True, secret=True),
              ConfigField("username", required=True), ConfigField("password", required=True, secret=True),
              ConfigField("base_url", url=True),  # blank: TTLock's own server
              *APP_KEY_FIELDS)
    missing_message = gettext_lazy("TTLock needs the app id, its secret, the user name and the password.")

    def __init__(self, account: TTLockAccount):
        self.account = account
        self.client = _client(account)

    @classmethod
    def from_config(cls, config: dict, *, hotel=None, timeout: float | None = None) -> TTLockProvider:
        """The provider for a hotel's account config (its own server, if any, behind the outbound guard)."""
        base_url = config.get("base_url") or ""
        return cls(TTLockAccount(
            client_id=config.get("client_id", ""), client_secret=config.get("client_secret", ""),
            username=config.get("username", ""), password=config.get("password", ""),
            base_url=base_url or TTLOCK_DEFAULT_BASE_URL,
            timeout=timeout or (settings.TTLOCK or {}).get("timeout", 30.0),
            guarded=bool(base_url) and not config.get("install")))  # the operator's own server is trusted

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        """A token and the first page of the lock list, each within VERIFY_TIMEOUT."""
        try:
            body = cls.from_config(config, timeout=VERIFY_TIMEOUT).call("/v3/lock/list", pageNo=1,
                                                                       pageSize=LOCKS_PER_PAGE)
            count = int(body.get("total", len(body.get("list") or [])) or 0)
        except LockError as error:  # our own sentence for the code (translated where it is a known one)
            raise VerifyFailed(_(error.message)) from None
        except (AttributeError, TypeError, ValueError):
            raise VerifyFailed(_("The lock cloud sent an unreadable lock list.")) from None
        return ngettext("Connected: the lock account has %(count)s lock.",
                        "Connected: the lock account has %(count)s locks.", count) % {"count": count}

    @property
    def _key(self):
        return token_key(self.account)

    @property
    def account_key(self) -> str:
        # A client id belongs to one region's platform and a user name to one client, so these two say
        # which account's locks a lock id is one of.
        return f"ttlock:{self.account.client_id}:{self.account.username}"

    # -- transport ---------------------------------------------------------------------------------

    def _post(self, path: str, data: dict) -> dict:
        try:
            response = self.client.post(path, data=data)
        except outbound.OutboundRefused as exc:
            raise LockError("address_refused", exc.message, retryable=False) from exc
        except httpx.TimeoutException as exc:
            raise LockError("timeout", f"The lock cloud did not answer in time ({exc.__class__.__name__}).",
                            retryable=True, ambiguous=True) from exc
        except httpx.TransportError as exc:
            raise LockError("network", f"The lock cloud could not be reached ({exc.__class__.__name__}).",
                            retryable=True) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise LockError(f"http_{response.status_code}", "The lock cloud answered with an error.",
                            retryable=True, ambiguous=response.status_code >= 500)
        if 300 <= response.status_code < 400:
            raise LockError(f"http_{response.status_code}", "The lock cloud answered with a redirect, which "
                            "is not followed: give the address it points to.", retryable=False)
        try:
            body = response.json()
            if not isinstance(body, dict):
                raise ValueError("not an object")
            int(body.get("errcode", 0) or 0)
        except (ValueError, TypeError):
            raise LockError(f"http_{response.status_code}", "The lock cloud sent an unreadable answer.",
                            retryable=True, ambiguous=True) from None
        if response.status_code != 200 and "errcode" not in body:
            raise LockError(f"http_{response.status_code}", "The lock cloud refused the request.", retryable=False)
        return body

    @staticmethod
    def _error(body: dict) -> LockError:
        # Our sentence for a known code, never the cloud's own text: the panel shows this, and the cloud
        # may be any server a hotel named. The text goes to the log for the operator.
        code = int(body.get("errcode"))
        if code not in MESSAGES:
            log.info("ttlock error %s: %r", code, str(body.get("errmsg", ""))[:300])
        message = MESSAGES.get(code) or gettext_noop("The lock operation failed.")
        return LockError(str(code), message, retryable=code in RETRYABLE | UNREACHABLE, unreachable=code in UNREACHABLE)

    # -- OAuth -------------------------------------------------------------------------------------

    def _store(self, body: dict) -> _Token:
        if "access_token" not in body:
            raise self._error(body) if body.get("errcode") else LockError(
                "auth", "The lock cloud did not issue a token.", retryable=False)
        token = _Token(body["access_token"], body.get("refresh_token", ""),
                       time.time() + int(body.get("expires_in", 7776000)) - 300)
        _tokens[self._key] = token
        return token

    def _login(self) -> _Token:
        body = self._post("/oauth2/token", {
            "client_id": self.account.client_id, "client_secret": self.account.client_secret,
            "username": self.account.username, "grant_type": "password",
            "password": hashlib.md5(self.account.password.encode()).hexdigest(),  # noqa: S324  (TTLock asks for MD5)
        })
        return self._store(body)

    def _refresh(self, token: _Token) -> _Token:
        if token.refresh:
            body = self._post("/oauth2/token", {
                "client_id": self.account.client_id, "client_secret": self.account.client_secret,
                "grant_type": "refresh_token", "refresh_token": token.refresh,
            })
            if "access_token" in body:
                return self._store(body)
            log.info("ttlock refresh failed (%s), logging in again", body.get("errcode"))
        return self._login()

    def _token(self, *, renew_from: _Token | None = None) -> _Token:
        with _tokens_lock:
            token = _tokens.get(self._key)
            if renew_from is not None and token is renew_from:
                return self._refresh(token)
            if renew_from is not None and token is not None:
                return token  # another thread renewed it already
            if token is None:
                return self._login()
            if token.expires_at <= time.time():
                return self._refresh(token)
            return token

    def call(self, path: str, **params) -> dict:
        """A /v3 call with the common parameters; an expired token is renewed once."""
        token = self._token()
        for attempt in (1, 2):
            data = {"clientId": self.account.client_id, "accessToken": token.access,
                    "date": int(time.time() * 1000), **params}
            body = self._post(path, data)
            errcode = int(body.get("errcode", 0) or 0)
            if errcode in TOKEN_ERRORS and attempt == 1:
                token = self._token(renew_from=token)
                continue
            if errcode != 0:
                raise self._error(body)
            return body
        raise AssertionError("unreachable")

    # -- operations --------------------------------------------------------------------------------

    def add_pin(self, *, lock_id, pin, start, end, name) -> Passcode:
        try:
            body = self.call("/v3/keyboardPwd/add", lockId=lock_id, keyboardPwd=pin, keyboardPwdName=name,
                             startDate=ms(start), endDate=ms(end), addType=GATEWAY)
        except LockError as error:
            if error.code == "-4043":  # this lock takes no custom codes: only an offline passcode reaches it
                raise LockError(error.code, error.message, retryable=False, unreachable=True) from error
            raise
        return Passcode(str(body["keyboardPwdId"]), pin)

    def offline_pin(self, *, lock_id, start, end, name) -> Passcode:
        for moment in (start, end):
            if moment.minute or moment.second or moment.microsecond:
                raise ValueError("offline passcodes start and end on whole hours")
        body = self.call("/v3/keyboardPwd/get", lockId=lock_id, keyboardPwdVersion=PASSCODE_VERSION,
                         keyboardPwdType=PERIOD, keyboardPwdName=name, startDate=ms(start), endDate=ms(end))
        return Passcode(str(body["keyboardPwdId"]), str(body["keyboardPwd"]))

    def find_pin(self, *, lock_id, name) -> Passcode | None:
        page = 1
        while True:
            body = self.call("/v3/lock/listKeyboardPwd", lockId=lock_id, pageNo=page, pageSize=100)
            for item in body.get("list", []):
                if item.get("keyboardPwdName") == name:
                    return Passcode(str(item["keyboardPwdId"]), str(item.get("keyboardPwd", "")))
            if page >= int(body.get("pages", 1) or 1):
                return None
            page += 1

    def delete_pin(self, *, lock_id, remote_id) -> None:
        self.call("/v3/keyboardPwd/delete", lockId=lock_id, keyboardPwdId=remote_id, deleteType=GATEWAY)

    supports_app_keys = True

    def send_app_key(self, *, lock_id, receiver, name, start, end, remote_unlock=False) -> AppKey:
        body = self.call("/v3/key/send", lockId=lock_id, receiverUsername=receiver, keyName=name,
                         startDate=ms(start), endDate=ms(end), createUser=CREATE_USER,
                         remoteEnable=REMOTE_ON if remote_unlock else REMOTE_OFF)
        try:
            return AppKey(str(int(body["keyId"])))
        except (KeyError, TypeError, ValueError):
            raise LockError("unreadable", "The lock cloud sent no key id for the app key.",
                            retryable=True, ambiguous=True) from None

    def change_app_key(self, *, remote_id, start, end) -> None:
        self.call("/v3/key/changePeriod", keyId=remote_id, startDate=ms(start), endDate=ms(end))

    def delete_app_key(self, *, remote_id) -> None:
        self.call("/v3/key/delete", keyId=remote_id)

    def unlock(self, *, lock_id) -> None:
        self.call("/v3/lock/unlock", lockId=lock_id)

    def list_locks(self) -> list[LockInfo]:
        locks, page = [], 1
        while True:
            body = self.call("/v3/lock/list", pageNo=page, pageSize=LOCKS_PER_PAGE)
            try:
                items = body.get("list") or []
                for item in items:
                    name = item.get("lockAlias") or item.get("lockName") or ""
                    locks.append(LockInfo(str(item["lockId"]), str(name)))
                pages = int(body.get("pages", 1) or 1)
            except (AttributeError, KeyError, TypeError, ValueError):
                raise LockError("unreadable", "The lock cloud sent an unreadable lock list.",
                                retryable=True) from None
            if page >= pages or not items:
                return locks
            if page >= MAX_LOCK_PAGES:
                raise LockError("unreadable", "The lock cloud's lock list does not end.", retryable=False)
            page += 1
