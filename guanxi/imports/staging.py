"""Import-specific staging SQL: the errors the set-based checks record. The writers and encoders
every app shares live in `guanxi.core.db`."""

from __future__ import annotations

from typing import Any

from django.db import connection, models


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
        inserted: int = cursor.rowcount
        return inserted
