"""Personal-data rights under PIPL (个人信息权利): export a customer's data, erase it. Both logged."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core import events
from guanxi.core.db import row_dict
from guanxi.core.errors import NotPermitted
from guanxi.customers.app_services import (
    ANONYMIZE_KEPT_FIELDS,
    customer_anonymize,
    ledger_scrub,
    referrals_scrub,
)
from guanxi.customers.app_services import ERASED_NAME as CUSTOMERS_ERASED_NAME
from guanxi.customers.choices import Channel
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_export_logged
from guanxi.dedupe.relations import Outcome, customer_links, erase_rows, unknown_references
from guanxi.privacy.models import PrivacyRequest, RequestKind

# What an erasure keeps of the customer row: the customers app decides (and does the clearing).
KEPT_FIELDS = ANONYMIZE_KEPT_FIELDS
ERASED_NAME = CUSTOMERS_ERASED_NAME


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
        customer_export_logged(actor=actor, customer=customer, what="all", channel=channel)
    return {"request": {"id": request.pk, "at": request.at.isoformat(), "done_by": str(actor),
                        "requested_by": requested_by, "reason": reason, "ticket": ticket}} | document


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
        anonymized = customer_anonymize(actor=actor, customer=customer, version=customer.version, channel=channel)
        customer, cleared, kept = anonymized.customer, anonymized.cleared, anonymized.kept
        events.publish(events.CustomerErased(customer_id=customer.pk))
        summary = {"cleared": cleared, "kept": kept,
                   "rows": {label: {k: len(v) for k, v in o.items()} for label, o in outcomes.items()}}
        return PrivacyRequest.objects.create(
            customer=customer, kind=RequestKind.ERASE, requested_by=requested_by, reason=reason, ticket=ticket,
            done_by=actor, channel=channel, summary=summary,
        )


# Erase hooks for the customer archive's own tables, registered in PrivacyConfig.ready().

def scrub_ledger(customer_id: int) -> None:
    """The change ledger keeps that something changed and when, not the values (the customers app scrubs it)."""
    ledger_scrub(customer_id)


def keep_rows(customer_id: int) -> None:
    """Rows without personal values of their own (the access log, the personal-data requests) or
    rebuilt from the anonymized record afterwards (the search row and tokens) are kept."""


def scrub_referrals(customer_id: int) -> None:
    """A referral stays without its notes; the other side's ledger stops naming the erased customer
    (the customers app does both)."""
    referrals_scrub(customer_id)
