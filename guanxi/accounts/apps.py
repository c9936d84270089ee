from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "guanxi.accounts"
    label = "accounts"
    verbose_name = _("Organization and users")

    def ready(self) -> None:
        from guanxi.accounts import demo
        from guanxi.core.registry import DemoGenerator, registry

        registry.add_demo_generator(DemoGenerator(name="organization", order=10, run=demo.generate))
