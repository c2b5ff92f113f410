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
