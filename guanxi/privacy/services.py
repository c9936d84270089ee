"""Personal-data rights under PIPL (个人信息权利): export a customer's data, erase it. Both logged."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core import events
from guanxi.core.db import row_dict
from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.core.text import name_keys, search_document, short_tokens
from guanxi.customers.choices import Channel, Kind
from guanxi.customers.models import AccessLog, ChangeEntry, Customer, CustomerSearch, Referral, SearchToken
from guanxi.dedupe.relations import Outcome, customer_links, erase_rows, unknown_references
from guanxi.privacy.models import PrivacyRequest, RequestKind

# What an erasure keeps of the customer row: the record's identity and bookkeeping, and how the
# business is organised around it (account manager, department, store, importance, kind), so
# counts, aggregates and rows that must stay (orders, invoices) still add up. Every other field —
# including fields added later — is cleared.
KEPT_FIELDS = (
    "id", "kind", "code", "importance", "owner", "department", "store", "version", "archived_at",
    "created_at", "updated_at", "created_by", "name_sort", "importance_set_by", "importance_set_at",
)
ERASED_NAME = "已删除 #%d"


def may_handle(user: User) -> bool:
    """Exports hold clear values and erasures cannot be undone: roles that may reveal sensitive
    data (and superusers) carry them out."""
    return bool(user.is_authenticated and user.is_active and user.may_reveal_sensitive)


def _clean(errors: dict[str, list[str]], name: str, value: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        errors.setdefault(name, []).append(_("Null characters are not allowed."))
    elif len(value) > limit:
        errors.setdefault(name, []).append(
            _("Ensure this value has at most %(max)d characters (it has %(length)d).")
            % {"max": limit, "length": len(value)})
    elif required and not value:
        errors.setdefault(name, []).append(_("This field is required."))
    return value


def personal_data(customer: Customer) -> dict[str, Any]:
    """The customer and every row that references it, as one JSON-friendly document."""
    related: dict[str, list[dict[str, Any]]] = {}
    for link in customer_links():
        hook = link.export_hook
        if hook is not None and hook.export is not None:
            related[link.label] = list(hook.export(customer.pk))
        else:
            related[link.label] = [row_dict(r) for r in link.rows(customer.pk).order_by("pk")]
    for reference in unknown_references():
        if reference.export is not None:
            related[f"{reference.model._meta.label}.{reference.field}"] = list(reference.export(customer.pk))
    return {
        "customer": row_dict(customer) | {"tags": sorted(t.name for t in customer.tags.all())},
        "related": related,
    }


def personal_data_export(
    *, actor: User, customer: Customer, requested_by: str = "", reason: str = "", ticket: str = "",
    channel: str = Channel.UI,
) -> dict[str, Any]:
    """The access right: everything held about the customer; the request and the access are logged."""
    if not may_handle(actor):
        raise NotPermitted(_("Your role may not export or erase personal data."))
    errors: dict[str, list[str]] = {}
    requested_by = _clean(errors, "requested_by", requested_by, 100)
    reason = _clean(errors, "reason", reason, 300)
    ticket = _clean(errors, "ticket", ticket, 100)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        document = personal_data(customer)
        request = PrivacyRequest.objects.create(
            customer=customer, kind=RequestKind.EXPORT, requested_by=requested_by, reason=reason, ticket=ticket,
            done_by=actor, channel=channel,
            summary={label: len(rows) for label, rows in document["related"].items() if rows},
        )
        AccessLog.objects.create(user=actor, customer=customer, field="all", action="export", channel=channel)
    return {"request": {"id": request.pk, "at": request.at.isoformat(), "done_by": str(actor),
                        "requested_by": requested_by, "reason": reason, "ticket": ticket}} | document


def _cleared_value(f: Any, customer: Customer) -> tuple[bool, Any]:
    if f.name == "name":
        return True, ERASED_NAME % customer.pk
    if f.has_default():
        return True, f.get_default()
    if f.null:
        return True, None
    if f.empty_strings_allowed:
        return True, ""
    return False, None


def _anonymized(customer: Customer) -> tuple[dict[str, Any], list[str], list[str]]:
    values: dict[str, Any] = {}
    cleared: list[str] = []
    kept: list[str] = []
    for f in Customer._meta.concrete_fields:
        if f.name in KEPT_FIELDS:
            kept.append(f.name)
            continue
        ok, value = _cleared_value(f, customer)
        if ok:
            values[f.attname] = value
            cleared.append(f.name)
        else:
            kept.append(f.name)
    values["name_sort"] = name_keys(values["name"], is_person=customer.kind == Kind.PERSON).sort_key
    return values, cleared, kept


def _rebuild_search(customer: Customer) -> None:
    doc = search_document(name=customer.name, is_person=customer.is_person, code=customer.code, phones=[], email="")
    CustomerSearch.objects.update_or_create(
        customer=customer, defaults={"doc": doc, "name_sort": customer.name_sort, "active": customer.archived_at is None}
    )
    SearchToken.objects.filter(customer=customer).delete()
    SearchToken.objects.bulk_create(
        SearchToken(customer=customer, token=t, name_sort=customer.name_sort)
        for t in sorted(short_tokens(name=customer.name, is_person=customer.is_person))
    )


def customer_erase(
    *, actor: User, customer: Customer, confirm_name: str, requested_by: str = "", reason: str = "",
    ticket: str = "", channel: str = Channel.UI,
) -> PrivacyRequest:
    """The deletion right: personal fields cleared, relatives and consents deleted, the ledger's
    values scrubbed (it keeps that an erasure happened), the record archived. Cannot be undone."""
    if not may_handle(actor):
        raise NotPermitted(_("Your role may not export or erase personal data."))
    errors: dict[str, list[str]] = {}
    if (confirm_name or "").strip() != customer.name:
        errors["confirm_name"] = [_("Type the customer's name exactly to confirm the erasure.")]
    requested_by = _clean(errors, "requested_by", requested_by, 100)
    reason = _clean(errors, "reason", reason, 300, required=True)
    ticket = _clean(errors, "ticket", ticket, 100)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        outcomes: dict[str, dict[str, list[Any]]] = {}
        for link in customer_links():
            hook = link.erase_hook
            if hook is not None and hook.erase is not None:
                hook.erase(customer.pk)
                outcome = Outcome(kept=list(link.rows(customer.pk).values_list("pk", flat=True)))
            else:
                outcome = erase_rows(link, customer_id=customer.pk)
            if outcome.as_dict():
                outcomes[link.label] = {k: v for k, v in outcome.as_dict().items()}
        for reference in unknown_references():
            if reference.erase is not None:
                reference.erase(customer.pk)
        values, cleared, kept = _anonymized(customer)
        now = timezone.now()
        updated = Customer.objects.filter(pk=customer.pk, version=customer.version).update(
            **values, version=F("version") + 1, updated_at=now, archived_at=customer.archived_at or now,
        )
        if not updated:
            raise ConflictError(_("Someone else changed this customer after you opened it. Reload and try again."))
        customer = Customer.objects.get(pk=customer.pk)
        _rebuild_search(customer)
        ChangeEntry.objects.create(customer=customer, field="erased", old_value="", new_value="", actor=actor,
                                   channel=Channel.ERASE, batch=uuid.uuid4())
        AccessLog.objects.create(user=actor, customer=customer, field="all", action="erase", channel=channel)
        events.publish(events.CustomerErased(customer_id=customer.pk))
        summary = {"cleared": cleared, "kept": kept,
                   "rows": {label: {k: len(v) for k, v in o.items()} for label, o in outcomes.items()}}
        return PrivacyRequest.objects.create(
            customer=customer, kind=RequestKind.ERASE, requested_by=requested_by, reason=reason, ticket=ticket,
            done_by=actor, channel=channel, summary=summary,
        )


# Erase hooks for the customer archive's own tables, registered in PrivacyConfig.ready().

def scrub_ledger(customer_id: int) -> None:
    """The change ledger keeps that something changed and when, not the values."""
    ChangeEntry.objects.filter(customer_id=customer_id).update(old_value="", new_value="")


def keep_rows(customer_id: int) -> None:
    """Rows without personal values of their own (the access log, the personal-data requests) or
    rebuilt from the anonymized record afterwards (the search row and tokens) are kept."""


def scrub_referrals(customer_id: int) -> None:
    """A referral stays (the other customer's referral counts do not change) without its notes;
    the other side's ledger stops naming the erased customer."""
    customer = Customer.objects.filter(pk=customer_id).values("name", "code").first()
    if customer is None:
        return
    rows = Referral.objects.filter(Q(referrer_id=customer_id) | Q(referred_id=customer_id))
    counterparts = {cid for pair in rows.values_list("referrer_id", "referred_id") for cid in pair} - {customer_id}
    rows.update(notes="")
    needle = f"{customer['name']} ({customer['code']})"
    replacement = f"{ERASED_NAME % customer_id} ({customer['code']})"
    entries = ChangeEntry.objects.filter(customer_id__in=counterparts, field="referral").filter(
        Q(old_value__contains=needle) | Q(new_value__contains=needle)
    )
    for entry in entries:
        ChangeEntry.objects.filter(pk=entry.pk).update(
            old_value=entry.old_value.replace(needle, replacement), new_value=entry.new_value.replace(needle, replacement)
        )
