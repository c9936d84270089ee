"""Bought-together analysis and cross-sell / up-sell suggestions.

Pair statistics come from one sparse product: with O the binary orders x products matrix,
C = O^T O holds the number of orders containing each pair (and each product on its diagonal).
support(a,b) = C_ab / n_orders, confidence(a -> b) = C_ab / C_aa, lift = C_ab n / (C_aa C_bb).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from ._optim import FloatArray, IntArray


@dataclass(frozen=True)
class PairStats:
    """Product pairs (a < b by label order) bought in the same order at least ``min_count`` times."""

    products: NDArray[np.generic]
    product_orders: IntArray
    n_orders: int
    a: IntArray
    b: IntArray
    count: IntArray
    support: FloatArray
    confidence_ab: FloatArray
    confidence_ba: FloatArray
    lift: FloatArray

    def confidence_matrix(self) -> sparse.csr_matrix:
        """Sparse products x products matrix with confidence(row -> column) for the kept pairs."""
        n = self.products.size
        rows = np.concatenate([self.a, self.b])
        cols = np.concatenate([self.b, self.a])
        data = np.concatenate([self.confidence_ab, self.confidence_ba])
        return sparse.csr_matrix((data, (rows, cols)), shape=(n, n))


@dataclass(frozen=True)
class Suggestions:
    """Per-customer suggestions, best first within each customer."""

    customer: NDArray[np.generic]
    product: NDArray[np.generic]
    score: FloatArray


def _incidence(rows: ArrayLike, cols: ArrayLike) -> tuple[NDArray[np.generic], NDArray[np.generic], sparse.csr_matrix]:
    """Binary rows x columns matrix from parallel label arrays (duplicates collapse to 1)."""
    row_labels, row_idx = np.unique(np.asarray(rows), return_inverse=True)
    col_labels, col_idx = np.unique(np.asarray(cols), return_inverse=True)
    return row_labels, col_labels, _binary(row_idx.reshape(-1), col_idx.reshape(-1), row_labels.size, col_labels.size)


def _binary(row_idx: IntArray, col_idx: IntArray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    ones = np.ones(row_idx.size, dtype=np.int32)
    matrix = sparse.csr_matrix((ones, (row_idx, col_idx)), shape=(n_rows, n_cols))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


def bought_together(order_ids: ArrayLike, product_ids: ArrayLike, *, min_count: int = 2) -> PairStats:
    """Co-occurrence statistics of every product pair seen together in >= ``min_count`` orders."""
    orders = np.asarray(order_ids).reshape(-1)
    items = np.asarray(product_ids).reshape(-1)
    if orders.shape != items.shape or orders.size == 0:
        raise ValueError("order_ids and product_ids must be non-empty and of equal length")
    order_labels, products, incidence = _incidence(orders, items)
    co = (incidence.T @ incidence).tocoo()
    per_product = np.asarray(incidence.sum(axis=0)).reshape(-1).astype(np.int64)
    keep = (co.row < co.col) & (co.data >= min_count)
    a = co.row[keep].astype(np.int64)
    b = co.col[keep].astype(np.int64)
    count = co.data[keep].astype(np.int64)
    n_orders = int(order_labels.size)
    order = np.lexsort((b, a, -count))
    a, b, count = a[order], b[order], count[order]
    return PairStats(
        products=products,
        product_orders=per_product,
        n_orders=n_orders,
        a=a,
        b=b,
        count=count,
        support=count / n_orders,
        confidence_ab=count / per_product[a],
        confidence_ba=count / per_product[b],
        lift=count * float(n_orders) / (per_product[a] * per_product[b]).astype(np.float64),
    )


def _top_n_per_row(matrix: sparse.spmatrix, n: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Row, column and value of the ``n`` largest stored entries of each row (ties by column)."""
    coo = sparse.coo_matrix(matrix)
    if coo.nnz == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    order = np.lexsort((coo.col, -coo.data, coo.row))
    rows, cols, vals = coo.row[order], coo.col[order], coo.data[order]
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    rank = np.arange(rows.size) - np.repeat(starts, np.diff(np.append(starts, rows.size)))
    keep = rank < n
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64), vals[keep]


def cross_sell(
    customer_ids: ArrayLike, product_ids: ArrayLike, pairs: PairStats, *, n: int = 3
) -> Suggestions:
    """Products often bought with the customer's products that the customer has not bought yet.

    score(c, p) = sum over products q the customer bought of confidence(q -> p). Products unknown
    to ``pairs`` are ignored.
    """
    customers_in = np.asarray(customer_ids).reshape(-1)
    items = np.asarray(product_ids).reshape(-1)
    pos = np.searchsorted(pairs.products, items)
    pos = np.clip(pos, 0, max(pairs.products.size - 1, 0))
    known = pairs.products.size > 0
    known_mask = (pairs.products[pos] == items) if known else np.zeros(items.size, dtype=bool)
    customers, cust_idx = np.unique(customers_in, return_inverse=True)
    cust_idx = cust_idx.reshape(-1)
    bought = _binary(cust_idx[known_mask], pos[known_mask], customers.size, pairs.products.size)
    scores = (bought.astype(np.float64) @ pairs.confidence_matrix()).tocsr()
    scores = (scores - scores.multiply(bought)).tocsr()
    scores.eliminate_zeros()
    rows, cols, vals = _top_n_per_row(scores, n)
    return Suggestions(customer=customers[rows], product=pairs.products[cols], score=vals)


@dataclass(frozen=True)
class UpSell:
    """For each (customer, category) bought: the next dearer product of that category."""

    customer: NDArray[np.generic]
    category: NDArray[np.generic]
    product: NDArray[np.generic]
    price: FloatArray
    current_price: FloatArray


def up_sell(
    customer_ids: ArrayLike,
    product_ids: ArrayLike,
    catalog_products: ArrayLike,
    catalog_prices: ArrayLike,
    catalog_categories: ArrayLike,
) -> UpSell:
    """Cheapest catalogue product priced above the dearest one the customer bought in a category.

    Vectorised with one sort of the catalogue by (category, price) and a searchsorted per
    (customer, category); categories where the customer already buys the top product are omitted.
    """
    cat_products = np.asarray(catalog_products).reshape(-1)
    prices = np.asarray(catalog_prices, dtype=np.float64).reshape(-1)
    categories = np.asarray(catalog_categories).reshape(-1)
    if not (cat_products.shape == prices.shape == categories.shape):
        raise ValueError("catalog arrays must have the same length")
    by_id = np.argsort(cat_products)
    sorted_ids = cat_products[by_id]
    items = np.asarray(product_ids).reshape(-1)
    buyers = np.asarray(customer_ids).reshape(-1)
    pos = np.clip(np.searchsorted(sorted_ids, items), 0, sorted_ids.size - 1)
    known = sorted_ids[pos] == items
    catalog_row = by_id[pos[known]]
    buyers = buyers[known]

    cat_labels, cat_idx = np.unique(categories, return_inverse=True)
    cat_idx = cat_idx.reshape(-1)
    price_labels, price_rank = np.unique(prices, return_inverse=True)
    price_rank = price_rank.reshape(-1).astype(np.int64)
    width = np.int64(price_labels.size + 1)
    catalog_key = cat_idx.astype(np.int64) * width + price_rank
    key_order = np.argsort(catalog_key, kind="stable")
    sorted_key = catalog_key[key_order]

    customers, cust_idx = np.unique(buyers, return_inverse=True)
    pair_key = cust_idx.reshape(-1).astype(np.int64) * np.int64(cat_labels.size) + cat_idx[catalog_row]
    pairs, pair_inverse = np.unique(pair_key, return_inverse=True)
    max_rank = np.full(pairs.size, -1, dtype=np.int64)
    np.maximum.at(max_rank, pair_inverse.reshape(-1), price_rank[catalog_row])
    pair_cat = pairs % cat_labels.size
    nxt = np.searchsorted(sorted_key, pair_cat * width + max_rank, side="right")
    valid = nxt < sorted_key.size
    valid[valid] = sorted_key[nxt[valid]] // width == pair_cat[valid]
    chosen = key_order[nxt[valid]]
    return UpSell(
        customer=customers[pairs[valid] // cat_labels.size],
        category=cat_labels[pair_cat[valid]],
        product=cat_products[chosen],
        price=prices[chosen],
        current_price=price_labels[max_rank[valid]],
    )
