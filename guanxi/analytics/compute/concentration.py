"""Value concentration: the 80/20 (Pareto principle) share, Lorenz curve, Gini and group composition.

Named 'concentration' to keep it apart from the Pareto/NBD model. Negative values (net refunds)
are clipped to 0, since a share of total value is only meaningful for non-negative contributions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._optim import FloatArray, IntArray


@dataclass(frozen=True)
class Concentration:
    """How value is spread over customers."""

    top_fraction: float
    top_share: float
    n_top: int
    total: float
    gini: float
    lorenz_population: FloatArray
    lorenz_value: FloatArray


@dataclass(frozen=True)
class Composition:
    """Count and value shares per group."""

    groups: NDArray[np.generic]
    counts: IntArray
    count_share: FloatArray
    value: FloatArray
    value_share: FloatArray


def value_concentration(values: ArrayLike, *, top_fraction: float = 0.2, points: int = 101) -> Concentration:
    """Share of total value from the top ``top_fraction`` of customers (ceil of the count), plus
    a Lorenz curve sampled at ``points`` evenly spaced population shares and the Gini coefficient."""
    if not 0.0 < top_fraction <= 1.0:
        raise ValueError("top_fraction must be in (0, 1]")
    v = np.clip(np.asarray(values, dtype=np.float64).reshape(-1), 0.0, None)
    n = v.size
    if n == 0:
        raise ValueError("no values")
    ascending = np.sort(v)
    total = float(ascending.sum())
    n_top = max(1, math.ceil(top_fraction * n - 1e-9))
    cumulative = np.concatenate(([0.0], np.cumsum(ascending)))
    share = cumulative / total if total > 0 else np.linspace(0.0, 1.0, n + 1)
    top_share = float(1.0 - share[n - n_top]) if total > 0 else float(n_top / n)
    population = np.linspace(0.0, 1.0, n + 1)
    grid = np.linspace(0.0, 1.0, points)
    lorenz = np.interp(grid, population, share)
    # Gini = 1 - 2 * area under the Lorenz curve (trapezoids over every customer).
    gini = float(1.0 - (share[1:] + share[:-1]).sum() / n) if total > 0 else 0.0
    return Concentration(top_fraction, top_share, n_top, total, gini, grid, lorenz)


def composition(groups: ArrayLike, values: ArrayLike | None = None) -> Composition:
    """Per-group customer counts and value totals with their shares (groups sorted)."""
    g = np.asarray(groups).reshape(-1)
    labels, index = np.unique(g, return_inverse=True)
    index = index.reshape(-1)
    counts = np.bincount(index, minlength=labels.size).astype(np.int64)
    v = np.ones(g.size) if values is None else np.asarray(values, dtype=np.float64).reshape(-1)
    if v.shape != g.shape:
        raise ValueError("groups and values must have the same length")
    sums = np.bincount(index, weights=v, minlength=labels.size).astype(np.float64)
    total = float(sums.sum())
    value_share = sums / total if total != 0 else np.zeros_like(sums)
    return Composition(labels, counts, counts.astype(np.float64) / max(g.size, 1), sums, value_share)
