from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HolidaysConfig(AppConfig):
    """The official holiday schedule (法定节假日与调休): the table the working-day calendar reads."""

    name = "guanxi.holidays"
    label = "holidays"
    verbose_name = _("Holiday schedule")

    def ready(self) -> None:
        from guanxi.core import calendar
        from guanxi.holidays.selectors import schedule_rows

        calendar.set_schedule_loader(schedule_rows)
