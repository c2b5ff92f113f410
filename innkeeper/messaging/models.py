"""The outbox (Message), its attempts, hotel templates and opt-outs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from innkeeper.core.crypto import EncryptedJSONField, EncryptedTextField
from innkeeper.hotels.models import Hotel


class Channel(models.TextChoices):
    EMAIL = "EMAIL", _("E-mail")
    WHATSAPP = "WHATSAPP", _("WhatsApp")


class MessageType(models.TextChoices):
    BOOKING_CONFIRMATION = "BOOKING_CONFIRMATION", _("Booking confirmation")
    CHECKIN_REMINDER = "CHECKIN_REMINDER", _("Check-in reminder")
    ACCESS_INSTRUCTIONS = "ACCESS_INSTRUCTIONS", _("Access instructions")
    CHECKOUT_REMINDER = "CHECKOUT_REMINDER", _("Check-out reminder")
    POST_STAY_THANKS = "POST_STAY_THANKS", _("Thanks after the stay")
    BOOKING_CANCELLED = "BOOKING_CANCELLED", _("Booking cancelled")
    # Wording of the hotel's own: an automation rule's, a staff member's, a test send to staff.
    AUTOMATED = "AUTOMATED", _("Automation rule")
    MANUAL = "MANUAL", _("Sent by staff")
    TEST = "TEST", _("Test send")


# The journey's own messages (shipped wording in defaults.py, Django-template syntax).
BUILT_IN = ("BOOKING_CONFIRMATION", "CHECKIN_REMINDER", "ACCESS_INSTRUCTIONS", "CHECKOUT_REMINDER",
            "POST_STAY_THANKS", "BOOKING_CANCELLED")
# Sent because a person asked (counted apart from the automated ones by the send limits).
BY_HAND = ("MANUAL", "TEST")


class MessageStatus(models.TextChoices):
    QUEUED = "QUEUED", _("Queued")
    SENDING = "SENDING", _("Sending")
    SENT = "SENT", _("Sent")
    DELIVERED = "DELIVERED", _("Delivered")
    READ = "READ", _("Read")
    FAILED = "FAILED", _("Failed")
    DEAD = "DEAD", _("Gave up")
    SKIPPED = "SKIPPED", _("Not sent")  # nothing to send to (no usable number, opted out); last_error says why


class Message(models.Model):
    """One message to one guest on one channel: the outbox row, written in the transaction that causes it.

    Tasks only move it forward; its ``idempotency_key`` (booking + type + channel + occasion) makes a
    second enqueue of the same message a no-op and is handed to providers that accept one.
    """

    hotel = models.ForeignKey(Hotel, on_delete=models.PROTECT, related_name="messages")
    booking = models.ForeignKey("booking.Booking", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="messages")
    # The automation rule whose message this is (its wording is the rule's), if any.
    rule = models.ForeignKey("messaging.AutomationRule", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="messages")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    type = models.CharField(max_length=24, choices=MessageType.choices)
    occasion = models.CharField(max_length=64, blank=True)
    locale = models.CharField(max_length=8)
    recipient = models.CharField(max_length=254, help_text="E-mail address or E.164 phone number.")
    subject = models.CharField(max_length=255, blank=True)
    # Encrypted at rest: access instructions carry the door PIN and the web-key link.
    body_text = EncryptedTextField()
    body_html = EncryptedTextField(blank=True)
    variables = EncryptedJSONField(default=dict, blank=True,
                                   help_text="The rendered variables, for providers that send templates.")

    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the current send began.")
    last_error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    # Sent through the hotel's own provider account (its receipts come to the hotel's own hook URL).
    own_account = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=200, unique=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due_idx"),
            models.Index(fields=["hotel", "created_at"], name="message_hotel_created_idx"),
            models.Index(fields=["provider", "provider_message_id"], name="message_provider_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.channel} → {self.recipient} ({self.status})"


class MessageAttempt(models.Model):
    """One hand-over to a provider and how it ended: the message's delivery log."""

    hotel = models.ForeignKey(Hotel, on_delete=models.PROTECT)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(auto_now_add=True)
    number = models.PositiveSmallIntegerField()
    provider = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20, help_text="sent, retry, failed, dead, receipt, skipped, requeued")
    detail = models.TextField(blank=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["at", "id"]


class MessageTemplate(models.Model):
    """A hotel's own wording for one message type, channel and language (else the shipped default)."""

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="message_templates")
    type = models.CharField(max_length=24, choices=MessageType.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    locale = models.CharField(max_length=8)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hotel", "type", "channel", "locale"],
                                               name="messagetemplate_once")]


class OptOut(models.Model):
    """A guest address (E.164 number or e-mail) that asked to get no messages on a channel."""

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hotel", "channel", "address"], name="optout_once")]


class EarlyReceipt(models.Model):
    """A delivery receipt that named a provider message id we had not saved yet (it can overtake the
    provider's own answer to our send): applied when the id is saved, dropped after an hour.

    Not a tenant row: until its message is known it belongs to no hotel."""

    provider = models.CharField(max_length=20)
    provider_message_id = models.CharField(max_length=200)
    # The hotel whose own account's hook URL received it; empty for the install's hook URLs.
    account_hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["provider", "provider_message_id"], name="earlyreceipt_id_idx"),
                   # the sweeper drops the ones older than an hour, every 30 s
                   models.Index(fields=["created_at"], name="earlyreceipt_created_idx")]


WHATSAPP_PROVIDERS = [("", _("The installation's")), ("waha", "WAHA"), ("cloud", "WhatsApp Cloud API"),
                      ("twilio", "Twilio"), ("simulator", _("Simulator")), ("off", _("Off"))]


class WhatsAppSession(models.Model):
    """The hotel's WAHA session as the panel shows it: what a person last asked for (start, log out, look
    again) and what the worker last found (status, the linked number, the QR to scan while WAHA waits for
    one). The worker calls WAHA; the panel only reads this row, the QR image included."""

    STOPPED, STARTING, SCAN_QR_CODE, WORKING, FAILED = "STOPPED", "STARTING", "SCAN_QR_CODE", "WORKING", "FAILED"
    STATUSES = [(STOPPED, _("Stopped")), (STARTING, _("Starting")), (SCAN_QR_CODE, _("Waiting for the QR code to be scanned")),
                (WORKING, _("Connected")), (FAILED, _("Failed"))]

    hotel = models.OneToOneField(Hotel, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=64, blank=True, help_text="The WAHA session name last used.")
    action = models.CharField(max_length=10, blank=True, help_text="start, logout or refresh: what was asked.")
    requested_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=14, choices=STATUSES, blank=True)
    phone = models.CharField(max_length=40, blank=True, help_text="The linked WhatsApp number (+digits).")
    push_name = models.CharField(max_length=100, blank=True)
    qr_png = models.BinaryField(blank=True, default=b"")
    qr_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(hotel="hotel")


class Trigger(models.TextChoices):
    # A status change: the rule's message goes when the booking gets there.
    CONFIRMED = "CONFIRMED", _("Booking confirmed")
    CHECKED_IN = "CHECKED_IN", _("Guest checked in")
    CHECKED_OUT = "CHECKED_OUT", _("Guest checked out")
    CANCELLED = "CANCELLED", _("Booking cancelled")
    # A time: the offset from the arrival, the departure or the moment of booking, in the hotel's zone.
    ARRIVAL = "ARRIVAL", _("Time relative to arrival")
    DEPARTURE = "DEPARTURE", _("Time relative to departure")
    BOOKED = "BOOKED", _("Time relative to booking")


STATUS_TRIGGERS = ("CONFIRMED", "CHECKED_IN", "CHECKED_OUT", "CANCELLED")
TIME_TRIGGERS = ("ARRIVAL", "DEPARTURE", "BOOKED")


class AutomationRule(models.Model):
    """A hotel's rule: on a status change or at a time of the stay, send a message on some channels.

    A rule with ``builtin`` set stands for one of the journey's own messages (its wording the hotel's
    MessageTemplate or the shipped one): the hotel switches it and its channels here, and moves the timed ones
    (the check-in reminder, the check-out reminder, the thanks after the stay); no offset: the usual time.
    Until edited those rules are implied (``automation.rules_of``), so a hotel without rows gets the journey
    as before. The send time of a time rule is never stored: the sweep computes it from the booking as it is,
    so a moved stay moves the message and a cancelled one gets none."""

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="automation_rules")
    name = models.CharField(max_length=120)
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    # A journey message's row leaves it empty for the journey's usual time (``automation.builtin_timing``).
    offset_minutes = models.IntegerField(default=0, null=True, blank=True,
                                         help_text="Before (negative) or after the moment.")
    at_time = models.TimeField(null=True, blank=True, help_text="A time of day in the hotel's zone, if any.")
    email = models.BooleanField(default=True)
    whatsapp = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    builtin = models.CharField(max_length=24, blank=True, choices=MessageType.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["hotel", "builtin"], condition=~models.Q(builtin=""),
                                               name="automationrule_builtin_once")]
        indexes = [models.Index(fields=["trigger", "active"], name="automationrule_trigger_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def channels(self) -> list[str]:
        return [c for c, on in ((Channel.EMAIL, self.email), (Channel.WHATSAPP, self.whatsapp)) if on]


class RuleTemplate(models.Model):
    """A rule's wording in one language (any language code), with ``{placeholder}`` fields."""

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE)
    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="templates")
    locale = models.CharField(max_length=16)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["locale"]
        constraints = [models.UniqueConstraint(fields=["rule", "locale"], name="ruletemplate_once")]


class SendLimit(models.Model):
    """A hotel's own send limits (empty: the install's, INNKEEPER_MESSAGING["limits"])."""

    hotel = models.OneToOneField(Hotel, on_delete=models.CASCADE, related_name="send_limit")
    automated_per_minute = models.PositiveIntegerField(null=True, blank=True)
    automated_per_day = models.PositiveIntegerField(null=True, blank=True)
    manual_per_minute = models.PositiveIntegerField(null=True, blank=True)
    manual_per_day = models.PositiveIntegerField(null=True, blank=True)

    objects = ScopedManager(hotel="hotel")


class SendCounter(models.Model):
    """Messages a hotel handed to providers in one minute or one day (of its zone), automated and by hand
    apart; ``held`` counts the sends put off because the window was full (the panel's notice)."""

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE)
    manual = models.BooleanField()
    period = models.CharField(max_length=6)  # "minute" or "day"
    starts_at = models.DateTimeField()
    sent = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hotel", "manual", "period", "starts_at"],
                                               name="sendcounter_once")]
