"""What the simulators did: the messages they would have sent, the PINs and app keys their lock cloud holds
and the doors it opened. No hotel scope: they stand for the vendors' side."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from innkeeper.messaging.models import Channel


class SimulatedMessage(models.Model):
    """What a simulator provider would have sent (demo and tests): shown on the demo outbox page.

    ``key`` is the sender's idempotency key, so a repeated hand-over records nothing new.
    """

    channel = models.CharField(max_length=10, choices=Channel.choices)
    key = models.CharField(max_length=200)
    recipient = models.CharField(max_length=254)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # A message to a guest (from the outbox). Staff mail (password resets, invitations) is recorded too,
    # but never shown on the public demo outbox page: its links sign a person in.
    guest = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "key"], condition=~Q(key=""),
                                               name="simulatedmessage_once")]


class SimulatedPasscode(models.Model):
    """The simulator's lock cloud: PINs it holds per lock."""

    lock_id = models.CharField(max_length=64, db_index=True)
    pin = models.CharField(max_length=12)
    name = models.CharField(max_length=64)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)


class SimulatedAppKey(models.Model):
    """The simulator's lock cloud: app keys (as TTLock eKeys) it gave guests' accounts, one per account and lock."""

    lock_id = models.CharField(max_length=64, db_index=True)
    receiver = models.CharField(max_length=254)
    name = models.CharField(max_length=100)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    remote_unlock = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)


class SimulatedUnlock(models.Model):
    REMOTE, KEYPAD = "remote", "keypad"

    lock_id = models.CharField(max_length=64, db_index=True)
    method = models.CharField(max_length=8)
    passcode = models.ForeignKey(SimulatedPasscode, on_delete=models.SET_NULL, null=True)
    at = models.DateTimeField(auto_now_add=True)
