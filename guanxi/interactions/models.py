from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.customers.choices import Importance
from guanxi.interactions.choices import (
    AppointmentAction,
    AppointmentStatus,
    ContactChannel,
    Direction,
    Outcome,
    Priority,
    TaskKind,
)
from guanxi.interactions.querysets import InteractionQuerySet, TaskQuerySet


class Task(models.Model):
    """Something a user must do by a date, usually for one customer; a planned visit is kind `visit`."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="tasks")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="tasks")
    # The customer's contact person (联系人) the task is about; always one of the customer's contacts.
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact person"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices, default=TaskKind.TODO)
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    # An item that spans days or weeks (the monthly board) starts before it is due.
    start_on = models.DateField(_("starts on"), null=True, blank=True)
    due_on = models.DateField(_("due on"))
    due_time = models.TimeField(_("time"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    position = models.IntegerField(_("position on the board"), default=0)
    # Where the task came from (a reminder), so turning the same reminder into a task twice is a no-op.
    source_key = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["owner", "due_on", "position", "id"], name="task_owner_due"),
            models.Index(fields=["customer", "-created_at", "-id"], name="task_customer_created"),
            # Open visits of given customers: the due list's "planned" column, the round's duplicate check.
            models.Index(fields=["customer", "due_on"], condition=models.Q(done_at__isnull=True, kind="visit"),
                         name="task_open_visit"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "source_key"], condition=~models.Q(source_key=""),
                                    name="task_unique_source"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Interaction(models.Model):
    """One logged contact with a customer (联络记录): a call, email, meeting, visit, SMS or chat."""

    # No single-column indexes on these two: (customer, at) and (user, at) below lead with them, and
    # with the smaller single-column index present PostgreSQL picked it for the grid's window and
    # filtered the customer's whole history instead of reading only the window.
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="interactions", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT,
                             related_name="interactions", db_index=False)
    # Whom at an organization customer the contact was with (联系人); one of the customer's contacts.
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact person"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="interactions")
    channel = models.CharField(_("channel"), max_length=1, choices=ContactChannel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.OUTBOUND)
    at = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    next_step = models.CharField(_("next step"), max_length=200, blank=True, default="")
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    next_task = models.ForeignKey(Task, verbose_name=_("next-step task"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            # The calendar grid and the timeline: one customer's contacts in a date range.
            models.Index(fields=["customer", "at"], name="interaction_customer_at"),
            # Visit statistics: one rep's contacts in a period.
            models.Index(fields=["user", "at"], name="interaction_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.at:%Y-%m-%d}"


class ContactSummary(models.Model):
    """One row per contacted customer: the last contact and visit, kept by the interaction services."""

    customer = models.OneToOneField("customers.Customer", primary_key=True, on_delete=models.CASCADE,
                                    related_name="contact_summary")
    last_at = models.DateTimeField(_("last contact"))
    last_channel = models.CharField(_("channel"), max_length=1, choices=ContactChannel.choices)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    contacts = models.PositiveIntegerField(_("contacts"), default=0)

    class Meta:
        verbose_name = _("contact summary")
        verbose_name_plural = _("contact summaries")
        indexes = [
            # The due list probes one summary per customer of the rep (~2,000) and the grid one per row:
            # with the last contact in the index those probes are index-only scans (key columns rather
            # than INCLUDE, which SQLite lacks).
            models.Index(fields=["customer", "last_at", "last_channel"], name="summary_customer_last"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.last_channel} {self.last_at:%Y-%m-%d}"


class VisitCycle(models.Model):
    """The default visit cycle for customers of one importance (a customer's own cycle wins)."""

    importance = models.CharField(_("importance"), max_length=1, choices=Importance.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("visit cycle (days)"))

    class Meta:
        ordering = ["importance"]
        verbose_name = _("visit cycle")
        verbose_name_plural = _("visit cycles")

    def __str__(self) -> str:
        return f"{self.importance}: {self.days}"


class VisitTarget(models.Model):
    """How many visits a month a manager expects of one rep."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_target")
    visits_per_month = models.PositiveSmallIntegerField(_("visits per month"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit target")
        verbose_name_plural = _("visit targets")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.visits_per_month}"


class Appointment(models.Model):
    """A planned visit (约访) and whether the customer confirmed, moved, cancelled or missed it."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="appointment")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="appointments")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="appointments")
    status = models.CharField(_("status"), max_length=12, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.PLANNED)
    planned_on = models.DateField(_("planned on"))
    planned_time = models.TimeField(_("time"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    rescheduled_count = models.PositiveSmallIntegerField(_("times rescheduled"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [models.Index(fields=["owner", "planned_on"], name="appointment_owner_planned")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.planned_on:%Y-%m-%d} {self.status}"


class AppointmentEvent(models.Model):
    """One step in an appointment's life: confirmed, rescheduled (from, to), cancelled, no-show, visited."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=AppointmentAction.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    old_on = models.DateField(null=True, blank=True)
    new_on = models.DateField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.action}"


class ReminderDigest(models.Model):
    """One user's reminders for the coming days, prepared by the daily job for the home page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_digests")
    on = models.DateField(_("prepared for"))
    items = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "on"], name="digest_one_per_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.on:%Y-%m-%d}"
