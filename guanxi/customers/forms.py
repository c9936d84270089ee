"""Forms parse what a browser sends; the services decide what is valid and save it."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.models import User
from guanxi.accounts.selectors import departments_visible_to, stores_visible_to, users_visible_to
from guanxi.core.registry import registry
from guanxi.core.text import mask_digits
from guanxi.customers.choices import (
    BirthdayCalendar,
    BuyingRole,
    ConsentChannel,
    ConsentSource,
    CustomFieldKinds,
    CustomFieldType,
    Gender,
    Importance,
    InfoClass,
    Kind,
    Relation,
)
from guanxi.customers.custom_fields import active_fields
from guanxi.customers.models import Customer, CustomField
from guanxi.customers.profile import PROFILE_FIELDS, ProfileField, model_field
from guanxi.customers.selectors import CustomerFilters, sort_names, tag_choices

MAX_LONG_TEXT = 5000
CUSTOM_FORM_PREFIX = "cf_"  # form fields of custom fields are named cf_<key>
_LIST_SPLIT = re.compile(r"[,，;；、\n]+")


def _reject_garbled(value: str) -> None:
    if "\ufffd" in value:
        raise ValidationError(_("The text is not valid UTF-8."), code="encoding")


def add_service_errors(form: forms.Form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Attach a service's field errors to the form's fields (`rename` maps service names to form names)."""
    for field, messages in error.message_dict.items():
        target = (rename or {}).get(field, field)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


def _user_choices(user: User) -> list[tuple[Any, Any]]:
    """(id, name) of the colleagues a user may pick, without loading whole user rows."""
    rows = users_visible_to(user).values_list("pk", "display_name", "username")[:500]
    return [(pk, display or username) for pk, display, username in rows]


def _set_choices(field: forms.Field, choices: list[tuple[Any, Any]]) -> None:
    """Give a choice field plain (value, label) pairs, stored as they are.

    Django's setter normalizes every pair, for the field and again for its widget: with a few
    hundred account managers that was a tenth of the customer list page. The pairs here are
    already normal (no groups, no callables)."""
    assert isinstance(field, forms.ChoiceField)
    field._choices = field.widget._choices = choices  # type: ignore[attr-defined]  # Django's storage of normalized choices


class FamilyMemberForm(forms.Form):
    """A relative of the customer, added from the Family tab."""

    name = forms.CharField(label=_("Name"), max_length=100)
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    birthday_calendar = forms.ChoiceField(label=_("Birthday kept by"), choices=BirthdayCalendar.choices,
                                          initial=BirthdayCalendar.SOLAR)
    school_or_employer = forms.CharField(label=_("School or employer"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False)

    @staticmethod
    def initial_for(member: Any) -> dict[str, Any]:
        return {name: getattr(member, name) for name in
                ("name", "relation", "gender", "birthday", "birthday_calendar", "school_or_employer", "notes")}


class ContactForm(forms.Form):
    """A contact person of an organization customer, added or edited from the Contacts tab."""

    name = forms.CharField(label=_("Name"), max_length=100)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role in buying"), choices=[("", "—"), *BuyingRole.choices], required=False)
    phones = forms.CharField(label=_("Phones"), required=False, max_length=400,
                             help_text=_("Separate several numbers with commas."))
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    birthday_calendar = forms.ChoiceField(label=_("Birthday kept by"), choices=BirthdayCalendar.choices,
                                          initial=BirthdayCalendar.SOLAR)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    @staticmethod
    def initial_for(contact: Any) -> dict[str, Any]:
        return {"name": contact.name, "title": contact.title, "role": contact.role,
                "phones": ", ".join(mask_digits(p) for p in contact.phones), "email": contact.email,
                "birthday": contact.birthday, "birthday_calendar": contact.birthday_calendar,
                "notes": contact.notes, "version": contact.version}

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["phones"] = [item.strip() for item in _LIST_SPLIT.split(data.get("phones") or "") if item.strip()]
        return data


class HandoverForm(forms.Form):
    """Hand the chosen customers over to another account manager (managers, from the list or the page)."""

    to_owner = forms.TypedChoiceField(label=_("New account manager"), coerce=int)
    customer_ids = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["to_owner"], _user_choices(user))

    def clean_customer_ids(self) -> list[int]:
        raw = self.cleaned_data["customer_ids"]
        ids = [int(p) for p in re.split(r"[,\s]+", raw) if p.isdigit() and len(p) < 19]
        if not ids:
            raise forms.ValidationError(_("Choose at least one customer."))
        return ids


class ReferralForm(forms.Form):
    """A customer this customer introduced, named by customer code."""

    referred_code = forms.CharField(label=_("Customer code of the referred customer"), max_length=50)
    referred_on = forms.DateField(label=_("Referred on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    bought = forms.BooleanField(label=_("Has bought"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)


class ConsentForm(forms.Form):
    """A consent decision for one channel, recorded from the Consent tab."""

    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    given = forms.TypedChoiceField(label=_("Decision"), choices=[("yes", _("given")), ("no", _("withdrawn"))],
                                   coerce=lambda v: v == "yes")
    source = forms.ChoiceField(label=_("How it was obtained"), choices=ConsentSource.choices)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)


class CustomerFilterForm(forms.Form):
    """The list's search box and filters, read from the query string."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False, validators=[_reject_garbled])
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    importance = forms.ChoiceField(label=_("Importance"), required=False)
    owner = forms.TypedChoiceField(label=_("Account manager"), required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    store = forms.TypedChoiceField(label=_("Store"), required=False, coerce=int, empty_value=None)
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    review = forms.ChoiceField(label=_("Review"), required=False)
    archived = forms.BooleanField(label=_("Archived"), required=False)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    cursor = forms.CharField(required=False, max_length=500, validators=[_reject_garbled], widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: dict[str, list[tuple[Any, Any]]] = {
            "sort": [(name, name) for name in sort_names()],
            "kind": list(Kind.choices),
            "importance": list(Importance.choices),
            "owner": _user_choices(user),
            "department": [(d.pk, d.name) for d in departments_visible_to(user)],
            "store": [(s.pk, s.name) for s in stores_visible_to(user)],
            "tag": [(pk, name) for pk, name in tag_choices(user=user)],
            "review": [("overdue", _("Review overdue")), ("static", _("Static information overdue")),
                       ("dynamic", _("Dynamic information overdue"))],
        }
        self.active_custom = active_fields()
        self.custom_filters = [f for f in self.active_custom
                               if f.field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI, CustomFieldType.BOOL)]
        for definition in self.custom_filters:
            name = f"{CUSTOM_FORM_PREFIX}{definition.key}"
            self.fields[name] = forms.ChoiceField(label=definition.label, required=False)
            if definition.field_type == CustomFieldType.BOOL:
                choices[name] = [("yes", _("Yes")), ("no", _("No"))]
            else:
                choices[name] = [(c, c) for c in definition.choices]
        for extension in registry.list_filters:
            self.fields[f"x_{extension.key}"] = forms.ChoiceField(label=str(extension.label), required=False)
            choices[f"x_{extension.key}"] = extension.choices(user)
        for name, options in choices.items():
            # The empty option carries the field's name, so a row of selects needs no labels.
            _set_choices(self.fields[name], [("", self.fields[name].label), *options])
        if not user.may_restore_archived:
            del self.fields["archived"]

    def filters(self) -> CustomerFilters:
        data = self.cleaned_data
        return CustomerFilters(
            q=data.get("q") or "", kind=data.get("kind") or "", importance=data.get("importance") or "",
            owner_id=data.get("owner"), department_id=data.get("department"), store_id=data.get("store"),
            tag_id=data.get("tag"), archived=bool(data.get("archived")), review=data.get("review") or "",
            custom=tuple((d.key, data.get(f"{CUSTOM_FORM_PREFIX}{d.key}") or "") for d in self.custom_filters),
            extra=tuple((f.key, data.get(f"x_{f.key}") or "") for f in registry.list_filters),
        )

    def extension_fields(self) -> list[forms.BoundField]:
        return [self[f"x_{f.key}"] for f in registry.list_filters]


class CustomerForm(forms.Form):
    """Create or edit a customer. Field names match the service's input names."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.PERSON)
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Customer code"), max_length=50, required=False,
                           help_text=_("Leave blank to generate one."))
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    birthday_calendar = forms.ChoiceField(label=_("Birthday kept by"), choices=BirthdayCalendar.choices,
                                          initial=BirthdayCalendar.SOLAR)
    phones = forms.CharField(label=_("Phones"), required=False, max_length=400,
                             help_text=_("Separate several numbers with commas."))
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=40,
                                help_text=_("Mainland resident ID, 18 characters"))
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    importance = forms.ChoiceField(label=_("Importance"), choices=Importance.choices, initial=Importance.B)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000,
                           help_text=_("Separate tags with commas."))
    owner = forms.TypedChoiceField(label=_("Account manager"), coerce=int, required=False, empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)
    store = forms.TypedChoiceField(label=_("Store"), coerce=int, required=False, empty_value=None)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    importance_reason = forms.CharField(label=_("Why this importance"), required=False, max_length=300)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    CORE = ("kind", "name", "code", "gender", "birthday", "birthday_calendar", "phones", "email", "id_number",
            "address", "importance", "importance_reason", "tags", "owner", "department", "store", "notes")

    def __init__(self, *args: Any, user: User, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank: list[tuple[Any, Any]] = [("", "—")]
        _set_choices(self.fields["owner"], blank + _user_choices(user))
        _set_choices(self.fields["department"], blank + [(d.pk, d.name) for d in departments_visible_to(user)])
        _set_choices(self.fields["store"], blank + [(s.pk, s.name) for s in stores_visible_to(user)])
        for spec in PROFILE_FIELDS:
            self.fields[spec.name] = _profile_form_field(spec)
        self.custom_fields = active_fields()
        for definition in self.custom_fields:
            self.fields[f"{CUSTOM_FORM_PREFIX}{definition.key}"] = _custom_form_field(definition)

    def sections(self) -> list[tuple[Any, list[tuple[forms.BoundField, str]]]]:
        """(title, [(field, kinds)]) in display order; `kinds` is "" or the one kind it applies to."""
        def kinds_of(spec_kinds: frozenset[str]) -> str:
            return "" if len(spec_kinds) > 1 else next(iter(spec_kinds))

        person = [(self[s.name], kinds_of(s.kinds)) for s in PROFILE_FIELDS if Kind.PERSON in s.kinds]
        organization = [(self[s.name], "organization") for s in PROFILE_FIELDS if s.kinds == {Kind.ORGANIZATION}]
        custom = [(self[f"{CUSTOM_FORM_PREFIX}{d.key}"], "" if d.kinds == CustomFieldKinds.ALL else d.kinds)
                  for d in self.custom_fields]
        result: list[tuple[Any, list[tuple[forms.BoundField, str]]]] = [
            (_("Basic information"), [(self[name], "") for name in self.CORE]),
            (_("Profile and contact preferences"), person),
            (_("Shop and company particulars"), organization),
        ]
        if custom:
            result.append((_("Custom fields"), custom))
        return result

    @staticmethod
    def initial_for(customer: Customer, masked_phones: list[str]) -> dict[str, Any]:
        return {
            "kind": customer.kind, "name": customer.name, "code": customer.code, "gender": customer.gender,
            "birthday": customer.birthday, "birthday_calendar": customer.birthday_calendar,
            "phones": ", ".join(masked_phones), "email": customer.email, "address": customer.address,
            "id_number": mask_digits(customer.id_number) if customer.id_number else "",
            "importance": customer.importance, "tags": ", ".join(t.name for t in customer.tags.all()),
            "owner": customer.owner_id, "department": customer.department_id, "store": customer.store_id,
            "notes": customer.notes, "version": customer.version, "importance_reason": customer.importance_reason,
            **{spec.name: getattr(customer, spec.name) for spec in PROFILE_FIELDS},
            "bank_account": mask_digits(customer.bank_account) if customer.bank_account else "",
            **{f"{CUSTOM_FORM_PREFIX}{key}": _custom_initial(value) for key, value in (customer.custom or {}).items()},
        }

    def service_data(self) -> dict[str, Any]:
        """The cleaned values under the service's names (owner → owner_id …).

        Only fields that passed the form's own checks are included, so one field can be judged by
        the service while another is still empty (htmx validation as the user types).
        """
        data = self.cleaned_data
        renamed = {"owner": "owner_id", "department": "department_id", "store": "store_id"}
        result: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for name, value in data.items():
            if name == "version":
                continue
            if name.startswith(CUSTOM_FORM_PREFIX):
                custom[name[len(CUSTOM_FORM_PREFIX):]] = value
                continue
            if name in ("phones", "tags"):
                value = [item.strip() for item in _LIST_SPLIT.split(value or "") if item.strip()]
            elif isinstance(value, str):
                value = value or ""
            result[renamed.get(name, name)] = value
        if "birthday_calendar" in result and not result["birthday_calendar"]:
            result["birthday_calendar"] = BirthdayCalendar.SOLAR
        if custom:
            result["custom"] = custom
        return result

    def add_service_errors(self, error: ValidationError) -> None:
        rename = {f"custom.{d.key}": f"{CUSTOM_FORM_PREFIX}{d.key}" for d in self.custom_fields}
        add_service_errors(self, error, rename)


def _profile_form_field(spec: ProfileField) -> forms.Field:
    """A form field for a profile field; the service judges the value, so numbers arrive as text."""
    db_field = model_field(spec.name)
    label = capfirst(db_field.verbose_name)
    help_text = db_field.help_text
    if spec.value == "choice":
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *(db_field.choices or ())])
    if spec.value == "longtext":
        return forms.CharField(label=label, required=False, max_length=MAX_LONG_TEXT, help_text=help_text,
                               widget=forms.Textarea(attrs={"rows": 2}))
    if spec.value == "date":
        return forms.DateField(label=label, required=False, help_text=help_text,
                               widget=forms.DateInput(attrs={"type": "date"}))
    if spec.value in ("int", "decimal"):
        return forms.CharField(label=label, required=False, max_length=30, help_text=help_text,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    return forms.CharField(label=label, required=False, max_length=getattr(db_field, "max_length", None) or 300,
                           help_text=help_text)


def _custom_form_field(definition: CustomField) -> forms.Field:
    common: dict[str, Any] = {"label": definition.label, "required": False, "help_text": definition.help_text}
    kind = definition.field_type
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *((c, c) for c in definition.choices)], **common)
    if kind == CustomFieldType.MULTI:
        return forms.MultipleChoiceField(choices=[(c, c) for c in definition.choices],
                                         widget=forms.CheckboxSelectMultiple, **common)
    if kind == CustomFieldType.BOOL:
        return forms.ChoiceField(choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))], **common)
    if kind == CustomFieldType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), max_length=20, **common)
    if kind == CustomFieldType.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), max_length=30, **common)
    return forms.CharField(max_length=500, **common)


def _custom_initial(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class CustomFieldForm(forms.Form):
    """An administrator's definition of a custom field."""

    key = forms.CharField(label=_("Key"), max_length=40,
                          help_text=_("Letters, digits and underscores; used in the API, imports and exports."))
    label = forms.CharField(label=_("Label"), max_length=100)
    field_type = forms.ChoiceField(label=_("Type"), choices=CustomFieldType.choices)
    kinds = forms.ChoiceField(label=_("For"), choices=CustomFieldKinds.choices)
    info_class = forms.ChoiceField(label=_("Information class"),
                                   choices=[c for c in InfoClass.choices if c[0] != InfoClass.DERIVED])
    choices = forms.CharField(label=_("Options"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("For choice and multiple choice: the options, one per line."))
    help_text = forms.CharField(label=_("Help text"), required=False, max_length=200)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, max_value=32767, initial=0)
    required = forms.BooleanField(label=_("Required"), required=False)
    in_list = forms.BooleanField(label=_("Show in the customer list"), required=False)
    searchable = forms.BooleanField(label=_("Searchable"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, instance: CustomField | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if instance is not None:
            # Stored values depend on the key and the type, so they are fixed once created.
            del self.fields["key"], self.fields["field_type"]

    @staticmethod
    def initial_for(field: CustomField) -> dict[str, Any]:
        return {
            "label": field.label, "kinds": field.kinds, "info_class": field.info_class,
            "choices": "\n".join(field.choices), "help_text": field.help_text, "position": field.position,
            "required": field.required, "in_list": field.in_list, "searchable": field.searchable,
            "active": field.active,
        }
