"""What the import engine can import into, by key: customers, order lines, and whatever comes next.

The engine (`services.py`, the wizard, the API) knows files, staging and jobs; a target knows its
columns, how one row is cleaned, which options the user chooses, the set-based check and the apply.
Each app that offers a target defines it in its `import_target.py` module and registers it in its
`AppConfig.ready()` with `registry.add_import_target(...)` (the registry of `guanxi.core.registry`,
with the other extension points), so the engine imports no later app (orders imports the engine,
never the other way round).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from guanxi.core.registry import ImportTargetEntry, registry

if TYPE_CHECKING:
    from django import forms
    from django_stubs_ext import StrOrPromise

    from guanxi.accounts.models import User
    from guanxi.imports.columns import Column
    from guanxi.imports.models import ImportJob

Progress = Callable[[int], None]


class CleanedRow(Protocol):
    """One row as a target's cleaner returns it: JSON-ready values, errors by field, match keys."""

    data: dict[str, Any]
    errors: dict[str, list[str]]
    code: str
    phone: str


class RowCleaner(Protocol):
    def clean(self, cells: dict[str, str]) -> CleanedRow: ...


@dataclass
class Applied:
    """What an apply did. `review` means nothing was applied: rows found invalid while applying (the
    database changed since the check) were marked, and the job waits for the user again."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    review: bool = False


@dataclass(frozen=True)
class Count:
    """A figure the status block shows after a run: an `Applied` attribute and its label."""

    key: str
    label: StrOrPromise


@dataclass
class OptionErrors:
    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)


@runtime_checkable
class ImportTarget(Protocol):
    """A kind of record the wizard, the API and the shell import."""

    @property
    def key(self) -> str:
        """Stored on the job (`ImportJob.target`) and on saved mappings."""
        ...

    @property
    def label(self) -> StrOrPromise: ...

    @property
    def order(self) -> int:
        """Place in the wizard's choice (customers first)."""
        ...

    @property
    def counts(self) -> tuple[Count, ...]: ...

    def catalogue(self) -> list[Column]:
        """The fields a column can be mapped to, with their labels and the header texts that name them."""
        ...

    def alias_map(self, columns: list[Column]) -> dict[str, str]:
        """Header key (`readers.header_key`) → field key, for the header detection and auto-mapping."""
        ...

    def required(self) -> tuple[str, ...]:
        """Fields a job cannot start without a column for."""
        ...

    def row_cleaner(self, actor: User) -> RowCleaner:
        """Cleans one row at a time, for the preview and while the file is staged."""
        ...

    def option_fields(self) -> dict[str, forms.Field]:
        """Form fields (new instances) of the target's own choices in the wizard's settings step."""
        ...

    def options_of(self, job: ImportJob) -> dict[str, Any]:
        """The job's current values of those choices."""
        ...

    def set_options(self, job: ImportJob, values: dict[str, Any], errors: OptionErrors) -> None:
        """Validate chosen values (keys of `option_fields`, all optional) and store them on the job."""
        ...

    def check(self, job: ImportJob) -> None:
        """The file-wide checks over the staged rows: mark invalid rows and write their errors."""
        ...

    def apply(self, job: ImportJob, *, progress: Progress) -> Applied:
        """Apply the valid rows (all of them in one transaction); `progress(rows_done)`."""
        ...


def _engine_target(entry: ImportTargetEntry) -> ImportTarget:
    """A registered target, checked to offer everything the engine calls."""
    if not isinstance(entry, ImportTarget):
        raise ImproperlyConfigured(f"import target {entry.key!r} lacks part of ImportTarget")
    return entry


def all_targets() -> list[ImportTarget]:
    """The registered targets, in the wizard's order (customers first)."""
    return [_engine_target(t) for t in registry.import_targets]


def choices() -> list[tuple[str, StrOrPromise]]:
    return [(t.key, t.label) for t in all_targets()]


def get(key: str) -> ImportTarget:
    """The target of that key; a ValidationError on `target` for an unknown one."""
    target = next((t for t in registry.import_targets if t.key == key), None)
    if target is None:
        raise ValidationError({"target": [_("Select a valid choice.")]})
    return _engine_target(target)
