"""REST endpoints for duplicates and merges; the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status
from ninja.params.functions import Path

from guanxi.accounts.http import ApiRequest
from guanxi.core.registry import registry
from guanxi.core.text import mask_digits
from guanxi.customers.choices import Channel
from guanxi.customers.selectors import customer_get
from guanxi.dedupe import selectors, services
from guanxi.dedupe.models import MergeRecord
from guanxi.dedupe.schemas import (
    DuplicatesOut,
    DuplicatesQuery,
    MergeIn,
    MergeListOut,
    MergeListQuery,
    MergeOut,
)

router = Router(tags=["duplicates"])
CustomerId = Path(..., ge=1, le=2**63 - 1)


@router.get("/duplicates", response=DuplicatesOut, summary="Likely duplicates (客户查重), one rule, one page")
def list_duplicates(request: ApiRequest, query: Query[DuplicatesQuery]) -> dict[str, Any]:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    rule = selectors.rule_by_key(query.rule)
    if rule is None:
        raise ValidationError({"rule": [_("This rule is not available.")]})
    page = selectors.duplicate_groups(user=request.auth, rule=rule, page=query.page, per_page=query.per_page)
    return {
        "rule": rule.key, "page": page.page, "has_next": page.has_next,
        "groups": [{"key": g.key_text, "customers": [
            {"id": c.pk, "name": c.name, "code": c.code, "owner": str(c.owner), "version": c.version}
            for c in g.customers]} for g in page.groups],
    }


def _masked(name: str, value: Any, may_reveal: bool) -> Any:
    if may_reveal or name not in registry.sensitive_fields or not value:
        return value
    if isinstance(value, list):
        return [mask_digits(str(v)) for v in value]
    return ", ".join(mask_digits(v) for v in str(value).split(", "))


def merge_out(record: MergeRecord, *, may_reveal: bool) -> dict[str, Any]:
    return {
        "id": record.pk, "survivor_id": record.survivor_id, "merged_id": record.merged_id,
        "actor": str(record.actor) if record.actor else None, "at": record.at, "channel": record.channel,
        "chosen": {k: {**v, "value": _masked(k, v.get("value"), may_reveal)} for k, v in record.chosen.items()},
        "merged_snapshot": {k: _masked(k, v, may_reveal) for k, v in record.merged_snapshot.items()},
        "moved": record.moved,
    }


@router.post("/customers/{customer_id}/merge", response={201: list[MergeOut]},
             summary="Merge duplicates into this customer (managers and administrators)")
def merge_customers(request: ApiRequest, payload: MergeIn, customer_id: int = CustomerId) -> Status[Any]:
    user = request.auth
    survivor = customer_get(user=user, customer_id=customer_id)
    merged = [customer_get(user=user, customer_id=m.id) for m in payload.merged]
    versions = {m.id: m.version for m in payload.merged} | {customer_id: payload.version}
    records = services.customers_merge(actor=user, survivor=survivor, merged=merged, versions=versions,
                                       choices=dict(payload.choices), channel=Channel.API)
    return Status(201, [merge_out(r, may_reveal=user.may_reveal_sensitive) for r in records])


@router.get("/merges", response=MergeListOut, summary="Merge history, newest first")
def list_merges(request: ApiRequest, query: Query[MergeListQuery]) -> dict[str, Any]:
    user = request.auth
    records, has_next = selectors.merge_page(user=user, page=query.page)
    return {"items": [merge_out(r, may_reveal=user.may_reveal_sensitive) for r in records],
            "page": query.page, "has_next": has_next}


@router.get("/merges/{merge_id}", response=MergeOut, summary="One merge: who, when, chosen values, what moved")
def get_merge(request: ApiRequest, merge_id: int = Path(..., ge=1, le=2**63 - 1)) -> dict[str, Any]:
    user = request.auth
    return merge_out(selectors.merge_get(user=user, merge_id=merge_id), may_reveal=user.may_reveal_sensitive)
