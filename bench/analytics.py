"""Benchmark of the analytics compute pipeline against lifetimes 0.11.3 (run by hand).

    .venv/bin/python bench/analytics.py                      # 1,000,000 customers, median of 3
    .venv/bin/python bench/analytics.py --customers 100000 --repeats 3

Stages (ours and lifetimes alternate, each timed separately): summarise transactions, fit BG/NBD,
fit Gamma-Gamma, CLV (12 months, 1%/month, daily unit). Then bought-together over 1,000,000
orders (ours only; lifetimes has no equivalent). Prints a Markdown table, headed by its provenance
line (commit, date, CPU, load average before, during and after the run: bench/machine.py).

    .venv/bin/python bench/analytics.py --nightly            # a nightly run from PostgreSQL

`--nightly` instead times the database-backed nightly run (`guanxi analytics run`): read the purchase
summary of 1,000,000 customers, fit, score, cluster, and swap the metrics in. It uses its own
database, `guanxi_bench_analytics` (created and migrated when missing), and fills customers and
purchase summaries with server-side `INSERT … SELECT FROM generate_series` (seconds, not minutes).
The first run writes every customer's first stage change; the following runs (the nightly steady
state) write only the changes, so the median of the runs after the first is reported. Each run's
time goes to stderr as it ends; the table, headed by its provenance line, is printed at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import LoadWatch, provenance  # noqa: E402 - bench/machine.py, beside this script

from guanxi.analytics.compute import (  # noqa: E402
    customer_lifetime_value,
    expected_average_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    summarize_transactions,
)
from guanxi.analytics.compute.basket import bought_together  # noqa: E402
from guanxi.analytics.compute.simulate import simulate_transactions  # noqa: E402

START_DAY = int(np.datetime64("2023-01-01", "D").astype(np.int64))
UNTIL_DAY = int(np.datetime64("2024-12-31", "D").astype(np.int64))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one call, after a garbage collection so earlier stages do not leak into it."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def make_transactions(n_customers: int, seed: int) -> Any:
    """About 10 transactions per customer over two years (per-day BG/NBD and Gamma-Gamma)."""
    return simulate_transactions(
        n_customers,
        bgnbd_per_day=(2.0, 60.0, 1.0, 14.0),
        gamma_gamma=(4.0, 6.0, 100.0),
        start_day=START_DAY,
        until_day=UNTIL_DAY,
        seed=seed,
    )


def ours_pipeline(tx: Any) -> dict[str, tuple[float, Any]]:
    out: dict[str, tuple[float, Any]] = {}
    out["summarize"] = timed(lambda: summarize_transactions(tx.customer, tx.day, tx.amount, until=np.datetime64(tx.until_day, "D")))
    s = out["summarize"][1]
    out["fit BG/NBD"] = timed(lambda: fit_bgnbd(s.frequency, s.recency, s.T))
    out["fit Gamma-Gamma"] = timed(lambda: fit_gamma_gamma(s.frequency, s.monetary))
    bg, gg = out["fit BG/NBD"][1], out["fit Gamma-Gamma"][1]

    def clv() -> np.ndarray:
        spend = expected_average_spend(gg, s.frequency, s.monetary)
        return customer_lifetime_value(bg, s.frequency, s.recency, s.T, spend, months=12, unit="day")

    out["CLV"] = timed(clv)
    return out


def lifetimes_pipeline(tx: Any) -> dict[str, tuple[float, Any]]:
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    frame = pd.DataFrame(
        {"customer": tx.customer, "date": tx.day.astype("datetime64[D]").astype("datetime64[ns]"), "amount": tx.amount}
    )
    end = pd.Timestamp(np.datetime64(tx.until_day, "D"))
    out: dict[str, tuple[float, Any]] = {}
    out["summarize"] = timed(
        lambda: summary_data_from_transaction_data(
            frame, "customer", "date", monetary_value_col="amount", observation_period_end=end, freq="D"
        )
    )
    s = out["summarize"][1]
    out["fit BG/NBD"] = timed(lambda: BetaGeoFitter().fit(s.frequency, s.recency, s["T"]))
    repeat = s[(s.frequency > 0) & (s.monetary_value > 0)]
    out["fit Gamma-Gamma"] = timed(lambda: GammaGammaFitter().fit(repeat.frequency, repeat.monetary_value))
    bg, gg = out["fit BG/NBD"][1], out["fit Gamma-Gamma"][1]
    out["CLV"] = timed(
        lambda: gg.customer_lifetime_value(bg, s.frequency, s.recency, s["T"], s.monetary_value, time=12, freq="D")
    )
    return out


def make_orders(n_orders: int, n_products: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """1-6 lines per order, products drawn from a Zipf-like popularity curve."""
    rng = np.random.default_rng(seed)
    lines = rng.integers(1, 7, size=n_orders)
    orders = np.repeat(np.arange(n_orders), lines)
    weights = 1.0 / np.arange(1, n_products + 1) ** 0.8
    products = rng.choice(n_products, size=orders.size, p=weights / weights.sum())
    return orders, products


BENCH_DB = "guanxi_bench_analytics"


def _fill_value(column: str, data_type: str, owner_id: int) -> str:
    """A value for a NOT NULL customer column without a default, by type (the row is a stand-in)."""
    if column == "owner_id":
        return str(owner_id)
    if column == "id":
        return "g"
    if column == "name":
        return "'客户' || g"
    if column in ("code", "name_sort"):
        return "'B' || lpad(g::text, 8, '0')"
    if data_type in ("character varying", "text"):
        return "''"
    if data_type in ("integer", "bigint", "smallint", "numeric", "double precision"):
        return "0" if column != "version" else "1"
    if data_type == "boolean":
        return "false"
    if data_type.startswith("timestamp"):
        return "now()"
    if data_type == "date":
        return "CURRENT_DATE"
    if data_type in ("jsonb", "json"):
        return "'[]'" if column in ("phones", "emails") else "'{}'"
    if data_type == "uuid":
        return "gen_random_uuid()"
    raise SystemExit(f"bench: no filler for customers_customer.{column} ({data_type})")


def _fill_bench_database(n_customers: int, seed: int) -> None:
    """Customers and purchase summaries for the nightly benchmark, generated inside PostgreSQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM orders_purchasesummary")
        if cursor.fetchone()[0] == n_customers:
            return
        print(f"# filling {BENCH_DB} with {n_customers:,} customers and purchase summaries", file=sys.stderr)
        cursor.execute("TRUNCATE customers_customer, orders_purchasesummary, analytics_customermetrics, "
                       "analytics_stagechange, analytics_analyticsrun CASCADE")
        cursor.execute("""SELECT column_name, data_type FROM information_schema.columns
                          WHERE table_name = 'customers_customer' AND is_nullable = 'NO'
                          AND column_default IS NULL ORDER BY ordinal_position""")
        columns = cursor.fetchall()
        names = ", ".join(c for c, _t in columns)
        from guanxi.accounts.models import User

        owner, _created = User.objects.get_or_create(username="bench-owner")
        values = ", ".join(_fill_value(c, t, owner.pk) for c, t in columns)
        cursor.execute(f"INSERT INTO customers_customer ({names}) SELECT {values} "
                       f"FROM generate_series(1, %s) g", [n_customers])
        cursor.execute("SELECT setseed(%s)", [((seed % 1000) / 1000.0)])
        # Per customer: first purchase within two years, 1 + geometric purchase days, the last
        # between first and today, repeat-day spend about 120 a day.
        cursor.execute("""
INSERT INTO orders_purchasesummary (customer_id, first_purchase_at, last_purchase_at, orders_count, purchase_days,
    repeat_day_spend, sales_amount, returns_count, returns_amount, quantity, amount, margin, updated_at)
SELECT g, first_at, CASE WHEN days = 1 THEN first_at ELSE first_at + (now() - first_at) * random() ^ 0.7 END, days, days,
       round(((days - 1) * (40 + 160 * random()))::numeric, 2), spend, 0, 0, days, spend, 0, now()
FROM (SELECT g, now() - (random() * 730) * interval '1 day' AS first_at,
             1 + floor(-ln(1 - random()) * 3)::int AS days, round((50 + 400 * random())::numeric, 2) AS spend
      FROM generate_series(1, %s) g) s""", [n_customers])
        cursor.execute("UPDATE orders_purchasesummary SET amount = amount + repeat_day_spend, "
                       "sales_amount = sales_amount + repeat_day_spend")
        cursor.execute("ANALYZE customers_customer")
        cursor.execute("ANALYZE orders_purchasesummary")


def nightly(args: argparse.Namespace) -> None:
    """Time `services.run_now` (the nightly path) against PostgreSQL."""
    import psycopg

    watch = LoadWatch()

    base = os.environ.get("GUANXI_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            admin.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["GUANXI_DATABASE_URL"] = f"{base}/{BENCH_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _fill_bench_database(args.customers, args.seed)
    from guanxi.analytics import services

    print(f"# nightly run from PostgreSQL: {args.customers:,} customers; {os.cpu_count()} cores, "
          f"{platform.processor() or platform.machine()}")
    rows: list[str] = []
    totals: list[float] = []
    for rep in range(args.repeats + 1):
        seconds, run = timed(lambda: services.run_now(actor=None))
        if run.state != "done":
            raise SystemExit(f"run failed: {run.error}")
        t = run.diagnostics["timings"]
        rows.append(f"| {rep + 1}{' (first)' if rep == 0 else ''} | {seconds:.2f} | {t['extract']:.2f} | "
                    f"{t['score']:.2f} | {t['cluster']:.2f} | {t['basket']:.2f} | {t['write']:.2f} | "
                    f"{run.diagnostics['stage_changes']:,} |")
        print(f"  run {rep + 1}/{args.repeats + 1}: {seconds:.2f} s", file=sys.stderr, flush=True)
        if rep:
            totals.append(seconds)
    watch.stop()
    # The table as docs/benchmarks.md shows it, headed by its provenance line.
    print(f"\n{provenance(watch)}\n\n| run | total (s) | extract | score | cluster | basket | write | stage changes |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(f"\nnightly run, median of runs 2-{args.repeats + 1}: {statistics.median(totals):.2f} s (target 30 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nightly", action="store_true", help="time the nightly run from PostgreSQL instead")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-lifetimes", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.nightly:
        nightly(args)
        return

    watch = LoadWatch()
    tx = make_transactions(args.customers, args.seed)
    print(f"# {args.customers:,} customers, {tx.customer.size:,} transactions; "
          f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, numpy {np.__version__}")
    ours: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    for rep in range(args.repeats):
        for name, (seconds, _) in ours_pipeline(tx).items():
            ours.setdefault(name, []).append(seconds)
        if not args.skip_lifetimes:
            for name, (seconds, _) in lifetimes_pipeline(tx).items():
                theirs.setdefault(name, []).append(seconds)
        print(f"  repeat {rep + 1}/{args.repeats} done", file=sys.stderr, flush=True)

    watch.stop()
    print(f"\n{provenance(watch)}")
    print("\n| stage | guanxi (s) | lifetimes (s) | speed-up |\n|---|---:|---:|---:|")
    total_ours = total_theirs = 0.0
    for name, samples in ours.items():
        mine = statistics.median(samples)
        total_ours += mine
        if theirs:
            other = statistics.median(theirs[name])
            total_theirs += other
            print(f"| {name} | {mine:.2f} | {other:.2f} | {other / mine:.1f}x |")
        else:
            print(f"| {name} | {mine:.2f} | - | - |")
    if theirs:
        print(f"| **total** | **{total_ours:.2f}** | **{total_theirs:.2f}** | **{total_theirs / total_ours:.1f}x** |")

    orders, products = make_orders(args.orders, 5_000, args.seed)
    basket_times = [timed(lambda: bought_together(orders, products, min_count=5))[0] for _ in range(args.repeats)]
    pairs = bought_together(orders, products, min_count=5)
    print(f"\nbought-together: {args.orders:,} orders, {orders.size:,} lines, {pairs.a.size:,} pairs kept: "
          f"median {statistics.median(basket_times):.2f} s")


if __name__ == "__main__":
    main()
