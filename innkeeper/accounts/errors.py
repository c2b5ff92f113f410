from django.utils.translation import gettext_lazy as _

from innkeeper.core.errors import Conflict, NotFound, PermissionDenied


class InvitationUnusable(Conflict):
    """An invitation link that cannot be used any more; the message says why and what to do."""

    MESSAGES = {
        "accepted": _("This invitation has already been used. Sign in with the e-mail address it was sent to."),
        "revoked": _("This invitation was withdrawn. Ask the hotel's owner for a new one."),
        "expired": _("This invitation has expired. Ask the hotel's owner to send it again."),
    }

    def __init__(self, state: str):
        super().__init__(self.MESSAGES[state], code=f"invitation_{state}")
        self.state = state


class InvitationNotFound(NotFound):
    def __init__(self):
        super().__init__(_("This invitation link is not valid. Check that you opened the whole link."),
                         code="invitation_not_found")


class NotAllowed(PermissionDenied):
    def __init__(self, message=None):
        super().__init__(message or _("Only the hotel's owner can do this."), code="not_allowed")
