"""Forms parse what a browser sends; the services decide what is valid and save it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.models import User
from guanxi.accounts.selectors import users_visible_to
from guanxi.customers.choices import Importance
from guanxi.customers.models import Customer
from guanxi.interactions.choices import (
    AppointmentAction,
    ContactChannel,
    Direction,
    Outcome,
    Priority,
    TaskKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _colleagues(user: User) -> list[tuple[Any, Any]]:
    rows = users_visible_to(user).values_list("pk", "display_name", "username")[:500]
    return [(pk, display or username) for pk, display, username in rows]


class InteractionForm(forms.Form):
    """Log a contact (quick-add from the customer list, the customer page and the calendar)."""

    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices, widget=forms.RadioSelect)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND,
                                  required=False)
    at = forms.DateTimeField(label=_("Time"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, required=False)
    next_step = forms.CharField(label=_("Next step"), required=False)
    next_step_on = forms.DateField(label=_("Next step on"), required=False, widget=DATE)
    user_id = forms.ChoiceField(label=_("Who"), required=False)
    contact_id = forms.TypedChoiceField(label=_("Contact person"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, user: User, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _colleagues(user)
        contact = self.fields["contact_id"]
        assert isinstance(contact, forms.ChoiceField)
        # The customer's contact people (organizations); the service checks the choice belongs to it.
        contact.choices = [("", "—"), *(customer.contacts.values_list("pk", "name") if customer is not None else [])]
        self.has_contacts = len(contact.choices) > 1
        self.initial.setdefault("user_id", user.pk)
        self.initial.setdefault("at", timezone.localtime().replace(second=0, microsecond=0))

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"))
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.TODO)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int,
                                      initial=Priority.NORMAL)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    start_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE,
                               help_text=_("for items that span days or weeks"))
    customer_id = forms.IntegerField(label=_("Customer id"), required=False, widget=forms.HiddenInput)
    contact_id = forms.IntegerField(label=_("Contact person"), required=False, widget=forms.HiddenInput)
    owner_id = forms.ChoiceField(label=_("Owner"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _colleagues(user)
        self.initial.setdefault("owner_id", user.pk)
        self.initial.setdefault("due_on", timezone.localdate())


class AppointmentForm(forms.Form):
    due_on = forms.DateField(label=_("Visit on"), widget=DATE)
    due_time = forms.TimeField(label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    title = forms.CharField(label=_("Title"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AppointmentActionForm(forms.Form):
    action = forms.ChoiceField(label=_("What happened"), choices=AppointmentAction.choices)
    new_on = forms.DateField(label=_("New date"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class PeriodForm(forms.Form):
    """The window and the rep of the calendar, the boards and the statistics."""

    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
    span = forms.ChoiceField(choices=[("week", _("Week")), ("month", _("Month"))], required=False)
    bucket = forms.ChoiceField(choices=[("week", _("By week")), ("month", _("By month"))], required=False)
    rep = forms.IntegerField(required=False, min_value=1)
    cursor = forms.CharField(required=False, max_length=500)


class VisitCycleForm(forms.Form):
    importance = forms.ChoiceField(label=_("Importance"), choices=Importance.choices)
    days = forms.IntegerField(label=_("Visit cycle (days)"))


class VisitTargetForm(forms.Form):
    user_id = forms.ChoiceField(label=_("Account manager"))
    visits_per_month = forms.IntegerField(label=_("Visits per month"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _colleagues(user)
