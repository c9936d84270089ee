"""Per-customer recency/frequency/monetary summary from raw transaction arrays.

Definitions follow the CDNOW literature and lifetimes: transactions are merged per customer per
calendar day; ``frequency`` x is the number of distinct purchase days minus one; ``recency`` t_x
is the time from the first to the last purchase day and ``T`` the time from the first purchase day
to ``until`` (inclusive), both in ``unit`` (a week is exactly 7 days, not a calendar week);
``monetary`` is the mean spend of the repeat purchase days (0 when x == 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._optim import FloatArray, IntArray

Unit = Literal["day", "week"]
DAYS_PER_UNIT: dict[str, float] = {"day": 1.0, "week": 7.0}


@dataclass(frozen=True)
class CustomerSummary:
    """Sufficient statistics per customer, sorted by customer id."""

    customer: NDArray[np.generic]
    frequency: IntArray
    recency: FloatArray
    T: FloatArray
    monetary: FloatArray
    first_date: NDArray[np.datetime64]
    last_date: NDArray[np.datetime64]
    total_spend: FloatArray
    recent_purchase_days: IntArray
    until: np.datetime64
    unit: Unit
    recent_window_days: int

    @property
    def n_customers(self) -> int:
        """Number of customers with at least one purchase on or before ``until``."""
        return int(self.frequency.shape[0])

    @property
    def purchase_days(self) -> IntArray:
        """Distinct purchase days per customer (x + 1)."""
        return self.frequency + 1

    @property
    def days_since_last(self) -> FloatArray:
        """Whole days from the last purchase day to ``until``."""
        return to_day_numbers(self.until).astype(np.float64) - to_day_numbers(self.last_date).astype(np.float64)

    @property
    def age_days(self) -> FloatArray:
        """Whole days from the first purchase day to ``until``."""
        return to_day_numbers(self.until).astype(np.float64) - to_day_numbers(self.first_date).astype(np.float64)

    @property
    def days_per_unit(self) -> float:
        """Length of one model time unit in days."""
        return DAYS_PER_UNIT[self.unit]


def to_day_numbers(dates: ArrayLike) -> IntArray:
    """Dates as int64 days since 1970-01-01.

    Accepts datetime64 of any resolution (truncated to the calendar day) or integers that are
    already day numbers; strings are parsed by numpy's ISO-8601 reader.
    """
    arr = np.asarray(dates)
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64, copy=False)
    if not np.issubdtype(arr.dtype, np.datetime64):
        arr = arr.astype("datetime64[D]")
    return arr.astype("datetime64[D]").astype(np.int64)


def summarize_transactions(
    customer_ids: ArrayLike,
    dates: ArrayLike,
    amounts: ArrayLike,
    *,
    until: object = None,
    unit: Unit = "day",
    recent_window_days: int = 180,
) -> CustomerSummary:
    """Build the per-customer summary with one sort and no Python loop over customers.

    Rows after ``until`` are dropped; ``until`` defaults to the last transaction date. Amounts of
    the same customer and day are added up before anything else, so same-day duplicates count as
    one purchase day. ``recent_purchase_days`` counts purchase days within the last
    ``recent_window_days`` days up to ``until`` (used by the lifecycle rules).
    """
    if unit not in DAYS_PER_UNIT:
        raise ValueError(f"unit must be 'day' or 'week', got {unit!r}")
    ids = np.asarray(customer_ids)
    days = to_day_numbers(dates)
    money = np.asarray(amounts, dtype=np.float64)
    if not (ids.shape == days.shape == money.shape) or ids.ndim != 1:
        raise ValueError("customer_ids, dates and amounts must be 1-d arrays of equal length")
    if ids.size == 0:
        raise ValueError("no transactions")
    until_day = int(days.max()) if until is None else int(to_day_numbers(np.asarray([until]))[0])
    keep = days <= until_day
    if not keep.all():
        ids, days, money = ids[keep], days[keep], money[keep]
    if ids.size == 0:
        raise ValueError("no transactions on or before the end of the observation period")

    customers, day_pairs, pair_cust, pair_spend = _merge_same_day(ids, days, money)
    starts = _group_starts(pair_cust)
    ends = np.append(starts[1:], pair_cust.size) - 1
    first_day = day_pairs[starts]
    last_day = day_pairs[ends]
    n_days = (ends - starts + 1).astype(np.int64)
    total = np.add.reduceat(pair_spend, starts)
    frequency = n_days - 1
    repeat_spend = total - pair_spend[starts]
    monetary = np.divide(repeat_spend, frequency, out=np.zeros_like(total), where=frequency > 0)
    recent = np.bincount(pair_cust[day_pairs > until_day - recent_window_days], minlength=customers.size)

    per_unit = DAYS_PER_UNIT[unit]
    return CustomerSummary(
        customer=customers,
        frequency=frequency,
        recency=(last_day - first_day).astype(np.float64) / per_unit,
        T=(until_day - first_day).astype(np.float64) / per_unit,
        monetary=monetary,
        first_date=first_day.astype("datetime64[D]"),
        last_date=last_day.astype("datetime64[D]"),
        total_spend=total,
        recent_purchase_days=recent.astype(np.int64),
        until=np.datetime64(until_day, "D"),
        unit=unit,
        recent_window_days=recent_window_days,
    )


def _merge_same_day(
    ids: NDArray[np.generic], days: IntArray, money: FloatArray
) -> tuple[NDArray[np.generic], IntArray, IntArray, FloatArray]:
    """Collapse rows to one per (customer, day), sorted by customer then day, summing amounts.

    Returns the distinct customers and, per merged row, its day, customer index and spend.
    Integer ids take a fast path: one argsort of a packed (id, day) key instead of a separate
    ``np.unique`` over the ids, which halves the sorting work on large files.
    """
    min_day = int(days.min())
    span = int(days.max()) - min_day + 1
    if np.issubdtype(ids.dtype, np.integer):
        min_id = int(ids.min())
        if (int(ids.max()) - min_id + 1) * span < 2**62:
            key = (ids.astype(np.int64, copy=False) - min_id) * span + (days - min_day)
            order = np.argsort(key)
            key_sorted = key[order]
            starts = _group_starts(key_sorted)
            unique_keys = key_sorted[starts]
            spend = np.add.reduceat(money[order], starts)
            raw_cust = unique_keys // span
            cust_starts = _group_starts(raw_cust)
            pair_cust = np.cumsum(np.r_[0, (raw_cust[1:] != raw_cust[:-1])]).astype(np.int64)
            customers = (raw_cust[cust_starts] + min_id).astype(ids.dtype)
            return customers, unique_keys % span + min_day, pair_cust, spend
    customers, cust_idx = np.unique(ids, return_inverse=True)
    key = cust_idx.reshape(-1).astype(np.int64, copy=False) * span + (days - min_day)
    order = np.argsort(key)
    key_sorted = key[order]
    starts = _group_starts(key_sorted)
    unique_keys = key_sorted[starts]
    spend = np.add.reduceat(money[order], starts)
    return customers, unique_keys % span + min_day, unique_keys // span, spend


def _group_starts(sorted_keys: NDArray[np.integer]) -> IntArray:
    """Start index of each run of equal values in a sorted array."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    return np.concatenate(([0], change)).astype(np.int64)
