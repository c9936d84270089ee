"""Shared maximum-likelihood machinery: L-BFGS-B on log-parameters with analytic gradients.

Every model here maximises a total log-likelihood over strictly positive parameters. Optimising
their logarithms removes the positivity constraint, and the box bounds on the log-parameters keep
``exp`` from overflowing when the likelihood is flat in some direction (for example everyone has
zero repeat purchases, so ``a`` and ``b`` of the BG/NBD model are not identified).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Objective returning (mean negative log-likelihood, its gradient w.r.t. the log-parameters).
Objective = Callable[[FloatArray], tuple[float, FloatArray]]

LOG_PARAM_BOUND = 25.0


@dataclass(frozen=True)
class FitResult:
    """What every fitted model carries besides its parameters: fit quality and convergence."""

    log_likelihood: float
    n_customers: int
    converged: bool
    iterations: int
    message: str

    @property
    def params(self) -> dict[str, float]:
        """Named parameters; each model overrides this."""
        return {}

    def as_dict(self) -> dict[str, object]:
        """Plain-JSON view, used by the CLI and by stored run records."""
        return {
            "params": self.params,
            "ll": self.log_likelihood,
            "n_customers": self.n_customers,
            "converged": self.converged,
            "iterations": self.iterations,
            "message": self.message,
        }


@dataclass(frozen=True)
class OptimOutcome:
    """Raw optimiser output in log-parameter space."""

    log_params: FloatArray
    mean_nll: float
    converged: bool
    iterations: int
    message: str


def minimize_log_params(objective: Objective, x0: FloatArray, *, max_iter: int = 2000) -> OptimOutcome:
    """Minimise a mean negative log-likelihood over log-parameters with L-BFGS-B.

    The tolerances are tight on purpose: the estimates are compared with other implementations
    to 0.1%, and a mean (not total) objective keeps ``ftol`` meaningful for any number of customers.
    """
    bounds = [(-LOG_PARAM_BOUND, LOG_PARAM_BOUND)] * len(x0)
    result = minimize(
        objective,
        np.asarray(x0, dtype=np.float64),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
    )
    converged = bool(result.success) or _is_flat_stop(result.message)
    return OptimOutcome(
        log_params=np.asarray(result.x, dtype=np.float64),
        mean_nll=float(result.fun),
        converged=converged,
        iterations=int(result.nit),
        message=str(result.message),
    )


def _is_flat_stop(message: object) -> bool:
    """L-BFGS-B reports 'ABNORMAL' line searches when it is already at machine precision."""
    return "ABNORMAL" in str(message).upper()


def unique_inverse(values: NDArray[np.generic]) -> tuple[NDArray[np.generic], IntArray]:
    """Distinct values and the index of each element into them.

    Special functions (gammaln, digamma) of ``r + x`` only need evaluating once per distinct
    frequency, which is a few hundred values even for millions of customers.
    """
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq, inverse.astype(np.int64).reshape(-1)
