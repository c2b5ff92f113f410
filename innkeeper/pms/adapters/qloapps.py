"""QloApps 1.6 webservice (PrestaShop-style REST; see shared/integrations/pms-qloapps.md).

The key is the Basic-auth user name with an empty password (``auth_in_query``: as ``ws_key`` in the address, for
hosts that strip the Authorization header); every read asks ``output_format=JSON``. One reservation is one
``room_bookings`` row (one booked room): ``external_id`` is the row's id, ``booking_ref`` its order's reference.

How changes are found. Neither resource alone shows every change (a front-desk room swap touches only the row,
an API cancellation only the order), so ``changed`` follows both ``orders`` and ``room_bookings`` (ours: filtered
by ``id_hotel``) by ``date_upd`` (``date=1``; shop-local times without an offset, compared only with each other).
Each stream's mark is (date_upd, last id) with the rows sorted by ``[date_upd_ASC,id_ASC]``: the rows at the mark
with a larger id, then those after it, so a page boundary inside one second neither skips nor repeats a row; the
ids already seen at the mark are kept (up to SEEN_MAX) to catch a row written later in that same second with a
smaller id. Every order touched is then read whole: a page always carries **all** of an order's current rows in
our hotel. A row that QloApps deleted and wrote again with a new id (moved to another room type, or an API PUT
with new dates) therefore shows as the order's new row under the same ``booking_ref``, while the old id is
missing from it and ``reservation(old)`` is None: the sync ties the two by ``booking_ref``. The first call
(``since`` None) notes both streams' current marks, then walks the rows not yet departed by id.

Status table (first match wins; tested):

| QloApps                                                 | pms_status       | ExternalStatus |
|---------------------------------------------------------|------------------|----------------|
| order ``current_state`` 4 (Canceled)                    | ``4``            | CANCELLED      |
| order ``current_state`` 5 (Refunded)                    | ``5``            | CANCELLED      |
| row ``is_cancelled`` "1"                                | ``cancelled``    | CANCELLED      |
| row ``is_refunded`` "1" (refund done, is_cancelled "0") | ``refunded``     | CANCELLED      |
| row ``id_status`` 3, or ``check_out`` set               | ``checked_out``  | CHECKED_OUT    |
| row ``id_status`` 2, or ``check_in`` set                | ``checked_in``   | IN_HOUSE       |
| order ``current_state`` 6 (Payment error)               | ``6``            | TENTATIVE      |
| order ``current_state`` 1-3, 7-12 (awaiting, paid, partial, overbooked ...) | ``1`` ... | BOOKED     |
| any other order state (an install's own)                | —                | PmsError       |
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from innkeeper.core.providers import ConfigField, VerifyFailed, register
from innkeeper.pms.adapters import transport
from innkeeper.pms.adapters.base import (
    ExternalStatus,
    Page,
    PmsAdapter,
    PmsError,
    PmsGuest,
    PmsReservation,
    PmsRoom,
    PmsRoomType,
)

TIMEOUT = 30.0
VERIFY_TIMEOUT = 5.0
CHUNK = 100  # ids in one ``filter[id]=[a|b|...]``: keeps the address short
SEEN_MAX = 100  # ids at a stream's mark kept in the cursor; past this only the last one is
ZERO = "0000-00-00 00:00:00"
CANCELLED_STATES = {"4", "5"}

S = ExternalStatus
STATUS_MAP = {"4": S.CANCELLED, "5": S.CANCELLED, "cancelled": S.CANCELLED, "refunded": S.CANCELLED,
              "checked_out": S.CHECKED_OUT, "checked_in": S.IN_HOUSE, "6": S.TENTATIVE,
              **{str(state): S.BOOKED for state in (1, 2, 3, 7, 8, 9, 10, 11, 12)}}

NO_KEY = gettext_noop("QloApps did not receive the API key: turn on 'key in the address' (the host drops the "
                      "Authorization header).")
NO_RIGHT = gettext_noop("This QloApps API key has no permission for what the sync reads (hotels, room_bookings, "
                        "orders, customers, addresses, room_types, hotel_rooms, hotel_room_types).")
AUTH_MESSAGES = {16: NO_KEY, 17: NO_KEY, 21: NO_RIGHT, 26: NO_RIGHT,  # 401 codes of WebserviceRequest
                 18: gettext_noop("The QloApps API key has the wrong format: it is 32 letters and digits."),
                 20: gettext_noop("QloApps does not know this API key, or it is switched off (Advanced Parameters "
                                  "> Webservice).")}
UNREADABLE = gettext_noop("QloApps sent an answer the sync cannot read.")
WORDS = transport.Words(
    timeout=gettext_noop("QloApps did not answer in time."), network=gettext_noop("QloApps could not be reached."),
    redirect=gettext_noop("QloApps answered with a redirect, which is not followed: give the address it points to."))


@dataclass(frozen=True)
class QloAppsAccount:
    base_url: str  # up to the shop's root; "/api" is added
    api_key: str
    id_hotel: str
    auth_in_query: bool = False
    timeout: float = TIMEOUT


@register
class QloAppsAdapter(PmsAdapter):
    name = "qloapps"
    fields = (ConfigField("base_url", required=True, url=True), ConfigField("api_key", required=True, secret=True),
              ConfigField("id_hotel", required=True), ConfigField("auth_in_query", type=bool))
    missing_message = gettext_lazy("QloApps needs the shop's address, a webservice key and the hotel's id.")
    STATUS_MAP = STATUS_MAP
    webhooks = False  # QloApps pushes nothing: the sync polls

    def __init__(self, account: QloAppsAccount):
        self.account = account
        self.client = transport.client(timeout=account.timeout)
        self._currencies: dict[str, str] | None = None
        self._languages: dict[str, str] | None = None

    @classmethod
    def from_config(cls, config: dict, *, hotel=None, timeout: float | None = None) -> QloAppsAdapter:
        base = (config.get("base_url") or "").strip().rstrip("/")
        base = base[:-4] if base.endswith("/api") else base
        return cls(QloAppsAccount(base_url=base, api_key=(config.get("api_key") or "").strip(),
                                  id_hotel=str(config.get("id_hotel") or "").strip(),
                                  auth_in_query=bool(config.get("auth_in_query")), timeout=timeout or TIMEOUT))

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        """One authenticated call: the install's hotels, and ours among them."""
        adapter = cls.from_config(config, timeout=VERIFY_TIMEOUT)
        try:
            hotels = adapter._list("hotels", {"display": "[id,hotel_name]"})
        except PmsError as error:
            raise VerifyFailed(_(error.message)) from None
        finally:
            adapter.client.close()
        names = {str(h.get("id")): str(h.get("hotel_name") or "") for h in hotels}
        if adapter.account.id_hotel not in names:
            raise VerifyFailed(_("QloApps has no hotel with id %(id)s; its hotels are: %(hotels)s.") % {
                "id": adapter.account.id_hotel,
                "hotels": ", ".join(f"{i} {n}" for i, n in sorted(names.items())) or "-"})
        return _("Connected: QloApps hotel %(name)s (id %(id)s).") % {"name": names[adapter.account.id_hotel],
                                                                       "id": adapter.account.id_hotel}

    def close(self) -> None:
        self.client.close()

    # -- transport ---------------------------------------------------------------------------------

    def _get(self, path: str, params: dict) -> dict | list | None:
        """The JSON answer; None for a missing object (404 with an empty body)."""
        params = {**params, "output_format": "JSON"}
        auth = None
        if self.account.auth_in_query:
            params["ws_key"] = self.account.api_key
        else:
            auth = (self.account.api_key, "")
        response = transport.send(self.client, "GET", f"{self.account.base_url}/api/{path}", WORDS, params=params,
                                  auth=auth)
        status = response.status_code
        if status == 404 and not response.content.strip():
            return None
        if status >= 500 or status == 429:
            raise PmsError(f"http_{status}", gettext_noop("QloApps answered with a server error."), retryable=True)
        transport.refuse_redirect(response, WORDS)
        try:
            body = response.json()
        except ValueError:
            body = None
        codes = [e.get("code") for e in (body.get("errors") or [])] if isinstance(body, dict) else []
        if status == 401:
            code = next((c for c in codes if c in AUTH_MESSAGES), 16 if not codes else codes[0])
            raise PmsError(f"auth_{code}", AUTH_MESSAGES.get(code, AUTH_MESSAGES[20]), retryable=False)
        if status == 400 and codes and codes[0] in (32, 38):
            # Our own request is wrong (a date filter or sort without date=1, or a field this QloApps lacks).
            raise PmsError(f"refused_{codes[0]}", gettext_noop("QloApps refused a filter the sync sent; this "
                                                               "version may not be supported."), retryable=False)
        if status == 400 and 27 in codes:
            raise PmsError("no_resource", gettext_noop("QloApps does not offer the hotel resources: is the Hotel "
                                                       "Reservation System module installed?"), retryable=False)
        if status != 200 or body is None:
            raise PmsError(f"http_{status}", UNREADABLE, retryable=False)
        return body

    def _list(self, resource: str, params: dict) -> list[dict]:
        body = self._get(resource, params)
        if body is None or body == [] or body == {}:
            return []  # an empty list comes as a bare []
        if not isinstance(body, dict) or len(body) != 1:
            raise PmsError("unreadable", UNREADABLE, retryable=False)
        rows = next(iter(body.values()))
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise PmsError("unreadable", UNREADABLE, retryable=False)
        return rows

    def _by_ids(self, resource: str, ids: Iterable, params: dict, field: str = "id") -> list[dict]:
        ids = sorted({str(i) for i in ids if str(i) not in ("", "0")}, key=_num)
        rows: list[dict] = []
        for start in range(0, len(ids), CHUNK):
            rows += self._list(resource, {**params, f"filter[{field}]": "[" + "|".join(ids[start:start + CHUNK])
                                          + "]"})
        return rows

    # -- changes -----------------------------------------------------------------------------------

    def _mark(self, resource: str, extra: dict) -> dict:
        """A stream's current mark: its newest (date_upd, id) and the ids at that second."""
        newest = self._list(resource, {**extra, "display": "[id,date_upd]", "date": "1",
                                       "sort": "[date_upd_DESC,id_DESC]", "limit": "1"})
        if not newest:
            return {"at": "", "last": 0, "seen": []}
        at = newest[0]["date_upd"]
        seen = [_num(r["id"]) for r in self._list(resource, {**extra, "date": "1", "filter[date_upd]": f"[{at}]"})]
        return {"at": at, "last": _num(newest[0]["id"]), "seen": seen if len(seen) <= SEEN_MAX else None}

    def _stream(self, resource: str, extra: dict, mark: dict, limit: int, display: str) -> tuple[list, dict, bool]:
        """Rows changed after ``mark`` (at most ``limit``, plus late ones at the mark), the new mark, more?"""
        dated = {**extra, "date": "1", "display": display}
        at, last, seen = mark["at"], mark["last"], mark.get("seen")
        late: list[dict] = []
        rows: list[dict] = []
        if at:
            if seen is not None:  # written later in the mark's second, with a smaller id than the last one read
                at_mark = self._list(resource, {**extra, "date": "1", "filter[date_upd]": f"[{at}]"})
                missed = [r["id"] for r in at_mark if _num(r["id"]) < last and _num(r["id"]) not in seen]
                late = self._by_ids(resource, missed, dated) if missed else []
            rows += self._list(resource, {**dated, "filter[date_upd]": f"[{at}]", "filter[id]": f">[{last}]",
                                          "sort": "[id_ASC]", "limit": str(limit)})
        if len(rows) < limit:
            after = {"filter[date_upd]": f">[{at}]"} if at else {}
            rows += self._list(resource, {**dated, **after, "sort": "[date_upd_ASC,id_ASC]",
                                          "limit": str(limit - len(rows))})
        more = len(rows) >= limit
        for row in late:
            if row["date_upd"] == at and seen is not None:
                seen = seen + [_num(row["id"])] if len(seen) < SEEN_MAX else None
        for row in rows:  # ascending (date_upd, id): the mark moves to the last row read
            if row["date_upd"] != at:
                at, last, seen = row["date_upd"], 0, []
            last = max(last, _num(row["id"]))
            if seen is not None:
                seen = seen + [_num(row["id"])] if len(seen) < SEEN_MAX else None
        return late + rows, {"at": at, "last": last, "seen": seen}, more

    def changed(self, since: str | None, *, limit: int = 500) -> Page:
        mine = {"filter[id_hotel]": f"[{self.account.id_hotel}]"}
        if since is None:
            cursor = {"v": 1, "o": self._mark("orders", {}), "b": self._mark("room_bookings", mine),
                      "w": {"from": (date.today() - timedelta(days=1)).isoformat(), "after": 0}}
        else:
            try:
                cursor = json.loads(since)
                if cursor["v"] != 1 or not {"o", "b", "w"} <= set(cursor):
                    raise ValueError(since)
            except (ValueError, TypeError, KeyError):
                raise PmsError("bad_cursor", gettext_noop("The sync's position in QloApps is unreadable; sync "
                                                          "again from the start."), retryable=False) from None
        if cursor["w"]:  # the first pass: every row not yet departed, by id
            window = cursor["w"]
            rows = self._list("room_bookings", {**mine, "display": "[id,id_order]", "sort": "[id_ASC]",
                                                "filter[date_to]": f">[{window['from']} 00:00:00]",
                                                "filter[id]": f">[{window['after']}]", "limit": str(limit)})
            more = len(rows) >= limit
            cursor["w"] = {**window, "after": _num(rows[-1]["id"])} if more else None
            orders = [r["id_order"] for r in rows]
        else:
            changed_rows, cursor["b"], more_b = self._stream("room_bookings", mine, cursor["b"], limit,
                                                             "[id,id_order,date_upd]")
            changed_orders, cursor["o"], more_o = self._stream("orders", {}, cursor["o"], limit, "[id,date_upd]")
            orders = [r["id_order"] for r in changed_rows] + [r["id"] for r in changed_orders]
            more = more_b or more_o
        reservations = self._orders_reservations(list(dict.fromkeys(str(o) for o in orders)))
        return Page(reservations=reservations, cursor=json.dumps(cursor, separators=(",", ":")), more=more)

    def _orders_reservations(self, order_ids: list[str]) -> list[PmsReservation]:
        """All current rows in our hotel of these orders, in the orders' order."""
        if not order_ids:
            return []
        rows = self._by_ids("room_bookings", order_ids, {"display": "full",
                                                         "filter[id_hotel]": f"[{self.account.id_hotel}]"},
                            field="id_order")
        place = {o: i for i, o in enumerate(order_ids)}
        rows.sort(key=lambda r: (place.get(str(r.get("id_order")), 0), _num(r.get("id"))))
        return self._reservations(rows)

    def _reservations(self, rows: list[dict]) -> list[PmsReservation]:
        orders = {str(o["id"]): o for o in self._by_ids("orders", {r.get("id_order") for r in rows},
                                                         {"display": "[id,reference,current_state,id_currency]"})}
        guests = self._guests({r.get("id_customer") for r in rows})
        return [self._reservation(row, orders.get(str(row.get("id_order"))), guests) for row in rows]

    # -- reads -------------------------------------------------------------------------------------

    def between(self, start: date, end: date) -> Iterable[PmsReservation]:
        rows, after = [], 0
        while True:
            page = self._list("room_bookings", {"display": "full", "filter[id_hotel]": f"[{self.account.id_hotel}]",
                                                "filter[date_from]": f"<[{end.isoformat()} 00:00:00]",
                                                "filter[date_to]": f">[{start.isoformat()} 00:00:00]",
                                                "filter[id]": f">[{after}]", "sort": "[id_ASC]", "limit": "500"})
            rows += page
            if len(page) < 500:
                break
            after = _num(page[-1]["id"])
        return self._reservations(rows) if rows else []

    def reservation(self, external_id: str) -> PmsReservation | None:
        if not str(external_id).isdigit():
            return None
        body = self._get(f"room_bookings/{external_id}", {})
        row = next(iter(body.values()), None) if isinstance(body, dict) and len(body) == 1 else None
        if not isinstance(row, dict) or str(row.get("id_hotel")) != self.account.id_hotel:
            return None  # gone (deleted, or moved to a new id), or another hotel's
        return self._reservations([row])[0]

    def guest(self, external_id: str) -> PmsGuest:
        guest = self._guests({external_id}).get(str(external_id))
        if guest is None:
            raise PmsError("no_guest", gettext_noop("QloApps has no such customer."), retryable=False)
        return guest

    def _guests(self, ids: set) -> dict[str, PmsGuest]:
        customers = self._by_ids("customers", ids, {"display": "[id,firstname,lastname,email,id_lang]"})
        phones: dict[str, str] = {}
        for address in self._by_ids("addresses", ids, {"display": "[id_customer,phone,phone_mobile,deleted]"},
                                    field="id_customer"):
            if str(address.get("deleted")) != "1":
                phones.setdefault(str(address["id_customer"]), address.get("phone_mobile") or address.get("phone")
                                  or "")
        languages = self._iso("languages") if customers else {}
        return {str(c["id"]): PmsGuest(
            external_id=str(c["id"]), name=f"{c.get('firstname') or ''} {c.get('lastname') or ''}".strip(),
            email=c.get("email") or "", phone=phones.get(str(c["id"]), ""),
            locale=languages.get(str(c.get("id_lang")), "")) for c in customers}

    def _iso(self, resource: str) -> dict[str, str]:
        cache = "_languages" if resource == "languages" else "_currencies"
        if getattr(self, cache) is None:
            setattr(self, cache, {str(r["id"]): str(r.get("iso_code") or "")
                                  for r in self._list(resource, {"display": "[id,iso_code]"})})
        return getattr(self, cache)

    def room_types(self) -> list[PmsRoomType]:
        links = self._list("hotel_room_types", {"display": "[id,id_product]",
                                                "filter[id_hotel]": f"[{self.account.id_hotel}]"})
        types = self._by_ids("room_types", {link["id_product"] for link in links}, {"display": "[id,name]"})
        return sorted((PmsRoomType(external_id=str(t["id"]), name=_text(t.get("name"))) for t in types),
                      key=lambda t: _num(t.external_id))

    def rooms(self) -> list[PmsRoom]:
        rows = self._list("hotel_rooms", {"display": "[id,id_product,room_num]",
                                          "filter[id_hotel]": f"[{self.account.id_hotel}]", "sort": "[id_ASC]"})
        return [PmsRoom(external_id=str(r["id"]), number=str(r.get("room_num") or ""),
                        room_type_id=str(r.get("id_product") or "")) for r in rows]

    # -- one row -----------------------------------------------------------------------------------

    def status_of(self, row: dict, order: dict | None) -> str:
        """The key into STATUS_MAP for a row and its order (the table in the module's docstring)."""
        state = str((order or {}).get("current_state") or "")
        if state in CANCELLED_STATES:
            return state
        if str(row.get("is_cancelled")) == "1":
            return "cancelled"
        if str(row.get("is_refunded")) == "1":
            return "refunded"
        if str(row.get("id_status")) == "3" or (row.get("check_out") or ZERO) != ZERO:
            return "checked_out"
        if str(row.get("id_status")) == "2" or (row.get("check_in") or ZERO) != ZERO:
            return "checked_in"
        return state

    def _reservation(self, row: dict, order: dict | None, guests: dict[str, PmsGuest]) -> PmsReservation:
        try:
            pms_status = self.status_of(row, order)
            check_in = date.fromisoformat(str(row["date_from"])[:10])
            check_out = date.fromisoformat(str(row["date_to"])[:10])
            guests_count = int(row.get("adults") or 0) + int(row.get("children") or 0)
        except (KeyError, ValueError, TypeError):
            raise PmsError("unreadable", gettext_noop("QloApps sent a booking the sync cannot read."),
                           retryable=False) from None
        room_type = PmsRoomType(external_id=str(row.get("id_product") or ""), name=str(row.get("room_type_name")
                                                                                       or ""))
        room = (PmsRoom(external_id=str(row["id_room"]), number=str(row.get("room_num") or ""),
                        room_type_id=room_type.external_id) if str(row.get("id_room") or "0") != "0" else None)
        currency = self._iso("currencies").get(str((order or {}).get("id_currency")), "") if order else ""
        return PmsReservation(
            external_id=str(row["id"]), status=self.map_status(pms_status), pms_status=pms_status,
            check_in=check_in, check_out=check_out, room_type=room_type, room=room,
            guest=guests.get(str(row.get("id_customer")), PmsGuest(external_id=str(row.get("id_customer") or ""))),
            guests=max(guests_count, 1), booking_ref=str((order or {}).get("reference") or row.get("id_order")),
            total=_decimal(row.get("total_price_tax_incl")), currency=currency, updated=str(row.get("date_upd")))


def _num(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _text(value) -> str:
    """A multilingual field (``[{"id": "1", "value": "..."}]``) or a plain string: the first non-empty text."""
    if isinstance(value, list):
        return next((str(v.get("value")) for v in value if isinstance(v, dict) and v.get("value")), "")
    return str(value or "")

