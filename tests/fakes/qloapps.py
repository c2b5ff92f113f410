"""A local fake of a QloApps 1.6 webservice (PrestaShop-style REST) over real HTTP.

It answers the way shared/integrations/pms-qloapps.md and the captured responses in ``qloapps_samples/`` say:
the key as the Basic-auth user name with an empty password (or ``ws_key``); 401 with ``WWW-Authenticate`` and
a ``text/html`` body without credentials, the JSON error envelope for a bad key (code 18) or an unknown one
(codes 20 and 21); JSON only with ``output_format=JSON``; a list gives ids unless ``display=full`` or
``display=[a,b]``; ``filter[f]=[v]``, ``[a|b]``, ``[min,max]``, ``>[v]``, ``<[v]``, ``%[v]%``; ``sort=[f_ASC,g_DESC]``;
``limit=n`` or ``offset,count``; a filter or sort on ``date_add``/``date_upd`` without ``date=1`` is 400 code 32 / 38,
an unknown filter 32, an unknown resource 27; a missing id is 404 with an empty body and no Content-Type;
``GET /api/{res}/{id}?display=...`` gives only ``{"<list node>":[{"id":...}]}``; an empty list is ``[]``.
Rows are built from the samples (same keys, same types: every room_bookings value a string, ids ints in
orders and customers).

State changes are made by the tests, each doing to the rows what the real QloApps does (the "How changes
show up" table): ``create_order``, ``reallocate``, ``swap_rooms``, ``move_dates``, ``change_room_type``,
``api_put_dates``, ``cancel_by_api``, ``cancel_in_back_office``, ``refund``, ``check_in``, ``check_out``. Times
are the shop's local clock ``now`` (a string, as QloApps writes it), moved on by ``tick``; it does not move by
itself, so tests make equal timestamps at will. Anything an adapter should never send (XML output, a refused
filter or sort, a write) is recorded in ``problems``. ``fail_next(resource, how)``: "5xx" or "timeout".
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.server import FakeHandler, FakeServer

KEY = "QLOAPPSFAKEKEY0000000000000000AB"  # 32 characters, as QloApps generates them
SAMPLES = Path(__file__).with_name("qloapps_samples")
REALM = 'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as the login. ' \
        'No password required."'
FAR = "9999-12-31 23:59:59"
ZERO = "0000-00-00 00:00:00"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


# resource -> (list node, single node); the names QloApps uses (room_bookings' node is "booking", as in the XML)
NODES = {"hotels": ("hotels", "hotel"), "hotel_room_types": ("hotel_room_types", "hotel_room_type"),
         "room_types": ("room_types", "room_type"), "hotel_rooms": ("rooms", "room"),
         "room_bookings": ("bookings", "booking"), "orders": ("orders", "order"),
         "customers": ("customers", "customer"), "addresses": ("addresses", "address"),
         "order_states": ("order_states", "order_state"), "currencies": ("currencies", "currency"),
         "languages": ("languages", "language")}
DATED = {"date_add", "date_upd"}  # filterable and sortable only with date=1


# PrestaShop's customer and address objects (a subset of their fields, typed as the webservice gives them)
CUSTOMER = {"id": 0, "id_default_group": "3", "id_lang": "1", "newsletter_date_add": ZERO, "deleted": "0",
            "passwd": "x" * 60, "lastname": "", "firstname": "", "email": "", "active": "1", "is_guest": "0",
            "date_add": ZERO, "date_upd": ZERO}
ADDRESS = {"id": 0, "id_customer": "0", "id_country": "21", "alias": "My address", "lastname": "", "firstname": "",
           "phone": "", "phone_mobile": "", "deleted": "0", "date_add": ZERO, "date_upd": ZERO}


def _row_template() -> dict:
    return sample("room_bookings_range.json")["bookings"][0]


def _order_template() -> dict:
    order = sample("orders_since.json")["orders"][0]
    order.pop("associations", None)
    return order


@dataclass
class FakeQloApps:
    key: str = KEY
    now: str = "2026-11-22 03:41:00"
    tables: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    slow_seconds: float = 2.0
    _failures: dict[str, list] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self):
        t = self.tables = {name: {} for name in NODES}
        for row in sample("hotels_list.json")["hotels"]:
            t["hotels"][int(row["id"])] = row
        for row in sample("hotel_room_types_list.json")["hotel_room_types"]:
            t["hotel_room_types"][int(row["id"])] = row
        for row in sample("hotel_rooms_list.json")["rooms"]:
            t["hotel_rooms"][int(row["id"])] = row
        for row in sample("room_types_list.json")["room_types"]:  # names are language arrays in JSON
            t["room_types"][row["id"]] = {**row, "name": [{"id": "1", "value": row["name"]}]}
        for row in sample("order_states.json")["order_states"]:
            t["order_states"][row["id"]] = {"id": row["id"], "name": [{"id": "1", "value": row["name"]}]}
        t["currencies"][1] = {"id": 1, "name": "US Dollar", "iso_code": "USD"}
        t["languages"][1] = {"id": 1, "name": "English", "iso_code": "en"}
        t["languages"][2] = {"id": 2, "name": "Русский", "iso_code": "ru"}
        self.fields = {name: {"id"} | {k for row in rows.values() for k in row} for name, rows in t.items()}
        self.fields["room_bookings"] |= set(_row_template())
        self.fields["orders"] |= set(_order_template())
        self.fields["customers"] |= set(CUSTOMER)
        self.fields["addresses"] |= set(ADDRESS)

    # -- control from tests ------------------------------------------------------------------------

    def tick(self, seconds: int = 1) -> str:
        self.now = (datetime.fromisoformat(self.now) + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
        return self.now

    def fail_next(self, resource: str, how: str, times: int = 1) -> None:
        self._failures.setdefault(resource, []).extend([how] * times)

    def add_hotel(self, hotel_id: int, name: str, rooms: dict[str, list[str]]) -> None:
        """Another hotel of the same install: ``rooms`` maps a room type name to its room numbers."""
        t = self.tables
        t["hotels"][hotel_id] = {**t["hotels"][1], "id": str(hotel_id), "hotel_name": name}
        for type_name, numbers in rooms.items():
            product = max(t["room_types"]) + 1
            t["room_types"][product] = {"id": product, "id_hotel": str(hotel_id), "price": "900.000000",
                                        "name": [{"id": "1", "value": type_name}]}
            link = max(t["hotel_room_types"]) + 1
            t["hotel_room_types"][link] = {**t["hotel_room_types"][1], "id": str(link), "id_product": str(product),
                                           "id_hotel": str(hotel_id), "associations": {"hotel_rooms": []}}
            for number in numbers:
                room = max(t["hotel_rooms"]) + 1
                t["hotel_rooms"][room] = {**t["hotel_rooms"][1], "id": str(room), "id_product": str(product),
                                          "id_hotel": str(hotel_id), "room_num": number}
                t["hotel_room_types"][link]["associations"]["hotel_rooms"].append({"id": str(room)})

    def add_customer(self, firstname: str, lastname: str, email: str, phone: str = "", id_lang: int = 1) -> int:
        customers = self.tables["customers"]
        cid = max(customers, default=1) + 1
        customers[cid] = {**CUSTOMER, "id": cid, "id_lang": str(id_lang), "lastname": lastname,
                          "firstname": firstname, "email": email, "date_add": self.now, "date_upd": self.now}
        if phone:
            addresses = self.tables["addresses"]
            aid = max(addresses, default=0) + 1
            addresses[aid] = {**ADDRESS, "id": aid, "id_customer": str(cid), "lastname": lastname,
                              "firstname": firstname, "phone_mobile": phone, "date_add": self.now,
                              "date_upd": self.now}
        return cid

    def _room(self, room_id: int) -> dict:
        return self.tables["hotel_rooms"][room_id]

    def _new_row(self, order: dict, room_id: int, date_from: str, date_to: str, adults: int = 2,
                 children: int = 0, price: str = "1000.000000") -> dict:
        rows = self.tables["room_bookings"]
        room = self._room(room_id)
        product = self.tables["room_types"][int(room["id_product"])]
        hotel = self.tables["hotels"][int(room["id_hotel"])]
        row = {**_row_template(), "id": str(max(rows, default=0) + 1), "id_product": room["id_product"],
               "id_hotel": room["id_hotel"], "id_order": str(order["id"]), "id_order_detail": str(order["id"]),
               "id_cart": order["id_cart"], "id_room": str(room_id), "id_customer": order["id_customer"],
               "id_status": "1", "check_in": ZERO, "check_out": ZERO, "date_from": f"{date_from} 00:00:00",
               "date_to": f"{date_to} 00:00:00", "total_price_tax_excl": price, "total_price_tax_incl": price,
               "total_paid_amount": "0.000000", "is_refunded": "0", "is_cancelled": "0",
               "room_num": room["room_num"], "room_type_name": product["name"][0]["value"],
               "hotel_name": hotel["hotel_name"], "adults": str(adults), "children": str(children),
               "child_ages": "[]", "date_add": self.now, "date_upd": self.now}
        rows[int(row["id"])] = row
        return row

    def create_order(self, customer: int, rooms: list[tuple[int, str, str]], state: int = 1) -> dict:
        """A booking made in the front office or by API: one order, one row per (room id, from, to)."""
        orders = self.tables["orders"]
        oid = max(orders, default=0) + 1
        order = {**_order_template(), "id": oid, "id_cart": str(oid), "id_customer": str(customer),
                 "current_state": str(state), "valid": "1" if state not in (1, 4, 5, 6) else "0",
                 "reference": f"REF{oid:06d}", "date_add": self.now, "date_upd": self.now}
        orders[oid] = order
        for room_id, date_from, date_to in rooms:
            self._new_row(order, room_id, date_from, date_to)
        return order

    def rows_of(self, order_id: int) -> list[dict]:
        return [r for r in self.tables["room_bookings"].values() if r["id_order"] == str(order_id)]

    def _touch(self, row: dict | None = None, order_id: int | None = None) -> None:
        if row is not None:
            row["date_upd"] = self.now
        if order_id is not None:
            self.tables["orders"][order_id]["date_upd"] = self.now

    def reallocate(self, row_id: int, room_id: int) -> None:
        """Front desk moves the guest to another room of the same type: same id, the order untouched."""
        row, room = self.tables["room_bookings"][row_id], self._room(room_id)
        assert room["id_product"] == row["id_product"], "reallocation stays within the room type"
        row.update(id_room=str(room_id), room_num=room["room_num"])
        self._touch(row)

    def swap_rooms(self, row_a: int, row_b: int) -> None:
        a, b = self.tables["room_bookings"][row_a], self.tables["room_bookings"][row_b]
        (a["id_room"], a["room_num"]), (b["id_room"], b["room_num"]) = (b["id_room"], b["room_num"]), \
            (a["id_room"], a["room_num"])
        self._touch(a)
        self._touch(b)

    def move_dates(self, row_id: int, date_from: str, date_to: str, *, new_total: str | None = None) -> None:
        """Dates moved in the back office: the row keeps its id; the order changes only if the total does."""
        row = self.tables["room_bookings"][row_id]
        row.update(date_from=f"{date_from} 00:00:00", date_to=f"{date_to} 00:00:00")
        if new_total is not None:
            row.update(total_price_tax_excl=new_total, total_price_tax_incl=new_total)
        self._touch(row, int(row["id_order"]) if new_total is not None else None)

    def change_room_type(self, row_id: int, room_id: int) -> dict:
        """Moved to another room type in the back office: the old row is deleted, a new id appears."""
        old = self.tables["room_bookings"].pop(row_id)
        order = self.tables["orders"][int(old["id_order"])]
        new = self._new_row(order, room_id, old["date_from"][:10], old["date_to"][:10], int(old["adults"]),
                            int(old["children"]))
        self._touch(order_id=order["id"])
        return new

    def api_put_dates(self, order_id: int, date_from: str, date_to: str) -> list[dict]:
        """PUT /api/bookings/{id} with new dates: every row of the order is replaced by one with a new id."""
        order = self.tables["orders"][order_id]
        new = []
        for old in self.rows_of(order_id):
            del self.tables["room_bookings"][int(old["id"])]
            new.append(self._new_row(order, int(old["id_room"]), date_from, date_to, int(old["adults"])))
        self._touch(order_id=order_id)
        return new

    def cancel_by_api(self, order_id: int) -> None:
        """PUT booking_status 3: flags set on the rows without touching their date_upd; the order changes."""
        for row in self.rows_of(order_id):
            row.update(is_cancelled="1", is_refunded="1")
        self.tables["orders"][order_id].update(current_state="4", valid="0")
        self._touch(order_id=order_id)

    def cancel_in_back_office(self, order_id: int) -> None:
        for row in self.rows_of(order_id):
            row.update(is_cancelled="1", is_refunded="1", total_price_tax_excl="0.000000",
                       total_price_tax_incl="0.000000")
            self._touch(row)
        self.tables["orders"][order_id].update(current_state="4", valid="0")
        self._touch(order_id=order_id)

    def refund(self, order_id: int) -> None:
        """A paid order's cancellation request, then the refund completed: refunded but not 'cancelled'."""
        for row in self.rows_of(order_id):
            row.update(is_refunded="1", is_cancelled="0")
            self._touch(row)
        self.tables["orders"][order_id].update(current_state="5")
        self._touch(order_id=order_id)

    def check_in(self, row_id: int) -> None:
        row = self.tables["room_bookings"][row_id]
        row.update(id_status="2", check_in=self.now)
        self._touch(row)

    def check_out(self, row_id: int) -> None:
        row = self.tables["room_bookings"][row_id]
        row.update(id_status="3", check_out=self.now)
        self._touch(row)

    def calls(self, resource: str) -> list[dict]:
        return [params for r, params in self.requests if r == resource]

    # -- protocol ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, auth: str | None):
        """(status, headers, body bytes, delay)."""
        with self._lock:
            parts = [p for p in path.split("/") if p]
            if not parts or parts[0] != "api":
                return 404, {}, b"", 0
            resource = parts[1] if len(parts) > 1 else ""
            self.requests.append((resource, params))
            key = params.get("ws_key")
            if key is None and auth and auth.startswith("Basic "):
                try:
                    key, _, _password = base64.b64decode(auth[6:]).decode().partition(":")
                except ValueError:
                    key = ""
            if not key:
                return 401, {"WWW-Authenticate": REALM, "Content-Type": "text/html; charset=utf-8"}, \
                    b"401 Unauthorized", 0
            json_out = params.get("output_format") == "JSON" or params.get("io_format") == "JSON"
            if not json_out:
                self.problems.append(f"{resource}: asked without output_format=JSON (the answer would be XML)")
            if len(key) != 32:
                return self._errors(401, (18, "Invalid authentication key format"))
            if key != self.key:
                return self._errors(401, (20, "Authentification key is not active"),
                                    (21, "No permission for this authentication key"))
            if method != "GET":
                self.problems.append(f"{method} {path}: the sync only reads")
                return self._errors(405, (25, f"Method {method} is not allowed for this key"))
            how = self._failures.get(resource, []).pop(0) if self._failures.get(resource) else None
            if how == "5xx":
                return 500, {"Content-Type": "text/html"}, b"<h1>Internal Server Error</h1>", 0
            if not resource:
                return 200, {"Content-Type": "application/json"}, json.dumps(sample("resources.json")).encode(), 0
            if resource not in NODES:
                return self._errors(400, (27, f'Resource of type "{resource}" does not exists.'))
            status, body = self._get(resource, parts[2] if len(parts) > 2 else None, params)
            if status == 404:
                return 404, {}, b"", 0  # no body, no Content-Type (observed)
            if status != 200:
                self.problems.append(f"{resource}: {body['errors'][0]['message']} ({params})")
                return self._errors(status, *((e["code"], e["message"]) for e in body["errors"]))
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode(), \
                self.slow_seconds if how == "timeout" else 0

    def _errors(self, status: int, *errors: tuple[int, str]):
        body = json.dumps({"errors": [{"code": c, "message": m} for c, m in errors]}).encode()
        headers = {"Content-Type": "application/json"}
        if status == 401:
            headers["WWW-Authenticate"] = REALM
        return status, headers, body, 0

    def _get(self, resource: str, object_id: str | None, params: dict):
        listed, single = NODES[resource]
        table = self.tables[resource]
        dated = params.get("date") == "1"
        fields = self.fields[resource]
        if object_id is not None:
            row = table.get(int(object_id)) if object_id.isdigit() else None
            if row is None:
                return 404, None
            if "display" in params:
                return 200, {listed: [{"id": row["id"]}]}
            return 200, {single: row}
        rows = list(table.values())
        for name, value in params.items():
            match = re.fullmatch(r"filter\[(\w+)\]", name)
            if not match:
                continue
            fname = match.group(1)
            if fname not in fields or fname in DATED and not dated:
                return 400, _error(32, f'This filter does not exist. Did you mean: "{fname}"?')
            matches = _matcher(value)  # the filter read once, then tried on each row
            rows = [r for r in rows if matches(r.get(fname))]
        if "sort" in params:
            sorts = params["sort"].strip("[]").split(",")
            for spec in reversed(sorts):
                fname, _, direction = spec.rpartition("_")
                if direction not in ("ASC", "DESC") or not fname:
                    return 400, _error(37, 'The "sort" value has to be formed as this example: "field_ASC"')
                if fname not in fields or fname in DATED and not dated:
                    return 400, _error(38, "Unable to filter by this field.")
                rows.sort(key=lambda r, f=fname: _key(r.get(f)), reverse=direction == "DESC")
        if "limit" in params:
            parts = params["limit"].split(",")
            offset, count = (0, int(parts[0])) if len(parts) == 1 else (int(parts[0]), int(parts[1]))
            rows = rows[offset:offset + count]
        display = params.get("display")
        if not rows:
            return 200, []  # an empty list is a bare JSON array
        if display is None:
            return 200, {listed: [{"id": r["id"]} for r in rows]}
        if display == "full":
            return 200, {listed: rows}
        wanted = display.strip("[]").split(",")
        unknown = [w for w in wanted if w not in fields]
        if unknown:
            return 400, _error(35, f'Unable to display this field "{unknown[0]}".')
        return 200, {listed: [{w: r.get(w) for w in wanted} for r in rows]}


def _error(code: int, message: str) -> dict:
    return {"errors": [{"code": code, "message": message}]}


def _key(value):
    text = str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _matches(value, spec: str) -> bool:
    """PrestaShop's getSQLRetrieveFilter, on one value."""
    return _matcher(spec)(value)


def _matcher(spec: str):
    """PrestaShop's getSQLRetrieveFilter for one filter value, as a test of a row's value (parsed once for
    every row of the table, as the SQL WHERE it builds is)."""
    match = re.fullmatch(r"(.*)\[(.*)\](.*)", spec)
    if not match:
        return lambda value: str(value) == spec
    before, inner, after = match.groups()
    if before == "%" or after == "%":
        needle = inner.lower()
        return lambda value: needle in str(value).lower()
    if before == ">":
        bound = _key(inner)
        return lambda value: _key(value) > bound
    if before == "<":
        bound = _key(inner)
        return lambda value: _key(value) < bound
    if "|" in inner:
        accepted = frozenset(inner.split("|"))
        return lambda value: str(value) in accepted
    interval = re.fullmatch(r"([\d.:\-\s]+),([\d.:\-\s]+)", inner)
    if interval:
        low, high = sorted(interval.groups())
        low_key, high_key = _key(low), _key(high)
        return lambda value: low_key <= _key(value) <= high_key
    return lambda value: str(value) == inner


class QloAppsHandler(FakeHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as QloApps' web server: every answer has its length
    # The headers and the body go in two writes: without TCP_NODELAY (which web servers set) the body
    # waits for the client's delayed ACK of the headers, 40 ms a request.
    disable_nagle_algorithm = True

    def _serve(self):
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        self.read_body()
        status, headers, body, delay = self.fake.handle(self.command, url.path, params,
                                                        self.headers.get("Authorization"))
        self.answer(status, body, headers, delay)

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class FakeQloAppsServer(FakeServer):
    """Serves a FakeQloApps on 127.0.0.1 in a thread: ``with FakeQloAppsServer() as (shop, base_url):``."""

    handler = QloAppsHandler

    def __init__(self):
        super().__init__(FakeQloApps())
