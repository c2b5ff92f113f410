"""The lock a room opens, on the room forms: the locks of the hotel's lock account as a worker last read
them from the lock cloud (locks.binding.lock_list_refresh), and beside them how old that list is, that it is
being read, or why it could not be. Rendering a form never asks the lock cloud."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from innkeeper.dashboard.templatetags.panel import ago
from innkeeper.locks import selectors as lock_selectors
from innkeeper.locks.selectors import LockListing


class LockChoiceField(forms.ChoiceField):
    """The lock a room opens, one of its hotel's lock account. Whether a lock may be taken is the lock
    service's rule, which says why beside the field; so any id passes the form."""

    def valid_value(self, value):
        return True


def offer_locks(field: forms.ChoiceField, *, hotel, room, current: str) -> LockListing:
    """Put the locks that ``room`` may take into ``field`` (``current``: the room's stored lock, kept on offer)
    and say beside it where the list stands. While a worker reads the list, the field is marked
    ``data-waiting``: the page's script puts the new list in when it is there."""
    listing = lock_selectors.lock_listing(hotel=hotel)
    locks = lock_selectors.lock_choices(hotel=hotel, room=room, listing=listing)
    field.help_text = _note(listing)
    if listing.checking:
        field.widget.attrs["data-waiting"] = ""
    if locks is None:
        return listing
    choices = [(lock.lock_id, f"{lock.name} ({lock.lock_id})" if lock.name and lock.name != lock.lock_id
                else lock.lock_id) for lock in locks]
    if current and current not in {lock.lock_id for lock in locks}:
        choices.insert(0, (current, _("%(lock)s (not in this hotel's lock account)") % {"lock": current}))
    field.choices = [("", _("No lock"))] + choices
    return listing


def _note(listing: LockListing) -> str:
    if listing.local:
        return ""
    if listing.locks is None:
        if listing.checking:
            return _("The locks of this hotel's lock account are being read from the lock cloud; they appear "
                     "here in a moment.")
        if listing.error:
            return _("The lock cloud could not be reached (%(reason)s), so its locks cannot be listed now. "
                     "Please try again in a moment.") % {"reason": _(listing.error)}
        return _("The locks of this hotel's lock account have not been read from the lock cloud yet. Press "
                 "“Refresh lock list”.")
    note = _("Locks as the lock cloud listed them %(ago)s.") % {"ago": ago(listing.fetched_at)}
    if listing.checking:
        return note + " " + _("The list is being read again now.")
    if listing.error:
        return note + " " + _("Reading it again failed (%(reason)s).") % {"reason": _(listing.error)}
    return note

