"""The variables a message template may use: the one list, checked when a template is saved."""

from django.utils.translation import gettext_lazy as _

VARIABLES = {
    "guest_name": _("The guest's name"),
    "hotel_name": _("The hotel's name"),
    "reference": _("The booking reference"),
    "check_in": _("Arrival: date and time"),
    "check_out": _("Departure: date and time"),
    "check_in_date": _("Arrival date"),
    "check_out_date": _("Departure date"),
    "room_type": _("The room type booked"),
    "room_number": _("The room number"),
    "pin": _("The door PIN"),
    "web_key_link": _("The link that opens the door"),
    "pin_first_use_by": _("Offline passcodes only: when the guest must first type it, 24 hours after it starts"),
    "app_key_account": _("TTLock app key only: the TTLock account (the guest's e-mail or phone) the key went to"),
    "app_key_password": _("TTLock app key only: the first password of a TTLock account made for the guest "
                          "(the account name's last six characters)"),
    "key_collection": _("Rooms without a smart lock only: where the guest gets the key (the hotel's “Key "
                        "collection” text, else “Collect your key at reception.”)"),
    "check_in_link": _("The online check-in link"),
    "smart_lock": _("Set when the room has a smart lock (the guest gets a door code); empty when the key is "
                    "collected"),
    "feedback_link": _("The link to the form where the guest rates the stay"),
    "add_ons": _("The extras booked (a list)"),
    "total": _("The total price"),
    "manage_link": _("The link to manage the booking"),
    "cancellation_fee": _("The fee for cancelling the booking (empty when cancelling was free)"),
}

# Positional body parameters of each approved WhatsApp template (WhatsApp only delivers approved templates
# outside the 24-hour window, so the variables travel, not text): the Cloud API's body parameters in this
# order, and Twilio's ContentVariables "1", "2", ... in this order. A template is named after its message
# type, except KEY_COLLECTION: the access message of a room without a smart lock (no door code to give).
CLOUD_TEMPLATE_PARAMETERS = {
    "BOOKING_CONFIRMATION": ["guest_name", "hotel_name", "reference", "check_in", "check_out", "total"],
    "CHECKIN_REMINDER": ["guest_name", "hotel_name", "check_in", "check_in_link"],
    "ACCESS_INSTRUCTIONS": ["guest_name", "hotel_name", "room_number", "pin", "web_key_link"],
    "CHECKOUT_REMINDER": ["guest_name", "hotel_name", "check_out"],
    "POST_STAY_THANKS": ["guest_name", "hotel_name"],
    "BOOKING_CANCELLED": ["guest_name", "hotel_name", "reference", "check_in", "cancellation_fee"],
    "KEY_COLLECTION": ["guest_name", "hotel_name", "room_number", "key_collection"],
}


def whatsapp_template(message_type: str, variables: dict) -> str:
    """The approved template a WhatsApp message of ``message_type`` goes as: its type's, except an access
    message that says where the key is collected (the room has no smart lock), which has no door code."""
    if message_type == "ACCESS_INSTRUCTIONS" and variables.get("key_collection") and not variables.get("pin"):
        return "KEY_COLLECTION"
    return message_type
