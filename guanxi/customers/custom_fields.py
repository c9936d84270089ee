"""Custom fields (自定义字段): what an administrator defines, and how their values are checked and shown.

Values are stored in `Customer.custom` as JSON, by key: text and dates as strings (ISO dates),
numbers as numbers, yes/no as booleans, multiple choice as a list of strings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core.errors import NotPermitted
from guanxi.core.text import normalize
from guanxi.customers.choices import CustomFieldKinds, CustomFieldType, InfoClass
from guanxi.customers.models import CustomField

MAX_TEXT = 500
MAX_CHOICES = 50
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TRUE = {"1", "true", "yes", "y", "是", "有", "√", "✓", "on"}
_FALSE = {"0", "false", "no", "n", "否", "无", "×", "off"}
_SPLIT = re.compile(r"[,，;；、\n]+")

CustomValue = str | float | int | bool | list[str] | None


def active_fields(kind: str | None = None) -> list[CustomField]:
    fields = list(CustomField.objects.filter(active=True).order_by("position", "id"))
    return [f for f in fields if kind is None or f.applies_to(kind)]


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = normalize(str(value)).replace(",", "").strip()
        number = Decimal(text)
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise ValueError
    return int(number) if number == number.to_integral_value() else float(number)


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = normalize(str(value)).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        raise ValueError
    return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()


def clean_value(field: CustomField, raw: Any) -> CustomValue:
    """The stored form of `raw`, or ValueError with the message to show; None means empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    kind = field.field_type
    try:
        if kind == CustomFieldType.TEXT:
            text = str(raw).strip()
            if "\x00" in text:
                raise ValueError(_("Null characters are not allowed."))
            if len(text) > MAX_TEXT:
                raise ValueError(_("Ensure this value has at most %(max)d characters (it has %(length)d).")
                                 % {"max": MAX_TEXT, "length": len(text)})
            return text
        if kind == CustomFieldType.NUMBER:
            try:
                return _number(raw)
            except (ValueError, InvalidOperation):
                raise ValueError(_("Enter a number.")) from None
        if kind == CustomFieldType.DATE:
            try:
                return _date(raw)
            except ValueError:
                raise ValueError(_("Enter a date such as 2024-03-05.")) from None
        if kind == CustomFieldType.BOOL:
            if isinstance(raw, bool):
                return raw
            word = str(raw).strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
            raise ValueError(_("Enter yes or no."))
        if kind == CustomFieldType.CHOICE:
            value = str(raw).strip()
            if value not in field.choices:
                raise ValueError(_("Select one of: %(choices)s.") % {"choices": "、".join(field.choices)})
            return value
        if kind == CustomFieldType.MULTI:
            items = raw if isinstance(raw, list) else _SPLIT.split(str(raw))
            values = [str(v).strip() for v in items if str(v).strip()]
            unknown = [v for v in values if v not in field.choices]
            if unknown:
                raise ValueError(_("Unknown choice %(value)s; select from: %(choices)s.")
                                 % {"value": unknown[0], "choices": "、".join(field.choices)})
            return list(dict.fromkeys(values)) or None
    except TypeError:
        pass
    raise ValueError(_("Enter a valid value."))


def clean_custom(
    raw: Any, *, kind: str, existing: dict[str, Any], creating: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Merge submitted values into `existing`; errors are keyed `custom.<key>`.

    Required fields are checked on creation and when submitted; keys of fields that are inactive
    or do not apply to the kind are rejected.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        return dict(existing), {"custom": [_("Send an object of custom field values by key.")]}
    fields = {f.key: f for f in active_fields(kind)}
    result = dict(existing)
    for key, value in raw.items():
        field = fields.get(str(key))
        if field is None:
            if value is None or value == "" or value == []:
                continue  # a blank field of another kind, as a form submits it
            errors[f"custom.{key}"[:60]] = [_("Unknown custom field %(key)s.") % {"key": str(key)[:40]}]
            continue
        try:
            cleaned = clean_value(field, value)
        except ValueError as exc:
            errors[f"custom.{key}"] = [str(exc)]
            continue
        if cleaned is None:
            result.pop(key, None)
        else:
            result[key] = cleaned
    for key, field in fields.items():
        if field.required and (creating or key in raw) and result.get(key) is None and f"custom.{key}" not in errors:
            errors[f"custom.{key}"] = [_("This field is required.")]
    return result, errors


def display_value(field: CustomField | None, value: Any) -> str:
    """A stored value in words (yes/no translated, lists joined)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def ledger_text(value: Any) -> str:
    """A custom value as the change ledger stores it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


# Administration ---------------------------------------------------------------------------------

class CustomFieldInput(TypedDict, total=False):
    """A custom field's definition (see guanxi/core/inputs.py); on update `key` and `field_type` stay."""

    key: str
    field_type: str
    label: str
    kinds: str | None
    info_class: str | None
    help_text: str | None
    required: bool
    in_list: bool
    searchable: bool
    active: bool
    position: int | str | None
    choices: list[str] | str | None


def _validate_definition(data: CustomFieldInput, instance: CustomField | None) -> dict[str, Any]:
    submitted: Mapping[str, object] = data
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if instance is None:
        key = str(data.get("key") or "").strip().lower()
        if not _KEY.match(key):
            errors["key"] = [_("Start with a letter; use lower-case letters, digits and underscores (at most 40).")]
        elif CustomField.objects.filter(key=key).exists():
            errors["key"] = [_("A custom field with key %(key)s already exists.") % {"key": key}]
        values["key"] = key
        field_type = data.get("field_type")
        if field_type not in CustomFieldType.values:
            errors["field_type"] = [_("Select a valid choice.")]
        values["field_type"] = field_type
    else:
        field_type = instance.field_type
    if "label" in data or instance is None:
        label = str(data.get("label") or "").strip()
        if not label:
            errors["label"] = [_("This field is required.")]
        elif len(label) > 100:
            errors["label"] = [_("Ensure this value has at most %(max)d characters (it has %(length)d).")
                               % {"max": 100, "length": len(label)}]
        values["label"] = label
    for name, choices, default in (("kinds", CustomFieldKinds.values, CustomFieldKinds.ALL),
                                   ("info_class", [c for c in InfoClass.values if c != InfoClass.DERIVED],
                                    InfoClass.STATIC)):
        if name in submitted or instance is None:
            value = submitted.get(name) or default
            if value not in choices:
                errors[name] = [_("Select a valid choice.")]
            values[name] = value
    if "help_text" in data:
        help_text = str(data.get("help_text") or "").strip()
        if len(help_text) > 200:
            errors["help_text"] = [_("Ensure this value has at most %(max)d characters (it has %(length)d).")
                                   % {"max": 200, "length": len(help_text)}]
        values["help_text"] = help_text
    for flag in ("required", "in_list", "searchable", "active"):
        if flag in submitted:
            values[flag] = bool(submitted[flag])
    if "position" in data:
        try:
            position = int(data["position"] or 0)
            if not 0 <= position <= 32767:
                raise ValueError
            values["position"] = position
        except (TypeError, ValueError):
            errors["position"] = [_("Enter a whole number between 0 and 32767.")]
    if "choices" in data or instance is None:
        raw = data.get("choices") or []
        items = raw if isinstance(raw, list) else str(raw).splitlines()
        options = list(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))
        if field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI):
            if not options:
                errors["choices"] = [_("Give at least one option, one per line.")]
            elif len(options) > MAX_CHOICES or any(len(o) > 100 for o in options):
                errors["choices"] = [_("At most %(max)d options of at most 100 characters.") % {"max": MAX_CHOICES}]
        elif options:
            errors["choices"] = [_("Only choice fields have options.")]
        values["choices"] = options
    if values.get("searchable") and field_type != CustomFieldType.TEXT:
        errors["searchable"] = [_("Only text fields can be searched.")]
    if errors:
        raise ValidationError(errors)
    return values


def _require_admin(actor: User) -> None:
    if not actor.is_administrator:
        raise NotPermitted(_("Only an administrator may define custom fields."))


def custom_field_create(*, actor: User, data: CustomFieldInput) -> CustomField:
    _require_admin(actor)
    values = _validate_definition(data, None)
    try:
        with transaction.atomic():
            return CustomField.objects.create(**values)
    except IntegrityError as exc:
        raise ValidationError({"key": [_("A custom field with key %(key)s already exists.") % {"key": values["key"]}]}) from exc


def custom_field_update(*, actor: User, field: CustomField, data: CustomFieldInput) -> CustomField:
    """Change a definition; the key and type stay (stored values depend on them)."""
    _require_admin(actor)
    values = _validate_definition(data, field)
    for name, value in values.items():
        setattr(field, name, value)
    field.save()
    return field
