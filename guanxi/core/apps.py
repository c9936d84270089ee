from django.apps import AppConfig
from django.contrib.admin import ModelAdmin
from django.utils.translation import gettext_lazy as _

# django-stubs types ModelAdmin as generic (`admin.ModelAdmin[Customer]`, which strict mypy asks for);
# Django does not allow the subscript at run time. Give it the no-op `__class_getitem__` that
# django-stubs-ext would (a development dependency only). App modules are imported before any
# `ready()`, so this runs before the admin autodiscovers the apps' admin modules.
setattr(ModelAdmin, "__class_getitem__", classmethod(lambda cls, *args: cls))  # noqa: B010


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from guanxi.core import calendar, reminders
        from guanxi.core.registry import registry

        calendar.office_hours()  # a malformed GUANXI_OFFICE_HOURS stops start-up here
        registry.add_reminder_source(reminders.festival_reminders)
