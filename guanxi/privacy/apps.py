from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "guanxi.privacy"
    label = "privacy"
    verbose_name = _("Personal data rights")

    def ready(self) -> None:
        from guanxi.core.registry import CustomerReference, CustomerTab, registry
        from guanxi.customers.models import AccessLog, ChangeEntry, CustomerSearch, Referral, SearchToken
        from guanxi.privacy import services, tabs
        from guanxi.privacy.models import PrivacyRequest

        registry.add_customer_tab(CustomerTab(
            key="privacy", label=_("Personal data (个人信息权利)"), template="privacy/tabs/privacy.html",
            context=tabs.privacy_context, order=95,
        ))
        erase_hooks = [
            (ChangeEntry, "customer", services.scrub_ledger),
            (CustomerSearch, "customer", services.keep_rows),
            (SearchToken, "customer", services.keep_rows),
            (AccessLog, "customer", services.keep_rows),
            (PrivacyRequest, "customer", services.keep_rows),
            (Referral, "referrer", services.scrub_referrals),
            (Referral, "referred", services.scrub_referrals),
        ]
        for model, field, hook in erase_hooks:
            registry.add_customer_reference(CustomerReference(model=model, field=field, erase=hook))
