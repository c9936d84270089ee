"""The run a dashboard shows: when it ran, on what, with which fitted parameters."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guanxi.analytics.choices import RunState
from guanxi.analytics.models import AnalyticsRun

if TYPE_CHECKING:
    from guanxi.accounts.models import User


@dataclass(frozen=True)
class RunInfo:
    """The current (or latest) run as a dashboard shows it."""

    id: int
    state: str
    state_label: str
    trigger_label: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: int
    progress_note: str
    until: dt.date | None
    unit: str
    is_current: bool
    customers_fitted: int | None  # all customers of the fit: administrators only
    bgnbd: dict[str, float] | None
    gamma_gamma: dict[str, float] | None
    gg_excluded: int | None
    error: str
    model_label: str = "BG/NBD"


def numbers(value: Any) -> dict[str, float] | None:
    if not isinstance(value, dict):
        return None
    out: dict[str, float] = {}
    for key, number in value.items():
        if isinstance(number, int | float) and not isinstance(number, bool) and math.isfinite(float(number)):
            out[str(key)] = float(number)
    return out


def run_info(run: AnalyticsRun | None, *, user: User) -> RunInfo | None:
    if run is None:
        return None
    fitted = run.fitted if isinstance(run.fitted, dict) else {}
    customers = fitted.get("customers")
    excluded = fitted.get("gg_excluded")
    return RunInfo(
        id=run.pk, state=run.state, state_label=str(run.get_state_display()),
        trigger_label=str(run.get_trigger_display()),
        created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at,
        progress=run.progress, progress_note=run.progress_note, until=run.until, unit=run.unit,
        is_current=run.is_current,
        customers_fitted=int(customers) if user.is_administrator and isinstance(customers, int | float) else None,
        bgnbd=numbers(fitted.get("bgnbd") or fitted.get("paretonbd")), gamma_gamma=numbers(fitted.get("gamma_gamma")),
        model_label="Pareto/NBD" if fitted.get("model") == "paretonbd" else "BG/NBD",
        gg_excluded=int(excluded) if user.is_administrator and isinstance(excluded, int | float) else None,
        error=run.error if run.state == RunState.FAILED and user.is_administrator else "",
    )
