from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customer archive")

    def ready(self) -> None:
        from guanxi.core.registry import CustomerTab, DemoGenerator, SensitiveField, registry
        from guanxi.customers import demo, demo_contacts, tabs

        registry.add_sensitive_field(
            SensitiveField(key="phones", label=_("Phones"), reveal=lambda customer: list(customer.phones))
        )
        registry.add_sensitive_field(
            SensitiveField(key="id_number", label=_("ID number"), reveal=lambda customer: customer.id_number)
        )
        registry.add_sensitive_field(
            SensitiveField(key="bank_account", label=_("Bank account"), reveal=lambda customer: customer.bank_account)
        )
        registry.add_sensitive_field(
            SensitiveField(key="contact_phones", label=_("Contact people's phones"), reveal=_contact_phones)
        )
        registry.add_customer_tab(
            CustomerTab(key="profile", label=_("Profile"), template="customers/tabs/profile.html",
                        context=tabs.profile_context, order=0)
        )
        registry.add_customer_tab(
            CustomerTab(key="timeline", label=_("Timeline"), template="customers/tabs/timeline.html",
                        context=tabs.timeline_context, order=10)
        )
        registry.add_customer_tab(
            CustomerTab(key="family", label=_("Family members"), template="customers/tabs/family.html",
                        context=tabs.family_context, order=20)
        )
        registry.add_customer_tab(
            CustomerTab(key="contacts", label=pgettext_lazy("customer tab", "Contacts"), template="customers/tabs/contacts.html",
                        context=tabs.contacts_context, order=15)
        )
        registry.add_customer_tab(
            CustomerTab(key="referrals", label=_("Referrals"), template="customers/tabs/referrals.html",
                        context=tabs.referrals_context, order=30)
        )
        registry.add_customer_tab(
            CustomerTab(key="consent", label=_("Consent"), template="customers/tabs/consent.html",
                        context=tabs.consent_context, order=70)
        )
        registry.add_customer_tab(
            CustomerTab(key="history", label=_("History"), template="customers/tabs/history.html",
                        context=tabs.history_context, order=80)
        )
        registry.add_customer_tab(
            CustomerTab(key="access", label=_("Access log"), template="customers/tabs/access.html",
                        context=tabs.access_context, order=90)
        )
        registry.add_timeline_source(tabs.archive_events)
        registry.add_demo_generator(DemoGenerator(name="customers", order=20, run=demo.generate))
        registry.add_demo_generator(DemoGenerator(name="contacts", order=25, run=demo_contacts.generate))
        from guanxi.customers import reminders  # noqa: F401  (importing registers the birthday reminders)


def _contact_phones(customer: Any) -> list[str]:
    """The clear phones of a customer's contact people, as "name: phone" (revealed and logged)."""
    from guanxi.customers.models import Contact

    return [f"{name}: {phone}" for name, phones in
            Contact.objects.filter(customer=customer).order_by("id").values_list("name", "phones") for phone in phones]
