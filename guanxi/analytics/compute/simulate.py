"""Seeded simulators for the BG/NBD and Gamma-Gamma models (tests and benchmarks).

Drawn exactly from the model assumptions, fully vectorised: given lambda, the number of repeat
purchases in (0, T] is Poisson(lambda T); the customer drops out right after repeat purchase J,
J ~ Geometric(p). If fewer than J purchases fall in (0, T] the customer is alive at T, x = N(T)
and t_x is the largest of x uniforms on (0, T); otherwise x = J and t_x is the J-th of N(T)
uniforms, a Beta(J, N - J + 1) fraction of T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._optim import FloatArray, IntArray


@dataclass(frozen=True)
class SimulatedCustomers:
    """(x, t_x, T) per customer and, for x > 0, the mean repeat spend (0 otherwise)."""

    frequency: IntArray
    recency: FloatArray
    T: FloatArray
    monetary: FloatArray


def simulate_bgnbd(
    T: ArrayLike, r: float, alpha: float, a: float, b: float, rng: np.random.Generator
) -> tuple[IntArray, FloatArray]:
    """Draw (x, t_x) for customers observed for T time units each."""
    age = np.asarray(T, dtype=np.float64)
    lam = rng.gamma(r, 1.0 / alpha, size=age.size)
    p = rng.beta(a, b, size=age.size)
    n = rng.poisson(lam * age)
    j = rng.geometric(np.clip(p, 1e-300, 1.0))
    alive = n < j
    x = np.where(alive, n, j).astype(np.int64)
    frac = np.zeros(age.size)
    alive_buy = alive & (n > 0)
    frac[alive_buy] = rng.beta(n[alive_buy], 1.0)
    dead = ~alive
    frac[dead] = rng.beta(j[dead], n[dead] - j[dead] + 1.0)
    return x, frac * age


def simulate_mean_spend(
    frequency: ArrayLike, p: float, q: float, v: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Per-customer nu ~ Gamma(q, rate v) and the mean of x Gamma(p, rate nu) spends.

    The mean of x such draws is Gamma(p x, rate nu x); customers with x == 0 get 0.
    """
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(q, 1.0 / v, size=x.size)
    mean = np.zeros(x.size)
    buy = x > 0
    mean[buy] = rng.gamma(p * x[buy], 1.0 / (nu[buy] * x[buy]))
    return mean, nu


def simulate_customers(
    n: int,
    *,
    bgnbd: tuple[float, float, float, float],
    gamma_gamma: tuple[float, float, float],
    t_range: tuple[float, float],
    seed: int,
) -> SimulatedCustomers:
    """Summary-level data for ``n`` customers with T uniform on ``t_range``."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(t_range[0], t_range[1], size=n)
    x, t_x = simulate_bgnbd(age, *bgnbd, rng)
    spend, _ = simulate_mean_spend(x, *gamma_gamma, rng)
    return SimulatedCustomers(x, t_x, age, spend)


@dataclass(frozen=True)
class SimulatedTransactions:
    """Transaction rows: integer customer id, day number (days since 1970-01-01), amount."""

    customer: IntArray
    day: IntArray
    amount: FloatArray
    until_day: int


def simulate_transactions(
    n_customers: int,
    *,
    bgnbd_per_day: tuple[float, float, float, float],
    gamma_gamma: tuple[float, float, float],
    start_day: int,
    until_day: int,
    seed: int,
) -> SimulatedTransactions:
    """Raw transactions: first purchase uniform in [start, until], repeat purchases from the models.

    Repeat times other than the last are uniform on (0, t_x) (order statistics of a Poisson
    process), so the rows are an exact draw given (x, t_x); days are floored, so a few same-day
    purchases merge later, as in real data.
    """
    rng = np.random.default_rng(seed)
    first = rng.integers(start_day, until_day + 1, size=n_customers)
    age = (until_day - first).astype(np.float64) + 1.0
    x, t_x = simulate_bgnbd(age, *bgnbd_per_day, rng)
    _, nu = simulate_mean_spend(x, *gamma_gamma, rng)
    rows_per = x + 1
    cust = np.repeat(np.arange(n_customers, dtype=np.int64), rows_per)
    offsets = np.concatenate(([0], np.cumsum(rows_per)[:-1]))
    position = np.arange(cust.size) - np.repeat(offsets, rows_per)
    t_last = np.repeat(t_x, rows_per)
    count = np.repeat(x, rows_per)
    time = np.where(position == 0, 0.0, rng.uniform(0.0, 1.0, size=cust.size) * t_last)
    time = np.where((position == count) & (count > 0), t_last, time)
    day = np.minimum(np.repeat(first, rows_per) + np.floor(time).astype(np.int64), until_day)
    amount = np.round(rng.gamma(gamma_gamma[0], 1.0 / np.repeat(nu, rows_per)), 2)
    return SimulatedTransactions(cust, day, amount, until_day)
