"""Analytics tables: the run record, one metrics row per customer (swapped in whole per run), the
stage changes between runs, the clusters and the bought-together pairs of each run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guanxi.analytics.choices import RunState, RunTrigger, RunUnit, Segment, Stage


class AnalyticsRun(models.Model):
    """One fit-and-score pass over every customer with purchases (nightly, from the UI, the CLI or the API)."""

    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    progress_note = models.CharField(_("progress note"), max_length=200, blank=True)
    # Calibration end (inclusive); null means "today" in Asia/Shanghai when the run starts.
    until = models.DateField(_("calibration end"), null=True, blank=True)
    holdout_days = models.PositiveIntegerField(_("hold-out days"), default=0)
    unit = models.CharField(_("time unit"), max_length=4, choices=RunUnit.choices, default=RunUnit.DAY)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    fitted = models.JSONField(_("fitted models"), default=dict, blank=True)
    diagnostics = models.JSONField(_("diagnostics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("analytics run")
        verbose_name_plural = _("analytics runs")
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="analytics_one_current_run"),
        ]
        indexes = [models.Index(fields=["state"], name="analytics_run_state")]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.state})"

    @property
    def is_active(self) -> bool:
        """Still queued or running: the progress partial keeps polling."""
        return self.state in (RunState.QUEUED, RunState.RUNNING)


class CustomerMetrics(models.Model):
    """The live scores of one customer with purchases, from the current run (系统生成信息)."""

    # No database foreign key to the customer (ADR 0015): the run's INSERT joins the customer table
    # itself, so only customers that exist get a row, and a million per-row checks cost seconds.
    # Deleting a customer still deletes the row (Django's collector; merge and erase do too).
    customer = models.OneToOneField("customers.Customer", verbose_name=_("customer"), primary_key=True,
                                    on_delete=models.CASCADE, related_name="metrics", db_constraint=False)
    # No index and no database constraint: rows are replaced per run as a whole, never looked up by
    # run, and the current run is never deleted; a per-row foreign-key check would cost seconds at a
    # million rows (ADR 0014).
    run = models.ForeignKey(AnalyticsRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="+",
                            db_index=False, db_constraint=False)
    recency_days = models.IntegerField(_("days since last purchase"))
    frequency = models.IntegerField(_("purchase days"))
    monetary = models.DecimalField(_("net spend"), max_digits=14, decimal_places=2)
    r_score = models.PositiveSmallIntegerField(_("R score"))
    f_score = models.PositiveSmallIntegerField(_("F score"))
    m_score = models.PositiveSmallIntegerField(_("M score"))
    segment = models.CharField(_("RFM segment"), max_length=30, choices=Segment.choices)
    p_alive = models.FloatField(_("probability alive"))
    expected_30 = models.FloatField(_("expected purchases, 30 days"))
    expected_90 = models.FloatField(_("expected purchases, 90 days"))
    expected_365 = models.FloatField(_("expected purchases, 365 days"))
    expected_spend = models.FloatField(_("expected spend per purchase"), null=True, blank=True)
    clv = models.FloatField(_("customer lifetime value"), null=True, blank=True)
    value_at_risk = models.FloatField(_("value at risk"), null=True, blank=True)
    stage = models.CharField(_("lifecycle stage"), max_length=12, choices=Stage.choices)
    stage_since = models.DateField(_("in this stage since"))
    cluster = models.SmallIntegerField(_("cluster"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer metrics")
        verbose_name_plural = _("customer metrics")
        # Segment and stage have eight and four values: a filter on them reads a large share of the
        # table anyway, and the dashboards group over all of it; only the churn list's top-N by value
        # at risk is served by an index. (Each index costs the nightly write a million inserts.)
        indexes = [
            models.Index(fields=["-value_at_risk"], name="metrics_value_at_risk"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.segment}/{self.stage}"

    @property
    def rfm_code(self) -> str:
        """The three scores side by side, for example '545'."""
        return f"{self.r_score}{self.f_score}{self.m_score}"


class StageChange(models.Model):
    """A customer's move from one lifecycle stage to another, found by a run ("moved into decline")."""

    run = models.ForeignKey(AnalyticsRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="stage_changes")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="stage_changes")
    from_stage = models.CharField(_("from stage"), max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=12, choices=Stage.choices)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["at"], name="stagechange_at"),
            models.Index(fields=["customer", "at"], name="stagechange_customer_at"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_stage or '-'} → {self.to_stage}"


class Cluster(models.Model):
    """One k-means cluster of a run, with its centre in original units and a description in words."""

    run = models.ForeignKey(AnalyticsRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="clusters")
    number = models.SmallIntegerField(_("number"))
    size = models.PositiveIntegerField(_("customers"))
    centroid = models.JSONField(_("centre"), default=dict)
    description_en = models.CharField(_("description (English)"), max_length=200, blank=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=200, blank=True)

    class Meta:
        ordering = ["run", "number"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="cluster_run_number")]

    def __str__(self) -> str:
        return f"run {self.run_id} cluster {self.number}"

    @property
    def description(self) -> str:
        """The description in the active language."""
        return self.description_zh if (get_language() or "").startswith("zh") else self.description_en


class ProductPair(models.Model):
    """Two products bought in the same orders, in one direction (product → other), from one run."""

    run = models.ForeignKey(AnalyticsRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="pairs")
    product = models.ForeignKey("orders.Product", verbose_name=_("product"), on_delete=models.CASCADE,
                                related_name="+")
    other = models.ForeignKey("orders.Product", verbose_name=_("bought with"), on_delete=models.CASCADE,
                              related_name="+")
    together = models.PositiveIntegerField(_("orders with both"))
    support = models.FloatField(_("support"))
    confidence = models.FloatField(_("confidence"))  # P(other in the order | product in the order)
    lift = models.FloatField(_("lift"))

    class Meta:
        verbose_name = _("product pair")
        verbose_name_plural = _("product pairs")
        indexes = [
            models.Index(fields=["run", "-lift"], name="pair_run_lift"),
            models.Index(fields=["run", "product", "-confidence"], name="pair_run_product"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.other_id} (lift {self.lift:.2f})"
