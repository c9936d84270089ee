"""API input and output shapes for contacts and follow-up; one schema per direction, strict on input."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import CleanStr, StrictIn
from guanxi.interactions.models import Appointment, Interaction, Task

ChannelLiteral = Literal["T", "E", "M", "V", "S", "W", "O"]
DirectionLiteral = Literal["out", "in"]
OutcomeLiteral = Literal["", "reached", "no_answer", "interested", "not_interested", "ordered", "complaint"]
TaskKindLiteral = Literal["todo", "call", "visit", "greeting"]
ColumnLiteral = Literal["today", "tomorrow", "week"]
ActionLiteral = Literal["confirm", "reschedule", "cancel", "no_show", "visited"]
Id = Field(..., ge=1, le=2**63 - 1)


class InteractionIn(StrictIn):
    customer_id: int = Id
    channel: ChannelLiteral = Field(description="T phone, E email, M meeting, V visit, S SMS, W chat/WeChat, O other")
    direction: DirectionLiteral = "out"
    at: dt.datetime | None = Field(None, description="when; now if left out; never in the future")
    duration_minutes: int | None = Field(None, ge=0, le=1440)
    notes: CleanStr = Field("", max_length=5000)
    outcome: OutcomeLiteral = ""
    next_step: CleanStr = Field("", max_length=200)
    next_step_on: dt.date | None = Field(None, description="creates a task due that day")
    user_id: int | None = Field(None, ge=1, le=2**63 - 1, description="who made the contact (default: you)")
    contact_id: int | None = Field(None, ge=1, le=2**63 - 1, description="the customer's contact person it was with")


class InteractionOut(Schema):
    id: int
    customer_id: int
    user_id: int
    channel: str
    direction: str
    at: dt.datetime
    duration_minutes: int | None
    notes: str
    outcome: str
    next_step: str
    next_step_on: dt.date | None
    next_task_id: int | None
    contact_id: int | None

    @staticmethod
    def of(i: Interaction) -> dict[str, Any]:
        return {f: getattr(i, f) for f in ("id", "customer_id", "user_id", "channel", "direction", "at",
                                           "duration_minutes", "notes", "outcome", "next_step", "next_step_on",
                                           "next_task_id", "contact_id")}


class InteractionListOut(Schema):
    items: list[InteractionOut]
    next_cursor: str | None


class TaskIn(StrictIn):
    title: CleanStr = Field(max_length=200)
    kind: TaskKindLiteral = "todo"
    priority: Literal[1, 2, 3] = 2
    due_on: dt.date
    start_on: dt.date | None = None
    due_time: dt.time | None = None
    notes: CleanStr = Field("", max_length=5000)
    customer_id: int | None = Field(None, ge=1, le=2**63 - 1)
    contact_id: int | None = Field(None, ge=1, le=2**63 - 1, description="one of the customer's contact people")
    owner_id: int | None = Field(None, ge=1, le=2**63 - 1)


class TaskPatch(StrictIn):
    title: CleanStr | None = Field(None, max_length=200)
    priority: Literal[1, 2, 3] | None = None
    due_on: dt.date | None = None
    start_on: dt.date | None = None
    notes: CleanStr | None = Field(None, max_length=5000)
    contact_id: int | None = Field(None, ge=1, le=2**63 - 1, description="null clears the contact person")
    done: bool | None = None


class TaskMoveIn(StrictIn):
    column: ColumnLiteral
    order: list[int] = Field(default_factory=list, max_length=500, description="task ids of the column, in order")


class TaskOut(Schema):
    id: int
    owner_id: int
    customer_id: int | None
    contact_id: int | None
    kind: str
    title: str
    notes: str
    priority: int
    start_on: dt.date | None
    due_on: dt.date
    due_time: dt.time | None
    done: bool
    done_at: dt.datetime | None
    position: int

    @staticmethod
    def of(t: Task) -> dict[str, Any]:
        return {**{f: getattr(t, f) for f in ("id", "owner_id", "customer_id", "contact_id", "kind", "title", "notes", "priority",
                                              "start_on", "due_on", "due_time", "done_at", "position")},
                "done": t.done_at is not None}


class AppointmentIn(StrictIn):
    customer_id: int = Id
    due_on: dt.date = Field(description="the day of the visit")
    due_time: dt.time | None = None
    title: CleanStr = Field("", max_length=200)
    notes: CleanStr = Field("", max_length=5000)


class AppointmentActIn(StrictIn):
    action: ActionLiteral
    new_on: dt.date | None = Field(None, description="required to reschedule")
    note: CleanStr = Field("", max_length=300)


class AppointmentOut(Schema):
    id: int
    task_id: int
    customer_id: int
    owner_id: int
    status: str
    planned_on: dt.date
    planned_time: dt.time | None
    confirmed_at: dt.datetime | None
    rescheduled_count: int

    @staticmethod
    def of(a: Appointment) -> dict[str, Any]:
        return {f: getattr(a, f) for f in ("id", "task_id", "customer_id", "owner_id", "status", "planned_on",
                                           "planned_time", "confirmed_at", "rescheduled_count")}


class ReminderOut(Schema):
    on: dt.date
    kind: str
    title: str
    customer_id: int | None
    url: str
    key: str = Field(description="send it to POST /reminders/task to make the reminder a task")
    task_id: int | None


class ReminderTaskIn(StrictIn):
    on: dt.date
    key: CleanStr = Field(max_length=100)


class GridCustomerOut(Schema):
    customer_id: int
    name: str
    importance: str
    last_contact_at: dt.datetime | None
    due_on: dt.date
    overdue: bool
    days: dict[str, list[dict[str, str]]] = Field(description="date → contacts that day: {letter, notes}")


class GridOut(Schema):
    rep_id: int
    start: dt.date
    end: dt.date
    customers: list[GridCustomerOut]
    next_cursor: str | None


class DueOut(Schema):
    customer_id: int
    name: str
    importance: str
    cycle_days: int
    last_contact_at: dt.datetime | None
    due_on: dt.date
    days_overdue: int
    planned_on: dt.date | None


class StatsRowOut(Schema):
    rep_id: int
    rep: str
    period: dt.date
    by_channel: dict[str, int]
    contacts: int
    visits: int
    target: float
    appointments: int
    outcomes: dict[str, int]
