"""Writes to holdings, value snapshots, insurance policies and asset reviews.

Views, the API and tests call these; the demo bulk-loads the same shapes. Validation lives here so
the form and the API give the same translated, field-named messages. Snapshots are append-only:
a new value is a new row, and the holding's `amount` follows the newest one. Amounts never enter
the change ledger (it is shown to roles that may not reveal them); the ledger says what was added
or removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.assets.choices import LIABILITY_CLASSES, AssetClass, PolicyType, RiskLevel
from guanxi.assets.models import (
    AssetReview,
    AssetReviewLine,
    CoverageSettings,
    Holding,
    HoldingSnapshot,
    InsurancePolicy,
)
from guanxi.core.errors import FieldErrors
from guanxi.customers.app_services import customer_ledger_entry
from guanxi.customers.choices import Channel
from guanxi.customers.models import Customer, FamilyMember
from guanxi.customers.services import customer_reveal

SENSITIVE_KEY = "holdings"
# A trillion yuan: every amount then has at most 14 significant digits, which SQLite's floating-point
# storage of decimals keeps exactly (at 16 digits 99,999,999,999,999.99 came back as 10^14).
MAX_AMOUNT = Decimal("999999999999.99")
MAX_NOTES = 500
MAX_REVIEW_NOTES = 5000


_Errors = FieldErrors  # the name the cleaners below (and the import target) use

# Typed inputs (see guanxi/core/inputs.py): on update an absent key keeps the stored value. Amounts,
# dates and ids may arrive as text (a form, an import) and are validated here.
Money = Decimal | int | str | None
DateValue = dt.date | str | None


class HoldingInput(TypedDict, total=False):
    asset_class: str
    product: str
    institution: str
    is_ours: bool
    amount: Money
    start_on: DateValue
    matures_on: DateValue
    risk_level: str | None
    notes: str


class SnapshotInput(TypedDict, total=False):
    on: DateValue
    value: Money


class PolicyInput(TypedDict, total=False):
    policy_type: str
    insured_member_id: int | str | None
    insurer: str
    product: str
    notes: str
    sum_insured: Money
    premium: Money
    term_years: int | str | None
    starts_on: DateValue
    critical_illness: bool


class ReviewInput(TypedDict, total=False):
    on: DateValue
    notes: str | None


def _text(errors: _Errors, name: str, value: Any, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        errors.add(name, _("Null characters are not allowed."))
        return ""
    if required and not text:
        errors.add(name, _("This field is required."))
    elif len(text) > max_length:
        errors.add(name, _("Ensure this value has at most %(max)s characters.") % {"max": max_length})
    return text


def _money(errors: _Errors, name: str, value: Any, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors.add(name, _("This field is required."))
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except (InvalidOperation, ValueError):
        errors.add(name, _("Enter an amount in yuan, e.g. 1234.50."))
        return None
    if not amount.is_finite():
        errors.add(name, _("Enter an amount in yuan, e.g. 1234.50."))
        return None
    if amount < 0:
        errors.add(name, _("The amount cannot be negative."))
        return None
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        errors.add(name, _("Enter an amount below 1 trillion yuan with at most two decimals."))
        return None
    return amount.quantize(Decimal("0.01"))


def _date(errors: _Errors, name: str, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(name, _("Enter a valid date (YYYY-MM-DD)."))
        return None


def _choice(errors: _Errors, name: str, value: Any, allowed: list[str], *, blank: bool = False) -> str:
    text = "" if value is None else str(value)
    if (blank and text == "") or text in allowed:
        return text
    errors.add(name, _("Select a valid choice."))
    return ""


def _ledger(customer: Customer, field: str, old: str, new: str, actor: User | None, channel: str) -> None:
    customer_ledger_entry(customer_id=customer.pk, field=field, old=old, new=new, actor=actor, channel=channel)


# Holdings ------------------------------------------------------------------------------------

HOLDING_FIELDS = ("asset_class", "product", "institution", "is_ours", "amount", "start_on", "matures_on",
                  "risk_level", "notes")


def _validate_holding(data: HoldingInput, instance: Holding | None) -> dict[str, Any]:
    raw: Mapping[str, object] = data
    errors = _Errors()
    values: dict[str, Any] = {}
    creating = instance is None
    if creating or "asset_class" in data:
        values["asset_class"] = _choice(errors, "asset_class", data.get("asset_class"), AssetClass.values)
    if creating or "product" in data:
        values["product"] = _text(errors, "product", data.get("product"), max_length=200, required=True)
    if "institution" in data:
        values["institution"] = _text(errors, "institution", data["institution"], max_length=100)
    if "is_ours" in data:
        values["is_ours"] = bool(data["is_ours"])
    if creating or "amount" in data:
        values["amount"] = _money(errors, "amount", data.get("amount"))
    for name in ("start_on", "matures_on"):
        if name in raw:
            values[name] = _date(errors, name, raw[name])
    if "risk_level" in data:
        values["risk_level"] = _choice(errors, "risk_level", data["risk_level"] or "", RiskLevel.values, blank=True)
    if "notes" in data:
        values["notes"] = _text(errors, "notes", data["notes"], max_length=MAX_NOTES)
    start = values.get("start_on", instance.start_on if instance else None)
    matures = values.get("matures_on", instance.matures_on if instance else None)
    if start and start > timezone.localdate() and "start_on" not in errors.by_field:
        errors.add("start_on", _("The start date cannot be in the future."))
    if start and matures and matures < start:
        errors.add("matures_on", _("The maturity date cannot be before the start date."))
    errors.raise_if_any()
    return values


def _holding_text(holding: Holding) -> str:
    where = holding.institution or (_("our bank") if holding.is_ours else "")
    return " ".join(str(p) for p in (holding.get_asset_class_display(), holding.product, where) if p)


def holding_create(
    *, actor: User, customer: Customer, data: HoldingInput, channel: str = Channel.UI
) -> Holding:
    """Record a holding; its amount becomes the first value snapshot, dated today."""
    values = _validate_holding(data, None)
    with transaction.atomic():
        holding = Holding.objects.create(customer=customer, created_by=actor, **values)
        HoldingSnapshot.objects.create(holding=holding, on=timezone.localdate(), value=holding.amount,
                                       recorded_by=actor)
        _ledger(customer, "holding", "", _holding_text(holding), actor, channel)
    return holding


def holding_update(
    *, actor: User, holding: Holding, data: HoldingInput, channel: str = Channel.UI
) -> Holding:
    """Change a holding; a changed amount is appended as today's snapshot (history is never rewritten)."""
    values = _validate_holding(data, holding)
    old_text = _holding_text(holding)
    with transaction.atomic():
        Holding.objects.filter(pk=holding.pk).update(**values, updated_at=timezone.now())
        if "amount" in values and values["amount"] != holding.amount:
            HoldingSnapshot.objects.create(holding=holding, on=timezone.localdate(), value=values["amount"],
                                           recorded_by=actor)
        holding.refresh_from_db()
        new_text = _holding_text(holding)
        if new_text != old_text:
            _ledger(holding.customer, "holding", old_text, new_text, actor, channel)
    return holding


def holding_delete(*, actor: User, holding: Holding, channel: str = Channel.UI) -> None:
    """Remove a holding and its snapshots; reviews keep their copied lines."""
    with transaction.atomic():
        _ledger(holding.customer, "holding", _holding_text(holding), "", actor, channel)
        holding.delete()


def snapshot_record(
    *, actor: User, holding: Holding, data: SnapshotInput, channel: str = Channel.UI
) -> HoldingSnapshot:
    """Append a value on a date; when it is the newest, the holding's amount follows it."""
    errors = _Errors()
    on = _date(errors, "on", data.get("on")) or (None if "on" in errors.by_field else timezone.localdate())
    value = _money(errors, "value", data.get("value"))
    if on and on > timezone.localdate():
        errors.add("on", _("The date cannot be in the future."))
    errors.raise_if_any()
    assert on is not None and value is not None
    with transaction.atomic():
        snapshot = HoldingSnapshot.objects.create(holding=holding, on=on, value=value, recorded_by=actor)
        newest = HoldingSnapshot.objects.filter(holding=holding).order_by("-on", "-id").values_list("pk", flat=True)[0]
        if newest == snapshot.pk:
            Holding.objects.filter(pk=holding.pk).update(amount=value, updated_at=timezone.now())
            holding.amount = value
    return snapshot


# Insurance -----------------------------------------------------------------------------------

def _member(errors: _Errors, customer: Customer, member_id: Any, field: str) -> FamilyMember | None:
    if member_id in (None, ""):
        return None
    member = None
    if str(member_id).isdigit() and 0 < int(member_id) < 2**63:
        member = FamilyMember.objects.filter(customer=customer, pk=int(member_id)).first()
    if member is None:
        errors.add(field, _("Choose the customer or one of their family members."))
    return member


def _validate_policy(customer: Customer, data: PolicyInput, instance: InsurancePolicy | None) -> dict[str, Any]:
    raw: Mapping[str, object] = data
    errors = _Errors()
    values: dict[str, Any] = {}
    creating = instance is None
    if creating or "policy_type" in data:
        values["policy_type"] = _choice(errors, "policy_type", data.get("policy_type"), PolicyType.values)
    if "insured_member_id" in data:
        values["insured_member"] = _member(errors, customer, data["insured_member_id"], "insured_member_id")
    for name, limit in (("insurer", 100), ("product", 200), ("notes", MAX_NOTES)):
        if name in raw:
            values[name] = _text(errors, name, raw[name], max_length=limit)
    for name in ("sum_insured", "premium"):
        if creating or name in raw:
            values[name] = _money(errors, name, raw.get(name))
    if "term_years" in data:
        term = data["term_years"]
        if term in (None, ""):
            values["term_years"] = None
        elif not str(term).isdigit() or not 1 <= int(term) <= 100:
            errors.add("term_years", _("Enter a term of 1 to 100 years, or leave it empty for whole life."))
        else:
            values["term_years"] = int(term)
    if "starts_on" in data:
        values["starts_on"] = _date(errors, "starts_on", data["starts_on"])
    if "critical_illness" in data:
        values["critical_illness"] = bool(data["critical_illness"])
    errors.raise_if_any()
    if values.get("policy_type") == PolicyType.CRITICAL_ILLNESS:
        values["critical_illness"] = True
    return values


def _policy_text(policy: InsurancePolicy) -> str:
    insured = policy.insured_member.name if policy.insured_member else policy.customer.name
    return " ".join(str(p) for p in (policy.get_policy_type_display(), policy.product or policy.insurer, insured) if p)


def policy_create(
    *, actor: User, customer: Customer, data: PolicyInput, channel: str = Channel.UI
) -> InsurancePolicy:
    values = _validate_policy(customer, data, None)
    with transaction.atomic():
        policy = InsurancePolicy.objects.create(customer=customer, **values)
        _ledger(customer, "insurance", "", _policy_text(policy), actor, channel)
    return policy


def policy_update(
    *, actor: User, policy: InsurancePolicy, data: PolicyInput, channel: str = Channel.UI
) -> InsurancePolicy:
    values = _validate_policy(policy.customer, data, policy)
    old_text = _policy_text(policy)
    with transaction.atomic():
        InsurancePolicy.objects.filter(pk=policy.pk).update(**values)
        policy.refresh_from_db()
        if _policy_text(policy) != old_text:
            _ledger(policy.customer, "insurance", old_text, _policy_text(policy), actor, channel)
    return policy


def policy_delete(*, actor: User, policy: InsurancePolicy, channel: str = Channel.UI) -> None:
    with transaction.atomic():
        _ledger(policy.customer, "insurance", _policy_text(policy), "", actor, channel)
        policy.delete()


def main_earner_set(*, actor: User, customer: Customer, member_id: int | None) -> CoverageSettings:
    """Name the family's main earner (a family member), or the customer when `member_id` is None."""
    errors = _Errors()
    member = _member(errors, customer, member_id, "main_earner_id")
    errors.raise_if_any()
    settings, _created = CoverageSettings.objects.update_or_create(customer=customer,
                                                                   defaults={"main_earner": member})
    return settings


# Asset reviews -------------------------------------------------------------------------------

def values_on(*, customer: Customer, on: dt.date) -> list[tuple[Holding, Decimal]]:
    """Each holding's value on a date: its newest snapshot on or before it. Holdings that had
    matured before the date, or had no value yet, are left out."""
    holdings = list(
        Holding.objects.filter(customer=customer).filter(Q(matures_on__isnull=True) | Q(matures_on__gte=on))
        .order_by("asset_class", "id")
    )
    latest: dict[int, Decimal] = {}
    for holding_id, value in (
        HoldingSnapshot.objects.filter(holding__in=holdings, on__lte=on).order_by("holding_id", "on", "id")
        .values_list("holding_id", "value")
    ):
        latest[holding_id] = value
    return [(h, latest[h.pk]) for h in holdings if h.pk in latest]


def review_create(
    *, actor: User, customer: Customer, data: ReviewInput, channel: str = Channel.UI
) -> AssetReview:
    """Hold an asset review on a date: every holding's value then is copied into the review."""
    errors = _Errors()
    on = _date(errors, "on", data.get("on")) or (None if "on" in errors.by_field else timezone.localdate())
    notes = _text(errors, "notes", data.get("notes"), max_length=MAX_REVIEW_NOTES)
    if on and on > timezone.localdate():
        errors.add("on", _("The date cannot be in the future."))
    if on and AssetReview.objects.filter(customer=customer, on=on).exists():
        errors.add("on", _("There is already an asset review on this date."))
    errors.raise_if_any()
    assert on is not None
    rows = values_on(customer=customer, on=on)
    assets = sum((v for h, v in rows if h.asset_class not in LIABILITY_CLASSES), Decimal(0))
    loans = sum((v for h, v in rows if h.asset_class in LIABILITY_CLASSES), Decimal(0))
    try:
        with transaction.atomic():
            review = AssetReview.objects.create(customer=customer, on=on, notes=notes, total_assets=assets,
                                                total_loans=loans, created_by=actor)
            AssetReviewLine.objects.bulk_create([
                AssetReviewLine(review=review, holding=h, asset_class=h.asset_class, product=h.product,
                                institution=h.institution, is_ours=h.is_ours, risk_level=h.risk_level,
                                start_on=h.start_on, matures_on=h.matures_on, value=v)
                for h, v in rows
            ])
            _ledger(customer, "asset_review", "", on.isoformat(), actor, channel)
    except IntegrityError:  # a concurrent request created the same day's review
        raise ValidationError({"on": [_("There is already an asset review on this date.")]}) from None
    return review


def review_update(*, actor: User, review: AssetReview, data: ReviewInput) -> AssetReview:
    """Change a review's notes; its figures stay as they were on the day."""
    errors = _Errors()
    notes = _text(errors, "notes", data.get("notes"), max_length=MAX_REVIEW_NOTES)
    errors.raise_if_any()
    AssetReview.objects.filter(pk=review.pk).update(notes=notes)
    review.notes = notes
    return review


def review_delete(*, actor: User, review: AssetReview, channel: str = Channel.UI) -> None:
    with transaction.atomic():
        _ledger(review.customer, "asset_review", review.on.isoformat(), "", actor, channel)
        review.delete()


# Reveal --------------------------------------------------------------------------------------

def holdings_reveal(*, actor: User, customer: Customer, channel: str = Channel.UI) -> None:
    """Let the actor see this customer's amounts: the foundation checks the role and logs the reveal."""
    customer_reveal(actor=actor, customer=customer, field_name=SENSITIVE_KEY, channel=channel)
