"""Customer lifecycle stages as a pure function on arrays.

Rules, applied in this order (the first that matches wins), with tunable thresholds:

1. exploration (探索期): first purchase fewer than ``new_days`` (90) days ago, or fewer than
   ``min_purchase_days`` (2) distinct purchase days — too little history to judge.
2. decline (衰退期): P(alive) < ``decline_p_alive`` (0.5), or silent for more than
   ``silence_factor`` (2) times the customer's own mean gap between purchase days.
3. stable (稳定期): customer for at least ``stable_days`` (365) days, P(alive) >= ``stable_p_alive``
   (0.8), and the purchase rate in the last ``window_days`` (180) days within ±``rate_tolerance``
   (25%) of the rate before that window.
4. development (发展期): everyone else — established, active, but still changing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._optim import FloatArray, IntArray

STAGES: tuple[str, ...] = ("exploration", "development", "stable", "decline")
STAGE_NAMES_ZH: dict[str, str] = {
    "exploration": "探索期",
    "development": "发展期",
    "stable": "稳定期",
    "decline": "衰退期",
}


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the stage rules (see the module docstring)."""

    new_days: float = 90.0
    min_purchase_days: int = 2
    decline_p_alive: float = 0.5
    silence_factor: float = 2.0
    stable_days: float = 365.0
    stable_p_alive: float = 0.8
    window_days: float = 180.0
    rate_tolerance: float = 0.25


def purchase_rates(
    age_days: ArrayLike, purchase_days: ArrayLike, recent_purchase_days: ArrayLike, window_days: float = 180.0
) -> tuple[FloatArray, FloatArray]:
    """Purchase days per day inside the last ``window_days`` and before it (NaN if no 'before')."""
    age = np.asarray(age_days, dtype=np.float64)
    total = np.asarray(purchase_days, dtype=np.float64)
    recent = np.asarray(recent_purchase_days, dtype=np.float64)
    before_span = age + 1.0 - window_days
    recent_rate = recent / np.minimum(window_days, age + 1.0)
    before_rate = np.divide(
        total - recent, before_span, out=np.full_like(age, np.nan), where=before_span > 0
    )
    return recent_rate, before_rate


def lifecycle_stage(
    age_days: ArrayLike,
    purchase_days: ArrayLike,
    days_since_last: ArrayLike,
    active_span_days: ArrayLike,
    p_alive: ArrayLike,
    recent_rate: ArrayLike,
    before_rate: ArrayLike,
    rules: LifecycleRules | None = None,
) -> IntArray:
    """Stage index into ``STAGES`` for each customer.

    ``active_span_days`` is the time from first to last purchase day; the mean gap between
    purchase days is that span divided by (purchase_days - 1).
    """
    rules = rules or LifecycleRules()
    age = np.asarray(age_days, dtype=np.float64)
    n_days = np.asarray(purchase_days, dtype=np.float64)
    silent = np.asarray(days_since_last, dtype=np.float64)
    span = np.asarray(active_span_days, dtype=np.float64)
    alive = np.asarray(p_alive, dtype=np.float64)
    recent = np.asarray(recent_rate, dtype=np.float64)
    before = np.asarray(before_rate, dtype=np.float64)

    mean_gap = np.divide(span, n_days - 1.0, out=np.full_like(span, np.inf), where=n_days > 1)
    exploration = (age < rules.new_days) | (n_days < rules.min_purchase_days)
    decline = (alive < rules.decline_p_alive) | (silent > rules.silence_factor * mean_gap)
    with np.errstate(invalid="ignore"):
        steady_rate = np.abs(recent - before) <= rules.rate_tolerance * before
    stable = (age >= rules.stable_days) & (alive >= rules.stable_p_alive) & steady_rate

    stage = np.full(age.shape, STAGES.index("development"), dtype=np.int64)
    stage[stable] = STAGES.index("stable")
    stage[decline] = STAGES.index("decline")
    stage[exploration] = STAGES.index("exploration")
    return stage


def stage_names(stage: IntArray) -> NDArray[np.str_]:
    """Stage identifiers per customer."""
    return np.array(STAGES)[stage]
