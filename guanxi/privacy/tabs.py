"""The Personal data tab on the customer page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from guanxi.accounts.http import request_user
from guanxi.customers.models import Customer
from guanxi.privacy.selectors import requests_for
from guanxi.privacy.services import KEPT_FIELDS, may_handle


def privacy_context(request: HttpRequest, customer: Customer, errors: dict[str, list[str]] | None = None,
                    data: dict[str, str] | None = None) -> dict[str, Any]:
    kept = [str(getattr(Customer._meta.get_field(name), "verbose_name", name)) for name in KEPT_FIELDS
            if name not in ("id", "name_sort", "version", "updated_at") and _exists(name)]
    errors = dict(errors or {})
    general = errors.pop("__all__", [])
    return {"customer": customer, "general_errors": general, "requests": requests_for(customer=customer), "may_handle": may_handle(request_user(request)),
            "errors": errors or {}, "data": data or {}, "kept_fields": kept}


def _exists(name: str) -> bool:
    try:
        Customer._meta.get_field(name)
    except Exception:
        return False
    return True
