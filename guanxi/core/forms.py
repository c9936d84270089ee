"""Forms of the reminders page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReminderRangeForm(forms.Form):
    days = forms.ChoiceField(label=_("Show"), required=False, choices=[("7", _("This week")), ("30", _("Next 30 days"))])

    def days_or_week(self) -> int:
        """The chosen period in days; a week when nothing valid was chosen."""
        return int(self.cleaned_data.get("days") or 7) if self.is_valid() else 7
