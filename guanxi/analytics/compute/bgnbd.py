"""BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").

Maximum likelihood on log-parameters with an analytic gradient. Numerical safety:
* the two likelihood branches are combined as ``A3 + softplus(A4 - A3)`` (a log-sum-exp), so huge
  ``x`` or ``T`` never overflow;
* special functions of ``r + x``, ``b + x``, ``a + b + x`` are evaluated once per distinct x;
* the conditional expectation uses Euler's transformation of the Gauss hypergeometric function,
  ``(1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)``,
  whose upper parameters do not grow with x, so it neither overflows nor cancels for heavy buyers
  (the failure modes reported against lifetimes: issues #25, #302, #332 and PR #381).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, expit, gammaln, hyp2f1

from ._optim import (
    FitResult,
    FloatArray,
    IntArray,
    Objective,
    minimize_with_warm_start,
    unique_inverse,
    warm_start_indices,
)


@dataclass(frozen=True)
class BgNbdFit(FitResult):
    """Fitted BG/NBD parameters (r, alpha: purchase-rate gamma; a, b: dropout beta)."""

    r: float
    alpha: float
    a: float
    b: float

    @property
    def params(self) -> dict[str, float]:
        """Parameters by their names in the paper."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(alive | x, t_x, T); see :func:`probability_alive`."""
        return probability_alive(self, frequency, recency, T)

    def expected_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected repeat purchases per customer and horizon; see :func:`expected_purchases_grid`."""
        return expected_purchases_grid(self, horizons, frequency, recency, T)


@dataclass(frozen=True)
class _BgNbdData:
    """Fit inputs with per-distinct-frequency aggregates precomputed once."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    ux: FloatArray
    x_index: IntArray
    ux_count: FloatArray
    repeat: FloatArray

    @classmethod
    def build(cls, x: FloatArray, t_x: FloatArray, T: FloatArray) -> _BgNbdData:
        ux, idx = unique_inverse(x)
        counts = np.bincount(idx, minlength=ux.size).astype(np.float64)
        return cls(x, t_x, T, ux.astype(np.float64), idx, counts, (x > 0).astype(np.float64))


def _validate(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Checks the constraints the likelihood assumes: 0 <= t_x <= T, x whole, x == 0 => t_x == 0."""
    x = np.asarray(frequency, dtype=np.float64).reshape(-1)
    t_x = np.asarray(recency, dtype=np.float64).reshape(-1)
    age = np.asarray(T, dtype=np.float64).reshape(-1)
    if not (x.shape == t_x.shape == age.shape):
        raise ValueError("frequency, recency and T must have the same length")
    if x.size == 0:
        raise ValueError("cannot fit a model on zero customers")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be a non-negative whole number")
    if np.any(t_x < 0) or np.any(t_x > age * (1 + 1e-12)):
        raise ValueError("recency must be between 0 and T")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("recency must be 0 when frequency is 0")
    if not np.all(np.isfinite(age)) or np.any(age < 0):
        raise ValueError("T must be non-negative and finite")
    return x, t_x, age


def _loglik_and_grad(log_params: FloatArray, data: _BgNbdData) -> tuple[float, FloatArray]:
    """Total log-likelihood and its gradient with respect to (log r, log alpha, log a, log b)."""
    r, alpha, a, b = np.exp(log_params)
    ux, cnt = data.ux, data.ux_count
    # Terms depending on x only, summed over distinct x with multiplicities.
    a1 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux)
    log_b_term = np.log(b + np.maximum(ux, 1.0) - 1.0)

    x = data.x
    rx = r + x
    log_at = np.log(alpha + data.T)
    log_ar = np.log(alpha + data.t_x)
    a3 = -rx * log_at
    diff = np.where(data.repeat > 0, np.log(a) - log_b_term[data.x_index] - rx * (log_ar - log_at), -np.inf)
    w4 = expit(diff)
    ll = float(cnt @ (a1 + a2) + a3.sum() + np.logaddexp(0.0, diff).sum())

    w3 = 1.0 - w4
    dr = cnt @ (digamma(r + ux) - digamma(r) + np.log(alpha)) - (w3 * log_at + w4 * log_ar).sum()
    dalpha = x.size * r / alpha - (rx * (w3 / (alpha + data.T) + w4 / (alpha + data.t_x))).sum()
    dig_ab_x = digamma(a + b + ux)
    da = cnt @ (digamma(a + b) - dig_ab_x) + w4.sum() / a
    inv_b_term = np.exp(-log_b_term)[data.x_index]
    db = cnt @ (digamma(a + b) + digamma(b + ux) - digamma(b) - dig_ab_x) - (w4 * inv_b_term).sum()
    grad = np.array([dr * r, dalpha * alpha, da * a, db * b])
    return ll, grad


def bgnbd_log_likelihood(fit: BgNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> float:
    """Total log-likelihood of data under given parameters (in the data's own time unit)."""
    x, t_x, age = _validate(frequency, recency, T)
    log_params = np.log([fit.r, fit.alpha, fit.a, fit.b])
    return _loglik_and_grad(log_params, _BgNbdData.build(x, t_x, age))[0]


def _mean_objective(data: _BgNbdData, n: int) -> Objective:
    """Mean negative log-likelihood and gradient, the scale-free objective the optimiser sees."""

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        ll, grad = _loglik_and_grad(theta, data)
        return -ll / n, -grad / n

    return objective


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BgNbdFit:
    """Maximum-likelihood BG/NBD fit.

    Time is rescaled so the oldest customer has T == 1 while optimising (only log alpha shifts),
    which keeps the problem well conditioned whatever the unit; the log-likelihood is then
    reported on the original time scale.
    """
    x, t_x, age = _validate(frequency, recency, T)
    if age.max() <= 0:
        raise ValueError("every customer was first seen at the end of the period (all T == 0)")
    scale = 1.0 / float(age.max())
    data = _BgNbdData.build(x, t_x * scale, age * scale)
    n = float(x.size)
    pick = warm_start_indices(x.size)
    sample = None
    if pick is not None:
        sample = _mean_objective(_BgNbdData.build(x[pick], t_x[pick] * scale, age[pick] * scale), pick.size)
    outcome = minimize_with_warm_start(_mean_objective(data, x.size), sample, np.zeros(4))
    r, alpha_scaled, a, b = np.exp(outcome.log_params)
    alpha = float(alpha_scaled / scale)
    # Rescaling time by c shifts each customer's log-likelihood by -x log c; undo that.
    total_ll = -outcome.mean_nll * n + float(x.sum()) * np.log(scale)
    return BgNbdFit(
        log_likelihood=float(total_ll),
        n_customers=int(n),
        converged=outcome.converged,
        iterations=outcome.iterations,
        message=outcome.message,
        r=float(r),
        alpha=alpha,
        a=float(a),
        b=float(b),
    )


def probability_alive(fit: BgNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
    """P(alive | x, t_x, T); 1 for customers without repeat purchases (the BG/NBD assumption)."""
    x = np.asarray(frequency, dtype=np.float64)
    t_x = np.asarray(recency, dtype=np.float64)
    age = np.asarray(T, dtype=np.float64)
    log_odds = _log_death_odds(fit, x, t_x, age)
    return np.where(x > 0, expit(-log_odds), 1.0)


def _log_death_odds(fit: BgNbdFit, x: FloatArray, t_x: FloatArray, age: FloatArray) -> FloatArray:
    """log of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x), computed without forming the power."""
    odds: FloatArray = (
        np.log(fit.a)
        - np.log(fit.b + np.maximum(x, 1.0) - 1.0)
        + (fit.r + x) * (np.log(fit.alpha + age) - np.log(fit.alpha + t_x))
    )
    return odds


def expected_purchases(
    fit: BgNbdFit, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Conditional expected number of repeat purchases in (T, T + t] (eq. 10 of the paper)."""
    return expected_purchases_grid(fit, [t], frequency, recency, T)[:, 0]


def expected_purchases_grid(
    fit: BgNbdFit, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Expected repeat purchases for every customer (rows) and horizon (columns).

    Eq. 10 factorises as P(alive) times a term that depends on (x, T, t) only; that term is
    computed once per distinct (x, T) pair, a few thousand even for millions of customers, which
    is what makes CLV over many monthly horizons cheap.
    """
    x = np.asarray(frequency, dtype=np.float64).reshape(-1)
    t_x = np.asarray(recency, dtype=np.float64).reshape(-1)
    age = np.asarray(T, dtype=np.float64).reshape(-1)
    t = np.asarray(horizons, dtype=np.float64).reshape(1, -1)
    p_alive = probability_alive(fit, x, t_x, age)
    ux, uage, inverse = unique_pairs(x, age)
    alive_part = _alive_expectation(fit, ux[:, None], uage[:, None], t)
    return p_alive[:, None] * alive_part[inverse]


def unique_pairs(first: FloatArray, second: FloatArray) -> tuple[FloatArray, FloatArray, IntArray]:
    """Distinct (first, second) pairs and each row's index into them, via one lexsort."""
    order = np.lexsort((second, first))
    f_sorted, s_sorted = first[order], second[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (f_sorted[1:] != f_sorted[:-1]) | (s_sorted[1:] != s_sorted[:-1])
    group = np.cumsum(new) - 1
    inverse = np.empty(order.size, dtype=np.int64)
    inverse[order] = group
    return f_sorted[new], s_sorted[new], inverse


#: Within this distance of a == 1 the (removable) 0/0 singularity is bridged by a central average.
_A_NEAR_ONE = 1e-4


def _alive_expectation(fit: BgNbdFit, x: FloatArray, age: FloatArray, t: FloatArray) -> FloatArray:
    """(a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)], z = t/(alpha+T+t).

    At a == 1 numerator and denominator both vanish; the function is smooth in a, so near 1 it
    is the mean of a = 1 +/- 1e-4, accurate to O(1e-8).
    """
    if abs(fit.a - 1.0) < _A_NEAR_ONE:
        above = _alive_expectation_at(fit.r, fit.alpha, 1.0 + _A_NEAR_ONE, fit.b, x, age, t)
        below = _alive_expectation_at(fit.r, fit.alpha, 1.0 - _A_NEAR_ONE, fit.b, x, age, t)
        return 0.5 * (above + below)
    return _alive_expectation_at(fit.r, fit.alpha, fit.a, fit.b, x, age, t)


def _alive_expectation_at(
    r: float, alpha: float, a: float, b: float, x: FloatArray, age: FloatArray, t: FloatArray
) -> FloatArray:
    """The closed form itself, for one set of parameters."""
    c = a + b + x - 1.0
    log_one_minus_z = np.log(alpha + age) - np.log(alpha + age + t)
    z = -np.expm1(log_one_minus_z)
    with np.errstate(invalid="ignore", over="ignore"):
        term = np.exp((a - 1.0) * log_one_minus_z) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    bad = ~np.isfinite(term)
    if bad.any():
        # Huge a and b (a degenerate, nearly deterministic dropout): the untransformed series is
        # the well-behaved one there.
        rx, bx, cc, zz, lz = (np.broadcast_to(v, term.shape)[bad] for v in (r + x, b + x, c, z, log_one_minus_z))
        with np.errstate(invalid="ignore", over="ignore"):
            term[bad] = np.exp(rx * lz) * hyp2f1(rx, bx, cc, zz)
    expected: FloatArray = c / (a - 1.0) * (1.0 - term)
    return expected
