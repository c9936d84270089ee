"""Customer lifetime value and value at risk.

``customer_lifetime_value`` follows lifetimes' ``GammaGammaFitter.customer_lifetime_value``
exactly so results can be compared: for each month k = 1..months it takes the expected number of
purchases between month k-1 and k (a month is 30 days, or 4.345 weeks), multiplies by the
Gamma-Gamma expected average spend and discounts by (1 + monthly rate)^k.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from ._optim import FloatArray
from .summary import Unit


class TransactionModel(Protocol):
    """A fitted purchase-count model (BG/NBD or Pareto/NBD)."""

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray: ...

    def expected_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray: ...

#: Model time units per month, as in lifetimes (freq "D" -> 30, "W" -> 4.345).
UNITS_PER_MONTH: dict[str, float] = {"day": 30.0, "week": 4.345}


def customer_lifetime_value(
    model: TransactionModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    expected_spend: ArrayLike,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    unit: Unit = "day",
) -> FloatArray:
    """Discounted expected spend over ``months`` months (lifetimes' definition)."""
    if months < 1:
        raise ValueError("months must be at least 1")
    factor = UNITS_PER_MONTH[unit]
    grid = np.arange(0, months + 1, dtype=np.float64) * factor
    cumulative = model.expected_purchases_grid(grid, frequency, recency, T)
    per_month = np.diff(cumulative, axis=1)
    discount = (1.0 + monthly_discount_rate) ** -np.arange(1, months + 1, dtype=np.float64)
    return np.asarray(expected_spend, dtype=np.float64) * (per_month @ discount)


def value_at_risk(clv: ArrayLike, p_alive: ArrayLike) -> FloatArray:
    """CLV x (1 - P(alive)): the share of a customer's value that the model thinks may be gone.

    CLV already discounts by P(alive), so this is a ranking aid for retention work (large value,
    doubtful activity), not an amount of money that will be lost.
    """
    return np.asarray(clv, dtype=np.float64) * (1.0 - np.asarray(p_alive, dtype=np.float64))
