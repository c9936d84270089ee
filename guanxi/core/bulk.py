"""Bulk loading for the demo generators: rows buffered per table, written with COPY on PostgreSQL
and batched INSERTs elsewhere (SQLite), so a million customers load in minutes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connections, models

from guanxi.core.db import copy_value

BATCH_ROWS = 20000


Model = type[models.Model]


class TableWriter:
    """Buffers rows per table (`tables`: model → columns, in the order rows are given); the table's
    name is always the model's `_meta.db_table` (a many-to-many table is its `through` model).

    A full buffer is written on its own, or — with `flush_together` — with every other buffer, in the
    order of `tables` (parents first), for loaders that want rows written in that order.
    """

    def __init__(self, using: str, tables: dict[Model, list[str]], *, flush_together: bool = False) -> None:
        self.connection = connections[using]
        self.is_pg = self.connection.vendor == "postgresql"
        self.tables = tables
        self.flush_together = flush_together
        self.buffers: dict[Model, list[tuple[object, ...]]] = {model: [] for model in tables}

    def table_names(self) -> list[str]:
        return [model._meta.db_table for model in self.tables]

    def add(self, model: Model, row: tuple[object, ...]) -> None:
        buffer = self.buffers[model]
        buffer.append(row)
        if len(buffer) >= BATCH_ROWS:
            self.flush(None if self.flush_together else model)

    def flush(self, model: Model | None = None) -> None:
        for each in [model] if model else list(self.tables):
            rows = self.buffers[each]
            if rows:
                self._write(each._meta.db_table, self.tables[each], rows)
                rows.clear()

    def _write(self, table: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
        quoted = ", ".join(f'"{c}"' for c in columns)
        with self.connection.cursor() as cursor:
            if self.is_pg:
                # One string per batch: psycopg's per-row `write_row` costs more than the generator.
                data = "".join("\t".join(map(copy_value, row)) + "\n" for row in rows)
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    copy.write(data)
            else:
                marks = ", ".join(["%s"] * len(columns))
                adapted: Any = [tuple(self._adapt(v) for v in row) for row in rows]
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
