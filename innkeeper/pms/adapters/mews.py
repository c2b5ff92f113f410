"""Mews Connector API (see shared/integrations/pms-mews.md; ground truth: MewsSystems/gitbook-connector-api).

Every call is ``POST {platform}/api/connector/v1/{resource}/{action}`` with JSON whose body carries the
credentials (``ClientToken`` for the integration, ``AccessToken`` for the property, ``Client`` naming us); list
calls page with ``Limitation {Count <= 1000, Cursor}``, newest first, the answer's ``Cursor`` naming the
oldest item returned. Time filters are ``{StartUtc, EndUtc}`` of at most three months (``WINDOW`` stays under
the shortest three months). A reservation is one room: ``external_id`` is its Id, ``booking_ref`` its Number.

Status table (``STATUS_MAP``; a ``Canceled`` reservation whose CancellationReason is ``NoShow`` is NO_SHOW):

    Mews State   ours
    Inquired     TENTATIVE     confirmed by neither the guest nor the hotel
    Optional     TENTATIVE     held by the hotel, not confirmed by the guest
    Requested    TENTATIVE     confirmed by the guest, not the hotel (waitlist)
    Confirmed    BOOKED
    Started      IN_HOUSE      checked in
    Processed    CHECKED_OUT
    Canceled     CANCELLED

Changes are read with ``reservations/getAll/2023-06-06`` and an ``UpdatedUtc`` window from the last pass's
mark (less ``SKEW``) to now, cut into three-month pieces, each paged with the Cursor; the first pass reads the
stays ending from now to ``HORIZON`` (``ScheduledEndUtc``). Customers come in one ``customers/getAll`` per
batch. General webhooks carry ids only and no signature: the hook URL holds the token we gave Mews
(``?token=``), compared in constant time; ``ServiceOrderUpdated`` events name the reservation to fetch.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from innkeeper.core.providers import (
    Callback,
    CallbackMalformed,
    CallbackRefused,
    ConfigField,
    VerifyFailed,
    register,
)
from innkeeper.pms.adapters import transport
from innkeeper.pms.adapters.base import (
    ExternalStatus,
    Page,
    PmsAdapter,
    PmsError,
    PmsEvent,
    PmsGuest,
    PmsReservation,
    PmsRoom,
    PmsRoomType,
)

log = logging.getLogger(__name__)

DEFAULT_PLATFORM = "https://api.mews.com"  # the demo is https://api.mews-demo.com
DEFAULT_CLIENT = "Innkeeper 1.0"
MAX_COUNT = 1000
WINDOW = timedelta(days=89)  # three months are never shorter than 89 days
HORIZON = timedelta(days=365)  # the first pass reads the stays ending within a year
SKEW = timedelta(minutes=15)
MAX_PAGES = 1000
TIMEOUT, VERIFY_TIMEOUT = 30.0, 5.0
HOOK_TOKEN = "token"  # noqa: S105  (the hook URL's query parameter holding the token, not a secret)
S = ExternalStatus
STATUS_MAP = {"Inquired": S.TENTATIVE, "Optional": S.TENTATIVE, "Requested": S.TENTATIVE, "Confirmed": S.BOOKED,
              "Started": S.IN_HOUSE, "Processed": S.CHECKED_OUT, "Canceled": S.CANCELLED}
_ERRORS = {  # HTTP status -> (code, our sentence, retryable); 429, redirects and 5xx are transport's
    400: ("refused", gettext_noop("Mews refused the request."), False),
    401: ("auth", gettext_noop("Mews refused the client token or access token."), False),
    403: ("refused", gettext_noop("Mews refused the request."), False),
    408: ("too_heavy", gettext_noop("Mews found the request too heavy; the sync tries again later."), True),
    409: ("conflict", gettext_noop("The data changed in Mews meanwhile; the sync tries again later."), True),
}
WORDS = transport.Words(
    timeout=gettext_noop("Mews did not answer in time."), network=gettext_noop("Mews could not be reached."),
    redirect=gettext_noop("Mews answered with a redirect, which is not followed: check the address."),
    server=gettext_noop("Mews answered with an error."),
    rate_limited=gettext_noop("Mews asked us to slow down; the sync tries again later."))


def _unreadable(what: str = gettext_noop("Mews sent an unreadable answer.")) -> PmsError:
    return PmsError("unreadable", what, retryable=True)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(value) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed


def _name(names) -> str:
    if not isinstance(names, dict) or not names:
        return ""
    for language in ("en-US", "en-GB", "en"):
        if names.get(language):
            return str(names[language])
    return str(next(iter(names.values())) or "")


@register
class MewsAdapter(PmsAdapter):
    name = "mews"
    STATUS_MAP = STATUS_MAP
    webhooks = True
    fields = (ConfigField("client_token", required=True, secret=True),
              ConfigField("access_token", required=True, secret=True),
              ConfigField("client"),  # blank: DEFAULT_CLIENT
              ConfigField("platform_url", url=True),  # blank: Mews' production platform
              ConfigField("enterprise_id"), ConfigField("service_id"),  # blank: the token's; every bookable one
              ConfigField("webhook_token", secret=True))  # the general webhook URL's ?token=

    def __init__(self, *, client_token: str, access_token: str, client: str = "", platform_url: str = "",
                 enterprise_id: str = "", service_id: str = "", tz=UTC, timeout: float = TIMEOUT,
                 guarded: bool = True):
        self.auth = {"ClientToken": client_token, "AccessToken": access_token, "Client": client or DEFAULT_CLIENT}
        self.enterprise_id, self.service_id, self.tz = enterprise_id, service_id, tz
        self.client = transport.client(base_url=(platform_url or DEFAULT_PLATFORM).rstrip("/") + "/api/connector/v1/",
                                       timeout=timeout, guarded=guarded)
        self._types: dict[str, str] | None = None  # resource category id -> name
        self._rooms: dict[str, PmsRoom] | None = None

    @classmethod
    def from_config(cls, config: dict, *, hotel=None, timeout: float = TIMEOUT) -> MewsAdapter:
        url = config.get("platform_url") or ""
        return cls(client_token=config.get("client_token", ""), access_token=config.get("access_token", ""),
                   client=config.get("client", ""), platform_url=url, enterprise_id=config.get("enterprise_id", ""),
                   service_id=config.get("service_id", ""), tz=hotel.tz if hotel is not None else UTC,
                   timeout=timeout, guarded=bool(url) and not config.get("install"))

    def close(self) -> None:
        self.client.close()

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        """The enterprise's configuration: both tokens and the address at once."""
        adapter = cls.from_config(config, hotel=hotel, timeout=VERIFY_TIMEOUT)
        try:
            enterprise = adapter.call("configuration/get", **adapter._enterprise()).get("Enterprise") or {}
        except PmsError as error:
            raise VerifyFailed(_(error.message)) from None
        finally:
            adapter.close()
        return _("Connected to the Mews property %(name)s.") % {"name": str(enterprise.get("Name") or "?")[:100]}

    # -- transport ---------------------------------------------------------------------------------

    def _enterprise(self) -> dict:
        return {"EnterpriseId": self.enterprise_id} if self.enterprise_id else {}

    def call(self, path: str, **body) -> dict:
        response = transport.send(self.client, "POST", path, WORDS, json={**self.auth, **body})
        status = response.status_code
        if status != 200:
            # Mews' Message goes to the log (never the tokens, which are in our request, not its answer).
            log.info("mews %s: HTTP %s %r", path, status, response.text[:300])
            transport.check(response, WORDS, _ERRORS)
            raise PmsError(f"http_{status}", WORDS.server, retryable=False)
        return transport.json_object(response, gettext_noop("Mews sent an unreadable answer."))

    def _all(self, path: str, key: str, **body) -> list[dict]:
        """Every item of a paged list."""
        items, cursor = [], None
        for _page in range(MAX_PAGES):
            answer = self.call(path, **body, Limitation={"Count": MAX_COUNT, "Cursor": cursor})
            batch = answer.get(key)
            if not isinstance(batch, list):
                raise _unreadable()
            items.extend(batch)
            cursor = answer.get("Cursor")
            if len(batch) < MAX_COUNT or not cursor:
                return items
        raise _unreadable()

    # -- rooms -------------------------------------------------------------------------------------

    def _service_ids(self) -> list[str]:
        if self.service_id:
            return [self.service_id]
        services = self._all("services/getAll", "Services", **self._enterprise_ids())
        return [str(s["Id"]) for s in services
                if isinstance(s, dict) and s.get("IsActive", True) and (s.get("Data") or {}).get("Discriminator")
                == "Bookable"]

    def room_types(self) -> list[PmsRoomType]:
        try:
            found = [PmsRoomType(str(c["Id"]), _name(c.get("Names")))
                     for c in self._all("resourceCategories/getAll", "ResourceCategories",
                                        ServiceIds=self._service_ids(), ActivityStates=["Active"])]
        except (KeyError, TypeError):
            raise _unreadable(gettext_noop("Mews sent an unreadable list of room types.")) from None
        self._types = {t.external_id: t.name for t in found}
        return found

    def rooms(self) -> list[PmsRoom]:
        """The resources in the bookable service's categories (rooms, not parking places or beds elsewhere)."""
        types = self._types if self._types is not None else {t.external_id: t.name for t in self.room_types()}
        if not types:
            self._rooms = {}
            return []
        try:
            resources = self._all("resources/getAll", "Resources", Extent={"Resources": True, "Inactive": False},
                                  **self._enterprise_ids())
            assigned = {str(a["ResourceId"]): str(a["CategoryId"]) for a in self._all(
                "resourceCategoryAssignments/getAll", "ResourceCategoryAssignments",
                ResourceCategoryIds=sorted(types), ActivityStates=["Active"]) if a.get("IsActive", True)}
            found = [PmsRoom(str(r["Id"]), str(r.get("Name") or ""), assigned[str(r["Id"])]) for r in resources
                     if str(r["Id"]) in assigned and r.get("IsActive", True)]
        except (KeyError, TypeError):
            raise _unreadable(gettext_noop("Mews sent an unreadable list of rooms.")) from None
        self._rooms = {room.external_id: room for room in found}
        return found

    def _enterprise_ids(self) -> dict:
        return {"EnterpriseIds": [self.enterprise_id]} if self.enterprise_id else {}

    # -- reservations ------------------------------------------------------------------------------

    def _page(self, *, count: int, cursor: str | None = None, **filters) -> tuple[list[PmsReservation], str | None]:
        answer = self.call("reservations/getAll/2023-06-06", **self._enterprise_ids(), **filters,
                           Limitation={"Count": count, "Cursor": cursor})
        raw = answer.get("Reservations")
        if not isinstance(raw, list):
            raise _unreadable()
        next_cursor = answer.get("Cursor") if len(raw) >= count else None
        return self._read(raw), (str(next_cursor) if next_cursor else None)

    def _read(self, raw: list) -> list[PmsReservation]:
        if not raw:
            return []
        if self._rooms is None:
            self.rooms()
        customers = self._customers({str(r.get("AccountId")) for r in raw if isinstance(r, dict)
                                     and r.get("AccountType", "Customer") == "Customer" and r.get("AccountId")})
        found = []
        for r in raw:
            try:
                state, start, end = str(r["State"]), _moment(r["ScheduledStartUtc"]), _moment(r["ScheduledEndUtc"])
                type_id, room_id = str(r.get("RequestedResourceCategoryId") or ""), str(r.get("AssignedResourceId") or "")
                status = S.NO_SHOW if state == "Canceled" and r.get("CancellationReason") == "NoShow" \
                    else self.map_status(state)
                found.append(PmsReservation(
                    external_id=str(r["Id"]), status=status, pms_status=state,
                    check_in=start.astimezone(self.tz).date(), check_out=end.astimezone(self.tz).date(),
                    room_type=PmsRoomType(type_id, (self._types or {}).get(type_id, "")) if type_id else None,
                    room=self._rooms.get(room_id) or PmsRoom(room_id, "", type_id) if room_id else None,
                    guest=customers.get(str(r.get("AccountId")), PmsGuest(external_id=str(r.get("AccountId") or ""))),
                    guests=max(1, sum(int(p.get("Count") or 0) for p in r.get("PersonCounts") or [])),
                    booking_ref=str(r.get("Number") or ""), start=start, end=end, updated=str(r.get("UpdatedUtc") or "")))
            except (KeyError, TypeError, ValueError, AttributeError):
                raise _unreadable(gettext_noop("Mews sent an unreadable reservation.")) from None
        return found

    def _customers(self, ids: set[str]) -> dict[str, PmsGuest]:
        if not ids:
            return {}
        found = {}
        for c in self._all("customers/getAll", "Customers", CustomerIds=sorted(ids),
                           Extent={"Customers": True, "Addresses": False}):
            try:
                guest = PmsGuest(
                    external_id=str(c["Id"]),
                    name=" ".join(filter(None, [str(c.get("FirstName") or ""), str(c.get("LastName") or "")])),
                    email=str(c.get("Email") or ""), phone=str(c.get("Phone") or ""),
                    locale=str(c.get("PreferredLanguageCode") or c.get("LanguageCode") or "").split("-")[0].lower(),
                    country=str(c.get("NationalityCode") or "").upper()[:2])
            except (KeyError, TypeError, AttributeError):
                raise _unreadable(gettext_noop("Mews sent an unreadable guest.")) from None
            found[guest.external_id] = guest
        return found

    def now(self) -> datetime:
        return datetime.now(UTC)

    def changed(self, since: str | None, *, limit: int = 500) -> Page:
        """Cursor (times in epoch seconds): ``mw1:u:<mark>`` between passes, or
        ``mw1:<s|u>:<window start>:<pass end>:<mark>:<Mews cursor or ->`` inside a pass."""
        mode, start, end, mark, cursor = self._parse(since)
        field = "ScheduledEndUtc" if mode == "s" else "UpdatedUtc"
        count = max(1, min(limit, MAX_COUNT))
        found: list[PmsReservation] = []
        while start < end:
            stop = min(start + WINDOW, end)
            batch, cursor = self._page(count=count, cursor=cursor, **{field: {"StartUtc": utc(start),
                                                                           "EndUtc": utc(stop)}})
            found.extend(batch)
            if cursor is None:
                start = stop
            if len(found) >= limit and start < end:
                return Page(found, f"mw1:{mode}:{_epoch(start)}:{_epoch(end)}:{_epoch(mark)}:{cursor or '-'}",
                            more=True)
        return Page(found, f"mw1:u:{_epoch(mark)}", more=False)

    def _parse(self, since: str | None):
        now = self.now()
        if not since:
            return "s", now, now + HORIZON, now, None
        try:
            tag, mode, *rest = since.split(":")
            if tag != "mw1" or mode not in ("s", "u"):
                raise ValueError(since)
            if len(rest) == 1 and mode == "u":
                return "u", _from_epoch(rest[0]) - SKEW, now, now, None
            start, end, mark, cursor = rest
            return mode, _from_epoch(start), _from_epoch(end), _from_epoch(mark), None if cursor == "-" else cursor
        except (ValueError, TypeError, OverflowError, OSError):
            raise PmsError("bad_cursor", gettext_noop("The sync's place in the Mews changes is unreadable."),
                         retryable=False) from None

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self.tz)

    def between(self, start: date, end: date) -> list[PmsReservation]:
        found: dict[str, PmsReservation] = {}
        moment, stop = self._midnight(start), self._midnight(end)
        while moment < stop:
            piece_end, cursor = min(moment + WINDOW, stop), None
            for _page in range(MAX_PAGES):
                batch, cursor = self._page(count=MAX_COUNT, cursor=cursor,
                                           CollidingUtc={"StartUtc": utc(moment), "EndUtc": utc(piece_end)})
                found.update((r.external_id, r) for r in batch if r.check_in < end and r.check_out > start)
                if cursor is None:
                    break
            moment = piece_end
        return list(found.values())

    def reservation(self, external_id: str) -> PmsReservation | None:
        batch, _cursor = self._page(count=1, ReservationIds=[str(external_id)])
        return batch[0] if batch else None

    def guest(self, external_id: str) -> PmsGuest:
        guest = self._customers({str(external_id)}).get(str(external_id))
        if guest is None:
            raise PmsError("not_found", gettext_noop("Mews has no such guest."), retryable=False)
        return guest

    # -- webhooks ----------------------------------------------------------------------------------

    @classmethod
    def parse_callback(cls, request, config: dict) -> Callback:
        """A general webhook: ``{"EnterpriseId", "IntegrationId", "Events": [{"Discriminator", "Value": {"Id"}}]}``.
        Each ServiceOrderUpdated names a reservation (once per delivery, though Mews may repeat it); its event
        id is the delivery's digest with the id, so the same delivery again is a replay and a later one is not."""
        if request.method != "POST":
            raise CallbackRefused("Mews posts its webhooks")
        token, given = str(config.get("webhook_token") or ""), str(request.GET.get(HOOK_TOKEN, ""))
        if not token or not hmac.compare_digest(token.encode(), given.encode()):
            raise CallbackRefused("Mews webhook without the account's token")
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise CallbackMalformed("not JSON") from None
        if not isinstance(body, dict):
            raise CallbackMalformed("not an object")
        if "Action" in body and "Events" not in body:  # an integration webhook: nothing for the sync
            return Callback(events=())
        events = body.get("Events")
        if not isinstance(events, list) or not all(isinstance(e, dict) and isinstance(e.get("Discriminator"), str)
                                                   for e in events):
            raise CallbackMalformed("no Events")
        enterprise = config.get("enterprise_id")
        if enterprise and str(body.get("EnterpriseId") or "") != enterprise:
            raise CallbackMalformed("not for this account's enterprise")
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        found, seen = [], set()
        for event in events:
            if event["Discriminator"] != "ServiceOrderUpdated":
                continue  # rooms, customers, messages: the sync reads reservations (and their guests) itself
            value = event.get("Value")
            if not isinstance(value, dict) or not isinstance(value.get("Id"), str) or not value["Id"]:
                raise CallbackMalformed("an event without an Id")
            if value["Id"] not in seen:
                seen.add(value["Id"])
                found.append(PmsEvent(event_id=f"sha256:{digest}:{value['Id']}", at=None, reservation_id=value["Id"],
                                      kind="ServiceOrderUpdated"))
        return Callback(events=tuple(found))


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _from_epoch(value: str) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)
