"""Writes for what a hotel sells: the hotel itself, its domains, room types, rooms, rates, add-ons.

Every function validates with the model's own rules and raises InvalidInput naming the field, so
a form or an API shows the message beside the right input and nothing is half-written.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_domain_name
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from innkeeper.core import audit, checks
from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.hotels import content, theme, verification
from innkeeper.hotels.models import AddOn, Hotel, HotelDomain, HotelLogo, RateOverride, Room, RoomType

UNSET = object()
MAX_RATE_RANGE_DAYS = 731


def _validated_save(obj: Model, *, exclude=()) -> Model:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise InvalidInput(" ".join(messages), field=None if field == "__all__" else field,
                           code="invalid") from None
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # a check constraint that full_clean could not see
        raise InvalidInput(_("These values do not fit together: %(error)s") % {"error": exc},
                           code="invalid") from None
    return obj


def _update(obj: Model, fields: dict, allowed: set[str], *, exclude=(), actor=None, hotel=None) -> Model:
    """Set ``fields`` on ``obj``, validate, save; with an ``actor`` (a person), audit the change."""
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))},
                           field=sorted(unknown)[0], code="unknown")
    creating = obj.pk is None
    before = {} if creating else audit.snapshot(obj, fields)
    for name, value in fields.items():
        setattr(obj, name, value)
    with transaction.atomic():
        _validated_save(obj, exclude=exclude)
        audit.record(hotel=hotel or getattr(obj, "hotel", None) or obj, actor=actor,
                     action=f"{obj._meta.model_name}.{'create' if creating else 'update'}", obj=obj,
                     before=before, after=audit.snapshot(obj, fields))
    return obj


def _own(hotel: Hotel, obj: Model) -> None:
    if obj.hotel_id != hotel.id:
        raise NotFound(_("This hotel has no such item."))


# Texts may be given per language (``name_ru``) or as ``name``, which sets the active language's text.
HOTEL_FIELDS = ({f.name for f in Hotel._meta.concrete_fields} | set(content.columns(*content.HOTEL_TEXTS))) - {
    "id", "created_at", "updated_at"}
ROOM_TYPE_FIELDS = ({f.name for f in RoomType._meta.concrete_fields}
                    | set(content.columns(*content.ROOM_TYPE_TEXTS))) - {"id", "hotel"}
# A room's lock is set by innkeeper.locks.binding, which checks it against the hotel's lock account.
ROOM_FIELDS = {"number", "floor", "status", "notes", "room_type"}
ADD_ON_FIELDS = ({f.name for f in AddOn._meta.concrete_fields} | set(content.columns(*content.ADD_ON_TEXTS))) - {
    "id", "hotel"}


def _named(name: str | None, fields: dict) -> dict:
    """``fields`` with ``name`` (the active language's) when given; the per-language names may stand for it."""
    return fields if name is None else dict(fields, name=name)


def hotel_create(*, slug: str, name: str | None = None, **fields) -> Hotel:
    fields.setdefault("locales", [fields.get("default_locale", "en")])
    return _update(Hotel(), dict(_named(name, fields), slug=slug), HOTEL_FIELDS)


def hotel_update(*, hotel: Hotel, actor=None, logo: bytes | None = None, remove_logo: bool = False,
                 **fields) -> Hotel:
    """Change the hotel's settings; ``logo`` (the image's bytes) replaces its logo, ``remove_logo`` drops it."""
    with transaction.atomic():
        if logo is not None or remove_logo:
            look = dict(fields.get("theme", hotel.theme) or {})
            look.pop("logo", None)
            HotelLogo.objects.filter(hotel=hotel).delete()
            if logo is not None:
                image = theme.logo_inspect(logo)
                row = HotelLogo.objects.create(hotel=hotel, content_type=image.content_type, data=logo,
                                               digest=hashlib.sha256(logo).hexdigest(), width=image.width,
                                               height=image.height)
                look["logo"] = {"digest": row.digest[:16], "ext": theme.LOGO_EXTENSIONS[image.content_type],
                                "width": image.width, "height": image.height}
            fields["theme"] = look
        return _update(hotel, fields, HOTEL_FIELDS - {"slug"}, actor=actor, hotel=hotel)


def normalise_domain(domain: str) -> str:
    host = (domain or "").strip().lower().rstrip(".")
    host = host.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    try:
        validate_domain_name(host)
    except ValidationError:
        raise InvalidInput(_("%(domain)s is not a valid domain name.") % {"domain": domain},
                           field="domain", code="invalid") from None
    return host


def _taken(host: str) -> str:
    return _("%(domain)s already belongs to another hotel.") % {"domain": host}


def _claim_problem(hotel: Hotel, host: str) -> InvalidInput | None:
    """Why ``hotel`` may not claim ``host`` at all (no DNS record could make it the hotel's)."""
    platform = settings.PLATFORM_DOMAIN
    if host == platform or host in settings.INNKEEPER_PLATFORM_HOSTS:
        return InvalidInput(_("%(domain)s is the platform's own address; give your hotel's own domain.")
                            % {"domain": host}, field="domain", code="platform")
    if verification.needs_no_proof(host):
        if host not in verification.own_hosts(hotel.slug):
            suffix = platform if platform and host.endswith("." + platform) else "localhost"
            return InvalidInput(_("Under %(suffix)s the hotel's own address is %(own)s; no other name there "
                                  "can be its.") % {"suffix": suffix, "own": f"{hotel.slug}.{suffix}"},
                                field="domain", code="platform")
        return None
    if "." not in host or verification.is_public_suffix(host):
        return InvalidInput(_("%(domain)s is a public suffix, under which anyone registers names; give the "
                              "hotel's own domain under it, e.g. yourhotel.%(domain)s.") % {"domain": host},
                            field="domain", code="public_suffix")
    return None


@transaction.atomic
def domain_add(*, hotel: Hotel, domain: str, primary: bool = False, actor=None) -> HotelDomain:
    """Claim ``domain`` for the hotel. It stays pending, answering nothing, until its DNS record proves it
    (domain_verify); the hotel's own names under the platform's domain and ``.localhost`` need no proof."""
    host = normalise_domain(domain)
    problem = _claim_problem(hotel, host)
    if problem:
        raise problem
    with scopes_disabled():  # a verified domain belongs to one hotel only
        taken = HotelDomain.objects.filter(domain=host, verified_at__isnull=False).exclude(hotel=hotel).exists()
    if taken:
        raise InvalidInput(_taken(host), field="domain", code="taken")
    main = HotelDomain.objects.filter(hotel=hotel, is_primary=True).values_list("domain", flat=True).first()
    existing = HotelDomain.objects.filter(hotel=hotel, domain=host).first()
    before = {"domain": host, "primary": existing.is_primary, "main_domain": main} if existing else {}
    if primary:
        HotelDomain.objects.filter(hotel=hotel, is_primary=True).update(is_primary=False)
    row, _created = HotelDomain.objects.update_or_create(hotel=hotel, domain=host, defaults={"is_primary": primary})
    if row.verified_at is None and verification.needs_no_proof(host):
        row.verified_at = row.checked_at = timezone.now()
        row.check_result = _("The platform's own address for this hotel: no DNS record is needed.")
        row.save(update_fields=["verified_at", "checked_at", "check_result"])
    audit.record(hotel=hotel, actor=actor, action="hoteldomain.add", obj=row, before=before, keep=("domain",),
                 after={"domain": host, "primary": primary,
                        "main_domain": host if primary else (None if main == host else main)})
    return row


def domain_verify(*, hotel: Hotel, domain: HotelDomain, actor=None) -> HotelDomain:
    """Look for the domain's TXT record now and record what was found; verified when it holds the token.

    The lookup runs outside any transaction (it may take DOMAIN_VERIFY_TIMEOUT_SECONDS); the row is then
    updated in a short one, and the database refuses a second hotel verifying the same name."""
    _own(hotel, domain)
    if domain.verified_at is not None:
        return domain
    with scopes_disabled():
        elsewhere = HotelDomain.objects.filter(domain=domain.domain, verified_at__isnull=False).exists()
    found = (verification.Check(False, _taken(domain.domain)) if elsewhere
             else verification.check(domain.domain, domain.verification_token))
    now = timezone.now()
    try:
        with transaction.atomic():
            row = HotelDomain.objects.select_for_update().filter(pk=domain.pk, hotel=hotel).first()
            if row is None:  # removed meanwhile
                raise NotFound(_("This hotel has no such item."))
            if row.verified_at is None:
                row.checked_at, row.check_result = now, found.found
                if found.verified:
                    row.verified_at = now
                row.save(update_fields=["checked_at", "check_result", "verified_at"])
                if found.verified:
                    audit.record(hotel=hotel, actor=actor, action="hoteldomain.verify", obj=row,
                                 after={"domain": row.domain, "verified": True}, keep=("domain",))
    except IntegrityError:  # another hotel verified the same name a moment before
        HotelDomain.objects.filter(pk=domain.pk).update(checked_at=now, check_result=_taken(domain.domain))
        row = HotelDomain.objects.get(pk=domain.pk)
    return row


def domain_check_request(*, hotel: Hotel, domain: HotelDomain, actor=None, language: str = "",
                         now=None) -> bool:
    """The owner's "Check now": a worker looks for the domain's TXT record (``domain_check``, after commit, in
    ``language``) while the panel shows the domain as being checked. False when there is nothing to queue:
    the domain is verified, or a check is under way."""
    from innkeeper.hotels.tasks import domain_check_task

    _own(hotel, domain)
    now = now or timezone.now()
    with transaction.atomic():
        row = HotelDomain.objects.select_for_update().filter(pk=domain.pk, hotel=hotel).first()
        if row is None:  # removed meanwhile
            raise NotFound(_("This hotel has no such item."))
        if row.verified_at is not None or checks.state(
                requested_at=row.check_requested_at, done_at=row.checked_at, now=now) == checks.CHECKING:
            return False
        row.check_requested_at = now
        row.save(update_fields=["check_requested_at"])
        checks.ring(domain_check_task, row.pk, getattr(actor, "pk", None), language)
    return True


def domain_check(*, domain_id: int, actor_id: int | None = None) -> HotelDomain | None:
    """The worker's part of "Check now": ``domain_verify`` for the domain (None when it is gone), as the
    person who asked (``actor_id``, for the audit log)."""
    from django.contrib.auth import get_user_model

    with scopes_disabled():  # a worker serves every hotel; the row names one
        row = HotelDomain.objects.select_related("hotel").filter(pk=domain_id).first()
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    if row is None:
        return None
    with scope(hotel=row.hotel):
        try:
            return domain_verify(hotel=row.hotel, domain=row, actor=actor)
        except NotFound:
            return None


def domains_verify_pending(*, now=None) -> int:
    """Check every pending domain added in the last DOMAIN_VERIFY_RECHECK_DAYS (the beat's job; an owner
    can always press "Check now"). Returns how many became verified."""
    from innkeeper.hotels import selectors

    verified = 0
    for row in selectors.domains_to_recheck(now=now or timezone.now()):
        with scope(hotel=row.hotel):
            try:
                verified += domain_verify(hotel=row.hotel, domain=row).verified_at is not None
            except NotFound:
                continue
    return verified


@transaction.atomic
def domain_make_primary(*, hotel: Hotel, domain: HotelDomain, actor=None) -> HotelDomain:
    """Make ``domain`` the hotel's main domain, the one its links and messages use."""
    _own(hotel, domain)
    main = HotelDomain.objects.filter(hotel=hotel, is_primary=True).first()
    if main is not None and main.pk == domain.pk:
        return domain
    HotelDomain.objects.filter(hotel=hotel, is_primary=True).update(is_primary=False)
    HotelDomain.objects.filter(pk=domain.pk).update(is_primary=True)
    domain.is_primary = True
    audit.record(hotel=hotel, actor=actor, action="hoteldomain.primary", obj=domain,
                 before={"main_domain": main.domain if main else None}, after={"main_domain": domain.domain})
    return domain


@transaction.atomic
def domain_remove(*, hotel: Hotel, domain: HotelDomain, actor=None) -> None:
    """Stop answering on ``domain``. The main domain goes last: another one must be made the main one first."""
    _own(hotel, domain)
    if domain.is_primary and HotelDomain.objects.filter(hotel=hotel).exclude(pk=domain.pk).exists():
        raise Conflict(_("%(domain)s is the main domain. Make another domain the main one first.")
                       % {"domain": domain.domain}, code="main_domain")
    audit.record(hotel=hotel, actor=actor, action="hoteldomain.remove", obj=domain,
                 before={"domain": domain.domain, "primary": domain.is_primary})
    domain.delete()


def room_type_create(*, hotel: Hotel, slug: str, base_price_nightly, name: str | None = None, actor=None,
                     **fields) -> RoomType:
    return _update(RoomType(hotel=hotel), dict(_named(name, fields), slug=slug, base_price_nightly=base_price_nightly),
                   ROOM_TYPE_FIELDS, actor=actor, hotel=hotel)


def room_type_update(*, hotel: Hotel, room_type: RoomType, actor=None, **fields) -> RoomType:
    _own(hotel, room_type)
    return _update(room_type, fields, ROOM_TYPE_FIELDS - {"slug"}, actor=actor, hotel=hotel)


def room_create(*, hotel: Hotel, room_type: RoomType, number: str, actor=None, **fields) -> Room:
    _own(hotel, room_type)
    return _update(Room(hotel=hotel), dict(fields, room_type=room_type, number=number), ROOM_FIELDS, actor=actor,
                   hotel=hotel)


def room_update(*, hotel: Hotel, room: Room, actor=None, **fields) -> Room:
    _own(hotel, room)
    if "room_type" in fields:
        _own(hotel, fields["room_type"])
    return _update(room, fields, ROOM_FIELDS, actor=actor, hotel=hotel)


def add_on_create(*, hotel: Hotel, code: str, price, name: str | None = None, actor=None, **fields) -> AddOn:
    return _update(AddOn(hotel=hotel), dict(_named(name, fields), code=code, price=price), ADD_ON_FIELDS,
                   actor=actor, hotel=hotel)


def add_on_update(*, hotel: Hotel, add_on: AddOn, actor=None, **fields) -> AddOn:
    _own(hotel, add_on)
    return _update(add_on, fields, ADD_ON_FIELDS - {"code"}, actor=actor, hotel=hotel)


@transaction.atomic
def rates_set(*, hotel: Hotel, room_type: RoomType, date_from: date, date_to: date, price_nightly=UNSET,
              price_hourly=UNSET, closed=UNSET, min_stay=UNSET, actor=None) -> int:
    """Set the price, closed flag or minimum stay for every date in [date_from, date_to] (inclusive).

    Only the values given change; ``None`` resets a price or minimum stay to the room type's default.
    Returns the number of dates written.
    """
    _own(hotel, room_type)
    if date_to < date_from:
        raise InvalidInput(_("The end date must not be before the start date."), field="date_to", code="invalid")
    days = (date_to - date_from).days + 1
    if days > MAX_RATE_RANGE_DAYS:
        raise InvalidInput(_("Set at most %(n)d days at once.") % {"n": MAX_RATE_RANGE_DAYS}, field="date_to",
                           code="too_long")
    changes = {name: value for name, value in (("price_nightly", price_nightly), ("price_hourly", price_hourly),
                                               ("closed", closed), ("min_stay", min_stay)) if value is not UNSET}
    if not changes:
        raise InvalidInput(_("Nothing to change: give a price, closed or a minimum stay."), code="required")
    existing = {r.date: r for r in RateOverride.objects.filter(hotel=hotel, room_type=room_type,
                                                                date__gte=date_from, date__lte=date_to)}
    before, after = {}, {}  # per date, what it was and what it is now (only the dates that changed are kept)
    for i in range(days):
        day = date_from + timedelta(days=i)
        row = existing.get(day) or RateOverride(hotel=hotel, room_type=room_type, date=day)
        before[day.isoformat()] = audit.snapshot(row, changes)
        _update(row, changes, set(changes), exclude=("room_type",) if row.pk else ())
        after[day.isoformat()] = audit.snapshot(row, changes)
    audit.record(hotel=hotel, actor=actor, action="rates.set", obj=room_type, before=before, after=after)
    return days
