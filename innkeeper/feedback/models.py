"""What a guest said about a stay: one answer per booking, from the link in the message after the stay."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_scopes import ScopedManager

from innkeeper.hotels.models import Hotel


class Feedback(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="feedback")
    booking = models.OneToOneField("booking.Booking", on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5),
                                              name="feedback_rating_1_to_5")]
