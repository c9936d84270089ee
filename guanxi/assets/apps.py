from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "guanxi.assets"
    label = "assets"
    verbose_name = _("Holdings and asset reviews")
