from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "guanxi.orders"
    label = "orders"
    verbose_name = _("Orders and products")

    def ready(self) -> None:
        from guanxi.core.registry import (
            CustomerReference,
            CustomerTab,
            DemoGenerator,
            ListColumn,
            ListFilter,
            registry,
        )
        from guanxi.orders import demo, import_target, selectors, services, tabs
        from guanxi.orders.models import Order, PurchaseSummary

        registry.add_customer_tab(CustomerTab(
            key="orders", label=_("Orders"), template="orders/tabs/orders.html", context=tabs.orders_context,
            order=15,
        ))
        registry.add_timeline_source(selectors.order_events)
        registry.add_list_filter(ListFilter(
            key="purchases", label=_("Purchases"), choices=tabs.purchase_choices, apply=tabs.apply_purchase_filter,
        ))
        registry.add_list_column(ListColumn(
            key="net_spend", label=_("Net spend"), value=tabs.net_spend_cell, annotate=tabs.with_purchase_summary,
            reads=("purchase_amount",), sort_key=tabs.net_spend_sort,
        ))
        registry.add_list_column(ListColumn(
            key="orders_count", label=_("Orders"), value=tabs.orders_count_cell, annotate=tabs.with_purchase_summary,
            reads=("purchase_orders",), sort_key=tabs.orders_count_sort,
        ))
        registry.add_list_column(ListColumn(
            key="last_purchase", label=_("Last purchase"), value=tabs.last_purchase_cell,
            annotate=tabs.with_purchase_summary, reads=("purchase_last",), sort_key=tabs.last_purchase_sort,
        ))
        # Orders move to the survivor of a merge, and the survivor's summary is recomputed from them;
        # erasure keeps them (business records without personal text). See ADR 0012.
        registry.add_customer_reference(CustomerReference(
            model=Order, field="customer", on_merge="custom", merge=services.merge_orders,
            export=services.export_orders, erase=services.keep_business_records,
        ))
        registry.add_customer_reference(CustomerReference(
            model=PurchaseSummary, field="customer", on_merge="delete", erase=services.keep_business_records,
        ))
        registry.add_demo_generator(DemoGenerator(name="orders", order=50, run=demo.generate))
        registry.add_import_target(import_target.TARGET)
