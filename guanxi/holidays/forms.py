"""Forms of the schedule page; the services judge the values, so the API and the page agree."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.holidays.choices import HolidayKind


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=HolidayKind.choices)
    name = forms.CharField(label=_("Holiday"), max_length=100, help_text=_("e.g. 国庆节"))

    def add_service_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
