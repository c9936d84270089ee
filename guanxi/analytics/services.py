"""Analytics runs: create, enqueue, run (extract → fit and score → write back) and swap in.

A run reads arrays through `extract`, computes with the Django-free `compute` package, and writes
its results in one transaction: the metrics table is replaced whole (DELETE + INSERT from a staging
table), the stage changes and clusters and pairs are added, and the run becomes the current one. A
reader therefore sees the previous run's metrics or the new run's, never a mix; a run that fails at
any point leaves the previous metrics live and is marked failed. See ADR 0014.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import User
from guanxi.analytics import extract
from guanxi.analytics.choices import RunState, RunTrigger, RunUnit
from guanxi.analytics.compute._optim import FloatArray, IntArray
from guanxi.analytics.compute.basket import PairStats, bought_together
from guanxi.analytics.compute.clustering import Clustering, cluster_customers, customer_features, standardize
from guanxi.analytics.compute.diagnostics import (
    fit_diagnostics,
    fitted_summary,
    holdout_diagnostics,
    tracking_diagnostics,
)
from guanxi.analytics.compute.lifecycle import STAGES, LifecycleRules
from guanxi.analytics.compute.pipeline import CustomerScores, ScoringOptions, score_customers
from guanxi.analytics.compute.rfm import SEGMENTS
from guanxi.analytics.compute.summary import Unit
from guanxi.analytics.models import AnalyticsRun, Cluster, CustomerMetrics, ProductPair, StageChange
from guanxi.core import events
from guanxi.customers.models import Customer
from guanxi.orders.batch import PURCHASE_DAY_TZ

logger = logging.getLogger(__name__)

SEGMENT_KEYS: tuple[str, ...] = tuple(s.key for s in SEGMENTS)
MAX_HOLDOUT_DAYS = 3650
#: Bought-together pairs kept per run (each stored in both directions), and the least support.
PAIR_LIMIT = 200
PAIR_MIN_SUPPORT = 0.0005
PAIR_MIN_ORDERS = 3


# --- Permissions and creation --------------------------------------------------------------------------


def may_run(user: Any) -> bool:
    """Managers and administrators start runs: a run rescores every customer, not only the user's."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and user.data_scope in (DataScope.DEPARTMENT, DataScope.ALL))


@dataclass(frozen=True)
class RunRequest:
    """What the caller may choose about a run."""

    until: dt.date | None = None
    holdout_days: int = 0
    unit: str = RunUnit.DAY
    model: str = ""  # "bgnbd" or "paretonbd"; empty: the GUANXI_ANALYTICS_MODEL setting (default bgnbd)


MODELS = ("bgnbd", "paretonbd")


def local_today() -> dt.date:
    """Today in Asia/Shanghai, the calendar purchase days are counted in."""
    return timezone.now().astimezone(PURCHASE_DAY_TZ).date()


def _validate(request: RunRequest) -> None:
    errors: dict[str, list[str]] = {}
    today = local_today()
    if request.unit not in RunUnit.values:
        errors["unit"] = [_("Choose day or week.")]
    if request.model not in ("", *MODELS):
        errors["model"] = [_("Choose bgnbd or paretonbd.")]
    if not 0 <= request.holdout_days <= MAX_HOLDOUT_DAYS:
        errors["holdout_days"] = [_("Enter a number of days from 0 to %(max)s.") % {"max": MAX_HOLDOUT_DAYS}]
    elif request.until is not None and request.until > today:
        errors["until"] = [_("The calibration end cannot be in the future.")]
    elif request.until is not None and request.until < dt.date(1990, 1, 1):
        errors["until"] = [_("The calibration end must be in 1990 or later.")]
    elif request.holdout_days and request.until is not None and request.until + dt.timedelta(
            days=request.holdout_days) > today:
        errors["holdout_days"] = [_("The hold-out period must end by today.")]
    if errors:
        raise ValidationError(errors)


def run_create(*, actor: User | None, trigger: str, request: RunRequest | None = None) -> AnalyticsRun:
    """A queued run, checked; nothing is computed yet."""
    request = request or RunRequest()
    if trigger in (RunTrigger.UI, RunTrigger.API) and not may_run(actor):
        raise PermissionDenied(_("Only managers and administrators can start an analytics run."))
    _validate(request)
    return AnalyticsRun.objects.create(
        state=RunState.QUEUED, trigger=trigger, requested_by=actor, until=request.until,
        holdout_days=request.holdout_days, unit=request.unit, parameters={"model": request.model or default_model()},
    )


def active_run() -> AnalyticsRun | None:
    return AnalyticsRun.objects.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).order_by("-id").first()


def run_enqueue(*, actor: User | None, trigger: str, request: RunRequest | None = None) -> AnalyticsRun:
    """Queue a run for the worker, after this transaction commits. A run already queued or running
    is returned instead of a second one: two runs at once would only race to swap their metrics."""
    existing = active_run()
    if existing is not None:
        if trigger in (RunTrigger.UI, RunTrigger.API) and not may_run(actor):
            raise PermissionDenied(_("Only managers and administrators can start an analytics run."))
        return existing
    run = run_create(actor=actor, trigger=trigger, request=request)
    run_id = run.pk
    transaction.on_commit(lambda: enqueue(run_id))
    return run


def enqueue(run_id: int) -> None:
    from django_q.tasks import async_task

    # Timeout and retry come from Q_CLUSTER (an hour; retry above it), far longer than a run.
    async_task("guanxi.analytics.tasks.run_analytics_task", run_id, task_name=f"analytics-run-{run_id}",
               group="analytics")


def run_job(run_id: int) -> AnalyticsRun | None:
    """Run a queued run to its end. Safe to call twice: only the call that claims it does anything."""
    claimed = AnalyticsRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, started_at=timezone.now(), progress=0, progress_note="")
    if not claimed:
        return None
    run = AnalyticsRun.objects.select_related("requested_by").get(pk=run_id)
    language = getattr(run.requested_by, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            run_analytics(run)
        except Exception as exc:  # noqa: BLE001 - the run records every failure; the worker must go on
            logger.exception("analytics run %s failed", run_id)
            _update(run, state=RunState.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}",
                    progress_note=_("Failed"))
            events.publish(events.AnalyticsRunFinished(run_id=run.pk, state=RunState.FAILED))
    run.refresh_from_db()
    return run


def run_now(*, actor: User | None, trigger: str = RunTrigger.COMMAND, request: RunRequest | None = None) -> AnalyticsRun:
    """Create and run a run in this process (the management command, the demo): no worker needed."""
    run = run_create(actor=actor, trigger=trigger, request=request)
    result = run_job(run.pk)
    assert result is not None  # just created, so this call claims it
    return result


# --- The run -------------------------------------------------------------------------------------------


def _update(run: AnalyticsRun, **values: Any) -> None:
    """Progress and state go straight to the row (outside the swap transaction), so pollers see them."""
    AnalyticsRun.objects.filter(pk=run.pk).update(**values)
    for key, value in values.items():
        setattr(run, key, value)


def default_model() -> str:
    """The purchase model of runs that do not choose one: BG/NBD unless settings say Pareto/NBD."""
    model = str(getattr(settings, "GUANXI_ANALYTICS_MODEL", "bgnbd"))
    return model if model in MODELS else "bgnbd"


def scoring_options(model: str | None = None) -> ScoringOptions:
    """CLV horizon and discount rate from settings (defaults: 12 months, 1% a month); the purchase
    model (Pareto/NBD is fitted on a sample of at most 50,000 customers when there are more)."""
    return ScoringOptions(
        model="paretonbd" if (model or default_model()) == "paretonbd" else "bgnbd",
        clv_months=int(getattr(settings, "GUANXI_ANALYTICS_CLV_MONTHS", 12)),
        monthly_discount_rate=float(getattr(settings, "GUANXI_ANALYTICS_DISCOUNT_RATE", 0.01)),
        lifecycle=LifecycleRules(),
    )


@dataclass
class Timings:
    """Seconds per stage, stored in the run's diagnostics."""

    seconds: dict[str, float]

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 3)


def run_analytics(run: AnalyticsRun) -> None:
    """Extract, fit and score, cluster, find the bought-together pairs and swap the results in.

    Raises on failure (the caller marks the run failed); nothing is written before the final
    transaction, so the previous run's metrics stay live until this one commits.
    """
    timings = Timings({})
    options = scoring_options((run.parameters or {}).get("model") if isinstance(run.parameters, dict) else None)
    today = local_today()
    _update(run, progress=5, progress_note=_("Reading purchases"))
    with timings.stage("extract"):
        data = extract.read_customers(until=run.until, today=today, holdout_days=run.holdout_days,
                                      unit=cast(Unit, run.unit))
        previous = extract.read_previous_stages(STAGES)
    parameters: dict[str, Any] = {
        "until": data.until.isoformat(), "unit": run.unit, "holdout_days": run.holdout_days, "source": data.source,
        "clv_months": options.clv_months, "monthly_discount_rate": options.monthly_discount_rate,
        "model": options.model, "horizons_days": list(options.horizons_days),
        "lifecycle": vars(options.lifecycle), "pair_limit": PAIR_LIMIT, "pair_min_support": PAIR_MIN_SUPPORT,
    }
    _update(run, progress=20, progress_note=_("Fitting the models"), parameters=parameters)
    scores: CustomerScores | None = None
    clustering: Clustering | None = None
    diagnostics: dict[str, Any] = {}
    if data.summary is not None:
        with timings.stage("score"):
            scores = score_customers(data.summary, options)
        diagnostics.update(fit_diagnostics(scores))
        if data.holdout is not None:
            diagnostics["holdout"] = holdout_diagnostics(scores, data.holdout)
        if data.source == "orders":
            tracking = tracking_diagnostics(scores, extract.read_tracking(data.summary, data.until, run.holdout_days),
                                             data.until)
            if tracking is not None:
                diagnostics["tracking"] = tracking
        _update(run, progress=50, progress_note=_("Clustering customers"))
        with timings.stage("cluster"):
            s = scores.summary
            clustering = _clusters(customer_features(s.days_since_last, s.purchase_days,
                                                     np.clip(s.total_spend, 0, None)))
        diagnostics["clusters"] = {"k": clustering.k,
                                   "silhouette": {str(k): round(v, 4) for k, v in clustering.silhouette.items()}}
    _update(run, progress=65, progress_note=_("Finding products bought together"))
    with timings.stage("basket"):
        pairs = _pairs()
    diagnostics["pairs"] = {"orders": pairs.n_orders if pairs else 0, "kept": int(pairs.a.size) if pairs else 0}
    _update(run, progress=75, progress_note=_("Saving the results"))
    now = timezone.now()
    with timings.stage("write"), transaction.atomic():
        changes = _write_metrics(run, scores, clustering, previous, data.until, now)
        _write_clusters(run, scores, clustering)
        _write_pairs(run, pairs)
        AnalyticsRun.objects.filter(is_current=True).exclude(pk=run.pk).update(is_current=False)
        diagnostics["stage_changes"] = changes
        diagnostics["timings"] = timings.seconds
        _update(run, state=RunState.DONE, is_current=True, progress=100, progress_note=_("Done"),
                finished_at=timezone.now(), fitted=fitted_summary(scores), diagnostics=diagnostics)
        events.publish(events.AnalyticsRunFinished(run_id=run.pk, state=RunState.DONE))
    _update(run, diagnostics={**diagnostics, "timings": timings.seconds})  # now with the write's time


CLUSTER_SAMPLE = 20_000


def _clusters(features: FloatArray, *, seed: int = 0) -> Clustering:
    """k-means on a sample (k by silhouette), then everyone joins the nearest centre.

    `cluster_customers` runs Lloyd's iterations over every customer after choosing k, which takes
    minutes at a million; centres fitted on 20,000 customers are as good for describing segments,
    and one nearest-centre pass labels the rest in a second.
    """
    n = features.shape[0]
    if n <= CLUSTER_SAMPLE:
        return cluster_customers(features, seed=seed)
    rng = np.random.default_rng(seed)
    sample = features[np.sort(rng.choice(n, size=CLUSTER_SAMPLE, replace=False))]
    fitted = cluster_customers(sample, seed=seed, fit_sample=CLUSTER_SAMPLE)
    _z, mean, std = standardize(sample)
    z = (features - mean) / std
    distances = ((z[:, None, :] - fitted.centers_z[None, :, :]) ** 2).sum(axis=2)
    labels = distances.argmin(axis=1).astype(np.int64)
    return replace(fitted, labels=labels, sizes=np.bincount(labels, minlength=fitted.k))


def _pairs() -> PairStats | None:
    """Bought-together statistics over every sale's lines; None without two-product orders."""
    order_ids, product_ids = extract.read_order_products()
    if order_ids.size == 0:
        return None
    n_orders = int(np.unique(order_ids).size)
    min_count = max(PAIR_MIN_ORDERS, math.ceil(PAIR_MIN_SUPPORT * n_orders))
    return bought_together(order_ids, product_ids, min_count=min_count)


# --- Writing -------------------------------------------------------------------------------------------


def _day_array(days: IntArray) -> list[dt.date]:
    return [extract.from_day_number(int(d)) for d in days]


def _metrics_arrays(run: AnalyticsRun, scores: CustomerScores, clustering: Clustering | None,
                    previous: extract.PreviousStages, until: dt.date) -> tuple[dict[str, np.ndarray], IntArray, IntArray]:
    """Column arrays of the new metrics, plus the previous stage per customer (-1 when new) and
    the mask of customers whose stage changed."""
    s = scores.summary
    ids = s.customer.astype(np.int64)
    prev_stage = extract._align(ids, previous.customer, previous.stage, -1).astype(np.int64)
    prev_since = extract._align(ids, previous.customer, previous.since, -1).astype(np.int64)
    stage = scores.stage.astype(np.int64)
    changed = prev_stage != stage
    since = np.where(changed | (prev_since < 0), extract.day_number(until), prev_since)
    clv = scores.clv
    columns: dict[str, np.ndarray] = {
        "customer_id": ids,
        "recency_days": np.round(s.days_since_last).astype(np.int64),
        "frequency": s.purchase_days.astype(np.int64),
        "monetary_cents": np.round(np.clip(s.total_spend, -1e12 + 1, 1e12 - 1) * 100).astype(np.int64),
        "r_score": scores.rfm.r_score.astype(np.int64),
        "f_score": scores.rfm.f_score.astype(np.int64),
        "m_score": scores.rfm.m_score.astype(np.int64),
        "segment": scores.rfm.segment.astype(np.int64),
        "p_alive": np.nan_to_num(scores.p_alive, nan=0.0),
        "expected_30": np.nan_to_num(scores.expected_purchases[30], nan=0.0),
        "expected_90": np.nan_to_num(scores.expected_purchases[90], nan=0.0),
        "expected_365": np.nan_to_num(scores.expected_purchases[365], nan=0.0),
        "expected_spend": np.where(np.isfinite(scores.expected_spend), scores.expected_spend, np.nan),
        "clv": np.where(np.isfinite(clv), clv, np.nan),
        "value_at_risk": np.where(np.isfinite(scores.value_at_risk), scores.value_at_risk, np.nan),
        "stage": stage,
        "stage_since": since.astype(np.int64),
        "cluster": clustering.labels.astype(np.int64) if clustering is not None else np.full(ids.size, -1),
    }
    return columns, prev_stage, changed.astype(np.int64)


def _write_metrics(run: AnalyticsRun, scores: CustomerScores | None, clustering: Clustering | None,
                   previous: extract.PreviousStages, until: dt.date, now: dt.datetime) -> int:
    """Replace every metrics row with this run's, and record stage changes. Returns the number of
    stage changes. Runs inside the swap transaction."""
    if scores is None or not extract.is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {METRICS}")
    if scores is None:
        return 0
    columns, prev_stage, changed = _metrics_arrays(run, scores, clustering, previous, until)
    mask = changed.astype(bool)
    change_ids = columns["customer_id"][mask]
    change_from = prev_stage[mask]
    change_to = columns["stage"][mask]
    if extract.is_postgresql():
        _write_metrics_pg(run, columns)
        _write_changes_pg(run, change_ids, change_from, change_to, now)
    else:
        _write_metrics_rows(run, columns)
        StageChange.objects.bulk_create([
            StageChange(run=run, customer_id=int(c), from_stage=STAGES[f] if f >= 0 else "", to_stage=STAGES[t], at=now)
            for c, f, t in zip(change_ids.tolist(), change_from.tolist(), change_to.tolist(), strict=True)
        ], batch_size=2000)
    return int(mask.sum())


def _none_if_nan(values: FloatArray) -> list[float | None]:
    return [None if math.isnan(v) else v for v in values.tolist()]


def _write_metrics_rows(run: AnalyticsRun, columns: dict[str, np.ndarray]) -> None:
    """SQLite: batched INSERTs of Python values (no COPY; the sizes there are small)."""
    from decimal import Decimal

    n = columns["customer_id"].size
    values = [
        columns["customer_id"].tolist(), [run.pk] * n, columns["recency_days"].tolist(), columns["frequency"].tolist(),
        [str(Decimal(c).scaleb(-2)) for c in columns["monetary_cents"].tolist()],
        columns["r_score"].tolist(), columns["f_score"].tolist(), columns["m_score"].tolist(),
        [SEGMENT_KEYS[i] for i in columns["segment"].tolist()],
        columns["p_alive"].tolist(), columns["expected_30"].tolist(), columns["expected_90"].tolist(),
        columns["expected_365"].tolist(), _none_if_nan(columns["expected_spend"]), _none_if_nan(columns["clv"]),
        _none_if_nan(columns["value_at_risk"]), [STAGES[i] for i in columns["stage"].tolist()],
        [d.isoformat() for d in _day_array(columns["stage_since"])],
        [None if c < 0 else c for c in columns["cluster"].tolist()],
    ]
    names = ("customer_id, run_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment, p_alive, "
             "expected_30, expected_90, expected_365, expected_spend, clv, value_at_risk, stage, stage_since, cluster")
    rows = list(zip(*values, strict=True))
    marks = ", ".join(["%s"] * len(values))
    # Only customers that still exist: one merged away or deleted while the run computed is skipped.
    existing = set(_existing_customers())
    rows = [row for row in rows if row[0] in existing]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(f"INSERT INTO {METRICS} ({names}) VALUES ({marks})",
                               rows[start:start + 5000])


def _existing_customers() -> list[int]:
    return list(Customer.objects.values_list("pk", flat=True))


# PostgreSQL binary COPY: fixed-width big-endian fields, written by numpy in one pass.
_BINARY_TYPES = {"int8": ">i8", "int4": ">i4", "int2": ">i2", "float8": ">f8"}
_BINARY_SIZES = {"int8": 8, "int4": 4, "int2": 2, "float8": 8}


def copy_binary(table: str, columns: list[tuple[str, str]], arrays: list[np.ndarray]) -> None:
    """COPY arrays into `table` in PostgreSQL's binary format: no per-row Python work at all.

    Every column is fixed-width and not NULL; NULLs are written as sentinels (NaN, -1) and turned
    into NULL by the INSERT … SELECT that reads the staging table.
    """
    n = arrays[0].size if arrays else 0
    record = np.dtype([("n", ">i2")] + [f for i, (_name, t) in enumerate(columns)
                                          for f in ((f"l{i}", ">i4"), (f"v{i}", _BINARY_TYPES[t]))])
    rows = np.empty(n, dtype=record)
    rows["n"] = len(columns)
    for i, ((_name, t), values) in enumerate(zip(columns, arrays, strict=True)):
        rows[f"l{i}"] = _BINARY_SIZES[t]
        rows[f"v{i}"] = values
    header = b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], dtype=">i4").tobytes()
    data = header + rows.tobytes() + np.array([-1], dtype=">i2").tobytes()
    names = ", ".join(name for name, _t in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        for start in range(0, len(data), 8 << 20):
            copy.write(data[start:start + (8 << 20)])


_METRICS_STAGING = [
    ("customer_id", "int8"), ("recency_days", "int4"), ("frequency", "int4"), ("monetary_cents", "int8"),
    ("r_score", "int2"), ("f_score", "int2"), ("m_score", "int2"), ("segment", "int2"), ("p_alive", "float8"),
    ("expected_30", "float8"), ("expected_90", "float8"), ("expected_365", "float8"), ("expected_spend", "float8"),
    ("clv", "float8"), ("value_at_risk", "float8"), ("stage", "int2"), ("stage_since", "int4"), ("cluster", "int2"),
]


def _sql_array(keys: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{k}'" for k in keys) + "]::varchar[]"


METRICS = CustomerMetrics._meta.db_table
CUSTOMERS = Customer._meta.db_table
# pg_indexes.indexdef: "CREATE [UNIQUE] INDEX name ON schema.table USING btree (columns) …"
_INDEX_DEF = re.compile(r"^(?P<create>CREATE (?:UNIQUE )?INDEX) \S+ ON \S+ (?P<rest>USING .*)$")
METRICS_NEXT = f"{METRICS}_next"


def _swap_in_metrics_table() -> None:
    """Make the filled `METRICS_NEXT` the metrics table: its indexes are built now, in one sorted
    pass each (maintaining them row by row during a million inserts took most of the nightly run),
    under the old indexes' names; then the old table is dropped and the new one renamed. All in the
    run's transaction: readers see the old table until the commit, and wait only for the rename."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                       "AND tablename = %s ORDER BY indexname", [METRICS])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
                       [METRICS])
        primary = {row[0] for row in cursor.fetchall()}
        renames = []
        for number, (name, definition) in enumerate(indexes):
            temporary = f"{METRICS_NEXT}_{number}"
            parts = _INDEX_DEF.match(definition)
            if parts is None:
                raise RuntimeError(f"cannot rebuild index {name}: {definition}")
            built = f"{parts['create']} {temporary} ON {METRICS_NEXT} {parts['rest']}"
            cursor.execute(built)
            if name in primary:
                cursor.execute(f"ALTER TABLE {METRICS_NEXT} ADD CONSTRAINT {temporary}_pk PRIMARY KEY "
                               f"USING INDEX {temporary}")
                temporary = f"{temporary}_pk"
            renames.append((temporary, name))
        cursor.execute(f"DROP TABLE {METRICS}")
        cursor.execute(f"ALTER TABLE {METRICS_NEXT} RENAME TO {METRICS}")
        for temporary, name in renames:
            cursor.execute(f"ALTER INDEX {connection.ops.quote_name(temporary)} RENAME TO "
                           f"{connection.ops.quote_name(name)}")
        cursor.execute(f"ANALYZE {METRICS}")


def _write_metrics_pg(run: AnalyticsRun, columns: dict[str, np.ndarray]) -> None:
    """PostgreSQL: binary COPY into a temporary staging table, then one INSERT … SELECT that maps
    codes to keys, sentinels to NULL and keeps only customers that still exist — into a fresh copy
    of the metrics table without indexes, which then replaces the old one (`_swap_in_metrics_table`)."""
    ddl = ", ".join(f"{name} {t}" for name, t in _METRICS_STAGING)
    with connection.cursor() as cursor:
        # Dropped first: inside an enclosing transaction (tests) ON COMMIT has not fired yet.
        cursor.execute("DROP TABLE IF EXISTS analytics_metrics_staging")
        cursor.execute(f"CREATE TEMPORARY TABLE analytics_metrics_staging ({ddl}) ON COMMIT DROP")
    copy_binary("analytics_metrics_staging", _METRICS_STAGING, [columns[name] for name, _t in _METRICS_STAGING])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {METRICS_NEXT}")
        # Defaults, NOT NULL and CHECK constraints, no indexes: those are built after the load.
        cursor.execute(f"CREATE TABLE {METRICS_NEXT} (LIKE {METRICS} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(f"""
INSERT INTO {METRICS_NEXT} (customer_id, run_id, recency_days, frequency, monetary, r_score, f_score,
    m_score, segment, p_alive, expected_30, expected_90, expected_365, expected_spend, clv, value_at_risk, stage,
    stage_since, cluster)
SELECT s.customer_id, %s, s.recency_days, s.frequency, s.monetary_cents / 100.0, s.r_score, s.f_score, s.m_score,
    ({_sql_array(SEGMENT_KEYS)})[s.segment + 1], s.p_alive, s.expected_30, s.expected_90, s.expected_365,
    NULLIF(s.expected_spend, 'NaN'), NULLIF(s.clv, 'NaN'), NULLIF(s.value_at_risk, 'NaN'),
    ({_sql_array(STAGES)})[s.stage + 1], DATE '1970-01-01' + s.stage_since, NULLIF(s.cluster, -1)
FROM analytics_metrics_staging s JOIN {CUSTOMERS} c ON c.id = s.customer_id""", [run.pk])
    _swap_in_metrics_table()


def _write_changes_pg(run: AnalyticsRun, ids: IntArray, from_stage: IntArray, to_stage: IntArray,
                      now: dt.datetime) -> None:
    if ids.size == 0:
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS analytics_changes_staging")
        cursor.execute("CREATE TEMPORARY TABLE analytics_changes_staging "
                       "(customer_id int8, from_stage int2, to_stage int2) ON COMMIT DROP")
    copy_binary("analytics_changes_staging", [("customer_id", "int8"), ("from_stage", "int2"), ("to_stage", "int2")],
                [ids, from_stage, to_stage])
    with connection.cursor() as cursor:
        cursor.execute(f"""
INSERT INTO {StageChange._meta.db_table} (run_id, customer_id, from_stage, to_stage, at)
SELECT %s, s.customer_id, COALESCE(({_sql_array(STAGES)})[s.from_stage + 1], ''), ({_sql_array(STAGES)})[s.to_stage + 1], %s
FROM analytics_changes_staging s JOIN {CUSTOMERS} c ON c.id = s.customer_id""", [run.pk, now])


def _write_clusters(run: AnalyticsRun, scores: CustomerScores | None, clustering: Clustering | None) -> None:
    """One row per cluster, its centre in original units (recency days, purchase days, net spend)
    and the mean CLV of its members."""
    if scores is None or clustering is None:
        return
    labels = clustering.labels
    clv = np.nan_to_num(scores.clv, nan=0.0)
    sizes = np.bincount(labels, minlength=clustering.k)
    clv_mean = np.bincount(labels, weights=clv, minlength=clustering.k) / np.where(sizes > 0, sizes, 1)
    rows = []
    for number in range(clustering.k):
        center = clustering.centers[number]
        rows.append(Cluster(
            run=run, number=number, size=int(sizes[number]),
            centroid={"recency_days": round(float(center[0]), 2), "frequency": round(float(center[1]), 3),
                      "monetary": round(float(center[2]), 2), "clv": round(float(clv_mean[number]), 2)},
            description_en=clustering.descriptions_en[number][:200],
            description_zh=clustering.descriptions_zh[number][:200],
        ))
    Cluster.objects.bulk_create(rows)


def _write_pairs(run: AnalyticsRun, pairs: PairStats | None) -> None:
    """The PAIR_LIMIT pairs with the highest lift (ties: more orders), each in both directions."""
    if pairs is None or pairs.a.size == 0:
        return
    order = np.lexsort((-pairs.count, -pairs.lift))[:PAIR_LIMIT]
    rows: list[ProductPair] = []
    for i in order.tolist():
        a, b = int(pairs.products[pairs.a[i]]), int(pairs.products[pairs.b[i]])
        common = {"run": run, "together": int(pairs.count[i]), "support": float(pairs.support[i]),
                  "lift": float(pairs.lift[i])}
        rows.append(ProductPair(product_id=a, other_id=b, confidence=float(pairs.confidence_ab[i]), **common))
        rows.append(ProductPair(product_id=b, other_id=a, confidence=float(pairs.confidence_ba[i]), **common))
    ProductPair.objects.bulk_create(rows)


# --- Other writes --------------------------------------------------------------------------------------


def delete_customer_metrics(customer_id: int) -> None:
    """Merge and erasure: metrics and stage history are derived, the next run recomputes them."""
    CustomerMetrics.objects.filter(customer_id=customer_id).delete()


def delete_stage_changes(customer_id: int) -> None:
    StageChange.objects.filter(customer_id=customer_id).delete()

