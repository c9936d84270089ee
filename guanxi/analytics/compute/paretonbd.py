"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee's MATLAB note 008).

The textbook likelihood uses Gauss hypergeometric functions whose arguments grow with x and
overflow for heavy buyers (lifetimes issue #332). Here the same likelihood is written as

    L = Gamma(r+x) alpha^r beta^s / Gamma(r)
        * [ (alpha+T)^-(r+x) (beta+T)^-s + s * I ],
    I = integral over tau in [t_x, T] of (alpha+tau)^-(r+x) (beta+tau)^-(s+1),

(the first bracket term: alive at T; the integral: died at tau after the last purchase). I is
computed in log-space by Gauss-Legendre quadrature in u = log(tau - t_x), whose nodes depend only
on the data, so differentiating under the integral gives an exact analytic gradient of the
quadrature, and a sharp decay right after t_x (large r + x) is still resolved. Because every
customer costs ``QUAD_NODES`` evaluations, large bases are fitted on a seeded random sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, expit, gammaln, logsumexp

from ._optim import FitResult, FloatArray, minimize_log_params

QUAD_NODES = 96
#: The quadrature covers tau - t_x in [REL_FLOOR (T - t_x), T - t_x]; the sliver below is added as
#: a rectangle, which is exact to first order because the integrand is flat there.
REL_FLOOR = 1e-12


@dataclass(frozen=True)
class ParetoNbdFit(FitResult):
    """Fitted Pareto/NBD parameters (r, alpha: purchase rate gamma; s, beta: dropout rate gamma)."""

    r: float
    alpha: float
    s: float
    beta: float
    sampled: bool

    @property
    def params(self) -> dict[str, float]:
        """Parameters by their names in the literature."""
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta}

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(alive | x, t_x, T)."""
        return pareto_probability_alive(self, frequency, recency, T)

    def expected_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected repeat purchases per customer (rows) and horizon (columns)."""
        return pareto_expected_purchases_grid(self, horizons, frequency, recency, T)


@dataclass(frozen=True)
class _Quadrature:
    """Per-customer nodes tau (n, k) and log weights (including the du -> dtau Jacobian)."""

    tau: FloatArray
    log_w: FloatArray
    has_gap: np.ndarray

    @classmethod
    def build(cls, t_x: FloatArray, T: FloatArray) -> _Quadrature:
        gap = T - t_x
        has_gap = gap > 0
        safe_gap = np.where(has_gap, gap, 1.0)
        nodes, weights = np.polynomial.legendre.leggauss(QUAD_NODES)
        lo = np.log(safe_gap * REL_FLOOR)
        hi = np.log(safe_gap)
        half = (hi - lo)[:, None] / 2.0
        u = (lo + hi)[:, None] / 2.0 + half * nodes[None, :]
        delta = np.exp(u)
        log_w = np.log(weights)[None, :] + np.log(half) + u
        floor = safe_gap * REL_FLOOR
        # Prepend the sliver [t_x, t_x + floor] as one rectangle evaluated at t_x.
        tau = np.concatenate([t_x[:, None], t_x[:, None] + delta], axis=1)
        log_w = np.concatenate([np.log(floor)[:, None], log_w], axis=1)
        log_w[~has_gap] = -np.inf
        return cls(tau=tau, log_w=log_w, has_gap=has_gap)


def _validate(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = np.asarray(frequency, dtype=np.float64).reshape(-1)
    t_x = np.asarray(recency, dtype=np.float64).reshape(-1)
    age = np.asarray(T, dtype=np.float64).reshape(-1)
    if not (x.shape == t_x.shape == age.shape) or x.size == 0:
        raise ValueError("frequency, recency and T must be non-empty and of equal length")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > age) or not np.all(np.isfinite(age)):
        raise ValueError("need x >= 0 and 0 <= t_x <= T with T finite")
    return x, t_x, age


def _components(
    log_params: FloatArray, x: FloatArray, t_x: FloatArray, age: FloatArray, quad: _Quadrature
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per customer: log-likelihood, weight of the 'died' branch, gradient pieces of both branches.

    Returns (ll, rho, grad_alive (n,4), grad_dead (n,4)) with the gradients w.r.t. (r, alpha, s, beta).
    """
    r, alpha, s, beta = np.exp(log_params)
    rx = r + x
    log_a_T = np.log(alpha + age)
    log_b_T = np.log(beta + age)
    log_alive = -rx * log_a_T - s * log_b_T

    log_a_tau = np.log(alpha + quad.tau)
    log_b_tau = np.log(beta + quad.tau)
    terms = quad.log_w - rx[:, None] * log_a_tau - (s + 1.0) * log_b_tau
    log_integral = logsumexp(terms, axis=1)
    log_dead = np.where(quad.has_gap, np.log(s) + log_integral, -np.inf)
    safe_integral = np.where(quad.has_gap, log_integral, 0.0)
    pi = np.exp(terms - safe_integral[:, None])
    pi[~quad.has_gap] = 0.0

    h = np.logaddexp(log_alive, log_dead)
    rho = expit(log_dead - log_alive)
    ll = gammaln(rx) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + h

    g_alive = np.stack([-log_a_T, -rx / (alpha + age), -log_b_T, -s / (beta + age)], axis=1)
    g_dead = np.stack(
        [
            -(pi * log_a_tau).sum(axis=1),
            -rx * (pi / (alpha + quad.tau)).sum(axis=1),
            1.0 / s - (pi * log_b_tau).sum(axis=1),
            -(s + 1.0) * (pi / (beta + quad.tau)).sum(axis=1),
        ],
        axis=1,
    )
    return ll, rho, g_alive, g_dead


def _loglik_and_grad(
    log_params: FloatArray, x: FloatArray, t_x: FloatArray, age: FloatArray, quad: _Quadrature
) -> tuple[float, FloatArray]:
    """Total log-likelihood and gradient w.r.t. (log r, log alpha, log s, log beta)."""
    r, alpha, s, beta = np.exp(log_params)
    ll, rho, g_alive, g_dead = _components(log_params, x, t_x, age, quad)
    grad_h = ((1.0 - rho)[:, None] * g_alive + rho[:, None] * g_dead).sum(axis=0)
    n = x.size
    base = np.array(
        [
            (digamma(r + x) - digamma(r)).sum() + n * np.log(alpha),
            n * r / alpha,
            n * np.log(beta),
            n * s / beta,
        ]
    )
    grad = (base + grad_h) * np.array([r, alpha, s, beta])
    return float(ll.sum()), grad


def fit_pareto_nbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    max_customers: int = 50_000,
    seed: int = 0,
) -> ParetoNbdFit:
    """Maximum-likelihood Pareto/NBD fit, on a seeded random sample above ``max_customers``.

    Time is rescaled so max T == 1 while optimising; the log-likelihood (of the fitted customers)
    is reported in the original unit.
    """
    x, t_x, age = _validate(frequency, recency, T)
    sampled = x.size > max_customers
    if sampled:
        pick = np.sort(np.random.default_rng(seed).choice(x.size, size=max_customers, replace=False))
        x, t_x, age = x[pick], t_x[pick], age[pick]
    if age.max() <= 0:
        raise ValueError("every customer was first seen at the end of the period (all T == 0)")
    scale = 1.0 / float(age.max())
    xs, ts, ages = x, t_x * scale, age * scale
    quad = _Quadrature.build(ts, ages)
    n = float(x.size)

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        ll, grad = _loglik_and_grad(theta, xs, ts, ages, quad)
        return -ll / n, -grad / n

    outcome = minimize_log_params(objective, np.zeros(4))
    r, alpha_s, s, beta_s = np.exp(outcome.log_params)
    total_ll = -outcome.mean_nll * n + float(x.sum()) * np.log(scale)
    return ParetoNbdFit(
        log_likelihood=float(total_ll),
        n_customers=int(n),
        converged=outcome.converged,
        iterations=outcome.iterations,
        message=outcome.message,
        r=float(r),
        alpha=float(alpha_s / scale),
        s=float(s),
        beta=float(beta_s / scale),
        sampled=bool(sampled),
    )


def pareto_probability_alive(
    fit: ParetoNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, chunk: int = 100_000
) -> FloatArray:
    """P(alive | x, t_x, T) = alive branch / (alive + died branches), in chunks to bound memory."""
    x, t_x, age = _validate(frequency, recency, T)
    log_params = np.log([fit.r, fit.alpha, fit.s, fit.beta])
    out = np.empty(x.size)
    for start in range(0, x.size, chunk):
        part = slice(start, start + chunk)
        quad = _Quadrature.build(t_x[part], age[part])
        _, rho, _, _ = _components(log_params, x[part], t_x[part], age[part], quad)
        out[part] = 1.0 - rho
    return out


def pareto_expected_purchases_grid(
    fit: ParetoNbdFit, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """E[Y(t) | x, t_x, T] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive).

    The bracket over (s - 1) is evaluated with expm1, so s close to 1 is harmless.
    """
    x, t_x, age = _validate(frequency, recency, T)
    t = np.asarray(horizons, dtype=np.float64).reshape(1, -1)
    p_alive = pareto_probability_alive(fit, x, t_x, age)
    log_ratio = np.log(fit.beta + age)[:, None] - np.log(fit.beta + age[:, None] + t)
    s1 = fit.s - 1.0
    bracket = -np.expm1(s1 * log_ratio) / s1 if abs(s1) > 1e-12 else -log_ratio
    rate = (fit.r + x) * (fit.beta + age) / (fit.alpha + age)
    return (p_alive * rate)[:, None] * bracket
