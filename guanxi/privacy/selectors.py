"""Reads for personal-data requests."""

from __future__ import annotations

from guanxi.customers.models import Customer
from guanxi.privacy.models import PrivacyRequest


def requests_for(*, customer: Customer, limit: int = 50) -> list[PrivacyRequest]:
    """The customer's export and erasure requests, newest first (the caller checked visibility)."""
    return list(PrivacyRequest.objects.filter(customer=customer).select_related("done_by")[:limit])
