from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from innkeeper.core.errors import Conflict
from innkeeper.core.money import format_money


class NoAvailability(Conflict):
    code = "no_availability"

    def __init__(self, message=None, **params):
        super().__init__(message or _("No room of this type is free for these dates any more."), **params)


class HoldExpired(Conflict):
    code = "hold_expired"

    def __init__(self):
        super().__init__(_("The time to complete this booking ran out and the room was released."))


class NotCancellable(Conflict):
    code = "not_cancellable"

    def __init__(self):
        super().__init__(_("This booking can no longer be cancelled online. Please contact the hotel."))


class CancellationFeeNotAccepted(Conflict):
    """The guest asked to cancel without agreeing to the fee that cancelling now costs (a fee they were not
    shown, or one that became due since they were shown the terms)."""

    code = "cancellation_fee"

    def __init__(self, *, fee, currency: str):
        super().__init__(_("Cancelling now costs a cancellation fee of %(fee)s. Nothing has changed: please "
                           "confirm the fee to cancel.")
                         % {"fee": format_money(fee, currency, get_language() or "en")},
                         fee=str(fee), currency=currency)


class AddOnUnavailable(Conflict):
    code = "add_on_unavailable"

    def __init__(self, *, names: str):
        super().__init__(_("We cannot offer %(names)s for this stay: another guest has the room at that time. "
                           "Please continue without it, or contact the hotel.") % {"names": names}, names=names)
