"""What the sync keeps of a hotel's PMS: its reservations as last read, how its rooms and room types map onto
ours, where the sync stands for each account, and the webhook events received."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from innkeeper.pms.adapters.base import ExternalStatus

RUN_LEASE = timedelta(minutes=30)  # a run started longer ago and never finished died with its worker


class Problem(models.TextChoices):
    """What staff must fix before a reservation can occupy a room here."""

    NONE = "", _("None")
    UNMATCHED_ROOM = "unmatched_room", _("The PMS room is not mapped to a room here")
    UNMATCHED_TYPE = "unmatched_type", _("The PMS room type is not mapped to a room type here")
    OVERLAP = "overlap", _("It overlaps a stay booked here")
    MISSING_DATES = "missing_dates", _("The PMS sent no usable dates")
    REFUSED = "refused", _("The stay could not be placed here")


class SyncState(models.Model):
    """Where the sync of one PMS account stands, and which journey steps its reservations set off."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+")
    account = models.OneToOneField("core.IntegrationAccount", on_delete=models.CASCADE, related_name="pms_sync")
    cursor = models.CharField(max_length=500, blank=True)  # the adapter's, opaque here
    window_loaded = models.BooleanField(default=False)  # the first connect's date window was read
    requested_at = models.DateTimeField(null=True, blank=True)  # "Sync now" asked for a run
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveIntegerField(default=0)  # reservations read in the run under way
    last_counts = models.JSONField(default=dict, blank=True)  # the last finished run's counts by outcome
    last_error = models.CharField(max_length=300, blank=True)  # our sentence; blank when the last run worked
    last_good_at = models.DateTimeField(null=True, blank=True)  # the last run that read the PMS to the end
    send_confirmation = models.BooleanField(default=True)
    send_checkin = models.BooleanField(default=True)  # the check-in link and its reminder
    issue_keys = models.BooleanField(default=True)

    objects = ScopedManager(hotel="hotel")

    def running(self, now) -> bool:
        return (self.started_at is not None and (self.finished_at is None or self.finished_at < self.started_at)
                and self.started_at > now - RUN_LEASE)


class RoomMapping(models.Model):
    """A PMS room and the room here it is (matched by number, or chosen by staff)."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("core.IntegrationAccount", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=100)
    number = models.CharField(max_length=100, blank=True)  # as the PMS calls it
    room_type_external_id = models.CharField(max_length=100, blank=True)
    room = models.ForeignKey("hotels.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_staff = models.BooleanField(default=False)  # chosen on the mapping page: never matched over again

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["number", "external_id"]
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="pms_roommapping_once")]


class RoomTypeMapping(models.Model):
    """A PMS room type and the room type here it is (matched by name, or chosen by staff)."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("core.IntegrationAccount", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    room_type = models.ForeignKey("hotels.RoomType", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    by_staff = models.BooleanField(default=False)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["name", "external_id"]
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="pms_roomtypemapping_once")]


class ExternalReservation(models.Model):
    """A PMS reservation as the sync last read it, and the booking here it became (None: it occupies nothing
    here: tentative, cancelled before we saw it, or held back by ``problem``)."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("core.IntegrationAccount", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=100)
    booking = models.ForeignKey("booking.Booking", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    booking_ref = models.CharField(max_length=100, blank=True)
    pms_status = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=12, choices=[(s, s) for s in ExternalStatus.ALL])
    check_in = models.DateField(null=True, blank=True)
    check_out = models.DateField(null=True, blank=True)
    room_external_id = models.CharField(max_length=100, blank=True)
    room_type_external_id = models.CharField(max_length=100, blank=True)
    guest_name = models.CharField(max_length=200, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # what the PMS said, for staff (no payment data)
    problem = models.CharField(max_length=20, choices=Problem.choices, blank=True, default="")
    problem_detail = models.CharField(max_length=300, blank=True)  # e.g. the booking it overlaps
    updated = models.CharField(max_length=60, blank=True)  # the PMS's own last-change mark
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["check_in", "external_id"]
        constraints = [models.UniqueConstraint(fields=["hotel", "account", "external_id"],
                                               name="pms_externalreservation_once")]
        indexes = [models.Index(fields=["hotel", "problem"], name="pms_extres_problem_idx")]


class InboundEvent(models.Model):
    """A PMS webhook event, stored once (its id per account); a worker fetches its reservation and applies it."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("core.IntegrationAccount", on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=100, blank=True)
    reservation_id = models.CharField(max_length=100, blank=True)
    booking_ref = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "event_id"], name="pms_inboundevent_once")]
        indexes = [models.Index(fields=["processed_at"], name="pms_inboundevent_todo_idx")]
