"""Duplicates pages: the list of likely duplicates, the side-by-side merge form, merge history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from guanxi.accounts.http import request_user
from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.core.htmx import render_page_or_partial
from guanxi.customers.choices import Channel
from guanxi.customers.models import Customer
from guanxi.dedupe import selectors, services


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 100_000 else 1


@login_required
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rules = selectors.available_rules()
    rule = selectors.rule_by_key(request.GET.get("rule", "")) or rules[0]
    page = selectors.duplicate_groups(user=user, rule=rule, page=_page_number(request.GET.get("page", "")))
    context = {"rules": rules, "rule": rule, "page": page, "may_merge": selectors.may_merge(user),
               "nav_section": "customers"}
    return render_page_or_partial(request, "dedupe/list.html", "dedupe/partials/groups.html", context)


def _ids(raw: str) -> list[int]:
    parts = [p for p in raw.split(",") if p.strip()]
    if not parts or len(parts) > 10 or not all(p.strip().isdigit() and len(p.strip()) < 19 for p in parts):
        raise Http404("bad ids")
    return [int(p) for p in parts]


def _choices_from(post: QueryDict, customers: list[Customer]) -> dict[str, Any]:
    choices: dict[str, Any] = {}
    for f in selectors.choosable_fields():
        raw = post.get(f"choice_{f.name}", "")
        if raw == services.UNION:
            choices[f.name] = services.UNION
        elif raw.isdigit() and len(raw) < 19:
            choices[f.name] = int(raw)
        elif raw:
            choices[f.name] = raw
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def compare(request: HttpRequest) -> HttpResponse:
    """Side by side (all fields), and the merge form: the survivor and, per field, the value kept."""
    user = request_user(request)
    customers = selectors.customers_to_compare(user=user, ids=_ids(request.GET.get("ids", "")))
    errors: list[str] = []
    status = 200
    survivor_id = customers[0].pk
    chosen: dict[str, Any] = {}
    if request.method == "POST":
        raw = request.POST.get("survivor", "")
        survivor = next((c for c in customers if str(c.pk) == raw), None)
        chosen = _choices_from(request.POST, customers)
        versions = {c.pk: int(v) for c in customers
                    if (v := request.POST.get(f"version_{c.pk}", "")).isdigit() and len(v) < 10}
        if survivor is None:
            errors.append(_("Choose the record that survives."))
        else:
            survivor_id = survivor.pk
            try:
                records = services.customers_merge(
                    actor=user, survivor=survivor, merged=[c for c in customers if c.pk != survivor.pk],
                    versions=versions, choices=chosen, channel=Channel.UI,
                )
            except ValidationError as error:
                errors.extend(m for ms in error.message_dict.values() for m in ms)
            except ConflictError as error:
                errors.append(error.message)
                status = 409
            except NotPermitted as error:
                errors.append(error.message)
                status = 403
            else:
                messages.success(request, _("Merged into %(name)s.") % {"name": survivor.name})
                return redirect("dedupe:merge_detail", merge_id=records[0].pk)
        status = status if status != 200 else 422
    rows = selectors.compare_rows(user=user, customers=customers)
    context = {"customers": customers, "rows": rows, "errors": errors, "survivor_id": survivor_id,
               "chosen": {k: str(v) for k, v in chosen.items()}, "may_merge": selectors.may_merge(user),
               "ids": ",".join(str(c.pk) for c in customers), "nav_section": "customers"}
    return render(request, "dedupe/compare.html", context, status=status)


@login_required
@require_GET
def merge_list(request: HttpRequest) -> HttpResponse:
    page = _page_number(request.GET.get("page", ""))
    records, has_next = selectors.merge_page(user=request_user(request), page=page)
    return render(request, "dedupe/merges.html", {"records": records, "page": page, "has_next": has_next,
                                                  "nav_section": "customers"})


@login_required
@require_GET
def merge_detail(request: HttpRequest, merge_id: int) -> HttpResponse:
    user = request_user(request)
    record = selectors.merge_get(user=user, merge_id=merge_id)
    context = {
        "record": record,
        "snapshot": selectors.merge_snapshot_rows(user=user, record=record),
        "chosen": selectors.merge_chosen_rows(user=user, record=record),
        "nav_section": "customers",
    }
    return render(request, "dedupe/merge_detail.html", context)
