"""Bulk loading for the demo generators: rows buffered per table, written with COPY on PostgreSQL
and batched INSERTs elsewhere (SQLite), so a million customers load in minutes.

On PostgreSQL a `TableWriter` hands each encoded batch to a writer thread, so that the server ingests
one batch (on the other core) while Python generates the next; `bulk_load` drops the loaded tables'
secondary indexes and foreign keys for the load and rebuilds them once at the end.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol

from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from guanxi.core.db import copy_value

BATCH_ROWS = 20000
# Encoded batches queued for the writer thread at most (bounds the memory a slow server costs).
IN_FLIGHT = 3


Model = type[models.Model]


class TableWriter:
    """Buffers rows per table (`tables`: model → columns, in the order rows are given); the table's
    name is always the model's `_meta.db_table` (a many-to-many table is its `through` model).

    A full buffer is written on its own, or — with `flush_together`, and always on SQLite — with every
    other buffer, in the order of `tables` (parents first), for loaders that want rows written in that
    order.

    On PostgreSQL the COPYs run in a writer thread on the same connection (so in the same
    transaction), in order, at most `IN_FLIGHT` batches behind; `flush()` writes what is left and
    waits for all of it, and leaving the writer's `with` block waits too (also on an error: nothing
    may still be writing on a connection that is about to roll back). Use it as a context manager.
    `add_line` takes a row already in COPY text format (PostgreSQL only: see `copy_line`).
    """

    def __init__(self, using: str, tables: dict[Model, list[str]], *, flush_together: bool = False,
                 freeze: tuple[Model, ...] = ()) -> None:
        self.connection = connections[using]
        self.is_pg = self.connection.vendor == "postgresql"
        self.tables = tables
        # SQLite checks deferred foreign keys by counting violations: once a child row precedes its
        # parent, every later parent row searches the child tables (unindexed during a bulk load).
        # Written together, parents first, children never precede their parents.
        self.flush_together = flush_together or not self.is_pg
        self.frozen: set[str] = set()
        if self.is_pg and freeze:
            self.frozen = self._truncate_empty([model._meta.db_table for model in freeze])
        self.buffers: dict[Model, list[Any]] = {model: [] for model in tables}
        self._pending: deque[Future[None]] = deque()
        self._executor: ThreadPoolExecutor | None = None
        self._adapters: dict[type, Any] = {}
        if not self.is_pg:
            ops = self.connection.ops
            self._adapters = {dt.datetime: ops.adapt_datetimefield_value, dt.date: ops.adapt_datefield_value,
                              dt.time: ops.adapt_timefield_value, Decimal: str}

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.flush()
            return
        self._drain(raise_errors=False)

    def _truncate_empty(self, tables: list[str]) -> set[str]:
        """PostgreSQL: TRUNCATE those of `tables` that are empty, so that this transaction's COPYs into them
        can FREEZE their rows (written frozen and all-visible: no VACUUM needed afterwards, and no hint
        bits set by the first readers). A table that has rows, or that a foreign key points at, is left
        as it is."""
        chosen: set[str] = set()
        with self.connection.cursor() as cursor:
            for table in tables:
                cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = %s::regclass)", [table])
                if cursor.fetchone()[0]:
                    continue
                cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
                if not cursor.fetchone()[0]:
                    cursor.execute(f'TRUNCATE "{table}"')
                    chosen.add(table)
        return chosen

    def table_names(self) -> list[str]:
        return [model._meta.db_table for model in self.tables]

    def add(self, model: Model, row: tuple[object, ...]) -> None:
        buffer = self.buffers[model]
        buffer.append(row)
        if len(buffer) >= BATCH_ROWS:
            self.flush(None if self.flush_together else model, wait=False)

    def add_line(self, model: Model, line: str) -> None:
        """A row already encoded (`copy_line`), or several rows of the table joined (PostgreSQL only)."""
        buffer = self.buffers[model]
        buffer.append(line)
        if len(buffer) >= BATCH_ROWS:
            self.flush(None if self.flush_together else model, wait=False)

    def flush(self, model: Model | None = None, *, wait: bool = True) -> None:
        for each in [model] if model else list(self.tables):
            rows = self.buffers[each]
            if rows:
                self._write(each._meta.db_table, self.tables[each], rows)
                self.buffers[each] = []
        if wait:
            self._drain(raise_errors=True)

    def _write(self, table: str, columns: list[str], rows: list[Any]) -> None:
        quoted = ", ".join(f'"{c}"' for c in columns)
        if self.is_pg:
            # One string per batch: psycopg's per-row `write_row` costs more than the generator.
            data = "".join(row if type(row) is str else copy_line(row) for row in rows)
            freeze = " WITH (FREEZE)" if table in self.frozen else ""
            self._submit(f"COPY {table} ({quoted}) FROM STDIN{freeze}", data)
            return
        marks = ", ".join(["%s"] * len(columns))
        adapters = self._adapters
        adapted: Any = [
            tuple([v if type(v) in _PLAIN else adapters[type(v)](v) if type(v) in adapters else self._adapt(v)
                   for v in row])
            for row in rows
        ]
        with self.connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", adapted)

    def _adapt(self, value: object) -> object:
        ops = self.connection.ops
        if isinstance(value, dt.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, dt.date):
            return ops.adapt_datefield_value(value)
        if isinstance(value, dt.time):
            return ops.adapt_timefield_value(value)
        if isinstance(value, Decimal):
            return str(value)
        return value

    def _submit(self, statement: str, data: str) -> None:
        if self._executor is None:
            self.connection.ensure_connection()
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-copy")
        while len(self._pending) >= IN_FLIGHT:
            self._pending.popleft().result()
        raw = self.connection.connection
        self._pending.append(self._executor.submit(_copy, raw, statement, data))

    def _drain(self, *, raise_errors: bool) -> None:
        """Wait for every batch in flight; the first error is raised (when asked) after all have ended."""
        error: BaseException | None = None
        while self._pending:
            failure = self._pending.popleft().exception()
            error = error or failure
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if error is not None and raise_errors:
            raise error

    def reset_sequences(self) -> None:
        """After rows were written with explicit ids: move each table's id sequence past them."""
        if not self.is_pg:
            return
        with self.connection.cursor() as cursor:
            for model, columns in self.tables.items():
                table = model._meta.db_table
                if columns[0] == "id":
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"GREATEST((SELECT MAX(id) FROM {table}), 1))")


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _copy(raw: Any, statement: str, data: str) -> None:
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)


_NULL = "\\N"


def copy_line(row: tuple[object, ...]) -> str:
    """One row in COPY text format, newline included: `copy_value` of each value, joined.

    Most values are text that needs no escaping, NULLs and integers: those are joined as they are, and
    the line is then checked once (one tab between values, no newline or carriage return, and no
    backslash but the NULLs' own); a line that fails the check is encoded value by value."""
    line = "\t".join([v if type(v) is str else _NULL if v is None else str(v) if type(v) is int else copy_value(v)
                      for v in row])
    if (line.count("\\") == row.count(None) and line.count("\t") == len(row) - 1
            and "\n" not in line and "\r" not in line):
        return line + "\n"
    return "\t".join(map(copy_value, row)) + "\n"


# --- bulk loads: indexes and foreign keys rebuilt once --------------------------------------------------


def _pg_objects(cursor: Any, tables: list[str], keys: list[str], *, external: bool
                ) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The plain indexes (not backing a constraint) of `tables`, and their foreign keys (those to another
    of `tables` only, unless `external`) and the key constraints named in `keys`, as their exact
    definitions (`pg_get_indexdef`, `pg_get_constraintdef`), so they can be dropped and recreated
    identically."""
    cursor.execute(
        """
        SELECT ci.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_class ci ON ci.oid = i.indexrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid)
        ORDER BY ci.relname
        """,
        [tables],
    )
    indexes = [(name, definition) for name, definition in cursor.fetchall()]
    cursor.execute(
        """
        SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid LEFT JOIN pg_class r ON r.oid = k.confrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
          AND ((k.contype = 'f' AND (%s OR r.relname = ANY(%s))) OR k.conname = ANY(%s))
        ORDER BY k.contype = 'f', t.relname, k.conname
        """,
        [tables, external, tables, keys],
    )
    constraints = [(table, name, definition) for table, name, definition in cursor.fetchall()]
    return indexes, constraints


def _external_keys(cursor: Any, tables: list[str]) -> list[str]:
    """The deferred foreign keys of `tables` that point at other tables."""
    cursor.execute(
        """
        SELECT k.conname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
        WHERE k.contype = 'f' AND k.condeferrable AND k.condeferred AND t.relname = ANY(%s)
          AND t.relnamespace = current_schema()::regnamespace AND NOT r.relname = ANY(%s)
        ORDER BY k.conname
        """,
        [tables, tables],
    )
    return [name for (name,) in cursor.fetchall()]


def _sqlite_indexes(cursor: Any, tables: list[str]) -> list[tuple[str, str]]:
    marks = ", ".join(["%s"] * len(tables))
    cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                   f"AND tbl_name IN ({marks}) ORDER BY name", tables)
    return [(name, sql) for name, sql in cursor.fetchall()]


class Background:
    """Jobs run one after the other in a worker thread, each on that thread's own database connection,
    while the caller goes on: `guanxi demo` rebuilds a generator's indexes on one core while the next
    generator generates rows on the other. `wait()` returns each job's (label, seconds) and raises the
    first job's error."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-background")
        self._jobs: list[tuple[str, Future[float]]] = []

    def submit(self, label: str, job: Callable[[], None]) -> None:
        self._jobs.append((label, self._executor.submit(self._run, job)))

    @staticmethod
    def _run(job: Callable[[], None]) -> float:
        started = time.monotonic()
        try:
            job()
        finally:
            connections.close_all()  # this thread's connections
        return time.monotonic() - started

    def pending(self) -> int:
        return sum(not future.done() for _label, future in self._jobs)

    def wait(self) -> list[tuple[str, float]]:
        done: list[tuple[str, float]] = []
        error: BaseException | None = None
        for label, future in self._jobs:
            failure = future.exception()
            if failure is None:
                done.append((label, future.result()))
            error = error or failure
        self._jobs = []
        self._executor.shutdown(wait=True)
        if error is not None:
            raise error
        return done


class Deferrer(Protocol):
    """Where `bulk_load` hands its rebuild (a `Background`)."""

    def submit(self, label: str, job: Callable[[], None]) -> None: ...

    def pending(self) -> int: ...


def _rebuild_pg(connection: BaseDatabaseWrapper, tables: list[str], keys: list[str], external: bool,
                indexes: list[tuple[str, str]], constraints: list[tuple[str, str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for table, name, definition in constraints:  # keys first, then foreign keys
            if not definition.startswith("FOREIGN KEY"):
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            if definition.startswith("FOREIGN KEY"):
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        if _pg_objects(cursor, tables, keys, external=external) != (indexes, constraints):
            raise RuntimeError("bulk load: indexes or constraints differ after the load")


def vacuum_analyze(connection: BaseDatabaseWrapper, tables: list[str], *, frozen: set[str] | frozenset[str] = frozenset()
                   ) -> None:
    """PostgreSQL, outside a transaction: set the visibility map now, not whenever autovacuum gets to
    it (until then index-only scans visit the heap for every row), and fresh planner statistics.
    Tables loaded frozen (`TableWriter(freeze=…)`) have their visibility map already: ANALYZE only."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"' if table in frozen else f'VACUUM ANALYZE "{table}"')


@contextmanager
def bulk_load(connection: BaseDatabaseWrapper, tables: list[str], *, keys: tuple[str, ...] = (),
              defer: Deferrer | None = None, label: str = "", frozen: set[str] | None = None) -> Iterator[None]:
    """Load `tables` without their secondary indexes and foreign keys, then rebuild them.

    Building an index (a trigram GIN, a primary key over rows that arrive in random order) once over a
    million rows is far cheaper than maintaining it row by row, and re-adding a foreign key checks all
    rows in one join instead of one deferred trigger per row. `keys` names primary-key or unique
    constraints to drop and re-add as well (PostgreSQL; never one that a foreign key points at). Must
    run inside the loading transaction. The definitions are read from the catalogue, so exactly what
    the migrations created comes back (checked at the end).

    Without `defer` the rebuild ends the block, in the loading transaction: if anything fails, the
    drops roll back too. With `defer` (PostgreSQL; `guanxi demo`), the rebuild — then VACUUM ANALYZE —
    is handed to `defer.submit(label, job)` once the loading transaction has committed, to run on
    another connection while the caller goes on; until it has run, the tables hold their rows without
    those indexes and foreign keys; `frozen` names the tables loaded frozen, which need no VACUUM (read
    when the job runs). Dropping a foreign key locks the table it points at exclusively,
    so while `defer` still has work pending (which may hold those tables) only the foreign keys among
    `tables` are dropped: the others are checked at the end of each COPY instead of at the commit.
    On SQLite the plain indexes are dropped and rebuilt at the end of the block (constraints stay),
    with a larger page cache.
    """
    if connection.vendor == "postgresql":
        key_names = list(keys)
        external = defer is None or defer.pending() == 0
        with connection.cursor() as cursor:
            indexes, constraints = _pg_objects(cursor, tables, key_names, external=external)
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for table, name, _ in constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            kept = ", ".join(f'"{name}"' for name in ([] if external else _external_keys(cursor, tables)))
            if kept:
                cursor.execute(f"SET CONSTRAINTS {kept} IMMEDIATE")
        yield
        if kept:
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {kept} DEFERRED")
        if defer is None:
            _rebuild_pg(connection, tables, key_names, external, indexes, constraints)
            return
        using = connection.alias

        def job() -> None:
            own = connections[using]
            with transaction.atomic(using=using):
                _rebuild_pg(own, tables, key_names, external, indexes, constraints)
            vacuum_analyze(own, tables, frozen=frozen or set())

        transaction.on_commit(lambda: defer.submit(label, job), using=using)
        return
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            sqlite_indexes = _sqlite_indexes(cursor, tables)
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB while loading
            for name, _ in sqlite_indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        try:
            yield
            with connection.cursor() as cursor:
                for _, sql in sqlite_indexes:
                    cursor.execute(sql)
                if _sqlite_indexes(cursor, tables) != sqlite_indexes:
                    raise RuntimeError("bulk load: indexes differ after the load")
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
        return
    yield
