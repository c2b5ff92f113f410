"""A local fake of the TTLock Open Platform cloud (v3) over real HTTP.

It checks requests the way the real service does (shared/integrations/ttlock.md): form-encoded
parameters, ``clientId``/``accessToken``/``date`` on every /v3 call, ``date`` in epoch milliseconds
within 5 minutes, MD5 passwords, millisecond validity windows, ``addType=2`` for custom PINs and
whole hours (in the lock's local time) for offline passcodes, and eKeys (key/send with createUser,
key/changePeriod, key/delete; 20006 for a receiver with no account and no createUser). Anything wrong is answered with the service's error and recorded
in ``problems``. It fails on demand: ``fail_next(path, how)`` with how = "5xx", "timeout" (the
operation happens, the answer comes too late), "expired_token", or an errcode int.

It holds several accounts (``add_account``; one is there from the start: CLIENT_ID / USERNAME). A token
is issued to one user of one app, every lock belongs to one user (``add_lock(..., owner=(client_id,
user))``), ``/v3/lock/list`` lists that user's locks page by page, and a call with one user's token on
another user's lock is refused (20002, not lock admin).
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import FakeHandler, FakeServer

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"
USERNAME = "hotel_api_user"
PASSWORD = "lock-password"


@dataclass
class FakeLock:
    lock_id: str
    owner: tuple[str, str] = (CLIENT_ID, USERNAME)  # (client id, user name) of the account it belongs to
    alias: str = ""
    has_gateway: bool = True
    remote_unlock: bool = True
    passcode_version: int = 4
    timezone_raw_offset: int = 0  # ms east of UTC: the lock keeps (and checks codes in) local time


@dataclass
class FakePasscode:
    id: int
    lock_id: str
    pin: str
    name: str
    start: int
    end: int
    custom: bool
    on_lock: bool
    deleted: bool = False


@dataclass
class FakeEKey:
    id: int
    lock_id: str
    receiver: str
    name: str
    start: int  # epoch ms; 0 and 0 = permanent
    end: int
    remote_enable: bool
    deleted: bool = False


@dataclass
class FakeTTLock:
    locks: dict[str, FakeLock] = field(default_factory=dict)
    passcodes: dict[int, FakePasscode] = field(default_factory=dict)
    unlocks: list[str] = field(default_factory=list)
    ekeys: dict[int, FakeEKey] = field(default_factory=dict)
    app_users: set[str] = field(default_factory=set)  # TTLock app accounts (e-mail or phone) that exist
    requests: list[tuple[str, dict]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry (epoch s)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (client id, user name)
    grants: dict[str, tuple[str, str]] = field(default_factory=dict)  # access token -> (client id, user name)
    clients: dict[str, str] = field(default_factory=lambda: {CLIENT_ID: CLIENT_SECRET})  # client id -> secret
    users: dict[tuple[str, str], str] = field(default_factory=lambda: {(CLIENT_ID, USERNAME): PASSWORD})
    max_page_size: int = 1000  # the most locks one page of /v3/lock/list holds, whatever pageSize asks
    logins: int = 0
    refreshes: int = 0
    slow_seconds: float = 2.0  # how late a "timeout" answer comes
    latency: float = 0.0  # seconds every /v3 answer takes (a gateway takes 3-10 s)
    _failures: dict[str, list] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1001))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- control from tests ------------------------------------------------------------------------

    def add_lock(self, lock_id: str, **flags) -> FakeLock:
        self.locks[lock_id] = FakeLock(lock_id, **flags)
        return self.locks[lock_id]

    def add_account(self, client_id: str, client_secret: str, username: str,
                    password: str) -> tuple[str, str]:
        """Another app (client id and secret) and user; returns the owner key for ``add_lock``."""
        self.clients[client_id] = client_secret
        self.users[(client_id, username)] = password
        return client_id, username

    def fail_next(self, path: str, how, times: int = 1) -> None:
        self._failures.setdefault(path, []).extend([how] * times)

    def expire_tokens(self) -> None:
        for token in self.tokens:
            self.tokens[token] = 0

    def live_passcodes(self, lock_id: str | None = None) -> list[FakePasscode]:
        return [p for p in self.passcodes.values() if not p.deleted and (lock_id is None or p.lock_id == lock_id)]

    def live_ekeys(self, lock_id: str | None = None) -> list[FakeEKey]:
        return [k for k in self.ekeys.values() if not k.deleted and (lock_id is None or k.lock_id == lock_id)]

    def calls(self, path: str) -> list[dict]:
        return [params for p, params in self.requests if p == path]

    # -- protocol ----------------------------------------------------------------------------------

    def handle(self, path: str, params: dict) -> tuple[int, dict, float]:
        """(HTTP status, JSON body, delay before answering)."""
        with self._lock:
            self.requests.append((path, params))
            how = self._failures.get(path, []).pop(0) if self._failures.get(path) else None
            if how == "5xx":
                return 502, {"message": "bad gateway"}, 0
            if isinstance(how, int):
                return 200, err(how, "injected"), 0
            if path == "/oauth2/token":
                return 200, self._token(params), 0
            if not path.startswith("/v3/"):
                return 404, {"message": "not found"}, 0
            problem = self._common(params, expired=how == "expired_token")
            if problem:
                return 200, problem, 0
            handler = getattr(self, "_" + path[4:].replace("/", "_"), None)
            if handler is None:
                return 404, {"message": "not found"}, 0
            body = handler(params)
            return 200, body, self.slow_seconds if how == "timeout" else self.latency

    def _problem(self, text: str, code: int = -3) -> dict:
        self.problems.append(text)
        return err(code, text)

    def _token(self, p: dict) -> dict:
        client_id = p.get("client_id")
        if client_id not in self.clients or p.get("client_secret") != self.clients[client_id]:
            return err(10001, "invalid client")
        if p.get("grant_type") == "refresh_token":
            grant = self.refresh_tokens.get(p.get("refresh_token"))
            if grant is None or grant[0] != client_id:
                return err(10011, "invalid refresh_token")
            self.refreshes += 1
        else:
            import hashlib
            if not re.fullmatch(r"[0-9a-f]{32}", p.get("password", "")):
                return self._problem("password is not an MD5 hex digest", 10007)
            grant = (client_id, p.get("username"))
            password = self.users.get(grant)
            if password is None or p["password"] != hashlib.md5(password.encode()).hexdigest():
                return err(10007, "invalid account")
            self.logins += 1
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        self.tokens[access] = time.time() + 7776000
        self.grants[access] = grant
        self.refresh_tokens[refresh] = grant
        return {"access_token": access, "uid": 7, "expires_in": 7776000, "scope": "user,key,room",
                "refresh_token": refresh}

    def _common(self, p: dict, *, expired: bool) -> dict | None:
        if p.get("clientId") not in self.clients:
            return self._problem("clientId missing or wrong", 10000)
        token = p.get("accessToken")
        if token not in self.tokens or self.grants[token][0] != p["clientId"]:
            return self._problem("accessToken missing or unknown", 10003)
        if expired or self.tokens[token] < time.time():
            self.tokens[token] = 0
            return err(10004, "invalid grant")
        date = p.get("date", "")
        if not date.isdigit() or len(date) != 13:
            return self._problem(f"date is not epoch milliseconds: {date!r}", 80000)
        if abs(int(date) / 1000 - time.time()) > 300:
            return self._problem("date must be current time", 80000)
        lock_id = p.get("lockId")
        if lock_id is not None and lock_id not in self.locks:
            return self._problem(f"unknown lockId {lock_id}", -3)
        if lock_id is not None and self.locks[lock_id].owner != self.grants[token]:
            return err(20002, "not lock admin")  # another user's lock: this token opens nothing on it
        return None

    def _lock_list(self, p: dict) -> dict:
        page, size = p.get("pageNo", ""), p.get("pageSize", "")
        if not (page.isdigit() and size.isdigit() and int(page) >= 1 and int(size) >= 1):
            return self._problem(f"pageNo/pageSize missing or not positive: {page!r} {size!r}")
        page, size = int(page), min(int(size), self.max_page_size)
        mine = [lock for lock in self.locks.values() if lock.owner == self.grants[p["accessToken"]]]
        chunk = mine[(page - 1) * size: page * size]
        return {"list": [{"lockId": int(lock.lock_id) if lock.lock_id.isdigit() else lock.lock_id,
                          "lockName": f"S2_{lock.lock_id}", "lockAlias": lock.alias or f"S2_{lock.lock_id}",
                          "lockMac": "52:C1:A0:00:00:01", "electricQuantity": 90,
                          "hasGateway": int(lock.has_gateway), "keyboardPwdVersion": lock.passcode_version,
                          "date": int(time.time() * 1000)} for lock in chunk],
                "pageNo": page, "pageSize": size, "pages": max(1, -(-len(mine) // size)), "total": len(mine)}

    def _window(self, p: dict) -> tuple[int, int] | dict:
        start, end = p.get("startDate", ""), p.get("endDate", "")
        if not (start.isdigit() and end.isdigit() and len(start) == 13 and len(end) == 13):
            return self._problem(f"startDate/endDate are not epoch milliseconds: {start!r} {end!r}")
        if int(start) >= int(end):
            return self._problem("startDate is not before endDate")
        return int(start), int(end)

    def _keyboardPwd_add(self, p: dict) -> dict:
        lock = self.locks[p["lockId"]]
        window = self._window(p)
        if isinstance(window, dict):
            return window
        if not re.fullmatch(r"\d{4,9}", p.get("keyboardPwd", "")):
            return self._problem("keyboardPwd must be 4-9 digits")
        if p.get("addType") != "2":
            self.problems.append("custom PIN added without addType=2: it would never reach the lock")
        if not lock.has_gateway:
            return err(-2012, "The Lock is not connected to any Gateway.")
        if lock.passcode_version != 4:
            return err(-4043, "The function is not supported for this lock.")
        code = FakePasscode(next(self._ids), lock.lock_id, p["keyboardPwd"], p.get("keyboardPwdName", ""),
                            *window, custom=True, on_lock=p.get("addType") == "2")
        self.passcodes[code.id] = code
        return {"keyboardPwdId": code.id}

    def _keyboardPwd_get(self, p: dict) -> dict:
        lock = self.locks[p["lockId"]]
        window = self._window(p)
        if isinstance(window, dict):
            return window
        if p.get("keyboardPwdType") != "3":
            return self._problem("expected a period passcode (keyboardPwdType=3)")
        for ms in window:
            if (ms + lock.timezone_raw_offset) % 3_600_000:
                return self._problem("offline passcode bounds must be whole hours on the lock's clock")
        code = FakePasscode(next(self._ids), lock.lock_id, f"{secrets.randbelow(10 ** 9):09d}",
                            p.get("keyboardPwdName", ""), *window, custom=False, on_lock=True)
        self.passcodes[code.id] = code
        return {"keyboardPwd": code.pin, "keyboardPwdId": code.id}

    def _lock_listKeyboardPwd(self, p: dict) -> dict:
        size = min(int(p.get("pageSize", 20)), 100)
        page = int(p.get("pageNo", 1))
        items = [c for c in self.live_passcodes(p["lockId"])]
        chunk = items[(page - 1) * size: page * size]
        return {"list": [{"keyboardPwdId": c.id, "lockId": c.lock_id, "keyboardPwd": c.pin,
                          "keyboardPwdName": c.name, "startDate": c.start, "endDate": c.end,
                          "isCustom": int(c.custom), "status": 1} for c in chunk],
                "pageNo": page, "pageSize": size, "pages": max(1, -(-len(items) // size)), "total": len(items)}

    def _keyboardPwd_delete(self, p: dict) -> dict:
        lock = self.locks[p["lockId"]]
        if p.get("deleteType") != "2":
            self.problems.append("passcode deleted without deleteType=2: the lock would keep it")
        if not lock.has_gateway:
            return err(-2012, "The Lock is not connected to any Gateway.")
        code = self.passcodes.get(int(p.get("keyboardPwdId", "0") or 0))
        if code is not None and code.lock_id == lock.lock_id:
            code.deleted = True
        return err(0, "none error message")

    def _key_send(self, p: dict) -> dict:
        """One eKey per user per lock: sending again replaces the receiver's key (the old id is gone)."""
        lock = self.locks[p["lockId"]]
        receiver = p.get("receiverUsername", "")
        if not receiver or not p.get("keyName"):
            return self._problem("key/send needs receiverUsername and keyName")
        start, end = p.get("startDate", ""), p.get("endDate", "")
        if (start, end) != ("0", "0"):
            window = self._window(p)
            if isinstance(window, dict):
                return window
        if p.get("remoteEnable", "2") not in ("1", "2"):
            return self._problem(f"remoteEnable must be 1 or 2: {p.get('remoteEnable')!r}")
        if receiver == self.grants[p["accessToken"]][1]:
            return self._problem("the admin cannot send an eKey to himself", -1)
        if receiver not in self.app_users:
            if p.get("createUser") != "1":
                return err(20006, "receiver does not exist")
            self.app_users.add(receiver)
        for old in self.live_ekeys(lock.lock_id):
            if old.receiver == receiver:
                old.deleted = True
        key = FakeEKey(next(self._ids), lock.lock_id, receiver, p["keyName"], int(start), int(end),
                       remote_enable=p.get("remoteEnable") == "1")
        self.ekeys[key.id] = key
        return {"keyId": key.id, "errcode": 0, "errmsg": "none error message"}

    def _owned_ekey(self, p: dict) -> FakeEKey | dict:
        key_id = p.get("keyId", "")
        key = self.ekeys.get(int(key_id)) if key_id.isdigit() else None
        if key is None or key.deleted:
            return err(-1, "key does not exist")  # the code is not documented; any non-zero is a refusal
        if self.locks[key.lock_id].owner != self.grants[p["accessToken"]]:
            return err(20002, "not lock admin")
        return key

    def _key_changePeriod(self, p: dict) -> dict:
        key = self._owned_ekey(p)
        if isinstance(key, dict):
            return key
        window = self._window(p)
        if isinstance(window, dict):
            return window
        key.start, key.end = window
        return err(0, "none error message")

    def _key_delete(self, p: dict) -> dict:
        key = self._owned_ekey(p)
        if isinstance(key, dict):
            return key
        key.deleted = True
        return err(0, "none error message")

    def _lock_unlock(self, p: dict) -> dict:
        lock = self.locks[p["lockId"]]
        if not lock.has_gateway:
            return err(-2012, "The Lock is not connected to any Gateway.")
        if not lock.remote_unlock:
            return err(-4043, "The function is not supported for this lock.")
        self.unlocks.append(lock.lock_id)
        return err(0, "none error message")


def err(code: int, message: str) -> dict:
    return {"errcode": code, "errmsg": message, "description": message}


class TTLockHandler(FakeHandler):
    def _serve(self):
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if self.command == "POST":
            if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
                self.fake.problems.append(f"{url.path}: body is not form-encoded")
            params.update({k: v[-1] for k, v in parse_qs(self.read_body().decode()).items()})
        status, body, delay = self.fake.handle(url.path, params)
        self.answer(status, body, delay=delay)

    do_GET = do_POST = _serve


class FakeTTLockServer(FakeServer):
    """Serves a FakeTTLock on 127.0.0.1 in a thread: ``with FakeTTLockServer() as (cloud, base_url):``."""

    handler = TTLockHandler

    def __init__(self):
        super().__init__(FakeTTLock())
