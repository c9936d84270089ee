"""Bought-together statistics and cross-sell / up-sell suggestions."""

from __future__ import annotations

import numpy as np
import pytest

from guanxi.analytics.compute.basket import bought_together, cross_sell, up_sell

# orders: 1 {tea, cup}, 2 {tea, cup, pot}, 3 {tea, pot}, 4 {cup}, 5 {tea, cup} (tea listed twice)
ORDERS = np.array([1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5])
PRODUCTS = np.array(["tea", "cup", "tea", "cup", "pot", "tea", "pot", "cup", "tea", "cup", "tea"])


def test_pair_statistics() -> None:
    pairs = bought_together(ORDERS, PRODUCTS, min_count=1)
    names = pairs.products
    assert names.tolist() == ["cup", "pot", "tea"]
    assert pairs.n_orders == 5
    assert pairs.product_orders.tolist() == [4, 2, 4]
    rows = {(str(names[a]), str(names[b])): i for i, (a, b) in enumerate(zip(pairs.a, pairs.b, strict=True))}
    assert set(rows) == {("cup", "tea"), ("pot", "tea"), ("cup", "pot")}
    i = rows[("cup", "tea")]
    assert pairs.count[i] == 3
    assert pairs.support[i] == pytest.approx(3 / 5)
    assert pairs.confidence_ab[i] == pytest.approx(3 / 4)
    assert pairs.lift[i] == pytest.approx((3 / 5) / ((4 / 5) * (4 / 5)))
    j = rows[("pot", "tea")]
    assert (pairs.confidence_ab[j], pairs.confidence_ba[j]) == pytest.approx((1.0, 0.5))
    assert pairs.count.tolist() == [3, 2, 1]  # most frequent pair first

    assert bought_together(ORDERS, PRODUCTS, min_count=2).count.tolist() == [3, 2]


def test_cross_sell_suggests_unbought_companions() -> None:
    pairs = bought_together(ORDERS, PRODUCTS, min_count=1)
    suggestions = cross_sell(np.array(["ann", "bob", "bob"]), np.array(["pot", "tea", "cup"]), pairs, n=2)
    rows = list(zip(suggestions.customer.tolist(), suggestions.product.tolist(), suggestions.score.round(4).tolist(),
                    strict=True))
    # ann bought pot: tea (conf 1.0) before cup (0.5); bob has tea and cup: pot = 0.5 + 0.25
    assert rows == [("ann", "tea", 1.0), ("ann", "cup", 0.5), ("bob", "pot", 0.75)]


def test_up_sell_next_dearer_product_in_category() -> None:
    catalog = np.array(["t1", "t2", "t3", "c1", "c2"])
    prices = np.array([10.0, 25.0, 40.0, 5.0, 5.0])
    categories = np.array(["tea", "tea", "tea", "cup", "cup"])
    offer = up_sell(np.array(["a", "a", "b", "b", "c"]), np.array(["t1", "c1", "t3", "t2", "zz"]),
                    catalog, prices, categories)
    assert list(zip(offer.customer.tolist(), offer.category.tolist(), offer.product.tolist(),
                    offer.price.tolist(), offer.current_price.tolist(), strict=True)) == [("a", "tea", "t2", 25.0, 10.0)]


def test_bought_together_at_scale_is_vectorised() -> None:
    rng = np.random.default_rng(0)
    lines = rng.integers(1, 5, size=20_000)
    orders = np.repeat(np.arange(20_000), lines)
    products = rng.integers(0, 300, size=orders.size)
    pairs = bought_together(orders, products, min_count=3)
    assert pairs.n_orders == 20_000
    assert np.all(pairs.a < pairs.b)
    assert np.all((pairs.confidence_ab <= 1) & (pairs.confidence_ba <= 1))
