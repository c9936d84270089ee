"""Follow-up pages. Each view parses, calls a service or selector, and renders."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.accounts.choices import DataScope
from guanxi.accounts.http import request_user
from guanxi.core.errors import NotPermitted
from guanxi.core.htmx import render_page_or_partial
from guanxi.core.inputs import typed_input
from guanxi.core.pagination import decode_cursor
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.forms import add_service_errors
from guanxi.interactions import exports, fragments, selectors, services, tabs
from guanxi.interactions.choices import ContactChannel
from guanxi.interactions.forms import (
    AppointmentActionForm,
    AppointmentForm,
    InteractionForm,
    PeriodForm,
    TaskForm,
    VisitCycleForm,
    VisitTargetForm,
)

NAV = {"nav_section": "followup"}
DUE_PAGE = 100


def _period(request: HttpRequest) -> dict[str, Any]:
    """The window and rep asked for; anything malformed falls back to the default (this week, me)."""
    form = PeriodForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    cursor = data.get("cursor") or None
    if cursor and decode_cursor(cursor) is None:
        cursor = None
    return {"start": data.get("start"), "end": data.get("end"), "span": data.get("span") or "week",
            "bucket": data.get("bucket") or "month", "rep": data.get("rep"), "cursor": cursor}


# --- my day ------------------------------------------------------------------------------------------


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    due = selectors.due_page(user=user, rep=user, limit=10)
    return render(request, "interactions/today.html", {
        **NAV, "tasks": selectors.tasks_today(user=user), "due": due.rows, "due_count": due.total,
        "digest": selectors.digest_for(user=user), "today": timezone.localdate(),
    })


# --- logging a contact ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def log(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx: the quick-add form (GET) and logging the contact (POST), inline where it was opened."""
    user = request_user(request)
    customer = customer_selectors.customer_get(user=user, customer_id=customer_id)
    compact = request.GET.get("compact") == "1"
    context: dict[str, Any] = {"customer": customer, "compact": compact, "channels": ContactChannel.choices}
    if request.method == "GET":
        context["form"] = InteractionForm(user=user, customer=customer)
        return render(request, "interactions/partials/log_form.html", context)
    form = InteractionForm(request.POST, user=user, customer=customer)
    if form.is_valid():
        try:
            data = typed_input(services.InteractionInput, form.service_data())
            interaction = services.interaction_log(actor=user, customer=customer, data=data)
        except ValidationError as error:
            add_service_errors(form, error)
        except NotPermitted as error:
            form.add_error(None, error.message)
        else:
            if compact:
                response = render(request, "interactions/partials/logged.html",
                                  {"interaction": interaction, "customer": customer})
            else:
                response = render(request, "interactions/tabs/followup.html",
                                  {**tabs.followup_context(request, customer), "logged": interaction})
            response["HX-Trigger"] = json.dumps({"contact-logged": {"customer": customer.pk}})
            return response
    context["form"] = form
    return render(request, "interactions/partials/log_form.html", context, status=422)


@login_required
@require_POST
def interaction_delete(request: HttpRequest, interaction_id: int) -> HttpResponse:
    user = request_user(request)
    interaction = selectors.interaction_get(user=user, interaction_id=interaction_id)
    customer = interaction.customer
    try:
        services.interaction_delete(actor=user, interaction=interaction)
    except NotPermitted as error:
        return HttpResponse(error.message, status=403)
    return render(request, "interactions/tabs/followup.html", tabs.followup_context(request, customer))


@login_required
@require_GET
def timeline(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx: the next (older) page of the customer's timeline."""
    user = request_user(request)
    customer = customer_selectors.customer_get(user=user, customer_id=customer_id,
                                               include_archived=user.may_restore_archived)
    before = None
    try:
        before = dt.datetime.fromisoformat(request.GET.get("before", ""))
    except ValueError:
        before = None
    if before is not None and timezone.is_naive(before):
        before = timezone.make_aware(before)
    return render(request, "interactions/partials/timeline.html",
                  {"customer": customer, **tabs.timeline_page(customer, user, before)})


# --- the contact calendar, the due list, the round plan ---------------------------------------------


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    period = _period(request)
    rep = selectors.rep_for(user=user, rep_id=period["rep"])
    start = period["start"] or timezone.localdate()
    grid = selectors.contact_grid(user=user, rep=rep, start=start, span=period["span"], cursor=period["cursor"])
    step = dt.timedelta(days=7) if grid.span == "week" else dt.timedelta(days=1)
    context = {
        **NAV, "grid": grid, "grid_body": fragments.grid_body(grid), "reps": selectors.rep_choices(user=user),
        "today": timezone.localdate(),
        "prev_start": (grid.days[0] - step).replace(day=1) if grid.span == "month" else grid.days[0] - step,
        "next_start": grid.days[-1] + dt.timedelta(days=1),
    }
    return render_page_or_partial(request, "interactions/calendar.html", "interactions/partials/grid.html", context)


@login_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    period = _period(request)
    rep = selectors.rep_for(user=user, rep_id=period["rep"])
    offset = request.GET.get("offset", "0")
    start = int(offset) if offset.isascii() and offset.isdigit() and len(offset) < 7 else 0
    page = selectors.due_page(user=user, rep=rep, offset=start, limit=DUE_PAGE)
    start = min(start, page.total)
    return render(request, "interactions/due.html", {
        **NAV, "rows": page.rows, "due_body": fragments.due_body(page.rows), "total": page.total, "rep": rep,
        "reps": selectors.rep_choices(user=user), "importance": selectors.importance_labels(),
        "next_offset": start + DUE_PAGE if start + DUE_PAGE < page.total else None,
        "prev_offset": max(start - DUE_PAGE, 0) if start else None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def round_plan(request: HttpRequest) -> HttpResponse:
    """The routine round (巡回访问): preview the spread of due visits, then create the visit tasks."""
    user = request_user(request)
    period = _period(request)
    rep = selectors.rep_for(user=user, rep_id=period["rep"])
    today = timezone.localdate()
    start = max(period["start"] or today, today)
    if period["span"] == "month":
        end = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    else:
        end = start + dt.timedelta(days=6 - start.weekday())
    plan = selectors.round_plan(user=user, rep=rep, start=start, end=end)
    if request.method == "POST":
        if rep.pk != user.pk and user.data_scope == DataScope.OWN:
            raise PermissionDenied
        created = services.round_plan_create(actor=user, rep=rep,
                                             plan=[(row.customer_id, day.day) for day in plan for row in day.rows])
        messages.success(request, _("%(n)d visits planned.") % {"n": len(created)})
        return redirect(f"{request.path}?rep={rep.pk}&span={period['span']}&start={start.isoformat()}")
    return render(request, "interactions/round.html", {
        **NAV, "plan": plan, "rep": rep, "reps": selectors.rep_choices(user=user), "start": start, "end": end,
        "span": period["span"], "count": sum(len(d.rows) for d in plan),
    })


# --- tasks and boards -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def task_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    status = 200
    form = TaskForm(user=user)
    if request.method == "POST":
        form = TaskForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.task_create(actor=user, data=typed_input(services.TaskInput, form.cleaned_data))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Task added."))
                return redirect("interactions:tasks")
        status = 422
    due_filter = request.GET.get("due", "open")
    due_filter = due_filter if due_filter in {"open", "today", "overdue", "done", "all"} else "open"
    tasks = selectors.task_list(user=user, owner=user, due=due_filter)
    return render(request, "interactions/tasks.html",
                  {**NAV, "tasks": tasks, "form": form, "due": due_filter, "today": timezone.localdate()},
                  status=status)


@login_required
@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    """htmx: tick a task done (or undone); answers with the card or the row again."""
    user = request_user(request)
    task = selectors.task_get(user=user, task_id=task_id)
    task = services.task_set_done(actor=user, task=task, done=request.POST.get("done", "1") == "1")
    template = "interactions/partials/card.html" if request.GET.get("view") == "card" else "interactions/partials/task_row.html"
    return render(request, template, {"task": task, "today": timezone.localdate()})


@login_required
@require_POST
def task_move(request: HttpRequest, task_id: int) -> HttpResponse:
    """htmx + SortableJS: a card dropped in a column takes that column's date and its place."""
    user = request_user(request)
    task = selectors.task_get(user=user, task_id=task_id)
    order = [int(v) for v in request.POST.getlist("order") if v.isdigit() and len(v) < 19]
    try:
        services.task_move(actor=user, task=task, column=request.POST.get("column", ""), order=order)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=422)
    board = selectors.weekly_board(user=user, owner=task.owner)
    return render(request, "interactions/partials/board.html", {"board": board})


@login_required
@require_GET
def board_week(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rep = selectors.rep_for(user=user, rep_id=_period(request)["rep"])
    board = selectors.weekly_board(user=user, owner=rep)
    return render(request, "interactions/board_week.html",
                  {**NAV, "board": board, "rep": rep, "reps": selectors.rep_choices(user=user)})


@login_required
@require_GET
def board_month(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    period = _period(request)
    rep = selectors.rep_for(user=user, rep_id=period["rep"])
    month = (period["start"] or timezone.localdate()).replace(day=1)
    board = selectors.monthly_board(user=user, owner=rep, month=month)
    return render(request, "interactions/board_month.html", {
        **NAV, "board": board, "rep": rep, "reps": selectors.rep_choices(user=user),
        "prev_month": (month - dt.timedelta(days=1)).replace(day=1),
        "next_month": (month + dt.timedelta(days=32)).replace(day=1),
    })


# --- appointments -----------------------------------------------------------------------------------------


@login_required
@require_GET
def appointments(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    period = _period(request)
    rep = selectors.rep_for(user=user, rep_id=period["rep"])
    start = period["start"] or timezone.localdate() - dt.timedelta(days=7)
    end = period["end"] or start + dt.timedelta(days=37)
    rows = selectors.appointment_list(user=user, owner=rep, start=start, end=end)
    return render(request, "interactions/appointments.html", {
        **NAV, "appointments": rows[:300], "rep": rep, "reps": selectors.rep_choices(user=user),
        "start": start, "end": end, "action_form": AppointmentActionForm(),
    })


@login_required
@require_POST
def appointment_plan(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx: plan a visit from the customer's Follow-up tab."""
    user = request_user(request)
    customer = customer_selectors.customer_get(user=user, customer_id=customer_id)
    form = AppointmentForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.appointment_plan(actor=user, customer=customer,
                                      data=typed_input(services.TaskInput, form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = AppointmentForm()
            status = 200
    context = tabs.followup_context(request, customer)
    context["plan_form"] = form
    return render(request, "interactions/tabs/followup.html", context, status=status)


@login_required
@require_POST
def appointment_act(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """htmx: confirm, reschedule, cancel or record a no-show; answers with the row again."""
    user = request_user(request)
    appointment = selectors.appointment_get(user=user, appointment_id=appointment_id)
    form = AppointmentActionForm(request.POST)
    error_text = ""
    if form.is_valid():
        try:
            appointment = services.appointment_act(actor=user, appointment=appointment, **form.cleaned_data)
        except ValidationError as error:
            error_text = " ".join(error.messages)
        except NotPermitted as error:
            error_text = error.message
    else:
        error_text = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(request, "interactions/partials/appointment_row.html",
                  {"a": appointment, "error": error_text, "action_form": AppointmentActionForm()},
                  status=422 if error_text else 200)


# --- statistics -------------------------------------------------------------------------------------------


def _stats(request: HttpRequest) -> selectors.Stats:
    user = request_user(request)
    period = _period(request)
    today = timezone.localdate()
    end = period["end"] or today
    start = period["start"] or (end.replace(day=1) - dt.timedelta(days=62)).replace(day=1)
    if start > end:
        start, end = end, start
    start = max(start, end - dt.timedelta(days=731))  # at most two years at once
    rep_id = period["rep"]
    if rep_id is not None:
        rep_id = selectors.rep_for(user=user, rep_id=rep_id).pk
    return selectors.visit_stats(user=user, start=start, end=end, bucket=period["bucket"], rep_id=rep_id)


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    result = _stats(request)
    header, rows = selectors.stats_table(result)
    chart = exports.chart_data(result)
    return render(request, "interactions/stats.html", {
        **NAV, "stats": result, "header": header, "rows": rows, "chart": chart,
        "reps": selectors.rep_choices(user=user), "query": request.GET.urlencode(),
    })


@login_required
@require_GET
def stats_export(request: HttpRequest) -> StreamingHttpResponse:
    header, rows = selectors.stats_table(_stats(request))
    response = StreamingHttpResponse(exports.csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="visit-stats-{timezone.localdate():%Y%m%d}.csv"'
    return response


# --- reminders, settings ---------------------------------------------------------------------------------


@login_required
@require_POST
def reminder_task(request: HttpRequest) -> HttpResponse:
    """htmx: one click turns a reminder into a task; the button becomes a link to the task list."""
    user = request_user(request)
    try:
        on = dt.date.fromisoformat(request.POST.get("on", ""))
    except ValueError:
        return HttpResponse(_("Enter a valid date (YYYY-MM-DD)."), status=422)
    try:
        task = services.reminder_to_task(actor=user, on=on, key=request.POST.get("key", "")[:100])
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=422)
    return render(request, "interactions/partials/reminder_done.html", {"task": task})


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_settings(request: HttpRequest) -> HttpResponse:
    """Administrators set the visit cycle per importance; managers the visit target per rep."""
    user = request_user(request)
    if user.data_scope == DataScope.OWN:
        raise PermissionDenied
    cycle_form = VisitCycleForm()
    target_form = VisitTargetForm(user=user)
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        form: Any = VisitCycleForm(request.POST) if which == "cycle" else VisitTargetForm(request.POST, user=user)
        if form.is_valid():
            try:
                if which == "cycle":
                    services.visit_cycle_set(actor=user, **form.cleaned_data)
                else:
                    services.visit_target_set(actor=user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("interactions:settings")
        status = 422
        if which == "cycle":
            cycle_form = form
        else:
            target_form = form
    return render(request, "interactions/settings.html", {
        **NAV, "cycle_rows": _cycle_rows(), "importance": selectors.importance_labels(),
        "cycle_form": cycle_form, "target_form": target_form, "targets": selectors.visit_targets(user=user),
    }, status=status)


def _cycle_rows() -> list[tuple[str, str, int]]:
    cycles = selectors.cycle_days()
    return [(key, label, cycles[key]) for key, label in selectors.importance_labels().items()]


def home_panel_context(request: HttpRequest) -> dict[str, Any]:
    """The home page panel: my tasks today and my reminder digest."""
    user = request_user(request)
    digest = selectors.digest_for(user=user)
    items = digest.items if digest else []
    done = selectors.tasks_from_reminders(user=user, keys=[i["key"] for i in items])
    return {"tasks": selectors.tasks_today(user=user), "digest": digest,
            "items": [{**i, "task_id": done.get(i["key"])} for i in items], "today": timezone.localdate()}
