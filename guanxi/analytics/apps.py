"""Django app configuration for the customer analytics engine."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Registers the analytics app; the compute code under ``compute/`` is Django-free."""

    name = "guanxi.analytics"
    label = "analytics"
    verbose_name = _("Analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Not services (numpy, scipy): importing them here made every command start a second slower.
        from guanxi.analytics import demo, tabs
        from guanxi.analytics.models import CustomerMetrics, StageChange
        from guanxi.core.registry import (
            CustomerReference,
            CustomerTab,
            DemoGenerator,
            ListColumn,
            ListFilter,
            registry,
        )

        registry.add_customer_tab(CustomerTab(
            key="analytics", label=_("Analytics"), template="analytics/tabs/analytics.html",
            context=tabs.analytics_context, order=16,
        ))
        registry.add_list_filter(ListFilter(
            key="segment", label=_("RFM segment"), choices=tabs.segment_choices, apply=tabs.apply_segment_filter,
        ))
        registry.add_list_filter(ListFilter(
            key="stage", label=_("Lifecycle stage"), choices=tabs.stage_choices, apply=tabs.apply_stage_filter,
        ))
        registry.add_list_column(ListColumn(
            key="clv", label=_("CLV"), value=tabs.clv_cell, annotate=tabs.with_metrics, reads=("metrics_clv",),
            sort_key=tabs.clv_sort,
        ))
        registry.add_list_column(ListColumn(
            key="p_alive", label=_("P(alive)"), value=tabs.p_alive_cell, annotate=tabs.with_metrics,
            reads=("metrics_p_alive",), sort_key=tabs.p_alive_sort,
        ))
        registry.add_list_column(ListColumn(
            key="value_at_risk", label=_("Value at risk"), value=tabs.value_at_risk_cell, annotate=tabs.with_metrics,
            reads=("metrics_value_at_risk",), sort_key=tabs.value_at_risk_sort,
        ))
        # Metrics and stage changes are derived from orders: a merge or an erasure deletes them and the
        # next run scores the survivor from its (merged) orders. See ADR 0014.
        registry.add_customer_reference(CustomerReference(
            model=CustomerMetrics, field="customer", on_merge="delete", erase=_delete_customer_metrics,
        ))
        registry.add_customer_reference(CustomerReference(
            model=StageChange, field="customer", on_merge="delete", erase=_delete_stage_changes,
        ))
        registry.add_demo_generator(DemoGenerator(name="analytics", order=60, run=demo.generate))


def _delete_customer_metrics(customer_id: int) -> None:
    from guanxi.analytics.services import delete_customer_metrics

    delete_customer_metrics(customer_id)


def _delete_stage_changes(customer_id: int) -> None:
    from guanxi.analytics.services import delete_stage_changes

    delete_stage_changes(customer_id)
