from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupeConfig(AppConfig):
    name = "guanxi.dedupe"
    label = "dedupe"
    verbose_name = _("Duplicates and merge")

    def ready(self) -> None:
        from guanxi.core.registry import CustomerReference, DemoGenerator, registry
        from guanxi.customers.models import AccessLog, ChangeEntry, CustomerSearch, SearchToken
        from guanxi.dedupe import demo, services
        from guanxi.dedupe.models import MergeRecord

        # Rows that describe the merged-away record itself stay with it (it is archived, not
        # deleted): its search row and tokens, its change ledger, its access log.
        for model in (CustomerSearch, SearchToken, ChangeEntry, AccessLog):
            registry.add_customer_reference(CustomerReference(
                model=model, field="customer", on_merge="custom", merge=services.keep_with_merged_record,
            ))
        for name in ("survivor", "merged"):
            registry.add_customer_reference(CustomerReference(
                model=MergeRecord, field=name, on_merge="custom", merge=services.keep_with_merged_record,
                export=services.merge_record_export if name == "survivor" else lambda customer_id: [],
                erase=services.merge_record_erase,
            ))
        registry.add_demo_generator(DemoGenerator(name="duplicates", order=90, run=demo.generate))
