from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from guanxi.core import calendar, reminders
        from guanxi.core.registry import registry

        calendar.office_hours()  # a malformed GUANXI_OFFICE_HOURS stops start-up here
        registry.add_reminder_source(reminders.festival_reminders)
