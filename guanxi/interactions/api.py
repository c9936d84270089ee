"""REST endpoints for contacts, tasks, appointments, reminders, the contact calendar and statistics.

Thin: they call the same services and selectors as the pages; everything is scoped by visibility,
so an id outside the caller's scope is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.params.functions import Path
from pydantic import Field

from guanxi.accounts.http import ApiRequest
from guanxi.core.inputs import typed_input
from guanxi.core.pagination import decode_cursor
from guanxi.core.registry import registry
from guanxi.core.schemas import CleanStr
from guanxi.customers import selectors as customer_selectors
from guanxi.interactions import selectors, services
from guanxi.interactions.schemas import (
    AppointmentActIn,
    AppointmentIn,
    AppointmentOut,
    DueOut,
    GridOut,
    InteractionIn,
    InteractionListOut,
    InteractionOut,
    ReminderOut,
    ReminderTaskIn,
    StatsRowOut,
    TaskIn,
    TaskMoveIn,
    TaskOut,
    TaskPatch,
)

router = Router(tags=["follow-up"])
ObjectId = Path(..., ge=1, le=2**63 - 1)


def _cursor(cursor: str | None) -> str | None:
    if cursor is not None and decode_cursor(cursor) is None:
        raise ValidationError({"cursor": [_("This cursor is not valid; start again without it.")]})
    return cursor


class InteractionQuery(Schema):
    customer_id: int | None = Field(None, ge=1, le=2**63 - 1)
    cursor: CleanStr | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


@router.get("/interactions", response=InteractionListOut, summary="Contacts, newest first")
def list_interactions(request: ApiRequest, query: Query[InteractionQuery]) -> dict[str, Any]:
    page = selectors.interaction_page(user=request.auth, customer_id=query.customer_id,
                                      cursor=_cursor(query.cursor), limit=query.limit)
    return {"items": [InteractionOut.of(i) for i in page.items], "next_cursor": page.next_cursor}


@router.post("/interactions", response={201: InteractionOut}, summary="Log a contact")
def create_interaction(request: ApiRequest, payload: InteractionIn) -> Status[Any]:
    customer = customer_selectors.customer_get(user=request.auth, customer_id=payload.customer_id)
    data = payload.model_dump(exclude={"customer_id"}, exclude_none=True)
    interaction = services.interaction_log(actor=request.auth, customer=customer,
                                           data=typed_input(services.InteractionInput, data))
    return Status(201, InteractionOut.of(interaction))


@router.get("/interactions/{interaction_id}", response=InteractionOut, summary="One contact")
def get_interaction(request: ApiRequest, interaction_id: int = ObjectId) -> dict[str, Any]:
    return InteractionOut.of(selectors.interaction_get(user=request.auth, interaction_id=interaction_id))


@router.delete("/interactions/{interaction_id}", response={204: None}, summary="Remove a contact")
def delete_interaction(request: ApiRequest, interaction_id: int = ObjectId) -> Status[None]:
    interaction = selectors.interaction_get(user=request.auth, interaction_id=interaction_id)
    services.interaction_delete(actor=request.auth, interaction=interaction)
    return Status(204, None)


class TaskQuery(Schema):
    due: Literal["open", "today", "overdue", "done", "all"] = "open"
    customer_id: int | None = Field(None, ge=1, le=2**63 - 1)
    owner_id: int | None = Field(None, ge=1, le=2**63 - 1, description="a colleague's tasks (managers)")


@router.get("/tasks", response=list[TaskOut], summary="Tasks (yours, or a colleague's in your scope)")
def list_tasks(request: ApiRequest, query: Query[TaskQuery]) -> list[dict[str, Any]]:
    owner = selectors.rep_for(user=request.auth, rep_id=query.owner_id)
    tasks = selectors.task_list(user=request.auth, owner=owner, due=query.due, customer_id=query.customer_id)
    return [TaskOut.of(t) for t in tasks]


@router.post("/tasks", response={201: TaskOut}, summary="Add a task")
def create_task(request: ApiRequest, payload: TaskIn) -> Status[Any]:
    return Status(201, TaskOut.of(services.task_create(
        actor=request.auth, data=typed_input(services.TaskInput, payload.model_dump()))))


@router.get("/tasks/{task_id}", response=TaskOut, summary="One task")
def get_task(request: ApiRequest, task_id: int = ObjectId) -> dict[str, Any]:
    return TaskOut.of(selectors.task_get(user=request.auth, task_id=task_id))


@router.patch("/tasks/{task_id}", response=TaskOut, summary="Change a task, or mark it done / not done")
def patch_task(request: ApiRequest, payload: TaskPatch, task_id: int = ObjectId) -> dict[str, Any]:
    task = selectors.task_get(user=request.auth, task_id=task_id)
    changes = payload.model_dump(exclude_unset=True)
    done = changes.pop("done", None)
    if changes:
        task = services.task_update(actor=request.auth, task=task, data=typed_input(services.TaskInput, changes))
    if done is not None:
        task = services.task_set_done(actor=request.auth, task=task, done=done)
    return TaskOut.of(task)


@router.post("/tasks/{task_id}/move", response=TaskOut, summary="Move a card on the weekly board")
def move_task(request: ApiRequest, payload: TaskMoveIn, task_id: int = ObjectId) -> dict[str, Any]:
    task = selectors.task_get(user=request.auth, task_id=task_id)
    return TaskOut.of(services.task_move(actor=request.auth, task=task, column=payload.column, order=payload.order))


@router.delete("/tasks/{task_id}", response={204: None}, summary="Remove a task")
def delete_task(request: ApiRequest, task_id: int = ObjectId) -> Status[None]:
    services.task_delete(actor=request.auth, task=selectors.task_get(user=request.auth, task_id=task_id))
    return Status(204, None)


class AppointmentQuery(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    owner_id: int | None = Field(None, ge=1, le=2**63 - 1)


@router.get("/appointments", response=list[AppointmentOut], summary="Appointments in a period")
def list_appointments(request: ApiRequest, query: Query[AppointmentQuery]) -> list[dict[str, Any]]:
    owner = selectors.rep_for(user=request.auth, rep_id=query.owner_id)
    start = query.start or timezone.localdate() - dt.timedelta(days=30)
    end = query.end or start + dt.timedelta(days=60)
    rows = selectors.appointment_list(user=request.auth, owner=owner, start=start, end=end)[:1000]
    return [AppointmentOut.of(a) for a in rows]


@router.post("/appointments", response={201: AppointmentOut}, summary="Plan a visit (约访)")
def create_appointment(request: ApiRequest, payload: AppointmentIn) -> Status[Any]:
    customer = customer_selectors.customer_get(user=request.auth, customer_id=payload.customer_id)
    appointment = services.appointment_plan(actor=request.auth, customer=customer,
                                            data=typed_input(services.TaskInput, payload.model_dump(exclude={"customer_id"})))
    return Status(201, AppointmentOut.of(appointment))


@router.get("/appointments/{appointment_id}", response=AppointmentOut, summary="One appointment")
def get_appointment(request: ApiRequest, appointment_id: int = ObjectId) -> dict[str, Any]:
    return AppointmentOut.of(selectors.appointment_get(user=request.auth, appointment_id=appointment_id))


@router.post("/appointments/{appointment_id}/events", response=AppointmentOut,
             summary="Confirm, reschedule, cancel, record a no-show or the visit")
def act_on_appointment(request: ApiRequest, payload: AppointmentActIn, appointment_id: int = ObjectId) -> dict[str, Any]:
    appointment = selectors.appointment_get(user=request.auth, appointment_id=appointment_id)
    appointment = services.appointment_act(actor=request.auth, appointment=appointment, action=payload.action,
                                           new_on=payload.new_on, note=payload.note)
    return AppointmentOut.of(appointment)


class ReminderQuery(Schema):
    start: dt.date | None = Field(None, ge=dt.date(1901, 1, 1), le=dt.date(2099, 12, 1))
    days: int = Field(7, ge=1, le=62)


@router.get("/reminders", response=list[ReminderOut], summary="Your reminders (birthdays, holidays …)")
def list_reminders(request: ApiRequest, query: Query[ReminderQuery]) -> list[dict[str, Any]]:
    start = query.start or timezone.localdate()
    found = registry.reminders(request.auth, start, start + dt.timedelta(days=query.days - 1))
    keys = [services.reminder_key(r) for r in found]
    done = selectors.tasks_from_reminders(user=request.auth, keys=keys)
    return [{"on": r.on, "kind": r.kind, "title": r.title, "customer_id": r.customer_id, "url": r.url, "key": k,
             "task_id": done.get(k)} for r, k in zip(found, keys, strict=True)]


@router.post("/reminders/task", response={201: TaskOut}, summary="Turn a reminder into a task (idempotent)")
def reminder_to_task(request: ApiRequest, payload: ReminderTaskIn) -> Status[Any]:
    return Status(201, TaskOut.of(services.reminder_to_task(actor=request.auth, on=payload.on, key=payload.key)))


class GridQuery(Schema):
    start: dt.date | None = None
    span: Literal["week", "month"] = "month"
    rep_id: int | None = Field(None, ge=1, le=2**63 - 1)
    cursor: CleanStr | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


@router.get("/contact-calendar", response=GridOut, summary="The contact calendar: customers × days")
def contact_calendar(request: ApiRequest, query: Query[GridQuery]) -> dict[str, Any]:
    rep = selectors.rep_for(user=request.auth, rep_id=query.rep_id)
    grid = selectors.contact_grid(user=request.auth, rep=rep, start=query.start or timezone.localdate(),
                                  span=query.span, cursor=_cursor(query.cursor), limit=query.limit)
    return {
        "rep_id": rep.pk, "start": grid.days[0], "end": grid.days[-1], "next_cursor": grid.next_cursor,
        "customers": [{
            "customer_id": row.customer.pk, "name": row.customer.name, "importance": row.customer.importance,
            "last_contact_at": row.last_at, "due_on": row.due_on, "overdue": row.overdue,
            "days": {d.isoformat(): [{"letter": letter, "notes": notes} for letter, notes in cell]
                     for d, cell in zip(grid.days, row.cells, strict=True) if cell},
        } for row in grid.rows],
    }


class DueQuery(Schema):
    rep_id: int | None = Field(None, ge=1, le=2**63 - 1)
    horizon_days: int = Field(0, ge=0, le=62, description="also customers due within this many days")
    limit: int = Field(50, ge=1, le=2000)


@router.get("/due-visits", response=list[DueOut], summary="Customers due or overdue a visit, A first, longest overdue first")
def due_visits(request: ApiRequest, query: Query[DueQuery]) -> list[dict[str, Any]]:
    rep = selectors.rep_for(user=request.auth, rep_id=query.rep_id)
    rows = selectors.due_rows(user=request.auth, rep=rep, horizon_days=query.horizon_days, limit=query.limit)
    return [{"customer_id": r.customer_id, "name": r.name, "importance": r.importance, "cycle_days": r.cycle,
             "last_contact_at": r.last_at, "due_on": r.due_on, "days_overdue": r.days_overdue,
             "planned_on": r.planned_on} for r in rows]


class StatsQuery(Schema):
    start: dt.date
    end: dt.date
    bucket: Literal["week", "month"] = "month"
    rep_id: int | None = Field(None, ge=1, le=2**63 - 1)


@router.get("/visit-stats", response=list[StatsRowOut], summary="Contacts and visits per rep per week or month")
def visit_stats(request: ApiRequest, query: Query[StatsQuery]) -> list[dict[str, Any]]:
    if query.end < query.start or (query.end - query.start).days > 731:
        raise ValidationError({"end": [_("Choose an end after the start, at most two years later.")]})
    rep_id = selectors.rep_for(user=request.auth, rep_id=query.rep_id).pk if query.rep_id else None
    stats = selectors.visit_stats(user=request.auth, start=query.start, end=query.end, bucket=query.bucket,
                                  rep_id=rep_id)
    return [{"rep_id": r.rep_id, "rep": r.rep, "period": r.period, "by_channel": r.by_channel,
             "contacts": r.contacts, "visits": r.visits, "target": r.target, "appointments": r.appointments,
             "outcomes": r.outcomes} for r in stats.rows]
