from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "guanxi.interactions"
    label = "interactions"
    verbose_name = _("Contact and follow-up")

    def ready(self) -> None:
        from guanxi.core.registry import (
            CustomerReference,
            CustomerTab,
            DemoGenerator,
            HandoverSource,
            HomePanel,
            ListColumn,
            registry,
        )
        from guanxi.interactions import demo, selectors, services, tabs, views
        from guanxi.interactions.models import ContactSummary

        registry.add_customer_tab(
            CustomerTab(key="followup", label=_("Follow-up"), template="interactions/tabs/followup.html",
                        context=tabs.followup_context, order=12)
        )
        registry.add_timeline_source(selectors.interaction_events)
        registry.add_timeline_source(selectors.task_events)
        registry.add_list_column(
            ListColumn(key="last_contact", label=_("Last contact"), value=tabs.quick_add_cell,
                       annotate=tabs.with_last_contact, reads=("last_contact_at",))
        )
        registry.add_home_panel(
            HomePanel(key="followup", template="interactions/panels/home.html", context=views.home_panel_context,
                      order=10)
        )
        # The summary is one row per customer: on a merge the survivor's is recomputed, not moved.
        registry.add_customer_reference(
            CustomerReference(model=ContactSummary, field="customer", on_merge="delete", merge=services.summary_merge)
        )
        registry.add_handover_source(
            HandoverSource(key="followup", label=_("Open tasks and upcoming appointments"),
                           move=services.handover_followup)
        )
        registry.add_demo_generator(DemoGenerator(name="interactions", order=40, run=demo.generate))
        registry.add_demo_generator(DemoGenerator(name="digests", order=95, run=demo.prepare_digests))
