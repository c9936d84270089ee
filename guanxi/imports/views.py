"""Import wizard and export pages. Each view parses, calls a service or selector, and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.accounts.http import request_user
from guanxi.accounts.models import User
from guanxi.core.htmx import render_page_or_partial
from guanxi.customers.choices import Channel
from guanxi.customers.forms import CustomerFilterForm, add_service_errors
from guanxi.imports import export, selectors, services
from guanxi.imports.choices import JobState
from guanxi.imports.forms import ConfigureForm, UploadForm
from guanxi.imports.models import ImportJob


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "imports/list.html", {"jobs": selectors.jobs_for(user=request_user(request)), "form": UploadForm(),
                                                 "nav_section": "imports"})


@login_required
@require_POST
def job_upload(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            job = services.job_create(actor=user, upload=form.cleaned_data["file"],
                                      target=form.cleaned_data["target"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("imports:detail", job_id=job.pk)
    return render(request, "imports/list.html", {"jobs": selectors.jobs_for(user=user), "form": form,
                                                 "nav_section": "imports"}, status=422)


def _detail_context(job: ImportJob, form: ConfigureForm | None) -> dict[str, Any]:
    target = services.target_of(job)
    context: dict[str, Any] = {
        "job": job, "form": form, "nav_section": "imports", "target": target,
        "counts": [(c.key, c.label, getattr(job, f"{c.key}_count")) for c in target.counts],
    }
    if job.state == JobState.UPLOADED:
        context["preview"] = services.job_preview(job=job)
    if job.state in (JobState.REVIEW, JobState.DONE, JobState.FAILED):
        errors, context["error_count"] = selectors.job_errors(job=job)
        labels = {c.key: c.label for c in target.catalogue()}
        context["errors"] = [(e.line, e.field, labels.get(e.field, e.field), e.message) for e in errors]
    return context


@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(user=request_user(request), job_id=job_id)
    form = None
    if job.state == JobState.UPLOADED:
        form = ConfigureForm(job=job, initial=ConfigureForm.initial_for(job))
    return render(request, "imports/detail.html", _detail_context(job, form))


@login_required
@require_POST
def job_configure(request: HttpRequest, job_id: int) -> HttpResponse:
    """Save the settings; "preview" re-renders with the new preview, "start" queues the import."""
    user = request_user(request)
    job = selectors.job_get(user=user, job_id=job_id)
    form = ConfigureForm(request.POST, job=job)
    if form.is_valid():
        try:
            job = services.job_configure(actor=user, job=job, settings_in=form.job_settings())
            if request.POST.get("action") == "start":
                services.job_start(actor=user, job=job)
                messages.success(request, _("The import has started; you can leave this page and come back."))
                return redirect("imports:detail", job_id=job.pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = ConfigureForm(job=job, initial={
                **ConfigureForm.initial_for(job), "save_mapping_as": form.cleaned_data.get("save_mapping_as") or "",
            })
            return render_page_or_partial(request, "imports/detail.html", "imports/partials/configure.html",
                                          _detail_context(job, form))
    return render_page_or_partial(request, "imports/detail.html", "imports/partials/configure.html",
                                  _detail_context(job, form), status=422)


@login_required
@require_GET
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """htmx polls this while the job runs; once it ends the whole status block is swapped in."""
    job = selectors.job_get(user=request_user(request), job_id=job_id)
    return render(request, "imports/partials/status.html", _detail_context(job, None))


@login_required
@require_POST
def job_apply_valid(request: HttpRequest, job_id: int) -> HttpResponse:
    user = request_user(request)
    job = selectors.job_get(user=user, job_id=job_id)
    try:
        services.job_apply_valid(actor=user, job=job)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("imports:detail", job_id=job.pk)


@login_required
@require_GET
def job_error_file(request: HttpRequest, job_id: int) -> HttpResponseBase:
    job = selectors.job_get(user=request_user(request), job_id=job_id)
    stem = job.source_name.rsplit(".", 1)[0]
    if request.GET.get("format") == "xlsx":
        return FileResponse(selectors.error_file_xlsx(job=job), as_attachment=True, filename=f"{stem}-errors.xlsx")
    response = StreamingHttpResponse(selectors.error_file_csv(job=job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(stem)}-errors.csv"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


@login_required
@require_http_methods(["GET"])
def export_customers(request: HttpRequest) -> HttpResponseBase:
    """The customer list as filtered on the list page (same query parameters), as CSV or xlsx."""
    user = request_user(request)
    file_format = request.GET.get("format", "xlsx")
    form = CustomerFilterForm(request.GET, user=user)
    if file_format not in export.FORMATS or not form.is_valid():
        return HttpResponse(_("Choose csv or xlsx and valid filters."), status=400, content_type="text/plain")
    return export_response(user=user, filters=form.filters(), file_format=file_format,
                           query=request.GET.urlencode(), channel=Channel.UI)


def export_response(*, user: User, filters: Any, file_format: str, query: str, channel: str) -> HttpResponseBase:
    header, rows, _count = export.export_rows(user=user, filters=filters, file_format=file_format, query=query,
                                              channel=channel)
    if file_format == "xlsx":
        return FileResponse(export.xlsx_workbook(_("Customers"), header, rows), as_attachment=True,
                            filename="customers.xlsx")
    response = StreamingHttpResponse(export.csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customers.csv"'
    return response
