"""The customer page's Follow-up tab, the list's quick-add column and the home page panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from guanxi.accounts.http import request_user
from guanxi.core.registry import registry
from guanxi.customers.models import Customer
from guanxi.interactions import selectors
from guanxi.interactions.choices import ContactChannel
from guanxi.interactions.forms import AppointmentForm, InteractionForm
from guanxi.interactions.models import ContactSummary

TIMELINE_PAGE = 20


def timeline_page(customer: Customer, user: Any, before: dt.datetime | None) -> dict[str, Any]:
    """One page of the customer's timeline (every app's events, newest first) and where the next starts."""
    entries = registry.timeline(customer, user, before, TIMELINE_PAGE + 1)
    more = len(entries) > TIMELINE_PAGE
    entries = entries[:TIMELINE_PAGE]
    return {"entries": entries, "older": entries[-1].at.isoformat() if more and entries else ""}


def followup_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    user = request_user(request)
    summary = ContactSummary.objects.filter(customer=customer).first()
    return {
        "customer": customer, "summary": summary, "channels": ContactChannel.choices,
        "form": InteractionForm(user=user, customer=customer),
        "plan_form": AppointmentForm(initial={"due_on": timezone.localdate() + dt.timedelta(days=1)}),
        "tasks": selectors.task_list(user=user, owner=user, customer_id=customer.pk, due="open"),
        **timeline_page(customer, user, None),
    }


def with_last_contact(qs: QuerySet[Any]) -> QuerySet[Any]:
    # A subquery per shown row (50), not a join the list's keyset plan would have to carry.
    annotated: QuerySet[Any] = qs.annotate(last_contact_at=Subquery(
        ContactSummary.objects.filter(customer_id=OuterRef("pk")).values("last_at")[:1]))
    return annotated


def quick_add_cell(customer: Any) -> str:
    """The list cell: the last contact's date and a button that opens the log form in place."""
    last = customer.last_contact_at
    shown = date_format(timezone.localtime(last), "SHORT_DATE_FORMAT") if last else "—"
    return format_html(
        '<span class="text-secondary me-1" data-last-contact>{}</span>'
        '<button type="button" class="btn btn-sm btn-outline-primary py-0" data-log-contact="{}" '
        'hx-get="{}?compact=1" hx-target="closest td" hx-swap="innerHTML">{}</button>',
        shown, customer.pk, reverse("interactions:log", args=[customer.pk]), _("+ Log"),
    )
