"""Writes for contacts, tasks, appointments, visit cycles and targets, and the reminder digest.

Views, the API, the daily job and the demo all come through here. Validation lives here too, so the
form and the API give the same field-named, translated messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import User
from guanxi.accounts.selectors import users_visible_to
from guanxi.core import events
from guanxi.core.errors import FieldErrors, NotPermitted
from guanxi.core.registry import Reminder, registry
from guanxi.customers.choices import Importance
from guanxi.customers.models import Contact, Customer
from guanxi.interactions import workdays
from guanxi.interactions.choices import (
    VISIT_CHANNELS,
    AppointmentAction,
    AppointmentStatus,
    BoardColumn,
    ContactChannel,
    Direction,
    Outcome,
    Priority,
    TaskKind,
)
from guanxi.interactions.models import (
    Appointment,
    AppointmentEvent,
    ContactSummary,
    Interaction,
    ReminderDigest,
    Task,
    VisitCycle,
    VisitTarget,
)

MAX_NOTES = 5000
MAX_TITLE = 200
MAX_DURATION = 24 * 60
# How far ahead the future a logged contact may be: clocks on phones drift.
FUTURE_SLACK = dt.timedelta(minutes=10)
DEFAULT_CYCLES = {Importance.A: 14, Importance.B: 30, Importance.C: 90}
DIGEST_DAYS = 7
# Reminders whose task is a greeting on the day itself; anything else is prepared the working day before.
GREETING_KINDS = {"birthday", "lunar_birthday", "family_birthday", "family_lunar_birthday", "anniversary", "festival"}


_Errors = FieldErrors  # the name the cleaners below (and the import target) use

# Typed inputs (see guanxi/core/inputs.py): an absent key is "not sent" (on update the stored value
# stays). Dates, times and ids may arrive as text (a form, an import) and are validated here.
DateValue = dt.date | str | None
IdValue = int | str | None


class InteractionInput(TypedDict, total=False):
    channel: str
    direction: str
    outcome: str
    at: dt.datetime | str | None
    duration_minutes: int | str | None
    notes: str
    next_step: str
    next_step_on: DateValue
    user_id: IdValue
    contact_id: IdValue


class TaskInput(TypedDict, total=False):
    title: str
    notes: str
    kind: str
    priority: int | str | None
    due_on: DateValue
    start_on: DateValue
    due_time: dt.time | str | None
    owner_id: IdValue
    customer_id: IdValue
    contact_id: IdValue


def _text(errors: _Errors, data: Mapping[str, object], name: str, *, max_length: int, required: bool = False) -> str:
    raw = data.get(name)
    value = "" if raw is None else str(raw)
    if "\x00" in value:
        errors.add(name, _("Null characters are not allowed."))
        return ""
    value = value.strip()
    if required and not value:
        errors.add(name, _("This field is required."))
    if len(value) > max_length:
        errors.add(name, _("Ensure this value has at most %(max)d characters (it has %(length)d).")
                   % {"max": max_length, "length": len(value)})
    return value


def _choice(errors: _Errors, data: Mapping[str, object], name: str, choices: Any, default: Any) -> Any:
    value = data.get(name)
    if value in (None, ""):
        return default
    valid = {str(v) for v in choices.values}
    if str(value) not in valid:
        errors.add(name, _("Select a valid choice: %(expected)s.") % {"expected": ", ".join(sorted(valid - {""}))})
        return default
    return type(default)(str(value)) if isinstance(default, int) else str(value)


def _date(errors: _Errors, data: Mapping[str, object], name: str, *, required: bool = False) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            errors.add(name, _("This field is required."))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(name, _("Enter a valid date (YYYY-MM-DD)."))
        return None


def _colleague(errors: _Errors, actor: User, user_id: Any, name: str) -> User:
    """A colleague the actor may assign work to (themselves, or someone in their scope)."""
    if user_id in (None, "") or str(user_id) == str(actor.pk):
        return actor
    try:
        found = users_visible_to(actor).filter(pk=int(user_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors.add(name, _("Choose a colleague you may assign work to."))
        return actor
    return found


def _visible_customer(errors: _Errors, actor: User, customer_id: Any, name: str = "customer_id") -> Customer | None:
    if customer_id in (None, ""):
        return None
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        pk = 0
    customer = Customer.objects.visible_to(actor).active().filter(pk=pk).first() if 0 < pk < 2**63 else None
    if customer is None:
        errors.add(name, _("Choose a customer you may see."))
    return customer


def _customer_contact(errors: _Errors, customer: Customer | None, contact_id: Any) -> Contact | None:
    """The contact person named by `contact_id`, which must be one of the customer's own contacts."""
    if contact_id in (None, ""):
        return None
    try:
        pk = int(contact_id)
    except (TypeError, ValueError):
        pk = 0
    contact = (Contact.objects.filter(pk=pk, customer=customer).first()
               if customer is not None and 0 < pk < 2**63 else None)
    if contact is None:
        errors.add("contact_id", _("Choose a contact person of this customer."))
    return contact


# --- contacts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CleanInteraction:
    channel: str
    direction: str
    at: dt.datetime
    duration_minutes: int | None
    notes: str
    outcome: str
    next_step: str
    next_step_on: dt.date | None
    user: User
    contact: Contact | None = None


def _clean_interaction(actor: User, data: InteractionInput, customer: Customer | None = None) -> _CleanInteraction:
    errors = _Errors()
    channel = _choice(errors, data, "channel", ContactChannel, "")
    if not data.get("channel"):
        errors.add("channel", _("This field is required."))
    direction = _choice(errors, data, "direction", Direction, Direction.OUTBOUND.value)
    outcome = _choice(errors, data, "outcome", Outcome, "")
    now = timezone.now()
    at = data.get("at") or now
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at)
        except ValueError:
            errors.add("at", _("Enter a valid date and time."))
            at = now
    if isinstance(at, dt.datetime) and timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + FUTURE_SLACK:
        errors.add("at", _("A contact cannot be logged in the future; plan it as a task instead."))
    duration = data.get("duration_minutes")
    if duration in ("", None):
        duration = None
    else:
        try:
            duration = int(duration)
        except (TypeError, ValueError):
            errors.add("duration_minutes", _("Enter a whole number."))
            duration = None
        else:
            if not 0 <= duration <= MAX_DURATION:
                errors.add("duration_minutes", _("Enter between 0 and %(max)d minutes.") % {"max": MAX_DURATION})
    notes = _text(errors, data, "notes", max_length=MAX_NOTES)
    next_step = _text(errors, data, "next_step", max_length=MAX_TITLE)
    next_step_on = _date(errors, data, "next_step_on")
    if next_step and next_step_on is None and "next_step_on" not in errors.by_field:
        errors.add("next_step_on", _("Give the next step a date."))
    if next_step_on is not None and next_step_on < timezone.localdate(at):
        errors.add("next_step_on", _("The next step cannot be before the contact."))
    user = _colleague(errors, actor, data.get("user_id"), "user_id")
    contact = _customer_contact(errors, customer, data.get("contact_id"))
    errors.raise_if_any()
    return _CleanInteraction(channel, direction, at, duration, notes, outcome, next_step, next_step_on, user,
                             contact)


def _summary_add(customer_id: int, at: dt.datetime, channel: str) -> None:
    """Keep the customer's last-contact row current: one row read and written, never a scan."""
    visit_at = at if channel in VISIT_CHANNELS else None
    summary = ContactSummary.objects.select_for_update().filter(customer_id=customer_id).first()
    if summary is None:
        try:
            with transaction.atomic():
                ContactSummary.objects.create(customer_id=customer_id, last_at=at, last_channel=channel,
                                              last_visit_at=visit_at, contacts=1)
            return
        except IntegrityError:  # created meanwhile by a concurrent contact
            summary = ContactSummary.objects.select_for_update().get(customer_id=customer_id)
    changes: dict[str, Any] = {"contacts": F("contacts") + 1}
    if at >= summary.last_at:
        changes.update(last_at=at, last_channel=channel)
    if visit_at and (summary.last_visit_at is None or visit_at > summary.last_visit_at):
        changes["last_visit_at"] = visit_at
    ContactSummary.objects.filter(customer_id=customer_id).update(**changes)


def summary_rebuild(*, customer_id: int) -> None:
    """Recompute one customer's row from their contacts (after a deletion or a merge)."""
    qs = Interaction.objects.filter(customer_id=customer_id)
    last = qs.order_by("-at", "-id").values("at", "channel").first()
    if last is None:
        ContactSummary.objects.filter(customer_id=customer_id).delete()
        return
    last_visit = qs.filter(channel__in=VISIT_CHANNELS).aggregate(m=Max("at"))["m"]
    ContactSummary.objects.update_or_create(
        customer_id=customer_id,
        defaults={"last_at": last["at"], "last_channel": last["channel"], "last_visit_at": last_visit,
                  "contacts": qs.count()},
    )


def summary_merge(merged_id: int, survivor_id: int) -> None:
    """A merge: the merged-away record's contacts join the survivor, whose summary is recomputed."""
    Interaction.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    summary_rebuild(customer_id=merged_id)
    summary_rebuild(customer_id=survivor_id)


def interaction_log(*, actor: User, customer: Customer, data: InteractionInput) -> Interaction:
    """Log a contact; a next step with a date becomes a task for whoever made the contact."""
    if customer.archived_at is not None:
        raise NotPermitted(_("Archived customers cannot be contacted; restore them first."))
    clean = _clean_interaction(actor, data, customer)
    with transaction.atomic():
        next_task = None
        if clean.next_step_on is not None:
            next_task = Task.objects.create(
                owner=clean.user, customer=customer, kind=TaskKind.TODO, created_by=actor,
                title=clean.next_step or _("Follow up with %(name)s") % {"name": customer.name},
                due_on=clean.next_step_on, position=_next_position(clean.user.pk, clean.next_step_on),
            )
        interaction = Interaction.objects.create(
            customer=customer, user=clean.user, channel=clean.channel, direction=clean.direction, at=clean.at,
            duration_minutes=clean.duration_minutes, notes=clean.notes, outcome=clean.outcome,
            next_step=clean.next_step, next_step_on=clean.next_step_on, next_task=next_task, created_by=actor,
            contact=clean.contact,
        )
        _summary_add(customer.pk, clean.at, clean.channel)
        events.publish(events.InteractionLogged(
            interaction_id=interaction.pk, customer_id=customer.pk, user_id=clean.user.pk, channel=clean.channel,
            next_task_id=next_task.pk if next_task is not None else None))
    return interaction


def interaction_delete(*, actor: User, interaction: Interaction) -> None:
    """Only whoever logged a contact, or a manager above them, may remove it."""
    if interaction.user_id != actor.pk and actor.data_scope == DataScope.OWN:
        raise NotPermitted(_("Only the person who logged this contact may remove it."))
    with transaction.atomic():
        customer_id = interaction.customer_id
        interaction.delete()
        summary_rebuild(customer_id=customer_id)


# --- tasks -------------------------------------------------------------------------------------------


def _next_position(owner_id: int, due_on: dt.date) -> int:
    last = Task.objects.filter(owner_id=owner_id, due_on=due_on).aggregate(m=Max("position"))["m"]
    return (last or 0) + 1


def _clean_task(actor: User, data: TaskInput, instance: Task | None) -> dict[str, Any]:
    errors = _Errors()
    clean: dict[str, Any] = {}
    if instance is None or "title" in data:
        clean["title"] = _text(errors, data, "title", max_length=MAX_TITLE, required=True)
    if instance is None or "notes" in data:
        clean["notes"] = _text(errors, data, "notes", max_length=MAX_NOTES)
    if instance is None or "kind" in data:
        clean["kind"] = _choice(errors, data, "kind", TaskKind, TaskKind.TODO.value)
    if instance is None or "priority" in data:
        clean["priority"] = _choice(errors, data, "priority", Priority, int(Priority.NORMAL))
    if instance is None or "due_on" in data:
        clean["due_on"] = _date(errors, data, "due_on", required=True)
    if instance is None or "start_on" in data:
        clean["start_on"] = _date(errors, data, "start_on")
    if "due_time" in data:
        due_time = data["due_time"] or None
        if isinstance(due_time, dt.time) and due_time.tzinfo is not None:
            errors.add("due_time", _("Give the time of day without a time zone (China time)."))
            due_time = None
        clean["due_time"] = due_time
    start = clean.get("start_on", instance.start_on if instance else None)
    due = clean.get("due_on", instance.due_on if instance else None)
    if start and due and start > due:
        errors.add("start_on", _("The start cannot be after the due date."))
    if instance is None or "owner_id" in data:
        clean["owner"] = _colleague(errors, actor, data.get("owner_id"), "owner_id")
    if instance is None or "customer_id" in data:
        clean["customer"] = _visible_customer(errors, actor, data.get("customer_id"))
    if "contact_id" in data or "customer" in clean:
        customer = clean["customer"] if "customer" in clean else (instance.customer if instance else None)
        contact_id = data["contact_id"] if "contact_id" in data else (instance.contact_id if instance else None)
        clean["contact"] = _customer_contact(errors, customer, contact_id)
    errors.raise_if_any()
    return clean


def task_create(*, actor: User, data: TaskInput) -> Task:
    clean = _clean_task(actor, data, None)
    if clean["kind"] == TaskKind.VISIT and clean["customer"] is None:
        raise ValidationError({"customer_id": [_("A visit needs a customer.")]})
    with transaction.atomic():
        return Task.objects.create(created_by=actor, position=_next_position(clean["owner"].pk, clean["due_on"]),
                                   **clean)


def task_update(*, actor: User, task: Task, data: TaskInput) -> Task:
    clean = _clean_task(actor, data, task)
    for name, value in clean.items():
        setattr(task, name, value)
    task.save()
    if "due_on" in clean and hasattr(task, "appointment"):
        Appointment.objects.filter(task=task).update(planned_on=task.due_on)
    return task


def task_set_done(*, actor: User, task: Task, done: bool) -> Task:
    was_done = task.done_at is not None
    with transaction.atomic():
        task.done_at = timezone.now() if done else None
        task.save(update_fields=["done_at", "updated_at"])
        if done and not was_done:
            events.publish(events.TaskDone(task_id=task.pk, owner_id=task.owner_id, customer_id=task.customer_id))
    return task


def task_delete(*, actor: User, task: Task) -> None:
    if task.owner_id != actor.pk and actor.data_scope == DataScope.OWN:
        raise NotPermitted(_("Only the owner may remove this task."))
    task.delete()


def column_date(column: str, today: dt.date, current: dt.date) -> dt.date:
    """The due date a card takes when dropped into a column of the weekly board."""
    if column == BoardColumn.TODAY:
        return today
    if column == BoardColumn.TOMORROW:
        return today + dt.timedelta(days=1)
    week_end = today + dt.timedelta(days=6 - today.weekday())
    if today + dt.timedelta(days=2) <= current <= week_end:
        return current  # already later this week: keep its day
    later = today + dt.timedelta(days=2)
    # The next working day after tomorrow, or the last day of the week when none is left.
    while later <= week_end and not workdays.is_workday(later):
        later += dt.timedelta(days=1)
    return later if later <= week_end else week_end


def task_move(*, actor: User, task: Task, column: str, order: list[int], today: dt.date | None = None) -> Task:
    """Drop a card in a column of the weekly board: its due date follows the column, `order` its place."""
    if column not in BoardColumn.values:
        raise ValidationError({"column": [_("Select a valid choice: %(expected)s.")
                                          % {"expected": ", ".join(BoardColumn.values)}]})
    today = today or timezone.localdate()
    if today.weekday() >= 5 and column == BoardColumn.WEEK:
        raise ValidationError({"column": [_("No days are left this week.")]})
    with transaction.atomic():
        task.due_on = column_date(column, today, task.due_on)
        ids = [pk for pk in order if isinstance(pk, int)]
        task.position = ids.index(task.pk) + 1 if task.pk in ids else _next_position(task.owner_id, task.due_on)
        task.save(update_fields=["due_on", "position", "updated_at"])
        for position, pk in enumerate(ids, start=1):
            if pk != task.pk:
                Task.objects.filter(pk=pk, owner_id=task.owner_id).update(position=position)
        Appointment.objects.filter(task=task).exclude(planned_on=task.due_on).update(planned_on=task.due_on)
    return task


# --- appointments ------------------------------------------------------------------------------------


def appointment_plan(*, actor: User, customer: Customer, data: TaskInput) -> Appointment:
    """A planned visit: a task of kind `visit` with an appointment to confirm with the customer."""
    payload: TaskInput = {**data, "kind": TaskKind.VISIT, "customer_id": customer.pk}
    payload.setdefault("title", _("Visit %(name)s") % {"name": customer.name})
    if not payload.get("title"):
        payload["title"] = _("Visit %(name)s") % {"name": customer.name}
    errors = _Errors()
    planned_on = _date(errors, payload, "due_on", required=True)
    if planned_on is not None and planned_on < timezone.localdate():
        errors.add("due_on", _("A visit cannot be planned in the past."))
    errors.raise_if_any()
    with transaction.atomic():
        task = task_create(actor=actor, data=payload)
        return Appointment.objects.create(task=task, customer=customer, owner=task.owner, planned_on=task.due_on,
                                          planned_time=task.due_time)


_FINAL = {AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.VISITED}
_STATUS_OF = {
    AppointmentAction.CONFIRM: AppointmentStatus.CONFIRMED,
    AppointmentAction.RESCHEDULE: AppointmentStatus.RESCHEDULED,
    AppointmentAction.CANCEL: AppointmentStatus.CANCELLED,
    AppointmentAction.NO_SHOW: AppointmentStatus.NO_SHOW,
    AppointmentAction.VISITED: AppointmentStatus.VISITED,
}


def appointment_act(*, actor: User, appointment: Appointment, action: str, new_on: Any = None,
                    note: str = "") -> Appointment:
    """Record what happened to an appointment; a reschedule moves the visit task with it."""
    errors = _Errors()
    if action not in AppointmentAction.values:
        errors.add("action", _("Select a valid choice: %(expected)s.") % {"expected": ", ".join(AppointmentAction.values)})
    note = _text(errors, {"note": note}, "note", max_length=300)
    target = _date(errors, {"new_on": new_on}, "new_on", required=action == AppointmentAction.RESCHEDULE)
    if target is not None and target < timezone.localdate():
        errors.add("new_on", _("A visit cannot be planned in the past."))
    errors.raise_if_any()
    if appointment.status in _FINAL:
        raise NotPermitted(_("This appointment is closed (%(status)s).")
                           % {"status": appointment.get_status_display()})
    with transaction.atomic():
        old_on = appointment.planned_on
        appointment.status = _STATUS_OF[AppointmentAction(action)]
        task = appointment.task
        if action == AppointmentAction.CONFIRM:
            appointment.confirmed_at = timezone.now()
        elif action == AppointmentAction.RESCHEDULE:
            assert target is not None
            appointment.planned_on = target
            appointment.rescheduled_count = F("rescheduled_count") + 1
            task.due_on = target
            task.save(update_fields=["due_on", "updated_at"])
        else:
            was_done = task.done_at is not None
            task.done_at = timezone.now()
            task.save(update_fields=["done_at", "updated_at"])
            if not was_done:
                events.publish(events.TaskDone(task_id=task.pk, owner_id=task.owner_id, customer_id=task.customer_id))
        appointment.save()
        AppointmentEvent.objects.create(appointment=appointment, action=action, actor=actor, old_on=old_on,
                                        new_on=appointment.planned_on, note=note)
    appointment.refresh_from_db()
    return appointment


# --- reminders, digest -------------------------------------------------------------------------------


def reminder_key(reminder: Reminder) -> str:
    """A stable key for one reminder, so the same reminder becomes at most one task per user."""
    raw = f"{reminder.on.isoformat()}|{reminder.kind}|{reminder.customer_id or ''}|{reminder.title}"
    return "reminder:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def reminder_to_task(*, actor: User, on: dt.date, key: str) -> Task:
    """Turn one of the actor's reminders into a task; a second click returns the same task."""
    found = next((r for r in registry.reminders(actor, on, on) if reminder_key(r) == key), None)
    if found is None:
        raise ValidationError({"key": [_("This reminder is not among yours for that day.")]})
    existing = Task.objects.filter(owner=actor, source_key=key).first()
    if existing is not None:
        return existing
    customer = None
    if found.customer_id:
        customer = Customer.objects.visible_to(actor).filter(pk=found.customer_id).first()
    due = found.on if found.kind in GREETING_KINDS else workdays.previous_workday(found.on)
    try:
        with transaction.atomic():
            return Task.objects.create(
                owner=actor, customer=customer, kind=TaskKind.GREETING, title=found.title[:MAX_TITLE], due_on=due,
                source_key=key, created_by=actor, position=_next_position(actor.pk, due), notes=found.url,
            )
    except IntegrityError:  # a concurrent click won
        return Task.objects.get(owner=actor, source_key=key)


def digest_prepare(*, user: User, on: dt.date) -> ReminderDigest:
    """Store the user's reminders for the coming week; running it twice for a day replaces the first."""
    items = [
        {"on": r.on.isoformat(), "kind": r.kind, "title": r.title, "customer_id": r.customer_id, "url": r.url,
         "key": reminder_key(r)}
        for r in registry.reminders(user, on, on + dt.timedelta(days=DIGEST_DAYS - 1))
    ]
    digest, _created = ReminderDigest.objects.update_or_create(user=user, on=on, defaults={"items": items})
    return digest


def digest_prepare_all(*, on: dt.date | None = None, progress: Callable[[int, int], None] | None = None) -> int:
    """The daily job: every active user's digest; old digests (over a month) are dropped. `progress`
    hears (users done, users) as it goes."""
    on = on or timezone.localdate()
    count = 0
    users = User.objects.filter(is_active=True)
    total = users.count() if progress is not None else 0
    for user in users.select_related("role").iterator(chunk_size=500):
        digest_prepare(user=user, on=on)
        count += 1
        if progress is not None:
            progress(count, total)
    ReminderDigest.objects.filter(on__lt=on - dt.timedelta(days=31)).delete()
    return count


# --- visit cycles, targets, the round plan ----------------------------------------------------------


def visit_cycle_set(*, actor: User, importance: str, days: Any) -> VisitCycle:
    if not actor.is_administrator:
        raise PermissionDenied
    errors = _Errors()
    if importance not in Importance.values:
        errors.add("importance", _("Select a valid choice: %(expected)s.") % {"expected": "A, B, C"})
    try:
        value = int(days)
    except (TypeError, ValueError):
        errors.add("days", _("Enter a whole number."))
        value = 0
    else:
        if not 1 <= value <= 365:
            errors.add("days", _("Enter between 1 and 365 days."))
    errors.raise_if_any()
    cycle, _created = VisitCycle.objects.update_or_create(importance=importance, defaults={"days": value})
    return cycle


def visit_target_set(*, actor: User, user_id: Any, visits_per_month: Any) -> VisitTarget:
    """Managers and administrators set the monthly visit target of the reps they see."""
    if actor.data_scope == DataScope.OWN:
        raise PermissionDenied
    errors = _Errors()
    rep = _colleague(errors, actor, user_id, "user_id")
    try:
        value = int(visits_per_month)
    except (TypeError, ValueError):
        errors.add("visits_per_month", _("Enter a whole number."))
        value = 0
    else:
        if not 0 <= value <= 1000:
            errors.add("visits_per_month", _("Enter between 0 and 1000."))
    errors.raise_if_any()
    target, _created = VisitTarget.objects.update_or_create(user=rep, defaults={"visits_per_month": value,
                                                                                 "set_by": actor})
    return target


def round_plan_create(*, actor: User, rep: User, plan: list[tuple[int, dt.date]]) -> list[Task]:
    """Create the visit tasks of a routine round (巡回访问); customers with an open visit are skipped."""
    customer_ids = [cid for cid, _day in plan]
    visible = dict(Customer.objects.visible_to(actor).active().filter(pk__in=customer_ids, owner=rep)
                   .values_list("pk", "name"))
    planned = set(Task.objects.open().filter(kind=TaskKind.VISIT, customer_id__in=customer_ids)
                  .values_list("customer_id", flat=True))
    created: list[Task] = []
    with transaction.atomic():
        for customer_id, day in plan:
            if customer_id not in visible or customer_id in planned:
                continue
            task = Task.objects.create(
                owner=rep, customer_id=customer_id, kind=TaskKind.VISIT, due_on=day, created_by=actor,
                title=_("Routine visit: %(name)s") % {"name": visible[customer_id]},
                position=_next_position(rep.pk, day),
            )
            Appointment.objects.create(task=task, customer_id=customer_id, owner=rep, planned_on=day)
            planned.add(customer_id)
            created.append(task)
    return created


def handover_followup(previous: dict[int, int], to_owner_id: int) -> int:
    """Handover source: the previous account manager's open tasks and upcoming appointments (today
    and later) of the handed-over customers move to the new manager."""
    today = timezone.localdate()
    moved = 0
    by_owner: dict[int, list[int]] = {}
    for customer_id, owner_id in previous.items():
        by_owner.setdefault(owner_id, []).append(customer_id)
    for owner_id, customer_ids in by_owner.items():
        moved += Task.objects.filter(owner_id=owner_id, customer_id__in=customer_ids, done_at__isnull=True).update(
            owner_id=to_owner_id, updated_at=timezone.now())
        moved += Appointment.objects.filter(
            owner_id=owner_id, customer_id__in=customer_ids, planned_on__gte=today,
            status__in=[AppointmentStatus.PLANNED, AppointmentStatus.CONFIRMED, AppointmentStatus.RESCHEDULED],
        ).update(owner_id=to_owner_id, updated_at=timezone.now())
    return moved
