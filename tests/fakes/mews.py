"""A local fake of the Mews Connector API over real HTTP (shared/integrations/pms-mews.md).

It checks requests the way the real service does: POST only, JSON, the exact case-sensitive path with no
trailing slash (404 otherwise), ``ClientToken``/``AccessToken``/``Client`` in the body (401 when wrong),
``Limitation`` with ``Count`` 1..1000 on every list (400), time intervals of at most three months with
``StartUtc`` before ``EndUtc`` (400), ``ScheduledStartUtc``/``ActualStartUtc`` never together, ``Extent`` on
customers and resources, ``ServiceIds`` on resource categories and ``ResourceCategoryIds`` on their
assignments, and no body field it does not know. Anything wrong is recorded in ``problems``.

Lists page newest first; the answer's ``Cursor`` is the id of the oldest item returned and a request with it
gets the next older ones. State tests change: ``add_category``, ``add_room``, ``add_customer``, ``book``,
``update`` / ``cancel`` / ``start`` / ``process`` (each bumps ``UpdatedUtc``). ``fail_next(path, how)``:
"429" (Retry-After: 11), "5xx", "timeout", or an HTTP status int. ``webhook(...)`` builds a general webhook.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.fakes.server import FakeHandler, FakeServer

CLIENT_TOKEN = "E0D439EE522F44368DC78E1BFB03710C-D24FB11DBE31D4621C4817E028D9E1D"  # Mews' public demo token
ACCESS_TOKEN = "C66EF7B239D24632943D115EDE9CB810-EA00F8FD8294692C940F6B5A8F9453D"
ENTERPRISE_ID = "851df8c8-90f2-4c4a-8e01-a4fc46b25178"
SERVICE_ID = "bd26d8db-86da-4f96-9efc-e5a4654a4a94"
AUTH = {"ClientToken", "AccessToken", "Client", "LanguageCode", "CultureCode"}
INTERVALS = ("CreatedUtc", "UpdatedUtc", "CollidingUtc", "ScheduledStartUtc", "ActualStartUtc", "ScheduledEndUtc",
             "ActualEndUtc", "DeletedUtc")
KNOWN = {
    "configuration/get": {"EnterpriseId"},
    "services/getAll": {"EnterpriseIds", "ServiceIds", "Limitation", "UpdatedUtc"},
    "reservations/getAll/2023-06-06": {"EnterpriseIds", "ReservationIds", "ServiceIds", "ReservationGroupIds",
                                       "AccountIds", "PartnerCompanyIds", "TravelAgencyIds", "Numbers",
                                       "ChannelNumbers", "AssignedResourceIds", "AvailabilityBlockIds", "States",
                                       "Limitation", *INTERVALS},
    "customers/getAll": {"ChainIds", "CreatedUtc", "UpdatedUtc", "Extent", "DeletedUtc", "ActivityStates",
                         "CustomerIds", "CompanyIds", "Emails", "FirstNames", "LastNames", "LoyaltyCodes", "Limitation"},
    "resourceCategories/getAll": {"EnterpriseIds", "ResourceCategoryIds", "ServiceIds", "UpdatedUtc", "ActivityStates",
                                  "Limitation"},
    "resourceCategoryAssignments/getAll": {"EnterpriseIds", "ResourceCategoryAssignmentIds", "ResourceCategoryIds",
                                           "UpdatedUtc", "ActivityStates", "ResourceIds", "Limitation"},
    "resources/getAll": {"EnterpriseIds", "ResourceIds", "Names", "Extent", "CreatedUtc", "UpdatedUtc", "Limitation"},
}
LISTS = {"services/getAll": "Services", "reservations/getAll/2023-06-06": "Reservations",
         "customers/getAll": "Customers", "resourceCategories/getAll": "ResourceCategories",
         "resourceCategoryAssignments/getAll": "ResourceCategoryAssignments", "resources/getAll": "Resources"}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def three_months_after(moment: datetime) -> datetime:
    month = moment.month + 3
    year, month = moment.year + (month - 1) // 12, (month - 1) % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class FakeMews:
    tokens: tuple[str, str] = (CLIENT_TOKEN, ACCESS_TOKEN)
    categories: dict[str, str] = field(default_factory=dict)  # id -> English name
    resources: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (name, category id)
    customers: dict[str, dict] = field(default_factory=dict)
    reservations: dict[str, dict] = field(default_factory=dict)  # insertion order = creation order
    requests: list[tuple[str, dict]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    slow_seconds: float = 2.0
    _failures: dict[str, list] = field(default_factory=dict)
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(50))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # -- control from tests ------------------------------------------------------------------------

    def add_category(self, name: str) -> str:
        category_id = str(uuid.uuid4())
        self.categories[category_id] = name
        return category_id

    def add_room(self, name: str, category_id: str) -> str:
        resource_id = str(uuid.uuid4())
        self.resources[resource_id] = (name, category_id)
        return resource_id

    def add_customer(self, first: str, last: str, **fields) -> str:
        customer_id = str(uuid.uuid4())
        self.customers[customer_id] = {"Id": customer_id, "FirstName": first, "LastName": last, "Email": None,
                                       "Phone": None, "NationalityCode": None, "PreferredLanguageCode": None,
                                       "LanguageCode": None, **fields}
        return customer_id

    def book(self, customer_id: str, start: datetime, end: datetime, category_id: str, room_id: str = "", *,
             state: str = "Confirmed", persons: int = 2) -> dict:
        with self._lock:
            now = iso(datetime.now(UTC))
            r = {"Id": str(uuid.uuid4()), "ServiceId": SERVICE_ID, "AccountId": customer_id, "AccountType": "Customer",
                 "Number": str(next(self._numbers)), "State": state, "Origin": "Connector", "CreatedUtc": now,
                 "UpdatedUtc": now, "CancelledUtc": None, "RateId": str(uuid.uuid4()), "GroupId": str(uuid.uuid4()),
                 "RequestedResourceCategoryId": category_id, "AssignedResourceId": room_id or None,
                 "AssignedResourceLocked": False, "ChannelNumber": None, "CancellationReason": None,
                 "ScheduledStartUtc": iso(start), "ActualStartUtc": None, "ScheduledEndUtc": iso(end),
                 "ActualEndUtc": None, "StartUtc": iso(start), "EndUtc": iso(end),
                 "PersonCounts": [{"AgeCategoryId": "1f67644f-052d-4863-acdf-ae1600c60ca0", "Count": persons}]}
            self.reservations[r["Id"]] = r
            return r

    def update(self, reservation: dict, **changes) -> None:
        with self._lock:
            reservation.update(changes)
            reservation["UpdatedUtc"] = iso(datetime.now(UTC))

    def cancel(self, reservation: dict, reason: str = "RequestedByGuest") -> None:
        self.update(reservation, State="Canceled", CancellationReason=reason, CancelledUtc=iso(datetime.now(UTC)))

    def start(self, reservation: dict) -> None:
        self.update(reservation, State="Started", ActualStartUtc=iso(datetime.now(UTC)))

    def process(self, reservation: dict) -> None:
        self.update(reservation, State="Processed", ActualEndUtc=iso(datetime.now(UTC)))

    def fail_next(self, path: str, how, times: int = 1) -> None:
        self._failures.setdefault(path, []).extend([how] * times)

    def calls(self, path: str) -> list[dict]:
        return [body for p, body in self.requests if p == path]

    def webhook(self, *events: tuple[str, str]) -> bytes:
        return json.dumps({"EnterpriseId": ENTERPRISE_ID, "IntegrationId": "c8bee838-7fb1-4f4e-8fac-ac87008b2f90",
                           "Events": [{"Discriminator": d, "Value": {"Id": i}} for d, i in events]}).encode()

    # -- protocol ----------------------------------------------------------------------------------

    def handle(self, path: str, body) -> tuple[int, dict, float, dict]:
        with self._lock:
            self.requests.append((path, body))
            how = self._failures.get(path, []).pop(0) if self._failures.get(path) else None
            if how == "429":
                return 429, {"Message": "Too many requests."}, 0, {"Retry-After": "11"}
            if how == "5xx":
                return 500, {"Message": "Server error."}, 0, {}
            if isinstance(how, int):
                return how, {"Message": f"Injected {how}."}, 0, {}
            if path not in KNOWN:
                return 404, {"Message": "Not found."}, 0, {}
            if not isinstance(body, dict):
                return self._bad("the body is not a JSON object")
            if (body.get("ClientToken"), body.get("AccessToken")) != self.tokens:
                return 401, {"Message": "Invalid ClientToken or AccessToken."}, 0, {}
            if not body.get("Client"):
                return self._bad("Client is missing")
            unknown = set(body) - AUTH - KNOWN[path]
            if unknown:
                return self._bad(f"{path}: unknown fields {sorted(unknown)}")
            problem = self._check(path, body)
            if problem:
                return self._bad(problem)
            if path == "configuration/get":
                return 200, {"NowUtc": iso(datetime.now(UTC)), "Enterprise": {"Id": ENTERPRISE_ID,
                                                                              "Name": "Connector API Hotel",
                                                                              "TimeZoneIdentifier": "Europe/Budapest"}}, 0, {}
            items = getattr(self, "_" + LISTS[path].lower())(body)
            answer = self._paged(items, body["Limitation"], LISTS[path])
            return 200, answer, self.slow_seconds if how == "timeout" else 0, {}

    def _bad(self, text: str):
        self.problems.append(text)
        return 400, {"Message": text}, 0, {}

    def _check(self, path: str, body: dict) -> str | None:
        if path in LISTS:
            limit = body.get("Limitation")
            if not isinstance(limit, dict) or not isinstance(limit.get("Count"), int) or not 1 <= limit["Count"] <= 1000:
                return f"{path}: Limitation.Count must be 1..1000: {limit!r}"
        for name in INTERVALS:
            if name in body:
                interval = body[name]
                try:
                    start, end = parse(interval["StartUtc"]), parse(interval["EndUtc"])
                except (KeyError, TypeError, ValueError):
                    return f"{name} is not a time interval: {interval!r}"
                if start.tzinfo is None or end.tzinfo is None or start > end:
                    return f"{name} is not a UTC interval from StartUtc to EndUtc: {interval!r}"
                if end > three_months_after(start) and path != "resourceCategoryAssignments/getAll":
                    return f"{name} is longer than three months: {interval!r}"
        if "ScheduledStartUtc" in body and "ActualStartUtc" in body or "ScheduledEndUtc" in body and "ActualEndUtc" in body:
            return "Scheduled and Actual filters cannot be used together"
        if path in ("customers/getAll", "resources/getAll") and not isinstance(body.get("Extent"), dict):
            return f"{path}: Extent is required"
        if path == "customers/getAll" and not (body.get("CustomerIds") or body.get("Emails") or body.get("UpdatedUtc")):
            return "customers/getAll needs a filter (CustomerIds)"
        if path == "resourceCategories/getAll" and not body.get("ServiceIds"):
            return "resourceCategories/getAll: ServiceIds is required"
        if path == "resourceCategoryAssignments/getAll" and not body.get("ResourceCategoryIds"):
            return "resourceCategoryAssignments/getAll: ResourceCategoryIds is required"
        return None

    @staticmethod
    def _paged(items: list[dict], limitation: dict, key: str) -> dict:
        newest_first = list(reversed(items))
        cursor = limitation.get("Cursor")
        if cursor:
            ids = [item["Id"] for item in newest_first]
            newest_first = newest_first[ids.index(cursor) + 1:] if cursor in ids else []
        chunk = newest_first[:limitation["Count"]]
        return {key: chunk, "Cursor": chunk[-1]["Id"] if chunk else None}

    def _services(self, body: dict) -> list[dict]:
        return [{"Id": SERVICE_ID, "Name": {"en-US": "Accommodation"}, "IsActive": True,
                 "Data": {"Discriminator": "Bookable", "Value": {}}},
                {"Id": "2b9b0143-3135-485b-8064-76c90d1be69e", "Name": {"en-US": "Parking"}, "IsActive": True,
                 "Data": {"Discriminator": "Additional", "Value": {}}}]

    def _resourcecategories(self, body: dict) -> list[dict]:
        if SERVICE_ID not in body["ServiceIds"]:
            return []
        return [{"Id": cid, "EnterpriseId": ENTERPRISE_ID, "ServiceId": SERVICE_ID, "IsActive": True, "Type": "Room",
                 "Names": {"en-US": name}, "ShortNames": {"en-US": name[:3]}, "Capacity": 2}
                for cid, name in self.categories.items()]

    def _resourcecategoryassignments(self, body: dict) -> list[dict]:
        return [{"Id": f"a-{rid}", "ResourceId": rid, "CategoryId": cid, "IsActive": True}
                for rid, (_name, cid) in self.resources.items() if cid in body["ResourceCategoryIds"]]

    def _resources(self, body: dict) -> list[dict]:
        parking = {"Id": "9d8c7b6a-0000-4000-8000-000000000001", "Name": "P1", "IsActive": True, "State": "Clean"}
        return [parking] + [{"Id": rid, "EnterpriseId": ENTERPRISE_ID, "IsActive": True, "ParentResourceId": None,
                             "Name": name, "State": "Inspected"} for rid, (name, _cid) in self.resources.items()]

    def _customers(self, body: dict) -> list[dict]:
        wanted = set(body.get("CustomerIds") or [])
        return [c for cid, c in self.customers.items() if cid in wanted]

    def _reservations(self, body: dict) -> list[dict]:
        found = []
        for r in self.reservations.values():
            if (body.get("ReservationIds") is not None and r["Id"] not in body["ReservationIds"]
                    or body.get("AccountIds") is not None and r["AccountId"] not in body["AccountIds"]
                    or body.get("States") is not None and r["State"] not in body["States"]):
                continue
            ok = True
            for name in ("UpdatedUtc", "CreatedUtc", "ScheduledStartUtc", "ScheduledEndUtc", "CollidingUtc"):
                if name in body:
                    start, end = parse(body[name]["StartUtc"]), parse(body[name]["EndUtc"])
                    if name == "CollidingUtc":  # any part of the stay inside the interval
                        ok &= parse(r["ScheduledStartUtc"]) < end and parse(r["ScheduledEndUtc"]) > start
                    else:
                        ok &= start <= parse(r[name]) <= end
            if ok:
                found.append(r)
        return found


class MewsHandler(FakeHandler):
    PREFIX = "/api/connector/v1/"

    def do_POST(self):
        raw = self.read_body()
        if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
            self.fake.problems.append(f"{self.path}: body is not application/json")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        path = self.path[len(self.PREFIX):] if self.path.startswith(self.PREFIX) else "?" + self.path
        status, answer, delay, headers = self.fake.handle(path, body)
        self.answer(status, answer, headers, delay)

    def do_GET(self):
        self.fake.problems.append(f"GET {self.path}: every operation is a POST")
        self.answer(405, {"Message": "Method not allowed."})


class FakeMewsServer(FakeServer):
    """Serves a FakeMews on 127.0.0.1: ``with FakeMewsServer() as (mews, platform_url):``."""

    handler = MewsHandler

    def __init__(self):
        super().__init__(FakeMews())
