"""Reads of the import engine: a user's jobs, a job's errors, the error file, customer exports."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.imports import targets
from guanxi.imports.models import ImportJob, ImportRow, RowError
from guanxi.imports.readers import escape_formula

ERROR_CHUNK = 2000


def jobs_for(*, user: User, limit: int = 100) -> list[ImportJob]:
    """The user's own imports, newest first: nobody sees another user's files. Each job carries
    `target_label`, its target's label in the registry (the key when the target is gone)."""
    labels = {t.key: str(t.label) for t in targets.all_targets()}
    jobs = list(ImportJob.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
    for job in jobs:
        job.target_label = labels.get(job.target, job.target)
    return jobs


def job_get(*, user: User, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, user=user).first() if 0 < job_id < 2**63 else None
    if job is None:
        raise Http404("import not found")
    return job


@dataclass(frozen=True)
class ErrorLine:
    line: int
    field: str
    message: str


def job_errors(*, job: ImportJob, limit: int = 100) -> tuple[list[ErrorLine], int]:
    qs: QuerySet[RowError] = RowError.objects.filter(job=job).order_by("line", "id")
    return [ErrorLine(e.line, e.field, e.message) for e in qs[:limit]], qs.count()


def _invalid_rows(job: ImportJob) -> Iterator[tuple[list[str], str]]:
    """(cells, "field: message; …") of every invalid row in line order, read in chunks."""
    last = 0
    while True:
        chunk = list(ImportRow.objects.filter(job=job, valid=False, line__gt=last).order_by("line")
                     .values_list("line", "raw")[:ERROR_CHUNK])
        if not chunk:
            return
        last = chunk[-1][0]
        messages: dict[int, list[str]] = {}
        for line, field, message in RowError.objects.filter(job=job, line__in=[c[0] for c in chunk]).order_by(
            "line", "id"
        ).values_list("line", "field", "message"):
            messages.setdefault(line, []).append(f"{field}: {message}" if field else message)
        for line, raw in chunk:
            yield list(raw), "; ".join(messages.get(line, []))


def _error_header(job: ImportJob) -> list[str]:
    return [*job.header, str(_("Errors"))]


def error_file_csv(*, job: ImportJob) -> Iterator[str]:
    """The invalid rows as CSV (UTF-8 with BOM, formula-escaped), with an error column.

    The header is translated now, in the request's language: the lines are produced while the
    response streams, after the language middleware has finished."""
    return _error_lines(job, _error_header(job))


def _error_lines(job: ImportJob, header: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([escape_formula(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    width = len(job.header)
    for cells, message in _invalid_rows(job):
        yield line([*(cells + [""] * width)[: max(width, len(cells))], message])


def error_file_xlsx(*, job: ImportJob) -> IO[bytes]:
    """The invalid rows as an xlsx workbook (text cells only), in a temporary file."""
    from guanxi.imports.export import xlsx_workbook

    width = len(job.header)
    rows = ([*(cells + [""] * width)[: max(width, len(cells))], message] for cells, message in _invalid_rows(job))
    return xlsx_workbook(str(_("Errors")), _error_header(job), rows)


def spooled() -> Any:
    return tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
