"""The customer export's cells: one list of texts per customer, in catalogue order, masked as the
user sees them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from guanxi.core.text import mask_digits
from guanxi.customers.models import Customer
from guanxi.imports.columns import Column
from guanxi.imports.customer_import.catalogue import CUSTOM_PREFIX, model_fields


def export_values(columns: list[Column], customers: Iterator[Customer], *, may_reveal: bool) -> Iterator[list[str]]:
    """One list of cell texts per customer, in catalogue order, masked as the user sees them."""
    fields = {f.name: f for f in model_fields()}
    for customer in customers:
        row: list[str] = []
        for column in columns:
            row.append(_export_cell(customer, column, fields, may_reveal))
        yield row


def _export_cell(customer: Customer, column: Column, fields: dict[str, models.Field[Any, Any]],
                 may_reveal: bool) -> str:
    key = column.key
    if key == "tags":
        return ", ".join(sorted(t.name for t in customer.tags.all()))
    if key.startswith(CUSTOM_PREFIX):
        value = (getattr(customer, "custom", None) or {}).get(key[len(CUSTOM_PREFIX):])
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return str(value)
    f = fields[key]
    value = getattr(customer, f.attname)
    if key == "phones":
        phones = list(value or [])
        return ", ".join(phones if may_reveal else [mask_digits(p) for p in phones])
    if key == "owner":
        return customer.owner.username if customer.owner_id else ""
    if key in ("department", "store"):
        related = getattr(customer, key)
        return related.name if related is not None else ""
    if value is None or value == "":
        return ""
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if column.sensitive and not may_reveal:
        return mask_digits(text)
    return text
