"""Holdings (资产/持仓), their value snapshots, insurance cover and asset reviews (资产回顾).

Every row hangs off a customer, so merge moves it, erasure deletes it (CASCADE) and the personal
data export includes it through `dedupe.relations`. Amounts are sensitive: templates and schemas
show them masked unless the viewer revealed them (logged in `customers.AccessLog`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.assets.choices import AssetClass, PolicyType, RiskLevel
from guanxi.customers.models import Customer, FamilyMember


class Holding(models.Model):
    """One thing a customer holds or owes: a deposit, fund, policy, loan … here or at another bank."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="holdings")
    asset_class = models.CharField(_("asset class"), max_length=20, choices=AssetClass.choices)
    product = models.CharField(_("product"), max_length=200)
    institution = models.CharField(_("institution"), max_length=100, blank=True)
    is_ours = models.BooleanField(_("at our bank"), default=True)
    # The latest value: kept equal to the newest snapshot by the services.
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    start_on = models.DateField(_("start date"), null=True, blank=True)
    matures_on = models.DateField(_("maturity date"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices, blank=True, default="")
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["customer_id", "asset_class", "id"]
        indexes = [
            models.Index(fields=["customer", "asset_class", "id"], name="holding_customer"),
            models.Index(fields=["matures_on", "customer"], name="holding_maturity",
                         condition=models.Q(matures_on__isnull=False)),
        ]
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")

    def __str__(self) -> str:
        return f"{self.get_asset_class_display()} {self.product}"


class HoldingSnapshot(models.Model):
    """A holding's value on a date (append-only): the history the reviews and trends read."""

    holding = models.ForeignKey(Holding, on_delete=models.CASCADE, related_name="snapshots")
    on = models.DateField(_("valued on"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["holding_id", "on", "id"]
        indexes = [models.Index(fields=["holding", "on", "id"], name="snapshot_holding_on")]
        verbose_name = _("value snapshot")
        verbose_name_plural = _("value snapshots")

    def __str__(self) -> str:
        return f"{self.holding_id} {self.on}"


class InsurancePolicy(models.Model):
    """One insurance policy in the coverage table (保险涵盖范围表): who is insured, for what, how much.

    `insured_member` is one of the customer's family members, or empty when the customer is insured.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="insurance_policies")
    insured_member = models.ForeignKey(FamilyMember, verbose_name=_("insured person"), null=True, blank=True,
                                       on_delete=models.CASCADE, related_name="insurance_policies")
    policy_type = models.CharField(_("type"), max_length=20, choices=PolicyType.choices)
    insurer = models.CharField(_("insurer"), max_length=100, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    sum_insured = models.DecimalField(_("sum insured"), max_digits=16, decimal_places=2)
    premium = models.DecimalField(_("annual premium"), max_digits=16, decimal_places=2)
    term_years = models.PositiveSmallIntegerField(_("term (years)"), null=True, blank=True,
                                                  help_text=_("empty for whole life"))
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    critical_illness = models.BooleanField(_("covers critical illness"), default=False)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "insured_member_id", "id"]
        indexes = [models.Index(fields=["customer", "id"], name="policy_customer")]
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")

    def __str__(self) -> str:
        return f"{self.get_policy_type_display()} {self.product}"


class CoverageSettings(models.Model):
    """Who the family's main earner is, for the coverage gaps; without a row it is the customer."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="coverage_settings")
    main_earner = models.ForeignKey(FamilyMember, verbose_name=_("main earner"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("coverage settings")
        verbose_name_plural = _("coverage settings")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.main_earner_id or '-'}"


class AssetReview(models.Model):
    """An asset review (资产回顾) with the customer on a date: the holdings' values then, frozen, and notes.

    Totals are stored so the trend across reviews is one query; the lines keep what was discussed
    even when holdings change or are removed later.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="asset_reviews")
    on = models.DateField(_("review date"))
    notes = models.TextField(_("notes"), blank=True)
    total_assets = models.DecimalField(_("total assets"), max_digits=16, decimal_places=2, default=0)
    total_loans = models.DecimalField(_("total loans"), max_digits=16, decimal_places=2, default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "-on", "-id"]
        constraints = [models.UniqueConstraint(fields=["customer", "on"], name="asset_review_once_a_day")]
        verbose_name = _("asset review")
        verbose_name_plural = _("asset reviews")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.on}"

    @property
    def net_assets(self) -> object:
        return self.total_assets - self.total_loans


class AssetReviewLine(models.Model):
    """One holding's value at a review, copied from the holding so the review stays as discussed."""

    review = models.ForeignKey(AssetReview, on_delete=models.CASCADE, related_name="lines")
    holding = models.ForeignKey(Holding, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    asset_class = models.CharField(_("asset class"), max_length=20, choices=AssetClass.choices)
    product = models.CharField(_("product"), max_length=200)
    institution = models.CharField(_("institution"), max_length=100, blank=True)
    is_ours = models.BooleanField(_("at our bank"), default=True)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices, blank=True, default="")
    start_on = models.DateField(_("start date"), null=True, blank=True)
    matures_on = models.DateField(_("maturity date"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["review_id", "asset_class", "id"]
        verbose_name = _("asset review line")
        verbose_name_plural = _("asset review lines")

    def __str__(self) -> str:
        return f"{self.review_id} {self.product}"
