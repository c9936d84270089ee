from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "guanxi.imports"
    label = "imports"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from guanxi.core.registry import registry
        from guanxi.imports import contacts, import_target

        registry.add_import_target(import_target.TARGET)
        registry.add_import_target(contacts.TARGET)
