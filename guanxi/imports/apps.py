from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "guanxi.imports"
    label = "imports"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        # Each app's import_target module registers its target (customers, order lines) at start-up.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("import_target")
