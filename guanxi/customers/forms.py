"""Forms parse what a browser sends; the services decide what is valid and save it."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.models import User
from guanxi.accounts.selectors import departments_visible_to, stores_visible_to, users_visible_to
from guanxi.core.registry import registry
from guanxi.core.text import mask_digits
from guanxi.customers.choices import (
    BirthdayCalendar,
    ConsentChannel,
    ConsentSource,
    Gender,
    Importance,
    Kind,
    Relation,
)
from guanxi.customers.models import Customer
from guanxi.customers.selectors import SORTS, CustomerFilters, tag_choices

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
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


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
    archived = forms.BooleanField(label=_("Archived"), required=False)
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput)
    cursor = forms.CharField(required=False, max_length=500, validators=[_reject_garbled], widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: dict[str, list[tuple[Any, Any]]] = {
            "kind": list(Kind.choices),
            "importance": list(Importance.choices),
            "owner": _user_choices(user),
            "department": [(d.pk, d.name) for d in departments_visible_to(user)],
            "store": [(s.pk, s.name) for s in stores_visible_to(user)],
            "tag": [(pk, name) for pk, name in tag_choices(user=user)],
        }
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
            tag_id=data.get("tag"), archived=bool(data.get("archived")),
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
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank: list[tuple[Any, Any]] = [("", "—")]
        _set_choices(self.fields["owner"], blank + _user_choices(user))
        _set_choices(self.fields["department"], blank + [(d.pk, d.name) for d in departments_visible_to(user)])
        _set_choices(self.fields["store"], blank + [(s.pk, s.name) for s in stores_visible_to(user)])

    @staticmethod
    def initial_for(customer: Customer, masked_phones: list[str]) -> dict[str, Any]:
        return {
            "kind": customer.kind, "name": customer.name, "code": customer.code, "gender": customer.gender,
            "birthday": customer.birthday, "birthday_calendar": customer.birthday_calendar,
            "phones": ", ".join(masked_phones), "email": customer.email, "address": customer.address,
            "id_number": mask_digits(customer.id_number) if customer.id_number else "",
            "importance": customer.importance, "tags": ", ".join(t.name for t in customer.tags.all()),
            "owner": customer.owner_id, "department": customer.department_id, "store": customer.store_id,
            "notes": customer.notes, "version": customer.version,
        }

    def service_data(self) -> dict[str, Any]:
        """The cleaned values under the service's names (owner → owner_id …).

        Only fields that passed the form's own checks are included, so one field can be judged by
        the service while another is still empty (htmx validation as the user types).
        """
        data = self.cleaned_data
        renamed = {"owner": "owner_id", "department": "department_id", "store": "store_id"}
        result: dict[str, Any] = {}
        for name, value in data.items():
            if name == "version":
                continue
            if name in ("phones", "tags"):
                value = [item.strip() for item in _LIST_SPLIT.split(value or "") if item.strip()]
            elif isinstance(value, str):
                value = value or ""
            result[renamed.get(name, name)] = value
        if "birthday_calendar" in result and not result["birthday_calendar"]:
            result["birthday_calendar"] = BirthdayCalendar.SOLAR
        return result

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error)
