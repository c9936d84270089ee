"""The change ledger (客户信息修改台帐): what changed, from what, to what, by whom, through which channel.

Services take a snapshot before and after a change and call `record`; `record_many` writes the
entries of many customers in one statement for imports and merges.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.text import mask_digits
from guanxi.customers.choices import BirthdayCalendar, Channel, Gender, Importance, InfoClass, Kind, Language
from guanxi.customers.custom_fields import ledger_text
from guanxi.customers.models import ChangeEntry, Customer, CustomField
from guanxi.customers.profile import PROFILE_FIELDS, model_field

CUSTOM_PREFIX = "custom."
# Entries other apps write through `app_services.ledger_note`: field "note.<kind>".
NOTE_PREFIX = "note."

# Field → label, in the order the History tab offers them as a filter.
LEDGER_FIELDS: dict[str, Any] = {
    "kind": _("Kind"),
    "name": _("Name"),
    "code": _("Customer code"),
    "gender": _("Gender"),
    "birthday": _("Birthday"),
    "birthday_calendar": _("Birthday kept by"),
    "phones": _("Phones"),
    "id_number": _("ID number"),
    "email": _("Email"),
    "address": _("Address"),
    "importance": _("Importance"),
    "tags": _("Tags"),
    "owner": _("Account manager"),
    "department": _("Department"),
    "store": _("Store"),
    "notes": _("Notes"),
    "importance_reason": _("Why this importance"),
    **{spec.name: model_field(spec.name).verbose_name for spec in PROFILE_FIELDS},
    "review": _("Information reviewed"),
    "family": _("Family members"),
    "contacts": _("Contact people"),
    "referral": _("Referrals"),
    "consent": _("Consent"),
    "archived": _("Archived"),
    "holding": _("Holdings"),
    "insurance": _("Insurance"),
    "asset_review": _("Asset review"),
    "merged": _("Merged"),
    "erased": _("Erased"),
    "note": _("Notes from other apps"),
}
# Shown masked to roles that may not reveal them, like everywhere else.
SENSITIVE = {"phones", "id_number", "bank_account"}
_CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "kind": dict(Kind.choices),
    "gender": {k: v for k, v in Gender.choices if k},
    "birthday_calendar": dict(BirthdayCalendar.choices),
    "importance": dict(Importance.choices),
    "review": dict(InfoClass.choices),
    **{spec.name: dict(model_field(spec.name).choices or ()) for spec in PROFILE_FIELDS
       if spec.value == "choice"},
}
CHANNEL_LABELS: dict[str, Any] = dict(Channel.choices)

Snapshot = dict[str, str]
# Fields a new customer always has a value for: a creation records them only when not the default.
CREATION_DEFAULTS: dict[str, str] = {"language": Language.ZH_HANS.value}


def snapshot(customer: Customer) -> Snapshot:
    """Every ledger field of a customer as the text the ledger stores."""
    return {
        "kind": customer.kind,
        "name": customer.name,
        "code": customer.code,
        "gender": customer.gender,
        "birthday": customer.birthday.isoformat() if customer.birthday else "",
        "birthday_calendar": customer.birthday_calendar,
        "phones": ", ".join(customer.phones),
        "id_number": customer.id_number,
        "email": customer.email,
        "address": customer.address,
        "importance": customer.importance,
        "tags": ", ".join(sorted(t.name for t in customer.tags.all())),
        "owner": customer.owner.username if customer.owner_id else "",
        "department": customer.department.name if customer.department_id and customer.department else "",
        "store": customer.store.name if customer.store_id and customer.store else "",
        "notes": customer.notes,
        "archived": "yes" if customer.archived_at else "",
        "importance_reason": customer.importance_reason,
        **{spec.name: _text(getattr(customer, spec.name)) for spec in PROFILE_FIELDS},
        **{f"{CUSTOM_PREFIX}{key}": ledger_text(value) for key, value in (customer.custom or {}).items()},
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return str(value)


def field_label(field: str) -> str:
    """The label of a ledger field; custom fields by their current definition, notes by their kind."""
    if field.startswith(NOTE_PREFIX):
        return str(_("Note: %(kind)s") % {"kind": field[len(NOTE_PREFIX):]})
    if field.startswith(CUSTOM_PREFIX):
        key = field[len(CUSTOM_PREFIX):]
        label = CustomField.objects.filter(key=key).values_list("label", flat=True).first()
        return str(label or key)
    return str(LEDGER_FIELDS.get(field, field))


def _entries(
    customer_id: int, before: Snapshot | None, after: Snapshot, actor_id: int | None, channel: str, batch: uuid.UUID
) -> list[ChangeEntry]:
    entries = []
    extra = sorted(k for k in {*(before or {}), *after} if k not in LEDGER_FIELDS)
    for field in [*LEDGER_FIELDS, *extra]:
        old = (before or {}).get(field, "")
        new = after.get(field, "")
        if old != new and not (before is None and CREATION_DEFAULTS.get(field) == new):
            entries.append(ChangeEntry(
                customer_id=customer_id, field=field, old_value=old, new_value=new,
                actor_id=actor_id, channel=channel, batch=batch,
            ))
    return entries


def record(
    *, customer: Customer, before: Snapshot | None, after: Snapshot, actor: Any, channel: str
) -> list[ChangeEntry]:
    """Write one entry per changed field (every non-empty field when `before` is None: a creation)."""
    entries = _entries(customer.pk, before, after, getattr(actor, "pk", None), channel, uuid.uuid4())
    return ChangeEntry.objects.bulk_create(entries)


def record_many(
    changes: Iterable[tuple[int, Snapshot | None, Snapshot]], *, actor: Any, channel: str,
    batch: uuid.UUID | None = None,
) -> int:
    """The ledger of a bulk change (an import, a merge): one batch id (pass one to share it across
    calls, as an import does for its chunks), one bulk insert."""
    batch = batch or uuid.uuid4()
    actor_id = getattr(actor, "pk", None)
    entries = [e for cid, before, after in changes for e in _entries(cid, before, after, actor_id, channel, batch)]
    ChangeEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def shown_value(entry: ChangeEntry, *, may_reveal: bool) -> tuple[str, str]:
    """Old and new value as a user may see them: phones masked unless the role may reveal."""
    if entry.field in SENSITIVE and not may_reveal:
        return _mask_list(entry.old_value), _mask_list(entry.new_value)
    return entry.old_value, entry.new_value


def display(field: str, value: str) -> str:
    """A stored ledger value in words: choice values as their labels (person → 个人客户)."""
    labels = _CHOICE_LABELS.get(field)
    if labels is not None and value in labels:
        return str(labels[value])
    if field == "archived" and value:
        return str(_("Archived"))
    return value


def _mask_list(value: str) -> str:
    return ", ".join(mask_digits(v) for v in value.split(", ")) if value else ""


def changed_values(before: Snapshot | None, after: Snapshot) -> list[tuple[str, str, str]]:
    """(field, old, new) of every changed field, in the order `record` writes them, without building
    `ChangeEntry` objects: for bulk writers (an import COPYs these rows)."""
    extra = sorted(k for k in {*(before or {}), *after} if k not in LEDGER_FIELDS)
    old_values = before or {}
    changed = []
    for field in [*LEDGER_FIELDS, *extra]:
        old = old_values.get(field, "")
        new = after.get(field, "")
        if old != new and not (before is None and CREATION_DEFAULTS.get(field) == new):
            changed.append((field, old, new))
    return changed
