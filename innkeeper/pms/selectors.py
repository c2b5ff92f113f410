"""Reads of the PMS sync for the journey and the panel."""

from __future__ import annotations

from django_scopes import scopes_disabled

from innkeeper.pms.models import ExternalReservation, SyncState


def steps_turned_off(booking_ids) -> dict[int, set[str]]:
    """For bookings a PMS sold, the journey steps their account turned off: "checkin" (the check-in link and
    reminder), "keys", "confirmation". Bookings not from a PMS (or with every step on) are not in the answer."""
    ids = list(booking_ids)
    if not ids:
        return {}
    with scopes_disabled():  # filtered by the bookings given
        rows = ExternalReservation.objects.filter(booking_id__in=ids).values_list("booking_id", "account_id")
        accounts = dict(rows)
        states = {s.account_id: s for s in SyncState.objects.filter(account_id__in=set(accounts.values()))}
    off = {}
    for booking_id, account_id in accounts.items():
        s = states.get(account_id)
        if s is None:
            continue
        names = {name for name, on in (("confirmation", s.send_confirmation), ("checkin", s.send_checkin),
                                       ("keys", s.issue_keys)) if not on}
        if names:
            off[booking_id] = names
    return off


def state_of(account) -> SyncState | None:
    return SyncState.objects.filter(account=account).first() if account is not None else None
