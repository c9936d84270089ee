"""Writing rows to staging tables fast (COPY on PostgreSQL, batched INSERTs elsewhere) and the
SQL fragments the set-based checks and apply steps share."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# COPY text format: backslash, tab, newline and carriage return must be escaped in values.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(text: str) -> str:
    # str.translate walks every character through a dict; four `in` scans are C loops, and most
    # values need no escaping at all.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, dict | list):
        return _escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _insert_value(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def write_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Append rows to a table: one COPY on PostgreSQL, one executemany elsewhere."""
    if not rows:
        return
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            data = "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(data)
        else:
            marks = ", ".join(["%s"] * len(columns))
            params: Any = [tuple(_insert_value(v) for v in row) for row in rows]
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", params)


def copy_lines(table: str, columns: Sequence[str], lines: Sequence[str]) -> None:
    """Append rows already in COPY text format (values escaped with `copy_text`, tab-separated, each line
    ending in a newline) to a table: PostgreSQL only, for writers that format their rows faster than
    `write_rows` can (most cells of a ledger row are the same for every row)."""
    if not lines:
        return
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        copy.write("".join(lines))


def copy_text(value: object) -> str:
    """One value in COPY text format."""
    return _copy_value(value)


def insert_errors(job: Any, rows: models.QuerySet[Any], field: str, message: str) -> int:
    """INSERT … SELECT one error per staging row of `rows` (a queryset of ImportRow)."""
    from guanxi.imports.models import RowError

    sql, params = rows.values("line").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RowError._meta.db_table} (job_id, line, field, message) "
            f"SELECT %s, sub.line, %s, %s FROM ({sql}) sub",
            [job.pk, field, message, *params],
        )
        return cursor.rowcount


def json_value(column: str, path: tuple[str, ...], field: models.Field[Any, Any] | None = None) -> str:
    """SQL for the value at `path` of a JSON column, cast to the model field's column type."""
    if connection.vendor == "postgresql":
        head = "".join(f" -> '{p}'" for p in path[:-1])
        if isinstance(field, models.JSONField):
            return f"({column}{head} -> '{path[-1]}')"
        text = f"({column}{head} ->> '{path[-1]}')"
        if field is None:
            return text
        return f"CAST({text} AS {field.db_type(connection)})"
    return f"json_extract({column}, '$.{'.'.join(path)}')"


def analyze(table: str, columns: Sequence[str] = ()) -> None:
    """Fresh planner statistics for a staging table just filled (PostgreSQL): without them the set-based
    checks and the apply see an 'empty' table and choose nested loops over a hundred thousand rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"ANALYZE {table} ({names})" if columns else f"ANALYZE {table}")
