"""The model-fit dashboard (administrators): calibration tracking and hold-out of the purchase model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from guanxi.analytics.choices import RunState
from guanxi.analytics.dashboards.tables import Column, Table
from guanxi.analytics.models import AnalyticsRun

if TYPE_CHECKING:
    from guanxi.accounts.models import User


@dataclass(frozen=True)
class FitFigures:
    """How well the purchase model fits, from the newest finished run that was calibrated on orders
    (`guanxi analytics run --until … --holdout-days …`): fitted over every customer, so shown to
    administrators only."""

    run_id: int
    calibration_end: dt.date | None
    holdout_days: int
    tracking: list[tuple[dt.date, int, float]]  # week, actual and expected cumulative repeat purchase days
    holdout: list[tuple[int, int, float, float]]  # calibration repeat purchases, customers, predicted, actual


FIT_RUNS_SCANNED = 30


def fit_figures(user: User) -> FitFigures | None:
    if not user.is_administrator:
        return None
    runs = AnalyticsRun.objects.filter(state=RunState.DONE).order_by("-finished_at", "-id")[:FIT_RUNS_SCANNED]
    for run in runs.only("id", "diagnostics", "holdout_days"):
        diagnostics = run.diagnostics if isinstance(run.diagnostics, dict) else {}
        tracking, holdout = diagnostics.get("tracking"), diagnostics.get("holdout")
        if not isinstance(tracking, dict) and not isinstance(holdout, dict):
            continue
        return FitFigures(
            run_id=run.pk, holdout_days=int(run.holdout_days or 0),
            calibration_end=_date(tracking.get("calibration_end")) if isinstance(tracking, dict) else None,
            tracking=_tracking_rows(tracking) if isinstance(tracking, dict) else [],
            holdout=_holdout_rows(holdout) if isinstance(holdout, dict) else [],
        )
    return None


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _tracking_rows(tracking: dict[str, Any]) -> list[tuple[dt.date, int, float]]:
    rows = []
    for day, actual, expected in zip(tracking.get("dates", []), tracking.get("actual", []),
                                     tracking.get("expected", []), strict=False):
        when = _date(day)
        if when is not None:
            rows.append((when, int(actual), float(expected)))
    return rows


def _holdout_rows(holdout: dict[str, Any]) -> list[tuple[int, int, float, float]]:
    return [(int(f), int(n), float(p), float(a)) for f, n, p, a in zip(
        holdout.get("frequency", []), holdout.get("customers", []), holdout.get("predicted", []),
        holdout.get("actual", []), strict=False)]


def fit_tables(figures: FitFigures | None) -> dict[str, Table]:
    tracking, holdout = (figures.tracking, figures.holdout) if figures else ([], [])
    return {
        "fit_tracking": Table("fit_tracking", _("Repeat purchases over time: actual and expected"), [
            Column(_("Week ending")), Column(_("Actual (cumulative)"), "int"),
            Column(_("Expected by the model"), "float")], [list(row) for row in tracking]),
        "fit_holdout": Table("fit_holdout", _("Calibration vs hold-out"), [
            Column(_("Repeat purchases in calibration")), Column(_("Customers"), "int"),
            Column(_("Predicted purchases in hold-out (mean)"), "float"),
            Column(_("Actual purchases in hold-out (mean)"), "float")],
            [[f"{f}+" if f == 7 else str(f), n, p, a] for f, n, p, a in holdout]),
    }
