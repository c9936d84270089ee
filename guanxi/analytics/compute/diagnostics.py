"""Diagnostics of a fitted purchase model (pure, no Django): the run record's model summary, expected vs
actual repeat purchases by frequency, calibration vs hold-out, and the tracking plot over time."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Protocol

import numpy as np

from guanxi.analytics.compute._optim import FloatArray, IntArray
from guanxi.analytics.compute.pipeline import CustomerScores

_EPOCH = dt.date(1970, 1, 1)  # day numbers count from here, as the extracts' arrays do


def _day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


def _from_day_number(number: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=number)


class HoldoutData(Protocol):
    """What each calibrated customer did in the hold-out period (the extract's `Holdout`)."""

    @property
    def days(self) -> int: ...
    @property
    def purchase_days(self) -> IntArray: ...


class TrackingData(Protocol):
    """First-purchase cohorts and repeat purchase days (the extract's `Tracking`)."""

    @property
    def cohort_day(self) -> IntArray: ...
    @property
    def cohort_size(self) -> IntArray: ...
    @property
    def repeat_days(self) -> IntArray: ...
    @property
    def end(self) -> dt.date: ...


def fitted_summary(scores: CustomerScores | None) -> dict[str, Any]:
    """The run record's model summary (the same shape as `fit-file --json`, plus the exclusions)."""
    if scores is None:
        return {"customers": 0, "bgnbd": None, "gamma_gamma": None, "gg_excluded": 0}
    model, spend = scores.transaction_fit, scores.spend_fit
    qualifying = int(((scores.summary.frequency > 0) & (scores.summary.monetary > 0)).sum())
    name = "paretonbd" if set(model.params) == {"r", "alpha", "s", "beta"} else "bgnbd"
    return {
        "customers": scores.summary.n_customers,
        "model": name,
        name: {**json_floats(model.params), "ll": json_float(model.log_likelihood), "converged": model.converged},
        "gamma_gamma": None if spend is None else {**json_floats(spend.params), "ll": json_float(spend.log_likelihood),
                                                   "converged": spend.converged},
        "gg_excluded": spend.n_excluded if spend is not None else scores.summary.n_customers - qualifying,
    }


def json_float(value: float) -> float | None:
    """JSON has no NaN or infinity: those become null."""
    return float(value) if math.isfinite(value) else None


def json_floats(params: dict[str, float]) -> dict[str, float | None]:
    return {k: json_float(v) for k, v in params.items()}


def fit_diagnostics(scores: CustomerScores) -> dict[str, Any]:
    """Expected vs actual repeat purchases by number of repeat purchases (0 … 7+): what the model
    expects each group to have bought over its own observation time vs what it did. Also totals."""
    s = scores.summary
    model = scores.transaction_fit
    # E[X(T)] for a new customer observed for T: the unconditional expectation is what the data are
    # compared with in the BG/NBD paper (figure of repeat transactions by frequency).
    expected_total = unconditional_expected(model, s.T)
    bucket = np.minimum(s.frequency, 7)
    counts = np.bincount(bucket, minlength=8)
    actual = np.bincount(bucket, weights=s.frequency.astype(np.float64), minlength=8)
    return {
        "repeat_purchases": {
            "actual_total": float(s.frequency.sum()),
            "expected_total": json_float(float(np.nansum(expected_total))),
            "customers_by_frequency": [int(c) for c in counts],
            "actual_by_frequency": [round(float(v), 3) for v in actual],
        },
    }


def unconditional_expected(model: Any, age: FloatArray) -> FloatArray:
    """E[X(t)] for a customer who has just made a first purchase: the model's conditional expectation
    at x = t_x = T = 0, which equals the unconditional one (Fader, Hardie and Lee 2005, eq. 9) and is
    evaluated by the model's own stable code. (The closed form cancels catastrophically when b is
    large: with a = 0 and b = 2·10⁹ it gave 69 times the right value.)"""
    ages = np.asarray(age, dtype=np.float64).reshape(-1)
    if ages.size == 0:
        return ages
    with np.errstate(all="ignore"):
        try:
            values = model.expected_purchases_grid(ages, np.zeros(1), np.zeros(1), np.zeros(1))[0]
        except (ValueError, FloatingPointError, ArithmeticError):
            return np.full(ages.shape, np.nan)
    return np.where(ages > 0, np.asarray(values, dtype=np.float64), 0.0)


def holdout_diagnostics(scores: CustomerScores, holdout: HoldoutData) -> dict[str, Any]:
    """Calibration vs hold-out: per number of calibration repeat purchases (0 … 7+), the mean
    purchases the model predicts over the hold-out period and the mean that happened."""
    s = scores.summary
    horizon = np.asarray([holdout.days / s.days_per_unit])
    predicted = scores.transaction_fit.expected_purchases_grid(horizon, s.frequency, s.recency, s.T)[:, 0]
    bucket = np.minimum(s.frequency, 7)
    counts = np.bincount(bucket, minlength=8).astype(np.float64)
    safe = np.where(counts > 0, counts, 1.0)
    mean_predicted = np.bincount(bucket, weights=predicted, minlength=8) / safe
    mean_actual = np.bincount(bucket, weights=holdout.purchase_days.astype(np.float64), minlength=8) / safe
    return {
        "days": holdout.days,
        "frequency": list(range(8)),
        "customers": [int(c) for c in counts],
        "predicted": [round(float(v), 4) for v in mean_predicted],
        "actual": [round(float(v), 4) for v in mean_actual],
        "predicted_total": round(float(predicted.sum()), 2),
        "actual_total": int(holdout.purchase_days.sum()),
    }


def tracking_diagnostics(scores: CustomerScores, tracking: TrackingData, until: dt.date) -> dict[str, Any] | None:
    """Expected vs actual repeat purchases over time (the BG/NBD paper's tracking plot): at each
    week, the cumulative repeat purchase days that happened, and what the model expects of the same
    customers, summed over cohorts of first-purchase days (E[X(t)] of each cohort's age). Beyond the
    calibration end the curves are a forecast check."""
    if tracking.cohort_day.size == 0:
        return None
    start, end = int(tracking.cohort_day.min()), _day_number(tracking.end)
    points = np.unique(np.minimum(np.arange(start + 7, end + 7, 7, dtype=np.int64), end))
    actual = np.searchsorted(np.sort(tracking.repeat_days), points, side="right")
    ages = np.clip(points[:, None] - tracking.cohort_day[None, :], 0, None).astype(np.float64)
    per_customer = unconditional_expected(scores.transaction_fit, ages.ravel() / scores.summary.days_per_unit)
    if not np.isfinite(per_customer).any():
        return None
    expected = np.nansum(per_customer.reshape(ages.shape) * tracking.cohort_size[None, :], axis=1)
    return {
        "dates": [_from_day_number(int(p)).isoformat() for p in points],
        "actual": [int(a) for a in actual],
        "expected": [round(float(e), 2) for e in expected],
        "calibration_end": until.isoformat(),
    }
