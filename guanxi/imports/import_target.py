"""The customer target of the import engine, registered (in `ImportsConfig.ready()`) for the wizard, the API and
the shell.

The work is in `guanxi.imports.customer_import` (columns from `Customer._meta`, the row cleaner, the
set-based check and apply); this adapter gives it the shape every target has.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.accounts.models import User
from guanxi.imports.choices import Mode
from guanxi.imports.columns import Column
from guanxi.imports.customer_import import apply, catalogue, check, clean
from guanxi.imports.models import ImportJob
from guanxi.imports.targets import Applied, Count, OptionErrors, Progress, RowCleaner


class CustomerTarget:
    """Customers: created, or updated when the code or a phone matches one the user may see."""

    key = "customers"
    label = gettext_lazy("Customers")
    order = 10
    counts = (Count("created", gettext_lazy("Created")), Count("updated", gettext_lazy("Updated")),
              Count("unchanged", gettext_lazy("Unchanged")))

    def catalogue(self) -> list[Column]:
        return catalogue.catalogue()

    def alias_map(self, columns: list[Column]) -> dict[str, str]:
        return catalogue.alias_map(columns)

    def required(self) -> tuple[str, ...]:
        return ()  # a row needs a name to create or a code/phone to match: checked per row

    def row_cleaner(self, actor: User) -> RowCleaner:
        return clean.RowCleaner(actor)

    def option_fields(self) -> dict[str, forms.Field]:
        return {"mode": forms.ChoiceField(label=gettext_lazy("What to do"), choices=Mode.choices)}

    def options_of(self, job: ImportJob) -> dict[str, Any]:
        return {"mode": job.mode}

    def set_options(self, job: ImportJob, values: dict[str, Any], errors: OptionErrors) -> None:
        mode = values.get("mode") or job.mode
        if mode not in Mode.values:
            errors.add("mode", _("Select a valid choice."))
            return
        job.mode = mode

    def check(self, job: ImportJob) -> None:
        check.check_import(job)

    def apply(self, job: ImportJob, *, progress: Progress) -> Applied:
        outcome = apply.apply_import(job, progress=progress)
        return Applied(created=outcome.created, updated=outcome.updated, unchanged=outcome.unchanged)


TARGET = CustomerTarget()  # registered by ImportsConfig.ready()
