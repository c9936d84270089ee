"""Forms of the asset pages; the services judge the values, so both give the same messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.assets.choices import AssetClass, PolicyType, RiskLevel
from guanxi.assets.models import Holding, InsurancePolicy
from guanxi.customers.models import FamilyMember

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class HoldingForm(forms.Form):
    asset_class = forms.ChoiceField(label=_("Asset class"), choices=AssetClass.choices)
    product = forms.CharField(label=_("Product"), max_length=200)
    institution = forms.CharField(label=_("Institution"), max_length=100, required=False)
    is_ours = forms.BooleanField(label=_("At our bank"), required=False, initial=True)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=30, widget=MONEY)
    start_on = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    matures_on = forms.DateField(label=_("Maturity date"), required=False, widget=DATE)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    @staticmethod
    def initial_for(holding: Holding) -> dict[str, Any]:
        initial = {name: getattr(holding, name) for name in
                   ("asset_class", "product", "institution", "is_ours", "start_on", "matures_on", "risk_level",
                    "notes")}
        return initial


class HoldingEditForm(HoldingForm):
    """Editing leaves the amount alone unless one is typed: the stored amount is never put in the page."""

    amount = forms.CharField(label=_("New amount (yuan)"), max_length=30, required=False, widget=MONEY,
                             help_text=_("Leave empty to keep the current amount."))

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("amount"):
            data.pop("amount", None)
        return data


class SnapshotForm(forms.Form):
    on = forms.DateField(label=_("Valued on"), widget=DATE)
    value = forms.CharField(label=_("Value (yuan)"), max_length=30, widget=MONEY)


class PolicyForm(forms.Form):
    policy_type = forms.ChoiceField(label=_("Type"), choices=PolicyType.choices)
    insured_member_id = forms.ChoiceField(label=_("Insured person"), required=False)
    insurer = forms.CharField(label=_("Insurer"), max_length=100, required=False)
    product = forms.CharField(label=_("Product"), max_length=200, required=False)
    sum_insured = forms.CharField(label=_("Sum insured (yuan)"), max_length=30, widget=MONEY)
    premium = forms.CharField(label=_("Annual premium (yuan)"), max_length=30, widget=MONEY)
    term_years = forms.CharField(label=_("Term (years)"), max_length=3, required=False,
                                 help_text=_("empty for whole life"))
    starts_on = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    critical_illness = forms.BooleanField(label=_("Covers critical illness"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args: Any, customer_name: str, members: list[FamilyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["insured_member_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", customer_name)] + [(str(m.pk), f"{m.name} ({m.get_relation_display()})") for m in members]

    @staticmethod
    def initial_for(policy: InsurancePolicy) -> dict[str, Any]:
        return {
            "policy_type": policy.policy_type, "insured_member_id": policy.insured_member_id or "",
            "insurer": policy.insurer, "product": policy.product, "term_years": policy.term_years or "",
            "starts_on": policy.starts_on, "critical_illness": policy.critical_illness, "notes": policy.notes,
        }


class PolicyEditForm(PolicyForm):
    """Like adding, but the stored sums are never put in the page: empty keeps them."""

    sum_insured = forms.CharField(label=_("New sum insured (yuan)"), max_length=30, required=False, widget=MONEY,
                                  help_text=_("Leave empty to keep the current amount."))
    premium = forms.CharField(label=_("New annual premium (yuan)"), max_length=30, required=False, widget=MONEY,
                              help_text=_("Leave empty to keep the current amount."))

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("sum_insured", "premium"):
            if not data.get(name):
                data.pop(name, None)
        return data


class MainEarnerForm(forms.Form):
    main_earner_id = forms.ChoiceField(label=_("Main earner"), required=False)

    def __init__(self, *args: Any, customer_name: str, members: list[FamilyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["main_earner_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", customer_name)] + [(str(m.pk), f"{m.name} ({m.get_relation_display()})") for m in members]


class ReviewForm(forms.Form):
    on = forms.DateField(label=_("Review date"), widget=DATE)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ReviewNotesForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
