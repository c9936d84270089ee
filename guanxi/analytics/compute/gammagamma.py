"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Hardie's note 025).

The average repeat spend m of a customer with x repeat purchases is modelled as the mean of x
gamma(p, nu) draws with nu ~ gamma(q, v). Only customers with x > 0 and m > 0 carry information
(and log m must exist), so everyone else is left out of the fit and counted in ``n_excluded``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from ._optim import (
    FitResult,
    FloatArray,
    IntArray,
    Objective,
    minimize_with_warm_start,
    unique_inverse,
    warm_start_indices,
)


class InsufficientDataError(ValueError):
    """Raised when no customer qualifies for a model fit."""


@dataclass(frozen=True)
class GammaGammaFit(FitResult):
    """Fitted Gamma-Gamma parameters; ``n_excluded`` customers had x == 0 or m <= 0."""

    p: float
    q: float
    v: float
    n_excluded: int

    @property
    def params(self) -> dict[str, float]:
        """Parameters by their names in the paper (v is the paper's gamma)."""
        return {"p": self.p, "q": self.q, "v": self.v}

    @property
    def population_mean_spend(self) -> float:
        """E[m] = p v / (q - 1); infinite (undefined) when q <= 1."""
        return self.p * self.v / (self.q - 1.0) if self.q > 1.0 else float("inf")

    def as_dict(self) -> dict[str, object]:
        """Plain-JSON view including the excluded count."""
        return {**super().as_dict(), "n_excluded": self.n_excluded}


@dataclass(frozen=True)
class _GammaGammaData:
    x: FloatArray
    log_m: FloatArray
    m: FloatArray
    ux: FloatArray
    x_index: IntArray
    ux_count: FloatArray
    const: float

    @classmethod
    def build(cls, x: FloatArray, m: FloatArray) -> _GammaGammaData:
        ux, idx = unique_inverse(x)
        counts = np.bincount(idx, minlength=ux.size).astype(np.float64)
        return cls(x, np.log(m), m, ux.astype(np.float64), idx, counts, float(-np.log(m).sum()))


def qualifying_mask(frequency: ArrayLike, monetary: ArrayLike) -> np.ndarray:
    """Customers the Gamma-Gamma model can be fitted on: repeat purchases with positive mean spend."""
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary, dtype=np.float64)
    return (x > 0) & (m > 0) & np.isfinite(m)


def _loglik_and_grad(log_params: FloatArray, data: _GammaGammaData) -> tuple[float, FloatArray]:
    """Total log-likelihood of the observed mean spends and its gradient w.r.t. log (p, q, v).

    Per customer: lgamma(px+q) - lgamma(px) - lgamma(q) + q log v + (px-1) log m + px log x
    - (px+q) log(xm+v), the form used by Hardie and by lifetimes.
    """
    p, q, v = np.exp(log_params)
    ux, cnt = data.ux, data.ux_count
    pux = p * ux
    x, log_m = data.x, data.log_m
    px = p * x
    log_xm_v = np.log(x * data.m + v)
    log_x = np.log(ux)
    ll_x_terms = cnt @ (gammaln(pux + q) - gammaln(pux) + pux * log_x)
    ll = ll_x_terms + x.size * (q * np.log(v) - gammaln(q)) + data.const + (px * log_m - (px + q) * log_xm_v).sum()

    dig_pxq = digamma(pux + q)
    dp = cnt @ (ux * (dig_pxq - digamma(pux) + log_x)) + (x * (log_m - log_xm_v)).sum()
    dq = cnt @ dig_pxq - x.size * digamma(q) + x.size * np.log(v) - log_xm_v.sum()
    dv = x.size * q / v - ((px + q) / (x * data.m + v)).sum()
    return float(ll), np.array([dp * p, dq * q, dv * v])


def _mean_objective(data: _GammaGammaData, n: int) -> Objective:
    """Mean negative log-likelihood and gradient, the scale-free objective the optimiser sees."""

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        ll, grad = _loglik_and_grad(theta, data)
        return -ll / n, -grad / n

    return objective


def fit_gamma_gamma(frequency: ArrayLike, monetary: ArrayLike) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma fit on the qualifying customers.

    Spend is rescaled to a mean of 1 while optimising (only log v shifts) so currencies with large
    nominal amounts, or one enormous order, do not hurt the conditioning.
    """
    x_all = np.asarray(frequency, dtype=np.float64).reshape(-1)
    m_all = np.asarray(monetary, dtype=np.float64).reshape(-1)
    if x_all.shape != m_all.shape:
        raise ValueError("frequency and monetary must have the same length")
    mask = qualifying_mask(x_all, m_all)
    n_fit = int(mask.sum())
    if n_fit == 0:
        raise InsufficientDataError("no customer has repeat purchases with a positive mean spend")
    x, m = x_all[mask], m_all[mask]
    scale = 1.0 / float(m.mean())
    data = _GammaGammaData.build(x, m * scale)
    pick = warm_start_indices(n_fit)
    sample = None
    if pick is not None:
        sample = _mean_objective(_GammaGammaData.build(x[pick], m[pick] * scale), pick.size)
    outcome = minimize_with_warm_start(_mean_objective(data, n_fit), sample, np.zeros(3))
    p, q, v_scaled = np.exp(outcome.log_params)
    # Scaling spend by c shifts each log-likelihood term by -log c (the density of m).
    total_ll = -outcome.mean_nll * n_fit + n_fit * np.log(scale)
    return GammaGammaFit(
        log_likelihood=float(total_ll),
        n_customers=n_fit,
        converged=outcome.converged,
        iterations=outcome.iterations,
        message=outcome.message,
        p=float(p),
        q=float(q),
        v=float(v_scaled / scale),
        n_excluded=int(x_all.size - n_fit),
    )


def gamma_gamma_log_likelihood(fit: GammaGammaFit, frequency: ArrayLike, monetary: ArrayLike) -> float:
    """Total log-likelihood of the qualifying customers under given parameters."""
    x = np.asarray(frequency, dtype=np.float64).reshape(-1)
    m = np.asarray(monetary, dtype=np.float64).reshape(-1)
    mask = qualifying_mask(x, m)
    data = _GammaGammaData.build(x[mask], m[mask])
    return _loglik_and_grad(np.log([fit.p, fit.q, fit.v]), data)[0]


def expected_average_spend(fit: GammaGammaFit, frequency: ArrayLike, monetary: ArrayLike) -> FloatArray:
    """E[M | x, m]: a credibility-weighted blend of the population mean and the customer's own mean.

    weight = p x / (p x + q - 1) on the customer's mean (lifetimes' definition). Customers without
    repeat purchases get the population mean; a non-positive mean spend (refunds) counts as 0.
    """
    x = np.asarray(frequency, dtype=np.float64)
    m = np.clip(np.asarray(monetary, dtype=np.float64), 0.0, None)
    weight = fit.p * x / (fit.p * x + fit.q - 1.0)
    population = fit.p * fit.v / (fit.q - 1.0)
    return (1.0 - weight) * population + weight * m
