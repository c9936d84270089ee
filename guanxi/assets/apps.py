from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "guanxi.assets"
    label = "assets"
    verbose_name = _("Holdings and asset reviews")

    def ready(self) -> None:
        from guanxi.assets import demo, references, selectors, tabs
        from guanxi.assets.models import AssetReview, Holding
        from guanxi.assets.services import SENSITIVE_KEY
        from guanxi.core.registry import (
            CustomerReference,
            CustomerTab,
            DemoGenerator,
            SensitiveField,
            registry,
        )

        registry.add_sensitive_field(
            SensitiveField(key=SENSITIVE_KEY, label=_("Holdings and insurance amounts"), reveal=selectors.reveal_values)
        )
        registry.add_customer_tab(
            CustomerTab(key="assets", label=_("Assets (资产)"), template="assets/tabs/assets.html",
                        context=tabs.assets_context, order=40)
        )
        registry.add_reminder_source(selectors.maturity_reminders)
        # Holdings are exported with their value history; merge moves them and erasure deletes them
        # (CASCADE) as for any other row that hangs off the customer.
        registry.add_customer_reference(
            CustomerReference(model=Holding, field="customer", export=references.export_holdings)
        )
        registry.add_customer_reference(
            CustomerReference(model=AssetReview, field="customer", export=references.export_reviews)
        )
        registry.add_demo_generator(DemoGenerator(name="assets", order=45, run=demo.generate))
