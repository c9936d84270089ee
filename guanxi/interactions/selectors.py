"""Reads for contacts and follow-up, all scoped by `visible_to` (an id outside the scope is a 404)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import User
from guanxi.accounts.selectors import users_visible_to
from guanxi.core.pagination import keyset_page
from guanxi.core.registry import TimelineEntry
from guanxi.customers.choices import Importance
from guanxi.customers.models import Customer
from guanxi.interactions import workdays
from guanxi.interactions.choices import (
    VISIT_CHANNELS,
    AppointmentAction,
    BoardColumn,
    ContactChannel,
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
from guanxi.interactions.services import DEFAULT_CYCLES

MAX_ID = 2**63 - 1
DEFAULT_TARGET = 20


def _valid_id(pk: int) -> bool:
    return 0 < pk <= MAX_ID


# --- single records ----------------------------------------------------------------------------------


def interaction_get(*, user: User, interaction_id: int) -> Interaction:
    found = (Interaction.objects.visible_to(user).select_related("customer", "user")
             .filter(pk=interaction_id).first() if _valid_id(interaction_id) else None)
    if found is None:
        raise Http404("interaction not found")
    return found


def task_get(*, user: User, task_id: int) -> Task:
    found = (Task.objects.visible_to(user).select_related("customer", "owner")
             .filter(pk=task_id).first() if _valid_id(task_id) else None)
    if found is None:
        raise Http404("task not found")
    return found


def appointment_get(*, user: User, appointment_id: int) -> Appointment:
    qs = Appointment.objects.filter(task__in=Task.objects.visible_to(user).values("pk"))
    found = (qs.select_related("task", "customer", "owner").filter(pk=appointment_id).first()
             if _valid_id(appointment_id) else None)
    if found is None:
        raise Http404("appointment not found")
    return found


def rep_for(*, user: User, rep_id: int | None) -> User:
    """The rep whose work is shown: the user, or a colleague a manager picked (else 404)."""
    if rep_id is None or rep_id == user.pk:
        return user
    rep = users_visible_to(user).filter(pk=rep_id).first() if _valid_id(rep_id) else None
    if rep is None:
        raise Http404("no such colleague")
    return rep


def rep_choices(*, user: User) -> list[tuple[int, str]]:
    if user.data_scope == DataScope.OWN:
        return [(user.pk, str(user))]
    return _names(users_visible_to(user)[:500])


def _names(users: QuerySet[User]) -> list[tuple[int, str]]:
    return [(pk, display or username) for pk, display, username in users.values_list("pk", "display_name", "username")]


# --- lists -------------------------------------------------------------------------------------------


def interaction_page(*, user: User, customer_id: int | None = None, cursor: str | None = None,
                     limit: int = 50) -> Any:
    qs = Interaction.objects.visible_to(user).select_related("customer", "user")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return keyset_page(qs, field="at", descending=True, cursor=cursor, limit=limit)


def task_list(*, user: User, owner: User, due: str = "open", customer_id: int | None = None,
              today: dt.date | None = None, limit: int = 200) -> list[Task]:
    """`due`: open (every open task), today (open, due today or before), overdue, done, all."""
    today = today or timezone.localdate()
    qs = Task.objects.visible_to(user).filter(owner=owner).select_related("customer")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if due == "today":
        qs = qs.open().filter(due_on__lte=today)
    elif due == "overdue":
        qs = qs.open().filter(due_on__lt=today)
    elif due == "done":
        qs = qs.filter(done_at__isnull=False)
    elif due == "open":
        qs = qs.open()
    order = ["-done_at", "-id"] if due == "done" else ["due_on", "priority", "position", "id"]
    return list(qs.order_by(*order)[:limit])


def tasks_today(*, user: User, today: dt.date | None = None) -> list[Task]:
    """My tasks today: open ones due today or overdue, and what I finished today."""
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    qs = Task.objects.filter(owner=user).filter(Q(done_at__isnull=True, due_on__lte=today) | Q(done_at__gte=start))
    return list(qs.select_related("customer").order_by("done_at", "due_on", "priority", "position", "id")[:100])


# --- timeline ----------------------------------------------------------------------------------------


def interaction_events(customer: Customer, user: Any, before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    qs = Interaction.objects.filter(customer=customer).select_related("user")
    if before is not None:
        qs = qs.filter(at__lt=before)
    return [
        TimelineEntry(
            at=i.at, kind=f"contact-{i.channel}",
            title=f"{i.channel} · {i.get_channel_display()}" + (f" · {i.get_outcome_display()}" if i.outcome else ""),
            body=i.notes + (f"\n→ {i.next_step} ({i.next_step_on:%Y-%m-%d})" if i.next_step_on else ""),
            actor=str(i.user),
        )
        for i in qs.order_by("-at", "-id")[:limit]
    ]


def task_events(customer: Customer, user: Any, before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """A task appears when it was created, and again when it was done."""
    qs = Task.objects.filter(customer=customer).select_related("owner")
    created = qs.filter(created_at__lt=before) if before is not None else qs
    done = qs.filter(done_at__isnull=False)
    done = done.filter(done_at__lt=before) if before is not None else done
    entries = [
        TimelineEntry(at=t.created_at, kind=f"task-{t.kind}",
                      title=_("Task planned: %(title)s (due %(due)s)") % {"title": t.title, "due": t.due_on.isoformat()},
                      actor=str(t.owner))
        for t in created.order_by("-created_at", "-id")[:limit]
    ]
    entries += [
        TimelineEntry(at=t.done_at, kind="task-done", title=_("Task done: %(title)s") % {"title": t.title},
                      actor=str(t.owner))
        for t in done.order_by("-done_at", "-id")[:limit] if t.done_at is not None
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]


# --- visit cycles and the due list -------------------------------------------------------------------


def cycle_days() -> dict[str, int]:
    """Default visit cycle per importance: the administrators' table over the built-in defaults."""
    cycles = {str(k): v for k, v in DEFAULT_CYCLES.items()}
    cycles.update(dict(VisitCycle.objects.values_list("importance", "days")))
    return cycles


@dataclass(frozen=True)
class DueRow:
    customer_id: int
    name: str
    code: str
    importance: str
    cycle: int
    last_at: dt.datetime | None
    last_channel: str
    due_on: dt.date
    days_overdue: int
    planned_on: dt.date | None


_IMPORTANCE_RANK = {"A": 0, "B": 1, "C": 2}


class _PlusDays(Func):
    """A date plus a whole number of days: `date + integer` in PostgreSQL, `date(d, '+n days')` in SQLite."""

    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " + "
    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date(%(expressions)s || ' days')",
                           arg_joiner=", '+' || ", **extra)


def _due_queryset(*, user: User, rep: User, due_by: dt.date) -> QuerySet[Customer]:
    """The rep's active customers due by `due_by`, most urgent first (A before B before C, then the
    earliest due date), with the cycle and the due date computed in the database: the customer's
    own cycle, else the default of its importance, from the local date of the last contact, else of
    the customer's creation."""
    cycles = cycle_days()
    own = NullIf(F("visit_cycle_days"), Value(0))
    default = Case(*[When(importance=k, then=Value(v)) for k, v in sorted(cycles.items())],
                   default=Value(30), output_field=IntegerField())
    cycle = Coalesce(own, default, output_field=IntegerField())
    since = TruncDate(Coalesce("contact_summary__last_at", "created_at"), tzinfo=timezone.get_current_timezone())
    rank = Case(*[When(importance=k, then=Value(v)) for k, v in _IMPORTANCE_RANK.items()],
                default=Value(9), output_field=IntegerField())
    return (Customer.objects.visible_to(user).active().filter(owner=rep)
            .annotate(cycle=cycle, due_on=_PlusDays(since, cycle), rank=rank)
            .filter(due_on__lte=due_by)
            .order_by("rank", "due_on", "pk"))


@dataclass(frozen=True)
class DuePage:
    rows: list[DueRow]
    total: int


def due_page(*, user: User, rep: User, today: dt.date | None = None, horizon_days: int = 0, offset: int = 0,
             limit: int | None = None) -> DuePage:
    """One page of the rep's customers whose visit cycle has passed (or passes within `horizon_days`),
    A before B before C, the longest overdue first, and how many there are in all.

    Filtered, ordered and paged in the database (one query over the rep's ~2,000 customers joined to
    their last-contact summary, never the contacts), plus the visit cycles and the page's planned
    visits: three queries whatever the page.
    """
    today = today or timezone.localdate()
    due_by = today + dt.timedelta(days=horizon_days)
    qs = (_due_queryset(user=user, rep=rep, due_by=due_by)
          .annotate(total=Window(Count("pk")))  # the count of all due rows, before the page is cut
          .values_list("pk", "name", "code", "importance", "cycle", "contact_summary__last_at",
                       "contact_summary__last_channel", "due_on", "total"))
    found = list(qs[offset:offset + limit] if limit is not None else qs[offset:])
    if found:
        total = found[0][-1]
    else:  # nothing due, or a page past the end (then counted on its own)
        total = _due_queryset(user=user, rep=rep, due_by=due_by).count() if offset else 0
    visits = Task.objects.open().filter(owner=rep, kind=TaskKind.VISIT, customer__isnull=False)
    if len(found) <= 500:  # a page: through the partial index of open visits; the whole list: all of them
        visits = visits.filter(customer_id__in=[r[0] for r in found])
    planned = dict(visits.values_list("customer_id").annotate(first=Min("due_on")).order_by())
    rows = [DueRow(pk, name, code, importance, cycle, last_at, last_channel or "", due_on, (today - due_on).days,
                   planned.get(pk))
            for pk, name, code, importance, cycle, last_at, last_channel, due_on, _total in found]
    return DuePage(rows, total)


def due_rows(*, user: User, rep: User, today: dt.date | None = None, horizon_days: int = 0,
             limit: int | None = None) -> list[DueRow]:
    """The rep's due customers, most urgent first (the first `limit`, or all of them)."""
    return due_page(user=user, rep=rep, today=today, horizon_days=horizon_days, limit=limit).rows


@dataclass(frozen=True)
class RoundDay:
    day: dt.date
    rows: list[DueRow]


def round_plan(*, user: User, rep: User, start: dt.date, end: dt.date) -> list[RoundDay]:
    """A routine round (巡回访问): the rep's customers due by `end` and not yet planned, spread evenly
    over the working days in [start, end], the most urgent first."""
    days = workdays.workdays_between(start, end)
    if not days:
        return []
    due = [r for r in due_rows(user=user, rep=rep, today=start, horizon_days=(end - start).days)
           if r.planned_on is None]
    per_day = max(1, math.ceil(len(due) / len(days)))
    plan = [RoundDay(day, due[i * per_day:(i + 1) * per_day]) for i, day in enumerate(days)]
    return [d for d in plan if d.rows]


# --- the contact calendar ----------------------------------------------------------------------------


@dataclass
class GridRow:
    customer: Customer
    cells: list[list[tuple[str, str]]]  # per day: (letter, notes) in time order
    last_at: dt.datetime | None
    due_on: dt.date
    overdue: bool


@dataclass
class Grid:
    rep: User
    days: list[dt.date]
    rows: list[GridRow]
    next_cursor: str | None
    prev_cursor: str | None
    start: dt.date
    span: str


def grid_days(start: dt.date, span: str) -> list[dt.date]:
    if span == "month":
        first = start.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return [first + dt.timedelta(days=n) for n in range((following - first).days)]
    monday = start - dt.timedelta(days=start.weekday())
    return [monday + dt.timedelta(days=n) for n in range(7)]


def contact_grid(*, user: User, rep: User, start: dt.date, span: str = "week", cursor: str | None = None,
                 limit: int = 50, today: dt.date | None = None) -> Grid:
    """Customers down the side (the rep's, by name, paged), days across, each cell that day's letters.

    Three small queries whatever the history: a page of customers from the (owner, name_sort) index,
    their summaries, and their contacts in the window through the (customer, at) index.
    """
    today = today or timezone.localdate()
    days = grid_days(start, span)
    qs = Customer.objects.visible_to(user).active().filter(owner=rep).only(
        "pk", "name", "code", "importance", "visit_cycle_days", "created_at", "name_sort")
    page = keyset_page(qs, field="name_sort", descending=False, cursor=cursor, limit=limit)
    customers = page.items
    ids = [c.pk for c in customers]
    summaries = dict(ContactSummary.objects.filter(customer_id__in=ids).values_list("customer_id", "last_at"))
    tz = timezone.get_current_timezone()
    window_start = timezone.make_aware(dt.datetime.combine(days[0], dt.time.min), tz)
    window_end = timezone.make_aware(dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min), tz)
    column = {d: n for n, d in enumerate(days)}
    cells: dict[int, list[list[tuple[str, str]]]] = {pk: [[] for _ in days] for pk in ids}
    contacts = (Interaction.objects.filter(customer_id__in=ids, at__gte=window_start, at__lt=window_end)
                .order_by("at").values_list("customer_id", "at", "channel", "notes"))
    for customer_id, at, channel, notes in contacts:
        cells[customer_id][column[at.astimezone(tz).date()]].append((channel, notes))
    cycles = cycle_days()
    rows = []
    for c in customers:
        last_at = summaries.get(c.pk)
        due_on = (last_at or c.created_at).astimezone(tz).date() + dt.timedelta(
            days=c.visit_cycle_days or cycles.get(c.importance, 30))
        rows.append(GridRow(c, cells[c.pk], last_at, due_on, due_on < today))
    return Grid(rep, days, rows, page.next_cursor, page.prev_cursor, days[0], span)


# --- boards -------------------------------------------------------------------------------------------


@dataclass
class Board:
    owner: User
    columns: list[tuple[str, str, list[Task]]]  # (key, label, cards)
    today: dt.date


def weekly_board(*, user: User, owner: User, today: dt.date | None = None) -> Board:
    """Today (with anything overdue), tomorrow, and the rest of this week: open tasks and visits,
    plus what was done today so the column shows the day's progress."""
    today = today or timezone.localdate()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    start_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    qs = (Task.objects.visible_to(user).filter(owner=owner)
          .filter(Q(done_at__isnull=True, due_on__lte=max(week_end, today + dt.timedelta(days=1)))
                  | Q(done_at__gte=start_of_day, due_on__lte=week_end))
          .select_related("customer", "appointment").order_by("due_on", "position", "id"))
    today_cards, tomorrow_cards, week_cards = [], [], []
    for task in qs:
        if task.due_on <= today:
            today_cards.append(task)
        elif task.due_on == today + dt.timedelta(days=1):
            tomorrow_cards.append(task)
        else:
            week_cards.append(task)
    for cards in (today_cards, tomorrow_cards, week_cards):
        cards.sort(key=lambda t: (t.done_at is not None, t.position, t.id))
    return Board(owner, [
        (BoardColumn.TODAY.value, str(BoardColumn.TODAY.label), today_cards),
        (BoardColumn.TOMORROW.value, str(BoardColumn.TOMORROW.label), tomorrow_cards),
        (BoardColumn.WEEK.value, str(BoardColumn.WEEK.label), week_cards),
    ], today)


@dataclass
class MonthWeek:
    start: dt.date
    end: dt.date
    tasks: list[Task]


@dataclass
class MonthBoard:
    owner: User
    month: dt.date
    priorities: list[Task]
    spanning: list[Task]
    weeks: list[MonthWeek] = field(default_factory=list)


def monthly_board(*, user: User, owner: User, month: dt.date) -> MonthBoard:
    """The month's priorities (high-priority items), items spanning weeks, and each week's items."""
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    qs = (Task.objects.visible_to(user).filter(owner=owner, due_on__gte=first)
          .filter(Q(start_on__lte=last) | Q(start_on__isnull=True, due_on__lte=last))
          .select_related("customer").order_by("due_on", "priority", "id"))
    tasks = list(qs[:1000])
    board = MonthBoard(owner, first, [t for t in tasks if t.priority == Priority.HIGH], [])
    monday = first - dt.timedelta(days=first.weekday())
    while monday <= last:
        sunday = monday + dt.timedelta(days=6)
        board.weeks.append(MonthWeek(max(monday, first), min(sunday, last), []))
        monday += dt.timedelta(days=7)
    for task in tasks:
        begins = task.start_on or task.due_on
        if (task.due_on - begins).days >= 7 or begins.isocalendar()[:2] != task.due_on.isocalendar()[:2]:
            board.spanning.append(task)
        for week in board.weeks:
            if begins <= week.end and task.due_on >= week.start:
                week.tasks.append(task)
    return board


# --- reminders and the digest ------------------------------------------------------------------------


def digest_for(*, user: User, today: dt.date | None = None) -> ReminderDigest | None:
    """Today's digest, or the latest prepared one when the job has not run yet today."""
    today = today or timezone.localdate()
    return ReminderDigest.objects.filter(user=user, on__lte=today).order_by("-on").first()


def tasks_from_reminders(*, user: User, keys: list[str]) -> dict[str, int]:
    return dict(Task.objects.filter(owner=user, source_key__in=keys).values_list("source_key", "pk"))


# --- visit statistics --------------------------------------------------------------------------------


@dataclass
class StatsRow:
    rep_id: int
    rep: str
    period: dt.date
    by_channel: dict[str, int]
    contacts: int
    visits: int
    target: float
    appointments: int
    outcomes: dict[str, int]

    @property
    def attainment(self) -> float | None:
        return self.visits / self.target if self.target else None

    def rate(self, action: str) -> float | None:
        return self.outcomes.get(action, 0) / self.appointments if self.appointments else None


@dataclass
class Stats:
    rows: list[StatsRow]
    start: dt.date
    end: dt.date
    bucket: str
    totals: StatsRow


def _bucket(day: dt.date, bucket: str) -> dt.date:
    return day.replace(day=1) if bucket == "month" else day - dt.timedelta(days=day.weekday())


def visit_stats(*, user: User, start: dt.date, end: dt.date, bucket: str = "month",
                rep_id: int | None = None) -> Stats:
    """Contacts and visits per rep per week or month, by channel, against each rep's visit target,
    with the appointments planned in each period and how many were confirmed, rescheduled,
    cancelled or missed. Grouped in the database; only the reps the user may see."""
    reps = users_visible_to(user) if user.data_scope != DataScope.OWN else User.objects.filter(pk=user.pk)
    if rep_id is not None:
        reps = reps.filter(pk=rep_id)
    rep_names = dict(_names(reps))
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    contacts = (Interaction.objects.filter(user_id__in=list(rep_names), at__gte=lo, at__lt=hi)
                .values_list("user_id", "at", "channel"))
    targets = dict(VisitTarget.objects.filter(user_id__in=list(rep_names)).values_list("user_id", "visits_per_month"))
    rows: dict[tuple[int, dt.date], StatsRow] = {}

    def row(rep: int, period: dt.date) -> StatsRow:
        key = (rep, period)
        if key not in rows:
            monthly = targets.get(rep, DEFAULT_TARGET)
            rows[key] = StatsRow(rep, rep_names[rep], period, {}, 0, 0,
                                 monthly if bucket == "month" else round(monthly * 12 / 52, 1), 0, {})
        return rows[key]

    # Counted per day in SQL would need a per-database date function; a rep's contacts in a quarter
    # are a few hundred rows, read through the (user, at) index.
    for rep, at, channel in contacts.iterator(chunk_size=5000):
        r = row(rep, _bucket(timezone.localtime(at, tz).date(), bucket))
        r.by_channel[channel] = r.by_channel.get(channel, 0) + 1
        r.contacts += 1
        if channel in VISIT_CHANNELS:
            r.visits += 1
    appointments = Appointment.objects.filter(owner_id__in=list(rep_names), planned_on__gte=start, planned_on__lte=end)
    for rep, planned_on in appointments.values_list("owner_id", "planned_on"):
        row(rep, _bucket(planned_on, bucket)).appointments += 1
    events = (AppointmentEvent.objects.filter(appointment__in=appointments)
              .values_list("appointment__owner_id", "appointment__planned_on", "action")
              .annotate(n=Count("appointment_id", distinct=True)).order_by())
    for rep, planned_on, action, n in events:
        r = row(rep, _bucket(planned_on, bucket))
        r.outcomes[action] = r.outcomes.get(action, 0) + n
    ordered = sorted(rows.values(), key=lambda r: (r.period, r.rep, r.rep_id))
    totals = StatsRow(0, _("All"), start, {}, 0, 0, 0, 0, {})
    for r in ordered:
        totals.contacts += r.contacts
        totals.visits += r.visits
        totals.target += r.target
        totals.appointments += r.appointments
        for k, v in r.by_channel.items():
            totals.by_channel[k] = totals.by_channel.get(k, 0) + v
        for k, v in r.outcomes.items():
            totals.outcomes[k] = totals.outcomes.get(k, 0) + v
    return Stats(ordered, start, end, bucket, totals)


STAT_ACTIONS = [AppointmentAction.CONFIRM, AppointmentAction.RESCHEDULE, AppointmentAction.CANCEL,
                AppointmentAction.NO_SHOW]
CHANNELS = list(ContactChannel)


def stats_table(stats: Stats) -> tuple[list[str], list[list[str]]]:
    """The statistics as a header and text rows (the page's table and the CSV export)."""
    header = [_("Period"), _("Account manager"), *[f"{c.value} {c.label}" for c in CHANNELS], _("Contacts"),
              _("Visits"), _("Visit target"), _("Attainment"), _("Appointments"),
              *[str(a.label) for a in STAT_ACTIONS]]

    def pct(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.0f}%"

    rows = []
    for r in stats.rows:
        rows.append([r.period.isoformat(), r.rep, *[str(r.by_channel.get(c.value, 0)) for c in CHANNELS],
                     str(r.contacts), str(r.visits), f"{r.target:g}", pct(r.attainment), str(r.appointments),
                     *[pct(r.rate(a.value)) for a in STAT_ACTIONS]])
    return header, rows


def importance_labels() -> dict[str, str]:
    return {str(value): str(label) for value, label in Importance.choices}


def appointment_list(*, user: User, owner: User, start: dt.date, end: dt.date) -> QuerySet[Appointment]:
    return (Appointment.objects.filter(task__in=Task.objects.visible_to(user).values("pk"), owner=owner,
                                       planned_on__gte=start, planned_on__lte=end)
            .select_related("customer", "task").order_by("planned_on", "planned_time", "id"))


def visit_targets(*, user: User) -> list[tuple[User, int, bool]]:
    """(rep, monthly visit target, whether it was set) for the reps the user sees."""
    reps = list(users_visible_to(user)[:500])
    targets = dict(VisitTarget.objects.filter(user__in=reps).values_list("user_id", "visits_per_month"))
    return [(rep, targets.get(rep.pk, DEFAULT_TARGET), rep.pk in targets) for rep in reps]
