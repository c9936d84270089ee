"""API input and output shapes of imports and exports."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import CleanStr, StrictIn
from guanxi.imports.models import ImportJob

ModeLiteral = Literal["create", "update", "both"]


class ImportUploadIn(StrictIn):
    """Form fields sent with the file (multipart)."""

    target: str = Field("customers", max_length=30, description="what is imported: customers or orders (order lines)")
    mode: ModeLiteral = "both"
    mapping: CleanStr = Field("", max_length=200, description="a saved mapping's name")


class ImportApplyIn(StrictIn):
    """Start an uploaded import, or (after a check found invalid rows) apply its valid rows."""

    mode: ModeLiteral | None = None
    apply_valid_only: bool = False
    header_row: int | None = Field(None, ge=1, le=30)
    sheet: CleanStr | None = Field(None, max_length=100)
    encoding: CleanStr | None = Field(None, max_length=30)
    mapping: dict[str, CleanStr] | None = Field(None, description="column index → field key")
    options: dict[str, CleanStr] | None = Field(
        None, description='the target\'s own options, e.g. {"unknown_customers": "create"} for order lines')


class RowErrorOut(Schema):
    line: int
    field: str
    message: str


class ImportOut(Schema):
    id: int
    target: str
    source_name: str
    file_format: str
    state: str
    phase: str
    progress: int
    sheet: str
    sheets: list[str]
    encoding: str
    header_row: int
    header: list[str]
    mapping: dict[str, str]
    mode: ModeLiteral
    options: dict[str, str]
    apply_valid_only: bool
    total_rows: int
    invalid_rows: int
    created: int
    updated: int
    unchanged: int
    message: str
    errors: list[RowErrorOut]
    error_count: int
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def from_job(job: ImportJob, errors: list[RowErrorOut] | None = None, error_count: int = 0) -> dict[str, object]:
        return {
            "id": job.pk, "target": job.target, "source_name": job.source_name, "file_format": job.file_format, "state": job.state,
            "phase": job.phase, "progress": job.progress, "sheet": job.sheet, "sheets": list(job.sheets),
            "encoding": job.encoding, "header_row": job.header_row, "header": list(job.header),
            "mapping": dict(job.mapping), "mode": job.mode, "options": {k: str(v) for k, v in job.options.items()},
            "apply_valid_only": job.apply_valid_only,
            "total_rows": job.total_rows, "invalid_rows": job.invalid_rows, "created": job.created_count,
            "updated": job.updated_count, "unchanged": job.unchanged_count, "message": job.message,
            "errors": errors or [], "error_count": error_count, "created_at": job.created_at,
            "finished_at": job.finished_at,
        }


class ExportQuery(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    q: CleanStr = Field("", max_length=100)
    kind: Literal["person", "organization"] | None = None
    importance: Literal["A", "B", "C"] | None = None
    owner_id: int | None = Field(None, ge=1, le=2**63 - 1)
    department_id: int | None = Field(None, ge=1, le=2**63 - 1)
    store_id: int | None = Field(None, ge=1, le=2**63 - 1)
    tag_id: int | None = Field(None, ge=1, le=2**63 - 1)
    archived: bool = False
