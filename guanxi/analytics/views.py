"""Analytics pages: the dashboards (overview, RFM and segments, lifecycle, value, composition, bought
together), their CSV/xlsx exports, and starting a run with its progress bar.

Every figure comes from `dashboards`, scoped to the customers the user may see.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.http import request_user
from guanxi.analytics.dashboards.basket import BasketFigures, basket_figures, basket_tables
from guanxi.analytics.dashboards.composition import (
    COMPOSITION_TITLES,
    CompositionFigures,
    CompositionRow,
    composition_figures,
    composition_tables,
)
from guanxi.analytics.dashboards.exports import export_table
from guanxi.analytics.dashboards.fit import FitFigures, fit_figures, fit_tables
from guanxi.analytics.dashboards.lifecycle import (
    LifecycleFigures,
    StageRow,
    lifecycle_figures,
    lifecycle_tables,
)
from guanxi.analytics.dashboards.overview import OverviewFigures, overview_figures
from guanxi.analytics.dashboards.rfm import RfmFigures, SegmentRow, rfm_figures, rfm_tables
from guanxi.analytics.dashboards.run import run_info
from guanxi.analytics.dashboards.scope import current_run, latest_run, may_start_run
from guanxi.analytics.dashboards.value import ValueFigures, value_figures, value_tables
from guanxi.analytics.models import AnalyticsRun
from guanxi.core.spreadsheet import csv_lines, xlsx_workbook


def _page(request: HttpRequest, template: str, section: str, *, needs_run: bool = True, **context: Any
          ) -> HttpResponse:
    user = request_user(request)
    run = current_run()
    latest = latest_run()
    return render(request, template, {
        "nav_section": "analytics", "section": section, "run": run_info(run, user=user),
        "active_run": latest if latest is not None and latest.is_active else None,
        "may_start_run": may_start_run(user), "needs_run": needs_run, **context,
    })


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    figures = overview_figures(request_user(request))
    model_fit = fit_figures(request_user(request))
    charts = _charts_overview(figures) if figures.customers else {}
    return _page(request, "analytics/dashboard.html", "overview", figures=figures, fit=model_fit,
                 fit_tables=fit_tables(model_fit) if model_fit else {},
                 charts={**charts, **_charts_fit(model_fit)})


@login_required
@require_GET
def rfm(request: HttpRequest) -> HttpResponse:
    figures = rfm_figures(request_user(request))
    return _page(request, "analytics/dashboard_rfm.html", "rfm", figures=figures,
                 tables=rfm_tables(figures), charts=_charts_rfm(figures) if figures.customers else {})


@login_required
@require_GET
def lifecycle(request: HttpRequest) -> HttpResponse:
    figures = lifecycle_figures(request_user(request))
    return _page(request, "analytics/dashboard_lifecycle.html", "lifecycle", figures=figures,
                 tables=lifecycle_tables(figures),
                 charts=_charts_lifecycle(figures) if figures.customers else {})


@login_required
@require_GET
def value(request: HttpRequest) -> HttpResponse:
    figures = value_figures(request_user(request))
    return _page(request, "analytics/dashboard_value.html", "value", figures=figures,
                 tables=value_tables(figures), charts=_charts_value(figures) if figures.customers else {})


@login_required
@require_GET
def composition(request: HttpRequest) -> HttpResponse:
    figures = composition_figures(request_user(request))
    return _page(request, "analytics/dashboard_composition.html", "composition", needs_run=False, figures=figures,
                 tables=composition_tables(figures),
                 charts=_charts_composition(figures) if figures.customers else {})


@login_required
@require_GET
def basket(request: HttpRequest) -> HttpResponse:
    figures = basket_figures(request_user(request))
    return _page(request, "analytics/dashboard_basket.html", "basket", needs_run=figures.scope == "all",
                 figures=figures,
                 tables=basket_tables(figures), charts=_charts_basket(figures) if figures.pairs else {})


@login_required
@require_GET
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponseBase:
    """One dashboard table as CSV (UTF-8 with BOM, formula-safe) or xlsx (text cells only)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    found = export_table(request_user(request), table)
    if found is None:
        raise Http404
    filename = f"analytics-{found.name}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(found.header, found.text_rows()),
                                                       content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(xlsx_workbook(found.title, found.header, found.text_rows()), as_attachment=True,
                        filename=filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    """Managers and administrators start a run; the page then shows its progress bar."""
    from guanxi.analytics.choices import RunTrigger
    from guanxi.analytics.services import run_enqueue

    user = request_user(request)
    if not may_start_run(user):
        raise PermissionDenied
    run = run_enqueue(actor=user, trigger=RunTrigger.UI)
    if getattr(request, "htmx", False):
        return render(request, "analytics/dashboards/run_progress.html", {"active_run": run})
    return redirect("analytics:dashboard")


@login_required
@require_GET
def run_status(request: HttpRequest, run_id: int) -> HttpResponse:
    """htmx polling: the run's progress bar; when it has finished, the page reloads to show the new figures."""
    run = get_object_or_404(AnalyticsRun, pk=run_id)
    response = render(request, "analytics/dashboards/run_progress.html", {"active_run": run})
    if not run.is_active:
        response["HX-Refresh"] = "true"
    return response


# --- chart options (ECharts), built here and passed to the page as JSON ---------------------------------
# The page's initialiser (dashboards/charts.html) reads "format" (money or pct) to format tooltips and
# axis labels, since JSON cannot carry JavaScript formatter functions.

Chart = dict[str, Any]


def _bar(categories: list[str], series: list[Chart], *, horizontal: bool = False, fmt: str = "",
         label_width: int = 130, rotate: int = 0) -> Chart:
    category_axis = {"type": "category", "data": categories,
                     "axisLabel": {"interval": 0, "width": label_width, "overflow": "truncate", "rotate": rotate}}
    value_axis = {"type": "value"}
    return {
        "format": fmt, "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0} if len(series) > 1 else {"show": False},
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 40 if len(series) > 1 else 8, "containLabel": True},
        "xAxis": value_axis if horizontal else category_axis, "yAxis": category_axis if horizontal else value_axis,
        "series": series,
    }


def _segments_chart(segments: list[SegmentRow]) -> Chart:
    rows = list(reversed(segments))
    return _bar([s.label for s in rows], [{"name": _("Customers"), "type": "bar",
                                          "data": [s.customers for s in rows]}], horizontal=True)


def _funnel(stages: list[StageRow]) -> Chart:
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
        "series": [{"name": _("Lifecycle stage"), "type": "funnel", "sort": "none", "left": "10%", "width": "80%",
                    "minSize": "20%", "label": {"position": "inside", "formatter": "{b}\n{c}"},
                    "data": [{"name": s.label, "value": s.customers} for s in stages]}],
    }


def _charts_overview(figures: OverviewFigures) -> dict[str, Chart]:
    return {"segments": _segments_chart(figures.segments), "stages": _funnel(figures.stages)}


def _charts_fit(figures: FitFigures | None) -> dict[str, Chart]:
    """The tracking plot (a line each for actual and expected, a mark at the calibration end) and the
    calibration vs hold-out bars."""
    out: dict[str, Chart] = {}
    if figures is None:
        return out
    if figures.tracking:
        end = figures.calibration_end.isoformat() if figures.calibration_end else None
        marker = {"markLine": {"symbol": "none", "lineStyle": {"type": "dashed"}, "label": {"formatter": _("Calibration end")},
                               "data": [{"xAxis": end}]}} if end else {}
        out["fit-tracking"] = {
            "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 24, "top": 24, "bottom": 40, "containLabel": True},
            "xAxis": {"type": "time"}, "yAxis": {"type": "value"},
            "series": [
                {"name": _("Actual"), "type": "line", "showSymbol": False,
                 "data": [[d.isoformat(), a] for d, a, _e in figures.tracking], **marker},
                {"name": _("Expected by the model"), "type": "line", "showSymbol": False, "lineStyle": {"type": "dashed"},
                 "data": [[d.isoformat(), e] for d, _a, e in figures.tracking]},
            ],
        }
    if figures.holdout:
        labels = [f"{f}+" if f == 7 else str(f) for f, *_rest in figures.holdout]
        out["fit-holdout"] = _bar(labels, [
            {"name": _("Predicted"), "type": "bar", "data": [round(p, 3) for _f, _n, p, _a in figures.holdout]},
            {"name": _("Actual"), "type": "bar", "data": [round(a, 3) for _f, _n, _p, a in figures.holdout]},
        ])
    return out


def _charts_rfm(figures: RfmFigures) -> dict[str, Chart]:
    scores = ["1", "2", "3", "4", "5"]
    heat = [[c.f_score - 1, c.r_score - 1, c.customers] for c in figures.cells]
    top = max((c.customers for c in figures.cells), default=0)
    segments = figures.segments
    out: dict[str, Chart] = {
        "heatmap": {
            "tooltip": {"position": "top", "formatter": "R {@[1]} · F {@[0]}: {@[2]}"},
            "grid": {"left": 32, "right": 8, "top": 8, "bottom": 56, "containLabel": True},
            "xAxis": {"type": "category", "data": scores, "name": _("F score"), "nameLocation": "middle",
                      "nameGap": 24, "splitArea": {"show": True}},
            "yAxis": {"type": "category", "data": scores, "name": _("R score"), "nameLocation": "middle",
                      "nameGap": 24, "splitArea": {"show": True}},
            "visualMap": {"min": 0, "max": max(top, 1), "calculable": False, "orient": "horizontal",
                          "left": "center", "bottom": 0, "itemHeight": 120, "inRange": {"color": ["#f1f5f9", "#066fd1"]}},
            "series": [{"name": _("Customers"), "type": "heatmap", "data": heat, "label": {"show": True}}],
        },
        "segments": _bar([s.label for s in reversed(segments)], [
            {"name": _("Net spend"), "type": "bar", "data": [round(s.monetary, 2) for s in reversed(segments)]},
        ], horizontal=True, fmt="money"),
        "segment-sizes": _segments_chart(segments),
    }
    if figures.clusters:
        out["clusters"] = _bar([c.description for c in reversed(figures.clusters)], [
            {"name": _("Customers"), "type": "bar", "data": [c.customers for c in reversed(figures.clusters)]},
        ], horizontal=True, label_width=200)
    return out


def _charts_lifecycle(figures: LifecycleFigures) -> dict[str, Chart]:
    from django.utils.formats import date_format

    weeks = [date_format(w.week, "MONTH_DAY_FORMAT") for w in figures.weeks]
    return {
        "funnel": _funnel(figures.stages),
        "movements": _bar(weeks, [
            {"name": s.label, "type": "bar", "stack": "moves", "data": [getattr(w, s.key) for w in figures.weeks]}
            for s in figures.stages
        ]),
    }


def _charts_value(figures: ValueFigures) -> dict[str, Chart]:
    p = figures.pareto
    out: dict[str, Chart] = {
        "clv": _bar([b.label for b in figures.buckets], [
            {"name": _("Customers"), "type": "bar", "data": [b.customers for b in figures.buckets]}], rotate=30),
    }
    if p.lorenz:
        out["lorenz"] = {
            "format": "pct", "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 16, "top": 16, "bottom": 40, "containLabel": True},
            "xAxis": {"type": "value", "min": 0, "max": 1, "name": _("Share of customers"), "nameLocation": "middle",
                      "nameGap": 24},
            "yAxis": {"type": "value", "min": 0, "max": 1},
            "series": [
                {"name": _("Lorenz curve"), "type": "line", "showSymbol": False, "areaStyle": {"opacity": 0.15},
                 "data": [[pt.population, pt.value] for pt in p.lorenz]},
                {"name": _("Equal spend"), "type": "line", "showSymbol": False, "lineStyle": {"type": "dashed"},
                 "data": [[0, 0], [1, 1]]},
            ],
        }
    return out


def _pie(rows: list[CompositionRow]) -> Chart:
    return {
        "format": "money", "tooltip": {"trigger": "item"}, "legend": {"bottom": 0, "type": "scroll"},
        "series": [{"type": "pie", "radius": ["32%", "56%"], "center": ["50%", "44%"], "minShowLabelAngle": 8,
                    "label": {"formatter": "{b}\n{d}%", "width": 90, "overflow": "truncate"},
                    "data": [{"name": r.label, "value": round(r.amount, 2)} for r in rows if r.amount > 0]}],
    }


def _charts_composition(figures: CompositionFigures) -> dict[str, Chart]:
    return {name: _pie(getattr(figures, name)) for name in COMPOSITION_TITLES}


def _charts_basket(figures: BasketFigures) -> dict[str, Chart]:
    top = list(reversed(figures.pairs[:10]))
    return {"pairs": _bar([f"{p.product} + {p.other}" for p in top], [
        {"name": _("Lift"), "type": "bar", "data": [round(p.lift, 3) for p in top]}], horizontal=True, label_width=200)}
