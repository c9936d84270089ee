"""Writes to the customer archive. Views, the API, imports and the demo all come through here."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from lunar_python import Solar

from guanxi.accounts.models import Department, Store, User
from guanxi.accounts.selectors import departments_visible_to, stores_visible_to, users_visible_to
from guanxi.core import events
from guanxi.core.errors import ConflictError, FieldErrors, NotPermitted
from guanxi.core.registry import EditRequest, registry
from guanxi.core.text import (
    is_valid_id_number,
    mask_digits,
    normalize,
    normalize_id_number,
    phone_digits,
    search_document,
    short_tokens,
)
from guanxi.customers import custom_fields, ledger
from guanxi.customers.choices import (
    BirthdayCalendar,
    Channel,
    ConsentChannel,
    ConsentSource,
    Gender,
    Importance,
    Kind,
    Relation,
)
from guanxi.customers.inputs import BirthdayInput as BirthdayInput
from guanxi.customers.inputs import ConsentInput as ConsentInput
from guanxi.customers.inputs import CustomerInput as CustomerInput
from guanxi.customers.inputs import FamilyMemberInput as FamilyMemberInput
from guanxi.customers.inputs import ReferralInput as ReferralInput
from guanxi.customers.models import (
    AccessLog,
    ChangeEntry,
    Consent,
    Customer,
    CustomerSearch,
    FamilyMember,
    Referral,
    SearchToken,
    Tag,
)
from guanxi.customers.profile import PROFILE_FIELDS, REVIEW_COLUMN, ProfileField, model_field

MAX_NOTES = 5000
MAX_PHONES = 10
MAX_TAGS = 20
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")
_CODE = re.compile(r"^[\w\-./]+$")


INPUT_FIELDS = tuple(CustomerInput.__annotations__)  # every key, the profile fields' included


_Errors = FieldErrors  # the name the cleaners below (and the import target) use


def _clean_text(errors: _Errors, name: str, value: str, *, max_length: int, required: bool = False) -> str:
    if "\x00" in value:
        errors.add(name, _("Null characters are not allowed."))
        return ""
    cleaned = value.strip()
    if required and not cleaned:
        errors.add(name, _("This field is required."))
    if len(cleaned) > max_length:
        errors.add(
            name,
            _("Ensure this value has at most %(max)d characters (it has %(length)d).")
            % {"max": max_length, "length": len(cleaned)},
        )
    return cleaned


def _clean_phones(errors: _Errors, raw_phones: list[str], existing: list[str]) -> list[str]:
    """Normalise phones; a masked value equal to the mask of a stored phone keeps that phone."""
    if len(raw_phones) > MAX_PHONES:
        errors.add("phones", _("At most %(max)d phone numbers.") % {"max": MAX_PHONES})
        return []
    masked_existing = {mask_digits(p): p for p in existing}
    cleaned: list[str] = []
    for raw in raw_phones:
        raw = raw.strip()
        if not raw:
            continue
        if "\x00" in raw or len(raw) > 40:
            errors.add("phones", _("Enter a valid phone number: %(value)s") % {"value": raw[:40].replace("\x00", "")})
            continue
        if "*" in raw:
            if raw in masked_existing:
                cleaned.append(masked_existing[raw])
            else:
                errors.add("phones", _("A masked phone number cannot be saved: %(value)s") % {"value": raw})
            continue
        digits = phone_digits(raw)
        if not (_MOBILE.match(digits) or _LANDLINE.match(digits) or _LOCAL.match(digits)):
            errors.add("phones", _("Enter a valid phone number: %(value)s") % {"value": raw})
            continue
        cleaned.append(digits)
    return list(dict.fromkeys(cleaned))


def _clean_id_number(errors: _Errors, raw: str, existing: str) -> str:
    """A valid mainland ID number; the masked form of the stored one keeps it (forms show it masked)."""
    if "\x00" in raw or len(raw) > 40:
        errors.add("id_number", _("Enter a valid mainland ID number."))
        return ""
    value = normalize_id_number(raw)
    if not value:
        return ""
    if "*" in value:
        if existing and value == mask_digits(existing):
            return existing
        errors.add("id_number", _("A masked ID number cannot be saved."))
        return ""
    if not is_valid_id_number(value):
        errors.add("id_number", _("Enter a valid mainland ID number."))
        return ""
    return value


def _lunar_birthday(birthday: dt.date) -> tuple[int, int, bool]:
    lunar = Solar.fromYmd(birthday.year, birthday.month, birthday.day).getLunar()
    month = lunar.getMonth()
    return abs(month), lunar.getDay(), month < 0


def _clean_birthday(errors: _Errors, data: BirthdayInput, instance: Any) -> dict[str, Any]:
    """Birthday, calendar and — for a lunar birthday — the lunar month, day and leap flag.

    Shared by customers and family members, whose birthdays follow the same rules.
    """
    birthday = data.get("birthday", instance.birthday if instance else None)
    calendar = data.get("birthday_calendar", instance.birthday_calendar if instance else BirthdayCalendar.SOLAR)
    if calendar not in BirthdayCalendar.values:
        errors.add("birthday_calendar", _("Select a valid choice."))
    if birthday is not None and not (dt.date(1900, 1, 1) <= birthday <= timezone.localdate()):
        errors.add("birthday", _("Enter a birthday between 1900 and today."))
    if calendar == BirthdayCalendar.LUNAR and birthday is None:
        errors.add("birthday", _("A lunar birthday needs the date of birth."))
    values: dict[str, Any] = {"birthday": birthday, "birthday_calendar": calendar}
    if calendar == BirthdayCalendar.LUNAR and birthday is not None and "birthday" not in errors.by_field:
        month, day, leap = _lunar_birthday(birthday)
        values.update(lunar_birth_month=month, lunar_birth_day=day, lunar_birth_leap=leap)
    else:
        values.update(lunar_birth_month=None, lunar_birth_day=None, lunar_birth_leap=False)
    return values


_BANK_ACCOUNT = re.compile(r"^\d{8,30}$")


def _clean_bank_account(errors: _Errors, raw: str, existing: str) -> str:
    """Digits only (spaces and dashes dropped); the masked stored value keeps it, another mask is refused."""
    value = re.sub(r"[\s\-]", "", normalize(raw or ""))
    if not value:
        return ""
    if "*" in value:
        if existing and value == mask_digits(existing):
            return existing
        errors.add("bank_account", _("A masked bank account cannot be saved."))
        return ""
    if not _BANK_ACCOUNT.match(value):
        errors.add("bank_account", _("Enter a bank account of 8 to 30 digits."))
        return ""
    return value


def _clean_date(errors: _Errors, name: str, raw: Any) -> dt.date | None:
    if isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(normalize(str(raw)).strip())
        except ValueError:
            errors.add(name, _("Enter a date such as 2024-03-05."))
            return None
    if not dt.date(1800, 1, 1) <= value <= timezone.localdate():
        errors.add(name, _("Enter a date between 1800 and today."))
        return None
    return value


def _clean_profile(errors: _Errors, spec: ProfileField, raw: Any, instance: Customer | None) -> Any:
    """One profile field by its kind of value; blank clears it."""
    db_field = model_field(spec.name)
    if spec.name == "bank_account":
        return _clean_bank_account(errors, str(raw or ""), instance.bank_account if instance else "")
    if spec.value in ("text", "longtext"):
        limit = getattr(db_field, "max_length", None) or MAX_NOTES
        return _clean_text(errors, spec.name, str(raw or ""), max_length=limit)
    if spec.value == "choice":
        # A blank choice clears it, unless the field may not be blank (language): then its default.
        value = str(raw or "") or ("" if db_field.blank else str(db_field.default))
        if value and value not in {str(k) for k, _label in db_field.choices or ()}:
            errors.add(spec.name, _("Select a valid choice."))
        return value
    if raw is None or raw == "":
        return None
    if spec.value == "date":
        return _clean_date(errors, spec.name, raw)
    try:
        number = Decimal(normalize(str(raw)).strip()) if not isinstance(raw, bool) else Decimal("nan")
    except InvalidOperation:
        number = Decimal("nan")
    if spec.value == "int" and number.is_finite() and number != number.to_integral_value():
        number = Decimal("nan")
    if not number.is_finite() or (spec.minimum is not None and number < Decimal(str(spec.minimum))) or (
        spec.maximum is not None and number > Decimal(str(spec.maximum))
    ):
        errors.add(spec.name, _("Enter a number between %(min)s and %(max)s.")
                   % {"min": spec.minimum if spec.value == "decimal" else int(spec.minimum or 0),
                      "max": spec.maximum if spec.value == "decimal" else int(spec.maximum or 0)})
        return None
    return int(number) if spec.value == "int" else number.quantize(Decimal("0.000001"))


def _validate(
    *, actor: User, data: CustomerInput, instance: Customer | None
) -> tuple[dict[str, Any], list[str] | None]:
    """Clean and check every submitted field; returns model values and the tag names (if given)."""
    errors = _Errors()
    values: dict[str, Any] = {}
    if "kind" in data:
        if data["kind"] not in Kind.values:
            errors.add("kind", _("Select a valid choice."))
        values["kind"] = data["kind"]
    if "name" in data or instance is None:
        values["name"] = _clean_text(errors, "name", data.get("name") or "", max_length=200, required=True)
    if "code" in data:
        code = _clean_text(errors, "code", data["code"] or "", max_length=50)
        if code and not _CODE.match(code):
            errors.add("code", _("Use letters, digits, '-', '_', '.' or '/' only."))
        elif code:
            taken = Customer.objects.filter(code=code)
            if instance is not None:
                taken = taken.exclude(pk=instance.pk)
            if taken.exists():
                errors.add("code", _("Customer code %(code)s is already in use.") % {"code": code})
        if code or instance is None:
            values["code"] = code
    if "gender" in data:
        if (data["gender"] or "") not in Gender.values:
            errors.add("gender", _("Select a valid choice."))
        values["gender"] = data["gender"] or ""
    if "importance" in data:
        if data["importance"] not in Importance.values:
            errors.add("importance", _("Select a valid choice."))
        values["importance"] = data["importance"]
    if "birthday" in data or "birthday_calendar" in data:
        values.update(_clean_birthday(errors, data, instance))
    if "phones" in data:
        values["phones"] = _clean_phones(errors, list(data["phones"] or []), instance.phones if instance else [])
    if "id_number" in data:
        values["id_number"] = _clean_id_number(errors, data["id_number"] or "", instance.id_number if instance else "")
    if "email" in data:
        email = _clean_text(errors, "email", data["email"] or "", max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.add("email", _("Enter a valid email address."))
        values["email"] = email.lower()
    if "address" in data:
        values["address"] = _clean_text(errors, "address", data["address"] or "", max_length=300)
    if "notes" in data:
        values["notes"] = _clean_text(errors, "notes", data["notes"] or "", max_length=MAX_NOTES)
    if "importance_reason" in data:
        values["importance_reason"] = _clean_text(errors, "importance_reason", data["importance_reason"] or "",
                                                  max_length=300)
    submitted: Mapping[str, object] = data
    for spec in PROFILE_FIELDS:
        if spec.name in submitted:
            values[spec.name] = _clean_profile(errors, spec, submitted[spec.name], instance)
    if "custom" in data or instance is None:
        kind = values.get("kind") or (instance.kind if instance else Kind.PERSON)
        custom, custom_errors = custom_fields.clean_custom(
            data.get("custom") or {}, kind=kind, existing=dict(instance.custom) if instance else {},
            creating=instance is None,
        )
        for name, messages in custom_errors.items():
            for message in messages:
                errors.add(name, message)
        values["custom"] = custom
    owner: User | None = None
    owner_id = data.get("owner_id")
    if owner_id is not None:
        owner = users_visible_to(actor).filter(pk=owner_id).first()
        if owner is None:
            errors.add("owner", _("Unknown account manager."))
        else:
            values["owner"] = owner
    elif instance is None:
        owner = actor
        values["owner"] = actor
    department_id = data.get("department_id")
    if department_id is not None:
        department = departments_visible_to(actor).filter(pk=department_id).first()
        if department is None:
            errors.add("department", _("Unknown department."))
        values["department"] = department
    elif instance is None and owner is not None and owner.department_id:
        values["department"] = Department.objects.filter(pk=owner.department_id).first()
    if "store_id" in data:
        store: Store | None = None
        if data["store_id"] is not None:
            store = stores_visible_to(actor).filter(pk=data["store_id"]).first()
            if store is None:
                errors.add("store", _("Unknown store."))
        values["store"] = store
    tag_names: list[str] | None = None
    if "tags" in data:
        tag_names = []
        for raw in data["tags"] or []:
            name = _clean_text(errors, "tags", raw or "", max_length=50)
            if name and name not in tag_names:
                tag_names.append(name)
        if len(tag_names) > MAX_TAGS:
            errors.add("tags", _("At most %(max)d tags.") % {"max": MAX_TAGS})
    errors.raise_if_any()
    return values, tag_names


def searchable_extra(customer: Customer) -> tuple[str, ...]:
    """What else the search matches of a customer: shop name, licence, searchable custom text."""
    keys = {f.key for f in custom_fields.active_fields(customer.kind) if f.searchable}
    custom = tuple(str(v) for k, v in (customer.custom or {}).items() if k in keys and isinstance(v, str))
    return tuple(v for v in (customer.shop_name, customer.licence_number) if v) + custom


def _index(customer: Customer) -> None:
    """Rebuild the customer's search row and short tokens from its current values."""
    doc = search_document(
        name=customer.name, is_person=customer.is_person, code=customer.code,
        phones=list(customer.phones), email=customer.email, extra=searchable_extra(customer),
    )
    CustomerSearch.objects.update_or_create(
        customer=customer,
        defaults={"doc": doc, "name_sort": customer.name_sort, "active": customer.archived_at is None},
    )
    SearchToken.objects.filter(customer=customer).delete()
    SearchToken.objects.bulk_create(
        SearchToken(customer=customer, token=t, name_sort=customer.name_sort)
        for t in sorted(short_tokens(name=customer.name, is_person=customer.is_person))
    )


def _sort_key(name: str, kind: str) -> str:
    from guanxi.core.text import name_keys

    return name_keys(name, is_person=kind == Kind.PERSON).sort_key


def _set_tags(customer: Customer, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    customer.tags.set(tags)


def customer_create(*, actor: User, data: CustomerInput, channel: str = Channel.UI) -> Customer:
    """Create a customer from submitted fields; the code is generated when left blank."""
    values, tag_names = _validate(actor=actor, data=data, instance=None)
    with transaction.atomic():
        generated = not values.get("code")
        if generated:
            values["code"] = f"tmp-{uuid.uuid4().hex}"
        values["name_sort"] = _sort_key(values["name"], values.get("kind", Kind.PERSON))
        now = timezone.now()
        values.update(importance_set_by=actor, importance_set_at=now, static_reviewed_at=now, dynamic_reviewed_at=now)
        try:
            with transaction.atomic():
                customer = Customer.objects.create(created_by=actor, **values)
        except IntegrityError as exc:
            # Two people submitted the same code at the same moment.
            raise ValidationError({"code": [_("Customer code %(code)s is already in use.") % {"code": values["code"]}]}) from exc
        if generated:
            customer.code = _generated_code(customer.pk)
            Customer.objects.filter(pk=customer.pk).update(code=customer.code)
        if tag_names:
            _set_tags(customer, tag_names)
        _index(customer)
        ledger.record(customer=customer, before=None, after=ledger.snapshot(customer), actor=actor, channel=channel)
        events.publish(events.CustomersCreated(customer_ids=events.Ids.of([customer.pk]), channel=channel))
    return customer


def _generated_code(pk: int) -> str:
    code = f"C{pk:08d}"
    suffix = 1
    while Customer.objects.filter(code=code).exists():
        suffix += 1
        code = f"C{pk:08d}-{suffix}"
    return code


def customer_update(
    *, actor: User, customer: Customer, version: int, data: CustomerInput, channel: str = Channel.UI,
    requests: list[EditRequest] | None = None,
) -> Customer:
    """Apply changes if nobody saved the customer since `version` was read; else ConflictError.

    Fields that a registered edit policy gates for this actor are not written: they become requests
    (appended to `requests` when the caller passes a list, so it can tell the user)."""
    if customer.archived_at is not None:
        raise NotPermitted(_("This customer is archived; restore it before editing."))
    values, tag_names = _validate(actor=actor, data=data, instance=customer)
    if "name" in values or "kind" in values:
        values["name_sort"] = _sort_key(values.get("name", customer.name), values.get("kind", customer.kind))
    if values.get("importance", customer.importance) != customer.importance or (
        values.get("importance_reason", customer.importance_reason) != customer.importance_reason
    ):
        values.update(importance_set_by=actor, importance_set_at=timezone.now())
    values, tag_names = _gate_edit(actor=actor, customer=customer, data=data, values=values, tag_names=tag_names,
                                   requests=requests)
    before = ledger.snapshot(customer)
    with transaction.atomic():
        updated = Customer.objects.filter(pk=customer.pk, version=version).update(
            version=F("version") + 1, updated_at=timezone.now(), **values
        )
        if not updated:
            raise ConflictError(
                _("Someone else changed this customer after you opened it. Reload to see their changes.")
            )
        customer = _reload(customer.pk)
        if tag_names is not None:
            _set_tags(customer, tag_names)
        _index(customer)
        after = ledger.snapshot(customer)
        ledger.record(customer=customer, before=before, after=after, actor=actor, channel=channel)
        publish_changes(customer, before, after, channel=channel)
    return customer


def publish_changes(customer: Customer, before: ledger.Snapshot, after: ledger.Snapshot, *, channel: str) -> None:
    """The domain events of one customer's edit: CustomersChanged, and TagsChanged / OwnersMoved."""
    fields = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if not fields:
        return
    ids = events.Ids.of([customer.pk])
    events.publish(events.CustomersChanged(customer_ids=ids, fields=tuple(fields), channel=channel))
    if "tags" in fields:
        old, new = (set(filter(None, str(s.get("tags", "")).split(", "))) for s in (before, after))
        events.publish(events.TagsChanged(customer_ids=ids, added=tuple(sorted(new - old)),
                                          removed=tuple(sorted(old - new))))
    if "owner" in fields or "department" in fields:
        events.publish(events.OwnersMoved(customer_ids=ids, owner_id=customer.owner_id,
                                          department_id=customer.department_id))


def customer_review(*, actor: User, customer: Customer, info_class: str, channel: str = Channel.UI) -> Customer:
    """Mark a class of the customer's information as checked with the customer today (信息复核)."""
    if info_class not in REVIEW_COLUMN:
        raise ValidationError({"info_class": [_("Only static and dynamic information is reviewed.")]})
    if customer.archived_at is not None:
        raise NotPermitted(_("This customer is archived; restore it before editing."))
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(**{REVIEW_COLUMN[info_class]: timezone.now()})
        ledger.record(customer=customer, before={"review": ""}, after={"review": info_class}, actor=actor,
                      channel=channel)
        events.publish(events.CustomersChanged(customer_ids=events.Ids.of([customer.pk]),
                                               fields=(REVIEW_COLUMN[info_class],), channel=channel))
    return _reload(customer.pk)


def _reload(pk: int) -> Customer:
    return Customer.objects.select_related("owner", "department", "store", "importance_set_by").get(pk=pk)


def customer_archive(
    *, actor: User, customer: Customer, channel: str = Channel.UI, version: int | None = None
) -> Customer:
    """Soft delete: the customer leaves every list but stays restorable.

    With `version` (the one the caller read, as a merge does), a customer saved or archived since
    is a ConflictError and nothing changes; without it, archiving an archived customer does nothing.
    """
    if customer.archived_at is not None and version is None:
        return customer
    with transaction.atomic():
        rows = Customer.objects.filter(pk=customer.pk, archived_at__isnull=True)
        if version is not None:
            rows = rows.filter(version=version)
        now = timezone.now()
        if not rows.update(archived_at=now, version=F("version") + 1, updated_at=now):
            if version is not None:
                raise ConflictError(
                    _("Someone else changed this customer after you opened it. Reload and try again."))
            customer.refresh_from_db()
            return customer  # archived by someone else meanwhile
        CustomerSearch.objects.filter(customer=customer).update(active=False)
        ChangeEntry.objects.create(customer=customer, field="archived", old_value="", new_value="yes",
                                   actor=actor, channel=channel, batch=uuid.uuid4())
        events.publish(events.CustomersChanged(customer_ids=events.Ids.of([customer.pk]), fields=("archived_at",),
                                               channel=channel))
    customer.refresh_from_db()
    return customer


def customer_restore(*, actor: User, customer: Customer, channel: str = Channel.UI) -> Customer:
    if not actor.may_restore_archived:
        raise NotPermitted(_("You may not restore archived customers."))
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(
            archived_at=None, version=F("version") + 1, updated_at=timezone.now()
        )
        CustomerSearch.objects.filter(customer=customer).update(active=True)
        ChangeEntry.objects.create(customer=customer, field="archived", old_value="yes", new_value="",
                                   actor=actor, channel=channel, batch=uuid.uuid4())
        events.publish(events.CustomersChanged(customer_ids=events.Ids.of([customer.pk]), fields=("archived_at",),
                                               channel=channel))
    customer.refresh_from_db()
    return customer


def customer_reveal(*, actor: User, customer: Customer, field_name: str, channel: str = Channel.UI) -> Any:
    """The clear value of a sensitive field, for a user whose role may see it; every reveal is logged."""
    sensitive = registry.sensitive_fields.get(field_name)
    if sensitive is None:
        raise ValidationError({"field": [_("Unknown sensitive field: %(field)s") % {"field": field_name[:50]}]})
    if not actor.may_reveal_sensitive:
        raise NotPermitted(_("Your role may not reveal sensitive data."))
    AccessLog.objects.create(user=actor, customer=customer, field=field_name, action="reveal", channel=channel)
    return sensitive.reveal(customer)


def customer_export_logged(*, actor: User, customer: Customer, what: str, channel: str = Channel.UI) -> None:
    """Record that a user exported a customer's data (its ledger, its personal data)."""
    AccessLog.objects.create(user=actor, customer=customer, field=what[:50], action="export", channel=channel)


def customer_field_errors(
    *, actor: User, data: CustomerInput, instance: Customer | None, field: str
) -> list[str]:
    """Messages for one field as the service would judge it, saving nothing (htmx validation)."""
    try:
        _validate(actor=actor, data=data, instance=instance)
    except ValidationError as error:
        return [m for key, messages in error.message_dict.items() if key == field for m in messages]
    return []


FAMILY_FIELDS = ("name", "relation", "gender", "birthday", "birthday_calendar", "school_or_employer", "notes",
                 "linked_customer_id")


def _validate_family(*, actor: User, data: FamilyMemberInput, instance: FamilyMember | None) -> dict[str, Any]:
    errors = _Errors()
    values: dict[str, Any] = {}
    if "name" in data or instance is None:
        values["name"] = _clean_text(errors, "name", data.get("name") or "", max_length=100, required=True)
    if "relation" in data or instance is None:
        if data.get("relation") not in Relation.values:
            errors.add("relation", _("Select a valid choice."))
        values["relation"] = data.get("relation")
    if "gender" in data:
        if (data["gender"] or "") not in Gender.values:
            errors.add("gender", _("Select a valid choice."))
        values["gender"] = data["gender"] or ""
    if "birthday" in data or "birthday_calendar" in data:
        values.update(_clean_birthday(errors, data, instance))
    if "school_or_employer" in data:
        values["school_or_employer"] = _clean_text(errors, "school_or_employer", data["school_or_employer"] or "",
                                                   max_length=200)
    if "notes" in data:
        values["notes"] = _clean_text(errors, "notes", data["notes"] or "", max_length=MAX_NOTES)
    if "linked_customer_id" in data:
        linked = None
        if data["linked_customer_id"] is not None:
            # Only a customer the user may see can be linked: a link must not reveal another's record.
            linked = Customer.objects.visible_to(actor).active().filter(pk=data["linked_customer_id"]).first()
            if linked is None:
                errors.add("linked_customer", _("Unknown customer."))
        values["linked_customer"] = linked
    errors.raise_if_any()
    return values


def _family_text(member: FamilyMember | None) -> str:
    """How a family member reads in the change ledger: 配偶 王芳 1980-03-05 (农历)."""
    if member is None:
        return ""
    parts = [member.get_relation_display(), member.name]
    if member.birthday:
        parts.append(member.birthday.isoformat() + (" (" + str(BirthdayCalendar.LUNAR.label) + ")"
                                                     if member.birthday_calendar == BirthdayCalendar.LUNAR else ""))
    if member.school_or_employer:
        parts.append(member.school_or_employer)
    return " ".join(str(p) for p in parts)


def _ledger_family(customer: Customer, old: str, new: str, actor: User, channel: str) -> None:
    if old != new:
        ChangeEntry.objects.create(customer=customer, field="family", old_value=old, new_value=new,
                                   actor=actor, channel=channel, batch=uuid.uuid4())


def family_member_create(
    *, actor: User, customer: Customer, data: FamilyMemberInput, channel: str = Channel.UI
) -> FamilyMember:
    """Add a relative to a customer the actor may see; the ledger records it."""
    values = _validate_family(actor=actor, data=data, instance=None)
    with transaction.atomic():
        member = FamilyMember.objects.create(customer=customer, **values)
        _ledger_family(customer, "", _family_text(member), actor, channel)
    return member


def family_member_update(
    *, actor: User, member: FamilyMember, data: FamilyMemberInput, channel: str = Channel.UI
) -> FamilyMember:
    values = _validate_family(actor=actor, data=data, instance=member)
    old = _family_text(member)
    with transaction.atomic():
        FamilyMember.objects.filter(pk=member.pk).update(**values)
        member.refresh_from_db()
        _ledger_family(member.customer, old, _family_text(member), actor, channel)
    return member


def family_member_delete(*, actor: User, member: FamilyMember, channel: str = Channel.UI) -> None:
    with transaction.atomic():
        _ledger_family(member.customer, _family_text(member), "", actor, channel)
        member.delete()


def referral_create(
    *, actor: User, referrer: Customer, data: ReferralInput, channel: str = Channel.UI
) -> Referral:
    """Record that `referrer` introduced another customer; both sides' ledgers say so."""
    errors = _Errors()
    referred: Customer | None = None
    code = str(data.get("referred_code") or "").strip()
    visible = Customer.objects.visible_to(actor).active()
    referred_id = data.get("referred_id")
    if referred_id:
        referred = visible.filter(pk=referred_id).first() if 0 < referred_id < 2**63 else None
    elif code:
        referred = visible.filter(code=code).first()
    if referred is None:
        errors.add("referred", _("Unknown customer."))
    elif referred.pk == referrer.pk:
        errors.add("referred", _("A customer cannot refer themselves."))
    elif Referral.objects.filter(referrer=referrer, referred=referred).exists():
        errors.add("referred", _("This referral is already recorded."))
    referred_on = data.get("referred_on") or timezone.localdate()
    if referred_on > timezone.localdate():
        errors.add("referred_on", _("The date cannot be in the future."))
    notes = _clean_text(errors, "notes", data.get("notes") or "", max_length=300)
    errors.raise_if_any()
    assert referred is not None
    with transaction.atomic():
        referral = Referral.objects.create(
            referrer=referrer, referred=referred, referred_on=referred_on, bought=bool(data.get("bought")),
            notes=notes, created_by=actor,
        )
        batch = uuid.uuid4()
        ChangeEntry.objects.bulk_create([
            ChangeEntry(customer=referrer, field="referral", new_value=f"→ {referred.name} ({referred.code})",
                        actor=actor, channel=channel, batch=batch),
            ChangeEntry(customer=referred, field="referral", new_value=f"← {referrer.name} ({referrer.code})",
                        actor=actor, channel=channel, batch=batch),
        ])
        events.publish(events.ReferralCreated(referral_id=referral.pk, referrer_id=referrer.pk, referred_id=referred.pk))
    return referral


def referral_delete(*, actor: User, referral: Referral, channel: str = Channel.UI) -> None:
    with transaction.atomic():
        batch = uuid.uuid4()
        referrer, referred = referral.referrer, referral.referred
        ChangeEntry.objects.bulk_create([
            ChangeEntry(customer=referrer, field="referral", old_value=f"→ {referred.name} ({referred.code})",
                        actor=actor, channel=channel, batch=batch),
            ChangeEntry(customer=referred, field="referral", old_value=f"← {referrer.name} ({referrer.code})",
                        actor=actor, channel=channel, batch=batch),
        ])
        referral.delete()


def consent_record(
    *, actor: User, customer: Customer, data: ConsentInput, channel: str = Channel.UI
) -> Consent:
    """Record that the customer gave or withdrew marketing consent for one channel (append-only)."""
    errors = _Errors()
    if data.get("channel") not in ConsentChannel.values:
        errors.add("channel", _("Select a valid choice."))
    if data.get("source") not in ConsentSource.values:
        errors.add("source", _("Select a valid choice."))
    if not isinstance(data.get("given"), bool):
        errors.add("given", _("Enter true or false."))
    notes = _clean_text(errors, "notes", data.get("notes") or "", max_length=300)
    errors.raise_if_any()
    with transaction.atomic():
        previous = Consent.objects.filter(customer=customer, channel=data["channel"]).order_by("-at", "-id").first()
        consent = Consent.objects.create(customer=customer, channel=data["channel"], given=data["given"],
                                         source=data["source"], notes=notes, recorded_by=actor)
        label = str(ConsentChannel(data["channel"]).label)
        ChangeEntry.objects.create(
            customer=customer, field="consent", actor=actor, channel=channel, batch=uuid.uuid4(),
            old_value=f"{label}: {_consent_word(previous.given)}" if previous else "",
            new_value=f"{label}: {_consent_word(consent.given)}",
        )
        events.publish(events.ConsentChanged(consent_id=consent.pk, customer_id=customer.pk,
                                             channel=consent.channel, given=consent.given))
    return consent


def _consent_word(given: bool) -> str:
    return str(_("given") if given else _("withdrawn"))


_SERVICE_NAMES = {"owner": "owner_id", "department": "department_id", "store": "store_id"}


def _gate_edit(
    *, actor: User, customer: Customer, data: CustomerInput, values: dict[str, Any], tag_names: list[str] | None,
    requests: list[EditRequest] | None,
) -> tuple[dict[str, Any], list[str] | None]:
    """Ask every registered edit policy which of the changed fields this actor may not edit directly;
    those are submitted as requests and left out of the write."""
    if not registry.edit_policies:
        return values, tag_names
    changed = {name for name, value in values.items() if getattr(customer, name) != value}
    if tag_names is not None and sorted(tag_names) != sorted(t.name for t in customer.tags.all()):
        changed.add("tags")
    changed &= {*INPUT_FIELDS, "owner", "department", "store", "birthday_calendar", "id_number"}
    if not changed:
        return values, tag_names
    gated_all: set[str] = set()
    for policy in registry.edit_policies:
        gated = set(policy.applies(actor, customer, frozenset(changed - gated_all))) & (changed - gated_all)
        if not gated:
            continue
        changes = {name: data.get(_SERVICE_NAMES.get(name, name)) for name in sorted(gated)}
        request_id = policy.submit(actor, customer, changes)
        gated_all |= gated
        if requests is not None:
            requests.append(EditRequest(policy=policy.key, fields=tuple(sorted(gated)), request_id=request_id))
    if "tags" in gated_all:
        tag_names = None
    return {k: v for k, v in values.items() if k not in gated_all}, tag_names
