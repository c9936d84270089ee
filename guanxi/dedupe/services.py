"""Merging duplicate customers (客户合并): one transaction, version-checked, reviewable afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core import events
from guanxi.core.db import plain_value, row_dict
from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.customers import ledger
from guanxi.customers.app_services import customer_merge_values, customers_merge_recorded
from guanxi.customers.choices import Channel
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_archive
from guanxi.dedupe.models import MergeRecord
from guanxi.dedupe.relations import Outcome, customer_links, delete_rows, move_rows, unknown_references
from guanxi.dedupe.selectors import choosable_fields, may_merge

UNION = "union"


def _reload(pk: int) -> Customer:
    return Customer.objects.select_related("owner", "department", "store").prefetch_related("tags").get(pk=pk)


def _value_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(plain_value(value))


def _chosen_values(
    survivor: Customer, merged: list[Customer], choices: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The values the survivor takes ({service key: value}) and their record for the merge review."""
    fields = {f.name: f for f in choosable_fields()}
    by_id = {c.pk: c for c in [survivor, *merged]}
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    chosen: dict[str, dict[str, Any]] = {}
    for name, source in choices.items():
        f = fields.get(name)
        if f is None:
            errors.setdefault(f"choices.{name[:60]}", []).append(_("This field cannot be chosen in a merge."))
            continue
        if source == UNION:
            if not isinstance(getattr(survivor, f.attname), list):
                errors.setdefault(f"choices.{name}", []).append(_("Only lists (such as phones) can be combined."))
                continue
            value: Any = list(dict.fromkeys(v for c in by_id.values() for v in (getattr(c, f.attname) or [])))
        elif isinstance(source, int) and not isinstance(source, bool) and source in by_id:
            value = getattr(by_id[source], f.attname)
        else:
            errors.setdefault(f"choices.{name}", []).append(_("Choose one of the customers being merged."))
            continue
        if value == getattr(survivor, f.attname):
            continue
        data[f.attname if f.is_relation else f.name] = value
        chosen[name] = {"from": source, "value": _value_text(value)}
    if errors:
        raise ValidationError(errors)
    return data, chosen


def _apply_values(actor: User, survivor: Customer, version: int, data: Mapping[str, object]) -> Customer:
    """Through the customers app (validation, search row, ledger, version check)."""
    try:
        return customer_merge_values(actor=actor, customer=survivor, version=version, data=data)
    except ConflictError as error:
        raise ConflictError(_("Someone else changed a customer of this merge after you opened it. Reload.")) from error


def _archive_merged(actor: User, customer: Customer, version: int) -> None:
    try:
        customer_archive(actor=actor, customer=customer, version=version, channel=Channel.MERGE)
    except ConflictError as error:
        raise ConflictError(_("Someone else changed a customer of this merge after you opened it. Reload.")) from error


def _move_everything(merged_id: int, survivor_id: int) -> dict[str, dict[str, list[Any]]]:
    moved: dict[str, dict[str, list[Any]]] = {}
    for link in customer_links():
        reference = link.merge_reference
        if reference is None:
            outcome = move_rows(link, merged_id=merged_id, survivor_id=survivor_id)
        elif reference.on_merge == "delete":
            outcome = delete_rows(link, customer_id=merged_id)
        else:
            outcome = Outcome(kept=list(link.rows(merged_id).values_list("pk", flat=True)))
            if reference.merge is not None:
                reference.merge(merged_id, survivor_id)
        if outcome.as_dict():
            moved[link.label] = outcome.as_dict()
    for reference in unknown_references():
        if reference.merge is not None:
            reference.merge(merged_id, survivor_id)
    return moved


def customers_merge(
    *,
    actor: User,
    survivor: Customer,
    merged: list[Customer],
    versions: dict[int, int],
    choices: dict[str, Any],
    channel: str = Channel.UI,
) -> list[MergeRecord]:
    """Fold `merged` into `survivor`: the survivor takes the chosen values, every referencing row
    moves to it, the others are archived with a pointer to it. All or nothing.

    `choices` maps a field to the id of the customer whose value is kept (or "union" for a list
    such as phones); fields not named keep the survivor's value. `versions` holds the version each
    customer had when the user looked at them: a change since then is a ConflictError.
    """
    if not may_merge(actor):
        raise NotPermitted(_("Only managers and administrators may merge customers."))
    ids = [survivor.pk, *[m.pk for m in merged]]
    if not merged or len(set(ids)) != len(ids):
        raise ValidationError({"merged_ids": [_("Choose at least one other customer to merge.")]})
    if any(c.archived_at is not None for c in [survivor, *merged]):
        raise ValidationError({"merged_ids": [_("Archived customers cannot be merged; restore them first.")]})
    missing = [i for i in ids if i not in versions]
    if missing:
        raise ValidationError({"versions": [_("Send the version of every customer of the merge.")]})
    data, chosen = _chosen_values(survivor, merged, choices)
    records = []
    with transaction.atomic():
        merged_rows = {m.pk: row_dict(m) | {"tags": sorted(t.name for t in m.tags.all())} for m in merged}
        survivor = _apply_values(actor, survivor, versions[survivor.pk], data)
        before: list[tuple[int, ledger.Snapshot]] = [(survivor.pk, ledger.snapshot(survivor))]
        moved: dict[int, dict[str, Any]] = {}
        for m in merged:
            _archive_merged(actor, m, versions[m.pk])
            before.append((m.pk, ledger.snapshot(_reload(m.pk))))
            moved[m.pk] = _move_everything(m.pk, survivor.pk)
        customers_merge_recorded(actor=actor, survivor=survivor, merged=merged, before=before)
        survivor = _reload(survivor.pk)
        for m in merged:
            records.append(MergeRecord.objects.create(
                survivor=survivor, merged_id=m.pk, actor=actor, channel=channel, chosen=chosen,
                merged_snapshot=merged_rows[m.pk], moved=moved[m.pk],
            ))
        events.publish(events.CustomersMerged(survivor_id=survivor.pk, merged_ids=tuple(m.pk for m in merged)))
    return records


def merge_record_erase(customer_id: int) -> None:
    """Personal-data erasure: a merge involving the customer keeps only who, when and which ids."""
    from guanxi.dedupe.selectors import q_for_customer

    MergeRecord.objects.filter(q_for_customer(customer_id)).update(chosen={}, merged_snapshot={})


def merge_record_export(customer_id: int) -> list[dict[str, Any]]:
    from guanxi.dedupe.selectors import q_for_customer

    return [row_dict(r) for r in MergeRecord.objects.filter(q_for_customer(customer_id)).order_by("pk")]


def keep_with_merged_record(merged_id: int, survivor_id: int) -> None:
    """Merge hook for rows that describe the merged-away record itself (its search row and
    tokens, its change ledger, its access log, its merge records): they stay with it."""
