"""PMS rooms and room types onto ours: matched by room number and room type name, or chosen by staff."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from innkeeper.core import audit
from innkeeper.core.errors import InvalidInput
from innkeeper.hotels.models import Room, RoomType
from innkeeper.pms.adapters.base import PmsReservation, PmsRoom, PmsRoomType
from innkeeper.pms.models import Problem, RoomMapping, RoomTypeMapping


def _key(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _type_names(room_type: RoomType) -> set[str]:
    names = {_key(room_type.name)}
    for code, _label in settings.LANGUAGES:
        names.add(_key(getattr(room_type, f"name_{code}", "") or ""))
    return names - {""}


class Mapper:
    """One account's mappings, read once for a sync run; new PMS rooms and types are stored and matched as
    they appear (in the caller's transaction)."""

    def __init__(self, account):
        self.account, self.hotel = account, account.hotel
        self.rooms = {m.external_id: m for m in RoomMapping.objects.filter(account=account).select_related(
            "room__room_type")}
        self.types = {m.external_id: m for m in RoomTypeMapping.objects.filter(account=account).select_related(
            "room_type")}
        self._our_rooms = None
        self._our_types = None

    def _rooms_by_number(self) -> dict[str, Room]:
        if self._our_rooms is None:
            self._our_rooms = {_key(r.number): r for r in Room.objects.filter(hotel=self.hotel).select_related(
                "room_type")}
        return self._our_rooms

    def _types_by_name(self) -> dict[str, RoomType]:
        if self._our_types is None:
            self._our_types = {}
            for t in RoomType.objects.filter(hotel=self.hotel, is_active=True).order_by("sort_order", "pk"):
                for name in _type_names(t):
                    self._our_types.setdefault(name, t)
        return self._our_types

    def room(self, pms_room: PmsRoom) -> RoomMapping:
        m = self.rooms.get(pms_room.external_id)
        if m is None:
            m = RoomMapping.objects.create(hotel=self.hotel, account=self.account, external_id=pms_room.external_id,
                                           number=pms_room.number[:100],
                                           room_type_external_id=pms_room.room_type_id[:100],
                                           room=self._rooms_by_number().get(_key(pms_room.number)))
            self.rooms[m.external_id] = m
        elif m.room_id is None and not m.by_staff:
            found = self._rooms_by_number().get(_key(pms_room.number or m.number))
            if found is not None:
                m.room = found
                m.save(update_fields=["room"])
        return m

    def room_type(self, pms_type: PmsRoomType) -> RoomTypeMapping:
        m = self.types.get(pms_type.external_id)
        if m is None:
            m = RoomTypeMapping.objects.create(hotel=self.hotel, account=self.account,
                                               external_id=pms_type.external_id, name=pms_type.name[:200],
                                               room_type=self._types_by_name().get(_key(pms_type.name)))
            self.types[m.external_id] = m
        elif m.room_type_id is None and not m.by_staff:
            found = self._types_by_name().get(_key(pms_type.name or m.name))
            if found is not None:
                m.room_type = found
                m.save(update_fields=["room_type"])
        return m

    def place(self, res: PmsReservation) -> tuple[Room | None, RoomType | None, str]:
        """The room (None: any free one of the type) and room type here for ``res``, or the problem."""
        if res.room is not None and res.room.external_id:
            m = self.room(res.room)
            if m.room is None:
                return None, None, Problem.UNMATCHED_ROOM
            return m.room, m.room.room_type, ""
        if res.room_type is not None and res.room_type.external_id:
            t = self.room_type(res.room_type)
            if t.room_type is None:
                return None, None, Problem.UNMATCHED_TYPE
            return None, t.room_type, ""
        return None, None, Problem.UNMATCHED_ROOM


def mappings_refresh(*, account, rooms: list[PmsRoom], room_types: list[PmsRoomType]) -> Mapper:
    """Store the PMS's rooms and types (new ones matched by number and name) and return the account's mapper."""
    with transaction.atomic():
        mapper = Mapper(account)
        for t in room_types:
            mapper.room_type(t)
        for r in rooms:
            mapper.room(r)
    return mapper


def mapping_set(*, hotel, actor, account, rooms: dict[int, int | None], room_types: dict[int, int | None]) -> int:
    """Staff's choices on the mapping page: mapping id -> our room id (or type id), None to unmap. Returns how
    many changed; a room or type of another hotel is refused."""
    ours_rooms = set(Room.objects.filter(hotel=hotel).values_list("pk", flat=True))
    ours_types = set(RoomType.objects.filter(hotel=hotel).values_list("pk", flat=True))
    if any(v is not None and v not in ours_rooms for v in rooms.values()) or any(
            v is not None and v not in ours_types for v in room_types.values()):
        raise InvalidInput(_("Choose one of this hotel's rooms."), field="mapping", code="invalid")
    changed = 0
    with transaction.atomic():
        for model, chosen, attr in ((RoomMapping, rooms, "room_id"), (RoomTypeMapping, room_types, "room_type_id")):
            for m in model.objects.select_for_update().filter(hotel=hotel, account=account, pk__in=list(chosen)):
                if getattr(m, attr) != chosen[m.pk]:
                    audit.record(hotel=hotel, actor=actor, action="pms.mapping.set", obj=m,
                                 before={attr: getattr(m, attr)}, after={attr: chosen[m.pk]})
                    setattr(m, attr, chosen[m.pk])
                    m.by_staff = True
                    m.save(update_fields=[attr, "by_staff"])
                    changed += 1
    return changed
