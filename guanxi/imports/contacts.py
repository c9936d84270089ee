"""The contact-person target of the import engine: one row per contact, keyed by the customer code.

Registered by `ImportsConfig.ready()` (the customers app imports no import engine).

Contact lists are short (a few people per organization), so a row is applied through the contact
services one at a time, in one transaction: the same validation, masking and ledger entries as the
Contacts tab. A row whose customer already has a contact of the same name updates that contact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.accounts.models import User
from guanxi.core.inputs import typed_input
from guanxi.customers.choices import BirthdayCalendar, BuyingRole, Channel, Kind
from guanxi.customers.contact_services import ContactInput, contact_create, contact_update
from guanxi.customers.models import Contact, Customer
from guanxi.imports.columns import Column, choice_lookup, label_keys, parse_date, split_list
from guanxi.imports.models import ImportJob, ImportRow, RowError
from guanxi.imports.readers import header_key
from guanxi.imports.targets import Applied, Count, OptionErrors, Progress

LABELS: dict[str, Any] = {
    "customer_code": gettext_lazy("Customer code"),
    "name": gettext_lazy("Contact name"),
    "title": gettext_lazy("Job title"),
    "role": gettext_lazy("Role in buying"),
    "phones": gettext_lazy("Phones"),
    "email": gettext_lazy("Email"),
    "birthday": gettext_lazy("Birthday"),
    "birthday_calendar": gettext_lazy("Birthday kept by"),
    "notes": gettext_lazy("Notes"),
}
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_code": ("客户编码", "客户代码", "code"), "name": ("联系人", "联系人姓名", "姓名", "name"),
    "title": ("职务", "职位", "title"), "role": ("角色", "采购角色", "role"),
    "phones": ("电话", "手机", "phone", "mobile"), "email": ("邮箱", "电子邮件", "email"),
    "birthday": ("生日", "birthday"), "birthday_calendar": ("历法", "calendar"), "notes": ("备注", "notes"),
}


class Cleaned:
    __slots__ = ("code", "data", "errors", "phone")

    def __init__(self, data: dict[str, Any], errors: dict[str, list[str]], code: str) -> None:
        self.data = data
        self.errors = errors
        self.code = code
        self.phone = ""


class ContactCleaner:
    """Cell text → the contact service's input (JSON-ready); the service judges the values again."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.roles = choice_lookup(BuyingRole.choices)
        self.calendars = choice_lookup(BirthdayCalendar.choices, {"公历": "solar", "阳历": "solar", "农历": "lunar",
                                                                  "阴历": "lunar"})

    def clean(self, cells: dict[str, str]) -> Cleaned:
        errors: dict[str, list[str]] = {}
        data: dict[str, Any] = {}
        code = (cells.get("customer_code") or "").strip()
        if not code:
            errors["customer_code"] = [_("This field is required.")]
        name = (cells.get("name") or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        data["name"] = name
        for key in ("title", "email", "notes"):
            if key in cells:
                data[key] = cells[key].strip()
        if "phones" in cells:
            data["phones"] = split_list(cells["phones"])
        if (cells.get("role") or "").strip():
            role = self.roles.get(header_key(cells["role"]))
            if role is None:
                errors["role"] = [_("Select a valid choice.")]
            data["role"] = role or ""
        if (cells.get("birthday") or "").strip():
            birthday = parse_date(cells["birthday"])
            if birthday is None:
                errors["birthday"] = [_("Enter a date such as 2024-03-05.")]
            data["birthday"] = birthday.isoformat() if birthday else None
        if (cells.get("birthday_calendar") or "").strip():
            calendar = self.calendars.get(header_key(cells["birthday_calendar"]))
            if calendar is None:
                errors["birthday_calendar"] = [_("Select a valid choice.")]
            data["birthday_calendar"] = calendar or BirthdayCalendar.SOLAR
        return Cleaned(data, errors, code)


class ContactTarget:
    """Contact people of organization customers, by customer code."""

    key = "contacts"
    label = gettext_lazy("Contact people")
    order = 15
    counts = (Count("created", gettext_lazy("Created")), Count("updated", gettext_lazy("Updated")),
              Count("unchanged", gettext_lazy("Unchanged")))

    def catalogue(self) -> list[Column]:
        return [Column(key=key, label=str(label),
                       aliases=frozenset(label_keys(label) | {header_key(a) for a in ALIASES[key]}))
                for key, label in LABELS.items()]

    def alias_map(self, columns: list[Column]) -> dict[str, str]:
        found: dict[str, str] = {}
        for column in columns:
            for alias in sorted(column.aliases):
                found.setdefault(alias, column.key)
        return found

    def required(self) -> tuple[str, ...]:
        return ("customer_code", "name")

    def row_cleaner(self, actor: User) -> ContactCleaner:
        return ContactCleaner(actor)

    def option_fields(self) -> dict[str, forms.Field]:
        return {}

    def options_of(self, job: ImportJob) -> dict[str, Any]:
        return {}

    def set_options(self, job: ImportJob, values: dict[str, Any], errors: OptionErrors) -> None:
        return None

    def check(self, job: ImportJob) -> None:
        """Every valid row names an organization customer the importing user may see."""
        rows = list(ImportRow.objects.filter(job=job, valid=True).values_list("line", "code"))
        known = _organizations(job.user, {code for _line, code in rows})
        bad = [(line, code) for line, code in rows if code not in known]
        _mark(job, [(line, "customer_code", _unknown(code)) for line, code in bad])

    def apply(self, job: ImportJob, *, progress: Progress) -> Applied:
        applied = Applied()
        failed: list[tuple[int, str, str]] = []
        rows = list(ImportRow.objects.filter(job=job, valid=True).order_by("line").values_list("line", "code", "data"))
        customers = _organizations(job.user, {code for _line, code, _data in rows})
        with transaction.atomic():
            savepoint = transaction.savepoint()
            for done, (line, code, data) in enumerate(rows, start=1):
                customer = customers.get(code)
                if customer is None:
                    failed.append((line, "customer_code", _unknown(code)))
                    continue
                try:
                    with transaction.atomic():
                        _apply_row(job.user, customer, data, applied)
                except ValidationError as error:
                    failed.extend((line, field, message) for field, messages in error.message_dict.items()
                                  for message in messages)
                if done % 500 == 0:
                    progress(done)
            if failed and not job.apply_valid_only:
                transaction.savepoint_rollback(savepoint)
                _mark(job, failed)
                return Applied(review=True)
            _mark(job, failed)
        progress(len(rows))
        return applied


def _apply_row(actor: User, customer: Customer, staged: dict[str, Any], applied: Applied) -> None:
    data = dict(staged)
    if data.get("birthday"):
        data["birthday"] = dt.date.fromisoformat(data["birthday"])
    existing = Contact.objects.filter(customer=customer, name=data["name"]).select_related("customer").first()
    if existing is None:
        contact_create(actor=actor, customer=customer, data=typed_input(ContactInput, data), channel=Channel.IMPORT)
        applied.created += 1
        return
    before = existing.version
    updated = contact_update(actor=actor, contact=existing, version=existing.version,
                             data=typed_input(ContactInput, data),
                             channel=Channel.IMPORT)
    if updated.version != before:
        applied.updated += 1


def _organizations(user: User, codes: set[str]) -> dict[str, Customer]:
    found = Customer.objects.visible_to(user).active().filter(kind=Kind.ORGANIZATION, code__in=sorted(codes))
    return {c.code: c for c in found}


def _unknown(code: str) -> str:
    return _("No organization customer you may see has the code %(code)s.") % {"code": code[:50]}


def _mark(job: ImportJob, errors: list[tuple[int, str, str]]) -> None:
    if not errors:
        return
    RowError.objects.bulk_create([RowError(job=job, line=line, field=field, message=message)
                                  for line, field, message in errors], batch_size=2000)
    ImportRow.objects.filter(job=job, line__in=sorted({line for line, _f, _m in errors})).update(valid=False)


TARGET = ContactTarget()  # registered by ImportsConfig.ready()
