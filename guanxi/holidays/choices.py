from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Day off")
    WORKDAY = "workday", _("Make-up working day")


class HolidaySource(models.TextChoices):
    SEEDED = "seeded", _("chinesecalendar package")
    ADMIN = "admin", _("Administrator")
