"""Every row that references a customer, found by walking `Customer._meta.related_objects`.

Merge, erase and export all start here, so a table added by a later app is covered the day it
appears: its foreign key shows up in `related_objects`, and its app registers a
`CustomerReference` only when "move it to the survivor" (merge), "as if the customer were
deleted" (erase: CASCADE deletes, SET_NULL unlinks, PROTECT keeps) or "every field" (export) is
not what that table needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import ManyToManyRel

from guanxi.core.registry import CustomerReference, registry
from guanxi.customers.models import Customer


@dataclass(frozen=True)
class Link:
    """One foreign key to Customer: `model.field` (for a many-to-many, its through table's key)."""

    model: type[models.Model]
    field: str
    on_delete: str
    nullable: bool
    references: tuple[CustomerReference, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    @property
    def merge_reference(self) -> CustomerReference | None:
        return next((r for r in self.references if r.on_merge != "move"), None)

    @property
    def erase_hook(self) -> CustomerReference | None:
        return next((r for r in self.references if r.erase is not None), None)

    @property
    def export_hook(self) -> CustomerReference | None:
        return next((r for r in self.references if r.export is not None), None)

    def rows(self, customer_id: int) -> models.QuerySet[Any]:
        return self.model._base_manager.filter(**{self.field: customer_id})


@dataclass
class Outcome:
    """What happened to the rows of one link: ids moved, deleted, unlinked (key set to null), kept."""

    moved: list[Any] = field(default_factory=list)
    deleted: list[Any] = field(default_factory=list)
    unlinked: list[Any] = field(default_factory=list)
    kept: list[Any] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[Any]]:
        return {k: [_jsonable(v) for v in vs] for k, vs in vars(self).items() if vs}


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | str) else str(value)


def _is_customer_fk(f: Any) -> bool:
    return bool(getattr(f, "many_to_one", False) or getattr(f, "one_to_one", False)) and \
        f.related_model is Customer and f.concrete


def customer_links() -> list[Link]:
    """Every foreign key to Customer (including many-to-many through tables), with its references."""
    found: list[tuple[type[models.Model], str, str, bool]] = []
    for rel in Customer._meta.related_objects:
        if isinstance(rel, ManyToManyRel):
            through = rel.through
            assert through is not None  # resolved (auto-created or named) once the apps are loaded
            fk = through._meta.get_field(rel.field.m2m_reverse_field_name())
            found.append((through, fk.name, "CASCADE", False))
        else:
            assert rel.on_delete is not None  # every foreign key has one
            found.append((rel.related_model, rel.field.name, rel.on_delete.__name__, rel.field.null))
    for m2m in Customer._meta.many_to_many:
        own: Any = m2m.remote_field.through
        found.append((own, own._meta.get_field(m2m.m2m_field_name()).name, "CASCADE", False))
    links = []
    seen: set[tuple[type[models.Model], str]] = set()
    for model, name, on_delete, nullable in found:
        if (model, name) in seen:
            continue
        seen.add((model, name))
        refs = tuple(r for r in registry.customer_references if r.model is model and r.field == name)
        links.append(Link(model=model, field=name, on_delete=on_delete, nullable=nullable, references=refs))
    return sorted(links, key=lambda link: link.label)


def unknown_references() -> list[CustomerReference]:
    """Registered references that are not foreign keys (an id in a JSON column, an integer field):
    merge, erase and export call their hooks directly."""
    keys = {(link.model, link.field) for link in customer_links()}
    return [r for r in registry.customer_references if (r.model, r.field) not in keys]


def _unique_sets(model: type[models.Model]) -> list[tuple[str, ...]]:
    sets: list[tuple[str, ...]] = []
    for f in model._meta.concrete_fields:
        if f.unique and not f.primary_key:
            sets.append((f.name,))
    for together in model._meta.unique_together:
        sets.append(tuple(together))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            sets.append(tuple(constraint.fields))
    return sets


def move_rows(link: Link, *, merged_id: int, survivor_id: int) -> Outcome:
    """Point the merged customer's rows at the survivor, without breaking the table's rules.

    A row that would then point at the survivor twice (a referral between the two, a relative
    linked to the other record) loses its other link when that may be empty, else is deleted; a
    row that would duplicate one the survivor already has under a unique rule is deleted (the
    survivor's row wins).
    """
    outcome = Outcome()
    manager = link.model._base_manager
    pk = link.model._meta.pk.name
    for other in link.model._meta.concrete_fields:
        if other.name == link.field or not _is_customer_fk(other):
            continue
        clash = manager.filter(**{link.field: merged_id, other.name: survivor_id})
        ids = list(clash.values_list(pk, flat=True))
        if not ids:
            continue
        if other.null:
            manager.filter(**{f"{pk}__in": ids}).update(**{other.name: None})
            outcome.unlinked.extend(ids)
        elif link.nullable:
            manager.filter(**{f"{pk}__in": ids}).update(**{link.field: None})
            outcome.unlinked.extend(ids)
        else:
            manager.filter(**{f"{pk}__in": ids}).delete()
            outcome.deleted.extend(ids)
    for fields in _unique_sets(link.model):
        if link.field not in fields:
            continue
        others = [f for f in fields if f != link.field]
        rows = manager.filter(**{link.field: merged_id})
        if not others:
            clashing = list(rows.values_list(pk, flat=True)) if manager.filter(**{link.field: survivor_id}).exists() else []
        else:
            taken = set(manager.filter(**{link.field: survivor_id}).values_list(*others))
            clashing = [row[0] for row in rows.values_list(pk, *others) if tuple(row[1:]) in taken]
        if clashing:
            manager.filter(**{f"{pk}__in": clashing}).delete()
            outcome.deleted.extend(clashing)
    rows = manager.filter(**{link.field: merged_id})
    outcome.moved.extend(rows.values_list(pk, flat=True))
    rows.update(**{link.field: survivor_id})
    return outcome


def erase_rows(link: Link, *, customer_id: int) -> Outcome:
    """What deleting the customer would do to these rows, without deleting the customer:
    CASCADE deletes them, SET_NULL / SET_DEFAULT unlinks them, PROTECT and the rest keep them."""
    outcome = Outcome()
    rows = link.rows(customer_id)
    pk = link.model._meta.pk.name
    ids = list(rows.values_list(pk, flat=True))
    if not ids:
        return outcome
    if link.on_delete == "CASCADE":
        link.model._base_manager.filter(**{f"{pk}__in": ids}).delete()
        outcome.deleted.extend(ids)
    elif link.on_delete in ("SET_NULL", "SET_DEFAULT") and link.nullable:
        link.model._base_manager.filter(**{f"{pk}__in": ids}).update(**{link.field: None})
        outcome.unlinked.extend(ids)
    else:
        outcome.kept.extend(ids)
    return outcome
