"""Writes to the contact people (联系人) of organization customers.

Contacts follow the customer's rules: phones are cleaned and masked like the customer's, the
birthday is solar or lunar like a family member's, edits carry the version they read (ADR 0005),
and every change is an entry in the customer's change ledger (field `contacts`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core.errors import ConflictError, FieldErrors, NotPermitted
from guanxi.core.text import search_document
from guanxi.customers.choices import BirthdayCalendar, BuyingRole, Channel, Kind
from guanxi.customers.models import ChangeEntry, Contact, Customer
from guanxi.customers.services import MAX_NOTES, BirthdayInput, _clean_birthday, _clean_phones, _clean_text

CONTACT_FIELDS = ("name", "title", "role", "phones", "email", "birthday", "birthday_calendar", "notes")


class ContactInput(BirthdayInput, total=False):
    """What a user may set on a contact person; on update only the keys given in `data` change."""

    name: str | None
    title: str | None
    role: str | None
    phones: list[str] | None
    email: str | None
    notes: str | None


def _validate_contact(*, customer: Customer, data: ContactInput, instance: Contact | None) -> dict[str, Any]:
    errors = FieldErrors()
    if customer.kind != Kind.ORGANIZATION:
        errors.add("customer", _("Contact people belong to organization customers; %(name)s is a person.")
                   % {"name": customer.name})
        errors.raise_if_any()
    values: dict[str, Any] = {}
    if "name" in data or instance is None:
        values["name"] = _clean_text(errors, "name", data.get("name") or "", max_length=100, required=True)
    if "title" in data:
        values["title"] = _clean_text(errors, "title", data["title"] or "", max_length=100)
    if "role" in data:
        role = data["role"] or ""
        if role not in BuyingRole.values and role != "":
            errors.add("role", _("Select a valid choice."))
        values["role"] = role
    if "phones" in data:
        values["phones"] = _clean_phones(errors, list(data["phones"] or []), instance.phones if instance else [])
    if "email" in data:
        email = _clean_text(errors, "email", data["email"] or "", max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.add("email", _("Enter a valid email address."))
        values["email"] = email.lower()
    if "birthday" in data or "birthday_calendar" in data:
        values.update(_clean_birthday(errors, data, instance))
    if "notes" in data:
        values["notes"] = _clean_text(errors, "notes", data["notes"] or "", max_length=MAX_NOTES)
    errors.raise_if_any()
    return values


def _contact_doc(contact: Contact) -> str:
    return search_document(name=contact.name, is_person=True, code="", phones=list(contact.phones),
                           email=contact.email)


def contact_text(contact: Contact | None) -> str:
    """How a contact reads in the change ledger: 采购 李娜 (店长) 13812345678."""
    if contact is None:
        return ""
    parts = [contact.get_role_display() if contact.role else "", contact.name,
             f"({contact.title})" if contact.title else "", ", ".join(contact.phones), contact.email]
    if contact.birthday:
        parts.append(contact.birthday.isoformat() + (" (" + str(BirthdayCalendar.LUNAR.label) + ")"
                                                     if contact.birthday_calendar == BirthdayCalendar.LUNAR else ""))
    return " ".join(str(p) for p in parts if p)


def _ledger_contact(customer_id: int, old: str, new: str, actor: User, channel: str) -> None:
    if old != new:
        ChangeEntry.objects.create(customer_id=customer_id, field="contacts", old_value=old, new_value=new,
                                   actor=actor, channel=channel, batch=uuid.uuid4())


def _editable(customer: Customer) -> None:
    if customer.archived_at is not None:
        raise NotPermitted(_("This customer is archived; restore it before editing."))


def contact_create(
    *, actor: User, customer: Customer, data: ContactInput, channel: str = Channel.UI
) -> Contact:
    """Add a contact person to an organization customer the actor may see (the caller scoped it)."""
    _editable(customer)
    values = _validate_contact(customer=customer, data=data, instance=None)
    with transaction.atomic():
        contact = Contact(customer=customer, **values)
        contact.search_doc = _contact_doc(contact)
        contact.save()
        _ledger_contact(customer.pk, "", contact_text(contact), actor, channel)
    return contact


def contact_update(
    *, actor: User, contact: Contact, version: int, data: ContactInput, channel: str = Channel.UI
) -> Contact:
    """Change a contact if nobody saved it since `version` was read; else ConflictError (ADR 0005)."""
    customer = contact.customer
    _editable(customer)
    values = _validate_contact(customer=customer, data=data, instance=contact)
    old = contact_text(contact)
    if all(getattr(contact, name) == value for name, value in values.items()):
        if contact.version != version:
            raise ConflictError(
                _("Someone else changed this contact after you opened it. Reload to see their changes.")
            )
        return contact  # nothing changed: no write, no ledger entry
    with transaction.atomic():
        merged = Contact(**{**{f.attname: getattr(contact, f.attname) for f in Contact._meta.concrete_fields},
                            **values})
        values["search_doc"] = _contact_doc(merged)
        updated = Contact.objects.filter(pk=contact.pk, version=version).update(
            version=F("version") + 1, updated_at=timezone.now(), **values
        )
        if not updated:
            raise ConflictError(
                _("Someone else changed this contact after you opened it. Reload to see their changes.")
            )
        contact.refresh_from_db()
        _ledger_contact(customer.pk, old, contact_text(contact), actor, channel)
    return contact


def contact_delete(*, actor: User, contact: Contact, channel: str = Channel.UI) -> None:
    _editable(contact.customer)
    with transaction.atomic():
        _ledger_contact(contact.customer_id, contact_text(contact), "", actor, channel)
        contact.delete()
