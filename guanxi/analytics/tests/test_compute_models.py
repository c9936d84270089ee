"""Edge cases and numerical safety of the summary and the probabilistic models."""

from __future__ import annotations

import numpy as np
import pytest

from guanxi.analytics.compute import (
    InsufficientDataError,
    ScoringOptions,
    customer_lifetime_value,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
    score_customers,
    summarize_transactions,
    value_at_risk,
)
from guanxi.analytics.compute import bgnbd as bgnbd_module
from guanxi.analytics.compute import gammagamma as gg_module
from guanxi.analytics.compute import paretonbd as pnbd_module
from guanxi.analytics.compute.bgnbd import BgNbdFit

CDNOW_LIKE = BgNbdFit(
    log_likelihood=0.0, n_customers=1, converged=True, iterations=0, message="",
    r=0.243, alpha=4.414, a=0.793, b=2.426,
)


def _days(*iso: str) -> np.ndarray:
    return np.array(iso, dtype="datetime64[D]")


def test_summary_definitions_and_same_day_merge() -> None:
    ids = np.array(["a", "a", "a", "a", "b", "c"])
    dates = _days("2024-01-01", "2024-01-01", "2024-01-08", "2024-01-15", "2024-01-10", "2024-02-01")
    amounts = np.array([10.0, 5.0, 20.0, 40.0, 7.0, 1.0])
    s = summarize_transactions(ids, dates, amounts, until="2024-01-29", unit="week")
    assert s.customer.tolist() == ["a", "b"]  # c bought after --until
    assert s.frequency.tolist() == [2, 0]
    assert s.recency.tolist() == [2.0, 0.0]
    assert s.T.tolist() == [4.0, 19 / 7]
    assert s.monetary.tolist() == [30.0, 0.0]  # first day (10 + 5) is not a repeat purchase
    assert s.total_spend.tolist() == [75.0, 7.0]
    assert s.first_date.tolist() == _days("2024-01-01", "2024-01-10").tolist()
    assert s.days_since_last.tolist() == [14.0, 19.0]
    assert s.purchase_days.tolist() == [3, 1]

    daily = summarize_transactions(ids, dates, amounts)
    assert daily.until == np.datetime64("2024-02-01")
    assert daily.T.tolist() == [31.0, 22.0, 0.0]


def test_summary_accepts_integer_day_numbers_and_rejects_bad_input() -> None:
    s = summarize_transactions(np.array([3, 3, 1]), np.array([100, 107, 110]), np.array([1.0, 2.0, 3.0]))
    assert s.customer.tolist() == [1, 3]
    assert s.frequency.tolist() == [0, 1]
    assert s.T.tolist() == [0.0, 10.0]
    with pytest.raises(ValueError, match="unit"):
        summarize_transactions(np.array([1]), np.array([1]), np.array([1.0]), unit="month")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="on or before"):
        summarize_transactions(np.array([1]), np.array([10]), np.array([1.0]), until=np.datetime64(5, "D"))


def test_one_customer() -> None:
    s = summarize_transactions(np.array([7, 7, 7]), _days("2024-01-01", "2024-02-01", "2024-03-01"),
                               np.array([10.0, 12.0, 14.0]), until="2024-06-30")
    scores = score_customers(s)
    assert scores.summary.n_customers == 1
    assert np.isfinite(scores.p_alive).all() and 0.0 <= scores.p_alive[0] <= 1.0
    assert np.isfinite(scores.clv).all() and scores.clv[0] >= 0.0
    assert scores.rfm.r_score.tolist() == [3] and scores.rfm.segment_keys.tolist() == ["general_winback"]


def test_everyone_without_repeat_purchases() -> None:
    x = np.zeros(500)
    T = np.linspace(10, 100, 500)
    fit = fit_bgnbd(x, x, T)
    assert np.isfinite([fit.r, fit.alpha, fit.a, fit.b, fit.log_likelihood]).all()
    assert np.all(probability_alive(fit, x, x, T) == 1.0)
    assert np.all(np.isfinite(expected_purchases(fit, 30.0, x, x, T)))
    with pytest.raises(InsufficientDataError):
        fit_gamma_gamma(x, np.zeros(500))

    ids = np.arange(50)
    s = summarize_transactions(ids, np.arange(50) + 19000, np.full(50, 9.9))
    scores = score_customers(s)
    assert scores.spend_fit is None
    assert np.isnan(scores.clv).all() and np.isnan(scores.expected_spend).all()


def test_one_enormous_order_stays_finite() -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, size=300).astype(float)
    m = rng.gamma(5.0, 4.0, size=300)
    m[0] = 1e12
    fit = fit_gamma_gamma(x, m)
    assert fit.converged
    spend = expected_average_spend(fit, x, m)
    assert np.isfinite(spend).all() and spend[0] > 1e11
    clv = customer_lifetime_value(CDNOW_LIKE, x, np.full(300, 20.0), np.full(300, 30.0), spend, unit="week")
    assert np.isfinite(clv).all()


def test_zero_or_negative_repeat_spend_is_excluded_and_counted() -> None:
    x = np.array([0, 1, 2, 3, 4, 2, 5])
    m = np.array([0.0, -5.0, 0.0, 10.0, 20.0, 15.0, 30.0])
    fit = fit_gamma_gamma(x, m)
    assert (fit.n_customers, fit.n_excluded) == (4, 3)


def test_huge_frequency_and_age_do_not_overflow() -> None:
    x = np.array([0.0, 50.0, 5_000.0, 100_000.0, 100_000.0])
    t_x = np.array([0.0, 400.0, 9_000.0, 9_999.0, 5_000.0])
    T = np.full(5, 10_000.0)
    p = probability_alive(CDNOW_LIKE, x, t_x, T)
    e = expected_purchases(CDNOW_LIKE, 365.0, x, t_x, T)
    assert np.isfinite(p).all() and np.isfinite(e).all()
    assert p[0] == 1.0 and p[4] == 0.0
    assert np.all(e >= 0.0)
    # An alive heavy buyer keeps buying at about x / t_x per unit of time (up to the dropout risk).
    assert 0.5 * 365 * 10 < e[3] < 365 * 10


def test_expected_purchases_zero_horizon_and_monotone() -> None:
    grid = CDNOW_LIKE.expected_purchases_grid([0.0, 1.0, 10.0, 100.0], [3.0], [20.0], [30.0])
    assert grid[0, 0] == 0.0
    assert np.all(np.diff(grid[0]) > 0)


def _numeric_gradient(fun, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    return np.array([(fun(theta + eps * e) - fun(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)])


def test_analytic_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 8, size=200).astype(float)
    T = rng.uniform(5, 50, size=200)
    t_x = np.where(x > 0, T * rng.uniform(0.1, 1.0, size=200), 0.0)
    m = rng.gamma(4.0, 5.0, size=200)

    bg_data = bgnbd_module._BgNbdData.build(x, t_x, T)
    theta = np.log([0.7, 3.0, 0.9, 2.2])
    analytic = bgnbd_module._loglik_and_grad(theta, bg_data)[1]
    numeric = _numeric_gradient(lambda th: bgnbd_module._loglik_and_grad(th, bg_data)[0], theta)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)

    keep = x > 0
    gg_data = gg_module._GammaGammaData.build(x[keep], m[keep])
    theta = np.log([2.0, 3.0, 10.0])
    analytic = gg_module._loglik_and_grad(theta, gg_data)[1]
    numeric = _numeric_gradient(lambda th: gg_module._loglik_and_grad(th, gg_data)[0], theta)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)

    quad = pnbd_module._Quadrature.build(t_x, T)
    theta = np.log([0.6, 8.0, 0.7, 10.0])
    analytic = pnbd_module._loglik_and_grad(theta, x, t_x, T, quad)[1]
    numeric = _numeric_gradient(lambda th: pnbd_module._loglik_and_grad(th, x, t_x, T, quad)[0], theta)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


def test_pareto_nbd_samples_large_bases() -> None:
    rng = np.random.default_rng(5)
    x = rng.poisson(2.0, size=3000).astype(float)
    T = rng.uniform(20, 60, size=3000)
    t_x = np.where(x > 0, T * rng.uniform(0.2, 1.0, size=3000), 0.0)
    fit = pnbd_module.fit_pareto_nbd(x, t_x, T, max_customers=1000, seed=1)
    assert fit.sampled and fit.n_customers == 1000
    scores = score_customers(
        summarize_transactions(np.array([1, 1, 2, 2, 2, 3]), np.array([0, 30, 5, 20, 40, 60]), np.ones(6),
                               until=np.datetime64(90, "D")),
        ScoringOptions(model="paretonbd"),
    )
    assert np.isfinite(scores.p_alive).all()


def test_value_at_risk() -> None:
    assert value_at_risk(np.array([100.0, 50.0]), np.array([0.25, 1.0])).tolist() == [75.0, 0.0]
