"""Core holds no domain models: its tables are the outbox of the domain events every app publishes
(guanxi.core.events).

(The holiday schedule that was here is `guanxi.holidays`; its table kept its name.)
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """A published domain event (guanxi.core.events), stored in the publisher's transaction."""

    type = models.CharField(_("event"), max_length=100)
    payload = models.JSONField(_("fields"))
    created_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Delivered")
    DEAD = "dead", _("Dead letter")


class EventDelivery(models.Model):
    """One handler's delivery of one event: claimed with a compare-and-set, retried with backoff, dead
    after `GUANXI_EVENTS_MAX_ATTEMPTS` failures (an administrator may retry it from the dead letters)."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(_("handler"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When a pending delivery is due; for a running one, when its claim lapses (the worker died).
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    done_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="core_delivery_due")]

    def __str__(self) -> str:
        return f"{self.handler} ← {self.event_id}"
