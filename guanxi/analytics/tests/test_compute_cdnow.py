"""CDNOW sample (2,357 customers, calibration to 1997-09-30, weeks) against lifetimes 0.11.3.

lifetimes (and pandas, which it needs) are test dependencies, imported without a skip guard:
these tests are the proof that the models agree with the reference implementation.

lifetimes.datasets cannot be imported on current setuptools (it needs pkg_resources), so the data
files shipped inside the lifetimes package are read by path.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import lifetimes
import numpy as np
import pandas as pd
import pytest

from guanxi.analytics.compute import (
    customer_lifetime_value,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
    probability_alive,
    summarize_transactions,
)
from guanxi.analytics.compute.paretonbd import pareto_expected_purchases_grid, pareto_probability_alive

warnings.filterwarnings("ignore", category=FutureWarning)

DATA = Path(lifetimes.__file__).parent / "datasets"
REL = 1e-3


def rel_err(ours: np.ndarray | float, theirs: np.ndarray | float) -> float:
    return float(np.max(np.abs(np.asarray(ours) / np.asarray(theirs) - 1.0)))


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    """Fader-Hardie's calibration summary: ID, x, t_x, T (weeks, 2 decimals), zbar."""
    return pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return pd.read_csv(
        DATA / "CDNOW_sample.txt", sep=r"\s+", header=None,
        names=["master_id", "id", "date", "quantity", "amount"], dtype={"date": str},
    )


@pytest.fixture(scope="module")
def lt_models(published: pd.DataFrame) -> tuple[object, object]:
    bg = lifetimes.BetaGeoFitter().fit(published.x, published.t_x, published["T"])
    repeat = published[published.x > 0]
    gg = lifetimes.GammaGammaFitter().fit(repeat.x, repeat.zbar)
    return bg, gg


def test_bgnbd_matches_published_and_lifetimes(published: pd.DataFrame, lt_models: tuple) -> None:
    fit = fit_bgnbd(published.x, published.t_x, published["T"])
    bg = lt_models[0]
    assert fit.converged
    assert fit.n_customers == 2357
    for name in ("r", "alpha", "a", "b"):
        assert rel_err(getattr(fit, name), bg.params_[name]) < REL, name
    assert (round(fit.r, 3), round(fit.alpha, 3), round(fit.a, 3), round(fit.b, 3)) == (0.243, 4.414, 0.793, 2.426)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_gamma_gamma_matches_published_and_lifetimes(published: pd.DataFrame, lt_models: tuple) -> None:
    fit = fit_gamma_gamma(published.x, published.zbar)
    gg = lt_models[1]
    assert fit.converged
    assert (fit.n_customers, fit.n_excluded) == (946, 1411)
    for name in ("p", "q", "v"):
        assert rel_err(getattr(fit, name), gg.params_[name]) < REL, name
    assert (round(fit.p, 2), round(fit.q, 2), round(fit.v, 2)) == (6.25, 3.74, 15.45)
    # lifetimes reports the mean negative log-likelihood of the fitted customers.
    assert fit.log_likelihood == pytest.approx(-gg._negative_log_likelihood_ * 946, rel=1e-6)


def test_per_customer_predictions_match_lifetimes(published: pd.DataFrame, lt_models: tuple) -> None:
    bg, gg = lt_models
    x, t_x, T, m = published.x, published.t_x, published["T"], published.zbar
    fit = fit_bgnbd(x, t_x, T)
    spend_fit = fit_gamma_gamma(x, m)

    assert rel_err(probability_alive(fit, x, t_x, T), bg.conditional_probability_alive(x, t_x, T)) < REL
    ours_39 = expected_purchases(fit, 39.0, x, t_x, T)
    theirs_39 = bg.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T)
    assert rel_err(ours_39, theirs_39) < REL
    assert ours_39.sum() == pytest.approx(theirs_39.sum(), rel=1e-4)

    spend = expected_average_spend(spend_fit, x, m)
    assert rel_err(spend, gg.conditional_expected_average_profit(x, m)) < REL
    ours_clv = customer_lifetime_value(fit, x, t_x, T, spend, months=12, monthly_discount_rate=0.01, unit="week")
    theirs_clv = gg.customer_lifetime_value(bg, x, t_x, T, m, time=12, discount_rate=0.01, freq="W")
    assert rel_err(ours_clv, theirs_clv.to_numpy()) < REL


def test_raw_transactions_give_the_same_summary_as_lifetimes(
    transactions: pd.DataFrame, published: pd.DataFrame
) -> None:
    """Weeks are 7 days here. lifetimes' freq='W' groups by calendar week (whole-week T), so the
    matching lifetimes definition is freq='D' divided by 7, which reproduces the published file."""
    dates = pd.to_datetime(transactions.date, format="%Y%m%d").to_numpy().astype("datetime64[D]")
    ours = summarize_transactions(
        transactions.id.to_numpy(), dates, transactions.amount.to_numpy(), until="1997-09-30", unit="week"
    )
    frame = transactions.assign(date=pd.to_datetime(transactions.date, format="%Y%m%d"))
    daily = lifetimes.utils.summary_data_from_transaction_data(
        frame, "id", "date", monetary_value_col="amount", observation_period_end="1997-09-30", freq="D"
    )
    assert ours.n_customers == 2357
    np.testing.assert_array_equal(ours.frequency, daily.frequency.to_numpy())
    np.testing.assert_allclose(ours.recency, daily.recency.to_numpy() / 7, rtol=1e-12)
    np.testing.assert_allclose(ours.T, daily["T"].to_numpy() / 7, rtol=1e-12)
    np.testing.assert_allclose(ours.monetary, daily.monetary_value.to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours.frequency, published.x.to_numpy())
    assert np.abs(ours.recency - published.t_x.to_numpy()).max() <= 0.005 + 1e-9
    assert np.abs(ours.monetary - published.zbar.to_numpy()).max() <= 0.005 + 1e-9

    weekly = lifetimes.utils.summary_data_from_transaction_data(
        frame, "id", "date", observation_period_end="1997-09-30", freq="W"
    )
    assert np.all(weekly["T"].to_numpy() == np.round(weekly["T"].to_numpy()))

    fit = fit_bgnbd(ours.frequency, ours.recency, ours.T)
    bg = lifetimes.BetaGeoFitter().fit(daily.frequency, daily.recency / 7, daily["T"] / 7)
    for name in ("r", "alpha", "a", "b"):
        assert rel_err(getattr(fit, name), bg.params_[name]) < REL, name
    # Unrounded times shift the log-likelihood slightly from the published -9582.4.
    assert fit.log_likelihood == pytest.approx(-9582.43, abs=0.01)
    spend = fit_gamma_gamma(ours.frequency, ours.monetary)
    repeat = daily[daily.frequency > 0]
    gg = lifetimes.GammaGammaFitter().fit(repeat.frequency, repeat.monetary_value)
    for name in ("p", "q", "v"):
        assert rel_err(getattr(spend, name), gg.params_[name]) < REL, name


def test_pareto_nbd_matches_published_and_lifetimes(published: pd.DataFrame) -> None:
    x, t_x, T = published.x, published.t_x, published["T"]
    fit = fit_pareto_nbd(x, t_x, T)
    assert fit.converged and not fit.sampled
    assert (round(fit.r, 2), round(fit.alpha, 2), round(fit.s, 2), round(fit.beta, 2)) == (0.55, 10.58, 0.61, 11.67)
    assert fit.log_likelihood == pytest.approx(-9595.0, abs=0.1)
    pnbd = lifetimes.ParetoNBDFitter().fit(x, t_x, T)
    for name in ("r", "alpha", "s", "beta"):
        assert rel_err(getattr(fit, name), pnbd.params_[name]) < REL, name
    assert np.abs(pareto_probability_alive(fit, x, t_x, T) - pnbd.conditional_probability_alive(x, t_x, T)).max() < 1e-3
    ours = pareto_expected_purchases_grid(fit, [39.0], x, t_x, T)[:, 0]
    theirs = pnbd.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T)
    assert rel_err(ours, theirs) < REL
