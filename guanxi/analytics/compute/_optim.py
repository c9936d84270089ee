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


def minimize_log_params(
    objective: Objective, x0: FloatArray, *, max_iter: int = 2000, ftol: float = 1e-15
) -> OptimOutcome:
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
        options={"maxiter": max_iter, "ftol": ftol, "gtol": 1e-10, "maxcor": 20},
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


#: Above twice this many customers a fit is first run on a seeded sample of this size.
WARM_START_SAMPLE = 100_000


def warm_start_indices(n: int, seed: int = 0) -> IntArray | None:
    """Rows of the warm-start sample, or None when the data are small enough to fit directly."""
    if n <= 2 * WARM_START_SAMPLE:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=WARM_START_SAMPLE, replace=False))


def _fd_hessian(objective: Objective, theta: FloatArray, eps: float = 1e-5) -> FloatArray:
    """Hessian by central differences of the analytic gradient (2 p gradient calls), symmetrised."""
    cols = []
    for unit in np.eye(theta.size):
        cols.append((objective(theta + eps * unit)[1] - objective(theta - eps * unit)[1]) / (2 * eps))
    hess = np.array(cols)
    return (hess + hess.T) / 2.0


def minimize_with_warm_start(
    full: Objective, sample: Objective | None, x0: FloatArray, *, max_newton: int = 30
) -> OptimOutcome:
    """Fit on a sample, then polish on the full data with Newton steps using the sample's Hessian.

    The mean log-likelihood of a 100,000-customer sample has almost the same curvature as the full
    data, so each polishing step costs one full gradient and gains a factor of about
    1/sqrt(sample size) in accuracy: 3-5 full evaluations instead of the ~20 L-BFGS-B needs from
    scratch. If a step fails to decrease the objective or the Hessian is not positive definite,
    it falls back to L-BFGS-B from the best point found.
    """
    if sample is None:
        return minimize_log_params(full, x0)
    warm = minimize_log_params(sample, x0, ftol=1e-12)
    hess = _fd_hessian(sample, warm.log_params)
    theta = warm.log_params
    try:
        np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        return minimize_log_params(full, theta)
    best_f, best_theta, last_step = np.inf, theta, np.inf
    for step_count in range(1, max_newton + 1):
        value, grad = full(theta)
        if not np.isfinite(value) or value > best_f:
            if last_step < 1e-6:  # rounding noise at the optimum, not divergence
                return _polished(best_theta, best_f, warm.iterations + step_count)
            break
        best_f, best_theta = value, theta
        step = np.linalg.solve(hess, grad)
        last_step = float(np.max(np.abs(step)))
        if last_step < 1e-9:
            return _polished(theta, value, warm.iterations + step_count)
        theta = np.clip(theta - step, -LOG_PARAM_BOUND, LOG_PARAM_BOUND)
    return minimize_log_params(full, best_theta)


def _polished(theta: FloatArray, value: float, iterations: int) -> OptimOutcome:
    return OptimOutcome(theta, float(value), True, iterations, "CONVERGENCE: NEWTON POLISH ON FULL DATA")
