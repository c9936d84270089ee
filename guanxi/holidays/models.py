"""The official schedule: statutory days off and make-up working days (调休), one row per date.

The table keeps the name it had in `core` (`core_holiday`): it moved app by state only, no data copied.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.holidays.choices import HolidayKind, HolidaySource


class Holiday(models.Model):
    """One day of the official schedule: a statutory day off or a make-up working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("holiday"), max_length=100, help_text=_("e.g. 国庆节"))
    year = models.PositiveSmallIntegerField(_("year"), db_index=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=HolidaySource.choices,
                              default=HolidaySource.ADMIN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "core_holiday"
        ordering = ["date"]
        verbose_name = _("holiday schedule entry")
        verbose_name_plural = _("holiday schedule")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
