"""Core holds no domain models; its tables are shared data every app reads (the official calendar) and
the outbox of the domain events every app publishes (guanxi.core.events).

(The cache table is created by its first migration.)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Day off")
    WORKDAY = "workday", _("Make-up working day")


class HolidaySource(models.TextChoices):
    SEEDED = "seeded", _("chinesecalendar package")
    ADMIN = "admin", _("Administrator")


class Holiday(models.Model):
    """One day of the official schedule: a statutory day off or a make-up working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("holiday"), max_length=100, help_text=_("e.g. 国庆节"))
    year = models.PositiveSmallIntegerField(_("year"), db_index=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=HolidaySource.choices,
                              default=HolidaySource.ADMIN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday schedule entry")
        verbose_name_plural = _("holiday schedule")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


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
