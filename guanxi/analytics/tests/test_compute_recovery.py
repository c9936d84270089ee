"""Parameter recovery on 50,000 customers simulated from known BG/NBD and Gamma-Gamma parameters."""

from __future__ import annotations

import time

import numpy as np

from guanxi.analytics.compute import fit_bgnbd, fit_gamma_gamma
from guanxi.analytics.compute.simulate import simulate_customers

TRUE_BGNBD = {"r": 1.0, "alpha": 4.0, "a": 1.5, "b": 8.0}
TRUE_GG = {"p": 1.5, "q": 4.0, "v": 5.0}


def test_fits_recover_simulated_parameters_within_5_percent() -> None:
    data = simulate_customers(
        50_000,
        bgnbd=(TRUE_BGNBD["r"], TRUE_BGNBD["alpha"], TRUE_BGNBD["a"], TRUE_BGNBD["b"]),
        gamma_gamma=(TRUE_GG["p"], TRUE_GG["q"], TRUE_GG["v"]),
        t_range=(104.0, 156.0),
        seed=20240305,
    )
    started = time.perf_counter()
    bg = fit_bgnbd(data.frequency, data.recency, data.T)
    gg = fit_gamma_gamma(data.frequency, data.monetary)
    elapsed = time.perf_counter() - started

    assert bg.converged and gg.converged
    assert bg.n_customers == 50_000
    assert gg.n_customers + gg.n_excluded == 50_000
    assert gg.n_excluded == int((data.frequency == 0).sum())
    for name, truth in TRUE_BGNBD.items():
        assert abs(bg.params[name] / truth - 1.0) < 0.05, (name, bg.params[name])
    for name, truth in TRUE_GG.items():
        assert abs(gg.params[name] / truth - 1.0) < 0.05, (name, gg.params[name])
    assert elapsed < 5.0


def test_simulation_is_seeded() -> None:
    kwargs = {"bgnbd": (1.0, 4.0, 1.5, 8.0), "gamma_gamma": (1.5, 4.0, 5.0), "t_range": (10.0, 20.0), "seed": 7}
    first = simulate_customers(100, **kwargs)  # type: ignore[arg-type]
    second = simulate_customers(100, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(first.frequency, second.frequency)
    np.testing.assert_array_equal(first.monetary, second.monetary)
    assert np.all(first.recency <= first.T)
    assert np.all((first.frequency > 0) | (first.recency == 0))


def test_warm_start_polish_matches_a_direct_fit() -> None:
    """Above 200,000 customers fits start on a 100,000 sample and are polished on all data."""
    from guanxi.analytics.compute import bgnbd as bg_module
    from guanxi.analytics.compute._optim import minimize_log_params

    data = simulate_customers(
        250_000, bgnbd=(1.0, 4.0, 1.5, 8.0), gamma_gamma=(1.5, 4.0, 5.0), t_range=(20.0, 60.0), seed=11
    )
    fit = fit_bgnbd(data.frequency, data.recency, data.T)
    assert fit.converged and "NEWTON" in fit.message
    scale = 1.0 / float(data.T.max())
    direct = minimize_log_params(
        bg_module._mean_objective(bg_module._BgNbdData.build(data.frequency.astype(float),
                                                             data.recency * scale, data.T * scale), 250_000),
        np.zeros(4),
    )
    r, alpha, a, b = np.exp(direct.log_params)
    np.testing.assert_allclose([fit.r, fit.alpha * scale, fit.a, fit.b], [r, alpha, a, b], rtol=1e-5)
    spend = fit_gamma_gamma(data.frequency, data.monetary)
    assert spend.converged
