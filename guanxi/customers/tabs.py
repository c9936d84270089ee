"""The customer page's own tabs and timeline events, registered like any later app's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from guanxi.accounts.http import request_user
from guanxi.core.registry import TimelineEntry, registry
from guanxi.customers.models import Customer
from guanxi.customers.selectors import (
    access_log_for,
    consent_state,
    contacts_of,
    customer_history,
    family_of,
    mask_phones,
    profile_sections,
    referrals_of,
)


def profile_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"customer": customer, "masked_phones": mask_phones(customer.phones),
            "sections": profile_sections(customer=customer)}


def timeline_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"customer": customer, "entries": registry.timeline(customer, request_user(request), None, 50)}


def family_context(request: HttpRequest, customer: Customer, form: Any = None) -> dict[str, Any]:
    from guanxi.customers.forms import FamilyMemberForm

    return {"customer": customer, "members": family_of(user=request_user(request), customer=customer),
            "form": form or FamilyMemberForm()}


def contacts_context(request: HttpRequest, customer: Customer, form: Any = None) -> dict[str, Any]:
    from guanxi.customers.forms import ContactForm

    return {"customer": customer, "contacts": contacts_of(user=request_user(request), customer=customer),
            "form": form or ContactForm()}


def referrals_context(request: HttpRequest, customer: Customer, form: Any = None) -> dict[str, Any]:
    from guanxi.customers.forms import ReferralForm

    made, received = referrals_of(user=request_user(request), customer=customer)
    return {"customer": customer, "made": made, "received": received, "form": form or ReferralForm()}


def consent_context(request: HttpRequest, customer: Customer, form: Any = None) -> dict[str, Any]:
    from guanxi.customers.forms import ConsentForm

    return {"customer": customer, "states": consent_state(customer=customer), "form": form or ConsentForm()}


def history_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    from guanxi.customers.ledger import LEDGER_FIELDS

    field = request.GET.get("field", "")
    field = field if field in LEDGER_FIELDS else ""
    rows, total = customer_history(user=request_user(request), customer=customer, field=field, limit=100)
    return {"customer": customer, "rows": rows, "total": total, "field": field,
            "fields": [(key, str(label)) for key, label in LEDGER_FIELDS.items()]}


def access_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"customer": customer, "entries": access_log_for(user=request_user(request), customer=customer)}


def archive_events(customer: Customer, user: Any, before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(at=customer.created_at, kind="created", title=_("Customer created"),
                      actor=str(customer.created_by or "")),
    ]
    if customer.archived_at:
        entries.append(TimelineEntry(at=customer.archived_at, kind="archived", title=_("Customer archived")))
    return [e for e in entries if before is None or e.at < before][:limit]
