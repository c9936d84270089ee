"""One call from a customer summary to every per-customer score.

Shared by the ``fit-file`` analyst command and by database-backed runs, so both produce the
same numbers from the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ._optim import FloatArray, IntArray
from .bgnbd import BgNbdFit, fit_bgnbd
from .clv import customer_lifetime_value, value_at_risk
from .gammagamma import GammaGammaFit, InsufficientDataError, expected_average_spend, fit_gamma_gamma
from .lifecycle import LifecycleRules, lifecycle_stage, purchase_rates
from .paretonbd import ParetoNbdFit, fit_pareto_nbd
from .rfm import RfmScores, rfm_scores
from .summary import CustomerSummary

TransactionModelName = Literal["bgnbd", "paretonbd"]


@dataclass(frozen=True)
class ScoringOptions:
    """Knobs of the scoring pipeline; defaults match lifetimes' CLV defaults (12 months, 1%/month)."""

    model: TransactionModelName = "bgnbd"
    clv_months: int = 12
    monthly_discount_rate: float = 0.01
    horizons_days: tuple[int, ...] = (30, 90, 365)
    lifecycle: LifecycleRules = field(default_factory=LifecycleRules)
    pareto_max_customers: int = 50_000
    seed: int = 0


@dataclass(frozen=True)
class CustomerScores:
    """Every per-customer output, aligned with ``summary.customer``."""

    summary: CustomerSummary
    transaction_fit: BgNbdFit | ParetoNbdFit
    spend_fit: GammaGammaFit | None
    p_alive: FloatArray
    expected_purchases: dict[int, FloatArray]
    expected_spend: FloatArray
    clv: FloatArray
    value_at_risk: FloatArray
    rfm: RfmScores
    stage: IntArray


def fit_transaction_model(summary: CustomerSummary, options: ScoringOptions) -> BgNbdFit | ParetoNbdFit:
    """Fit the chosen purchase-count model on (x, t_x, T)."""
    if options.model == "paretonbd":
        return fit_pareto_nbd(
            summary.frequency, summary.recency, summary.T,
            max_customers=options.pareto_max_customers, seed=options.seed,
        )
    return fit_bgnbd(summary.frequency, summary.recency, summary.T)


def score_customers(summary: CustomerSummary, options: ScoringOptions | None = None) -> CustomerScores:
    """Fit the models and compute P(alive), expected purchases, spend, CLV, RFM and lifecycle stage.

    When no customer qualifies for the Gamma-Gamma model (nobody has repeat spend), ``spend_fit``
    is None and spend-based outputs are NaN rather than invented.
    """
    options = options or ScoringOptions()
    x, t_x, age = summary.frequency, summary.recency, summary.T
    model = fit_transaction_model(summary, options)
    p_alive = model.probability_alive(x, t_x, age)
    horizons = np.asarray(options.horizons_days, dtype=np.float64) / summary.days_per_unit
    grid = model.expected_purchases_grid(horizons, x, t_x, age)
    expected = {days: grid[:, i] for i, days in enumerate(options.horizons_days)}

    spend_fit: GammaGammaFit | None
    try:
        spend_fit = fit_gamma_gamma(x, summary.monetary)
    except InsufficientDataError:
        spend_fit = None
    if spend_fit is not None:
        spend = expected_average_spend(spend_fit, x, summary.monetary)
        clv = customer_lifetime_value(
            model, x, t_x, age, spend,
            months=options.clv_months, monthly_discount_rate=options.monthly_discount_rate, unit=summary.unit,
        )
    else:
        spend = np.full(summary.n_customers, np.nan)
        clv = np.full(summary.n_customers, np.nan)

    rfm = rfm_scores(summary.days_since_last, summary.purchase_days, summary.total_spend)
    recent_rate, before_rate = purchase_rates(
        summary.age_days, summary.purchase_days, summary.recent_purchase_days, summary.recent_window_days
    )
    stage = lifecycle_stage(
        summary.age_days,
        summary.purchase_days,
        summary.days_since_last,
        summary.recency * summary.days_per_unit,
        p_alive,
        recent_rate,
        before_rate,
        options.lifecycle,
    )
    return CustomerScores(
        summary=summary,
        transaction_fit=model,
        spend_fit=spend_fit,
        p_alive=p_alive,
        expected_purchases=expected,
        expected_spend=spend,
        clv=clv,
        value_at_risk=value_at_risk(clv, p_alive),
        rfm=rfm,
        stage=stage,
    )
