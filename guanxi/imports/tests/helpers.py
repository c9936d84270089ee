"""Helpers for the import tests: build files, upload them, run jobs synchronously."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.imports import services
from guanxi.imports.choices import JobState
from guanxi.imports.models import ImportJob


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, merge_title: bool = False) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge_title:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(r) for r in rows))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(user: Any, content: bytes, name: str = "customers.csv") -> ImportJob:
    return services.job_create(actor=user, upload=SimpleUploadedFile(name, content))


def run(user: Any, content: bytes, name: str = "customers.csv", *, mode: str = "both",
        apply_valid_only: bool = False) -> ImportJob:
    """Upload, keep the guessed layout, start and run synchronously."""
    job = upload(user, content, name)
    services.job_configure(actor=user, job=job, settings_in=services.JobSettings(
        sheet=job.sheet, encoding=job.encoding, header_row=job.header_row, mapping=job.mapping, mode=mode,
        apply_valid_only=apply_valid_only,
    ))
    services.job_run_now(actor=user, job=job)
    job.refresh_from_db()
    assert job.state in (JobState.DONE, JobState.REVIEW), (job.state, job.message)
    return job
