"""What other apps ask of the customer archive. The customers app is the only writer of `Customer`,
its search rows and its ledger: merges (dedupe), erasures (privacy), moves of account managers, and
the ledger entries and notes of apps that act on a customer (assets, and the next apps) come through
here. The customers' own edits are in `services.py`, which this module builds on."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.models import Department, User
from guanxi.accounts.selectors import departments_visible_to, users_visible_to
from guanxi.core import events
from guanxi.core.errors import ConflictError
from guanxi.core.inputs import typed_input
from guanxi.core.text import (
    search_document,
    short_tokens,
)
from guanxi.customers import ledger
from guanxi.customers.choices import (
    Channel,
)
from guanxi.customers.models import (
    AccessLog,
    ChangeEntry,
    Customer,
    CustomerSearch,
    Referral,
    SearchToken,
)
from guanxi.customers.services import (
    MAX_NOTES,
    CustomerInput,
    _clean_text,
    _Errors,
    _index,
    _reload,
    _sort_key,
    customer_update,
)


def customer_merge_values(*, actor: User, customer: Customer, version: int, data: Mapping[str, object]) -> Customer:
    """A merge's survivor takes the chosen values (`data`, keyed by field name, or attname for a
    relation), if nobody saved it since `version`; else ConflictError.

    Through `customer_update` (validation, search row, ledger); a value that service does not set
    (a field it does not know yet, a stored value it would no longer accept) is copied as stored —
    it comes from a record that was saved already — and gets its ledger entry too.
    """
    if not data:
        now = timezone.now()
        if not Customer.objects.filter(pk=customer.pk, version=version).update(
            version=F("version") + 1, updated_at=now
        ):
            raise ConflictError(
                _("Someone else changed this customer after you opened it. Reload to see their changes."))
        return _reload(customer.pk)
    updated = customer_update(actor=actor, customer=customer, version=version,
                              data=typed_input(CustomerInput, data), channel=Channel.MERGE)
    leftover = {k: v for k, v in data.items() if getattr(updated, k) != v}
    if not leftover:
        return updated
    with transaction.atomic():
        before = ledger.snapshot(updated)
        before_extra = {_ledger_name(k): _ledger_text(getattr(updated, k)) for k in leftover}
        Customer.objects.filter(pk=customer.pk).update(**leftover)
        updated = _reload(customer.pk)
        after = ledger.snapshot(updated)
        after_extra = {_ledger_name(k): _ledger_text(getattr(updated, k)) for k in leftover}
        _index(updated)
        ledger.record(customer=updated, before=before_extra | before, after=after_extra | after, actor=actor,
                      channel=Channel.MERGE)
    return updated


def _ledger_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _ledger_name(attname: str) -> str:
    field = next((f for f in Customer._meta.concrete_fields if f.attname == attname), None)
    return field.name if field is not None else attname


def customers_merge_recorded(
    *, actor: User, survivor: Customer, merged: list[Customer],
    before: list[tuple[int, ledger.Snapshot]],
) -> None:
    """The ledger of a merge once its rows have moved: what changed on each customer since
    `before` (tags moved, …) and, on both sides, which customer went into which; one batch."""
    batch = uuid.uuid4()
    changes: list[tuple[int, ledger.Snapshot | None, ledger.Snapshot]] = [
        (pk, snap, ledger.snapshot(_reload(pk))) for pk, snap in before
    ]
    ledger.record_many(changes, actor=actor, channel=Channel.MERGE, batch=batch)
    entries = []
    for m in merged:
        entries.append(ChangeEntry(customer_id=survivor.pk, field="merged", old_value="",
                                   new_value=f"← {m.name} ({m.code})", actor=actor, channel=Channel.MERGE,
                                   batch=batch))
        entries.append(ChangeEntry(customer_id=m.pk, field="merged", old_value="",
                                   new_value=f"→ {survivor.name} ({survivor.code})", actor=actor,
                                   channel=Channel.MERGE, batch=batch))
    ChangeEntry.objects.bulk_create(entries)


# What an erasure keeps of the customer row: the record's identity and bookkeeping, and how the
# business is organised around it (account manager, department, store, importance, kind), so
# counts, aggregates and rows that must stay (orders, invoices) still add up. Every other field —
# including fields added later — is cleared.
ANONYMIZE_KEPT_FIELDS = (
    "id", "kind", "code", "importance", "owner", "department", "store", "version", "archived_at",
    "created_at", "updated_at", "created_by", "name_sort", "importance_set_by", "importance_set_at",
)
ERASED_NAME = "已删除 #%d"


@dataclass(frozen=True)
class Anonymized:
    """An erased customer and which of its fields were cleared and kept."""

    customer: Customer
    cleared: list[str]
    kept: list[str]


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


def customer_anonymize(
    *, actor: User, customer: Customer, version: int, channel: str = Channel.UI
) -> Anonymized:
    """What an erasure does to the customer itself: every field but ANONYMIZE_KEPT_FIELDS cleared,
    the record archived, its search row and tokens rebuilt from what is left, the erasure in its
    ledger (channel "erase") and in its access log (`channel`). A change since `version` is a
    ConflictError. The ledger's values are scrubbed by `ledger_scrub`, rows elsewhere by their apps."""
    values: dict[str, Any] = {}
    cleared: list[str] = []
    kept: list[str] = []
    for f in Customer._meta.concrete_fields:
        ok, value = (False, None) if f.name in ANONYMIZE_KEPT_FIELDS else _cleared_value(f, customer)
        if ok:
            values[f.attname] = value
            cleared.append(f.name)
        else:
            kept.append(f.name)
    values["name_sort"] = _sort_key(values["name"], customer.kind)
    with transaction.atomic():
        now = timezone.now()
        updated = Customer.objects.filter(pk=customer.pk, version=version).update(
            **values, version=F("version") + 1, updated_at=now, archived_at=customer.archived_at or now,
        )
        if not updated:
            raise ConflictError(_("Someone else changed this customer after you opened it. Reload and try again."))
        customer = Customer.objects.get(pk=customer.pk)
        doc = search_document(name=customer.name, is_person=customer.is_person, code=customer.code, phones=[],
                              email="")
        CustomerSearch.objects.update_or_create(
            customer=customer,
            defaults={"doc": doc, "name_sort": customer.name_sort, "active": customer.archived_at is None},
        )
        SearchToken.objects.filter(customer=customer).delete()
        SearchToken.objects.bulk_create(
            SearchToken(customer=customer, token=t, name_sort=customer.name_sort)
            for t in sorted(short_tokens(name=customer.name, is_person=customer.is_person))
        )
        ChangeEntry.objects.create(customer=customer, field="erased", old_value="", new_value="", actor=actor,
                                   channel=Channel.ERASE, batch=uuid.uuid4())
        AccessLog.objects.create(user=actor, customer=customer, field="all", action="erase", channel=channel)
    return Anonymized(customer=customer, cleared=cleared, kept=kept)


def ledger_scrub(customer_id: int) -> None:
    """Erasure: the change ledger keeps that something changed and when, not the values."""
    ChangeEntry.objects.filter(customer_id=customer_id).update(old_value="", new_value="")


def referrals_scrub(customer_id: int) -> None:
    """Erasure: a referral stays (the other customer's referral counts do not change) without its
    notes; the other side's ledger stops naming the erased customer. Call before anonymizing."""
    from django.db.models import Q

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


def customers_move(
    *, actor: User, customer_ids: list[int], owner: User | None = None, department: Department | None = None,
    channel: str = Channel.UI,
) -> int:
    """Give many customers a new account manager and/or department in a few statements (a
    handover, a reorganisation); None leaves that side as it is. Each changed customer gets its
    ledger entries (one batch) and a new version. Returns how many customers changed.

    Only customers, users and departments the actor may see can be named: anything else is
    "unknown" (a ValidationError), and nothing moves.
    """
    errors = _Errors()
    if owner is None and department is None:
        errors.add("owner", _("Choose a new account manager or department."))
    if owner is not None and not users_visible_to(actor).filter(pk=owner.pk).exists():
        errors.add("owner", _("Unknown account manager."))
    if department is not None and not departments_visible_to(actor).filter(pk=department.pk).exists():
        errors.add("department", _("Unknown department."))
    ids = sorted(set(customer_ids))
    errors.raise_if_any()
    with transaction.atomic():
        rows = list(Customer.objects.visible_to(actor).filter(pk__in=ids).select_for_update(of=("self",))
                    .values_list("pk", "owner_id", "owner__username", "department_id", "department__name"))
        if len(rows) != len(ids):
            raise ValidationError({"customer_ids": [_("Unknown customer.")]})
        return _move(actor=actor, rows=rows, owner=owner, department=department, channel=channel)


def _move(
    *, actor: User, rows: Sequence[tuple[int, int | None, str | None, int | None, str | None]], owner: User | None,
    department: Department | None, channel: str,
) -> int:
    changes: list[tuple[int, ledger.Snapshot | None, ledger.Snapshot]] = []
    for pk, owner_id, username, department_id, department_name in rows:
        before: ledger.Snapshot = {}
        after: ledger.Snapshot = {}
        if owner is not None and owner_id != owner.pk:
            before["owner"], after["owner"] = username or "", owner.username
        if department is not None and department_id != department.pk:
            before["department"], after["department"] = department_name or "", department.name
        if after:
            changes.append((pk, before, after))
    if not changes:
        return 0
    values: dict[str, Any] = {}
    if owner is not None:
        values["owner"] = owner
    if department is not None:
        values["department"] = department
    moved = [pk for pk, _before, _after in changes]
    now = timezone.now()
    for start in range(0, len(moved), 2000):
        Customer.objects.filter(pk__in=moved[start:start + 2000]).update(
            version=F("version") + 1, updated_at=now, **values)
    ledger.record_many(changes, actor=actor, channel=channel)
    moved_ids = events.Ids.of(moved)
    fields = tuple(sorted({name for _pk, _before, after in changes for name in after}))
    events.publish(events.CustomersChanged(customer_ids=moved_ids, fields=fields, channel=channel))
    events.publish(events.OwnersMoved(customer_ids=moved_ids, owner_id=owner.pk if owner is not None else None,
                                      department_id=department.pk if department is not None else None))
    return len(changes)


def customer_ledger_entry(
    *, customer_id: int, field: str, old: str, new: str, actor: User | None, channel: str = Channel.UI
) -> ChangeEntry:
    """One entry in a customer's change ledger for a change another app made about the customer
    (a holding, an insurance policy, an asset review); `field` is one of ledger.LEDGER_FIELDS."""
    if field not in ledger.LEDGER_FIELDS:
        raise ValueError(f"{field!r} is not a ledger field")
    return ChangeEntry.objects.create(customer_id=customer_id, field=field, old_value=old, new_value=new,
                                      actor=actor, channel=channel, batch=uuid.uuid4())


def ledger_note(*, customer_id: int, kind: str, text: str, by: User | None, channel: str = Channel.UI) -> ChangeEntry:
    """Record in a customer's ledger what another app did to them (a complaint's compensation, a
    workflow step), without that app writing the ledger's table. `kind` is a short key naming what
    happened (complaint.compensation); the History tab shows the entry as "Note: kind" with `text`."""
    errors = _Errors()
    kind = kind.strip()
    if not re.fullmatch(r"[a-z0-9_.\-]{1,50}", kind):
        errors.add("kind", _("Name the note's kind with 1 to 50 lower-case letters, digits, '.', '_' or '-'."))
    text = _clean_text(errors, "text", text, max_length=MAX_NOTES, required=True)
    if not Customer.objects.filter(pk=customer_id).exists():
        errors.add("customer", _("Unknown customer."))
    errors.raise_if_any()
    return ChangeEntry.objects.create(customer_id=customer_id, field=f"{ledger.NOTE_PREFIX}{kind}", old_value="",
                                      new_value=text, actor=by, channel=channel, batch=uuid.uuid4())
