"""REST endpoints for imports and customer exports: thin, calling the same services as the wizard."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.params.functions import Path

from guanxi.accounts.http import ApiRequest
from guanxi.customers.choices import Channel
from guanxi.customers.selectors import CustomerFilters
from guanxi.imports import selectors, services
from guanxi.imports.choices import JobState, Source
from guanxi.imports.models import ImportJob
from guanxi.imports.schemas import ExportQuery, ImportApplyIn, ImportOut, ImportUploadIn, RowErrorOut

router = Router(tags=["imports"])
JobId = Path(..., ge=1, le=2**63 - 1)
ERRORS_SHOWN = 200


def _out(job: ImportJob) -> dict[str, Any]:
    errors, count = selectors.job_errors(job=job, limit=ERRORS_SHOWN)
    return ImportOut.from_job(job, [RowErrorOut(line=e.line, field=e.field, message=e.message) for e in errors], count)


@router.post("/imports", response={201: ImportOut}, summary="Upload a file to import (multipart)")
def create_import(request: ApiRequest, file: File[UploadedFile], payload: Form[ImportUploadIn]) -> Status[Any]:
    user = request.auth
    job = services.job_create(actor=user, upload=file, target=payload.target, source=Source.API)
    if payload.mapping:
        services.mapping_apply(job=job, name=payload.mapping)
    job.mode = payload.mode
    job.save(update_fields=["mode"])
    return Status(201, _out(job))


@router.get("/imports/{job_id}", response=ImportOut, summary="An import's state, counts and errors")
def get_import(request: ApiRequest, job_id: int = JobId) -> dict[str, Any]:
    return _out(selectors.job_get(user=request.auth, job_id=job_id))


@router.post("/imports/{job_id}/apply", response={202: ImportOut}, summary="Start an import, or apply its valid rows")
def apply_import(request: ApiRequest, payload: ImportApplyIn, job_id: int = JobId) -> Status[Any]:
    user = request.auth
    job = selectors.job_get(user=user, job_id=job_id)
    if job.state == JobState.REVIEW:
        if not payload.apply_valid_only:
            raise ValidationError({"apply_valid_only": [
                _("Some rows are invalid: send apply_valid_only to apply the valid rows only.")]})
        job = services.job_apply_valid(actor=user, job=job)
        return Status(202, _out(job))
    settings_in = services.JobSettings(
        sheet=payload.sheet or job.sheet, encoding=payload.encoding or job.encoding,
        header_row=payload.header_row or job.header_row,
        mapping=dict(payload.mapping) if payload.mapping is not None else dict(job.mapping),
        mode=payload.mode or job.mode, apply_valid_only=payload.apply_valid_only, options=dict(payload.options or {}),
    )
    job = services.job_configure(actor=user, job=job, settings_in=settings_in)
    job = services.job_start(actor=user, job=job)
    return Status(202, _out(job))


@router.get("/customers/export", summary="Export the caller's (filtered) customers as CSV or xlsx",
            response={200: None})
def export_customers(request: ApiRequest, query: Query[ExportQuery]) -> HttpResponseBase:
    from guanxi.imports.views import export_response

    filters = CustomerFilters(
        q=query.q, kind=query.kind or "", importance=query.importance or "", owner_id=query.owner_id,
        department_id=query.department_id, store_id=query.store_id, tag_id=query.tag_id, archived=query.archived,
    )
    return export_response(user=request.auth, filters=filters, file_format=query.format,
                           query=request.GET.urlencode(), channel=Channel.API)
