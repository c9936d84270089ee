"""Reads for duplicates and merges: likely duplicates found set-based in SQL, side-by-side views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import User
from guanxi.core.registry import registry
from guanxi.core.text import mask_digits
from guanxi.customers.models import Customer
from guanxi.dedupe.models import MergeRecord

# Fields that are never chosen in a merge: identity, bookkeeping, values derived from another
# field (the lunar birthday follows `birthday`), and the code, which stays unique to each record.
NOT_CHOSEN = {
    "id", "code", "version", "archived_at", "created_at", "updated_at", "created_by", "name_sort",
    "lunar_birth_month", "lunar_birth_day", "lunar_birth_leap",
}


@dataclass(frozen=True)
class Rule:
    """One way two records look like the same customer; `columns` are Customer fields grouped on."""

    key: str
    label: Any
    columns: tuple[str, ...]
    phones: bool = False


RULES: tuple[Rule, ...] = (
    Rule("phone", _("Same phone number"), (), phones=True),
    Rule("name_birthday", _("Same name and birthday"), ("name", "birthday")),
    Rule("licence", _("Same licence number"), ("licence_number",)),
    Rule("name_address", _("Same name and address"), ("name", "address")),
)


def _has_field(name: str) -> bool:
    try:
        Customer._meta.get_field(name)
    except Exception:
        return False
    return True


def available_rules() -> list[Rule]:
    """The rules whose fields exist (the licence number arrives with the organization profile)."""
    return [r for r in RULES if all(_has_field(c) for c in r.columns)]


def rule_by_key(key: str) -> Rule | None:
    return next((r for r in available_rules() if r.key == key), None)


def may_merge(user: User) -> bool:
    """Managers and administrators merge: a role seeing a department tree or everything.

    A rep (own customers only) cannot see the records a duplicate usually hides behind, and a merge
    moves rows between account managers, so it is a supervisor's decision.
    """
    return bool(user.is_authenticated and user.is_active and user.data_scope in (DataScope.DEPARTMENT, DataScope.ALL))


@dataclass(frozen=True)
class DuplicateGroup:
    rule: Rule
    key: tuple[Any, ...]
    customers: list[Customer]

    @property
    def key_text(self) -> str:
        return " · ".join(str(k) for k in self.key)

    @property
    def ids(self) -> str:
        return ",".join(str(c.pk) for c in self.customers)


@dataclass(frozen=True)
class GroupPage:
    groups: list[DuplicateGroup]
    page: int
    has_next: bool


def _group_sql(rule: Rule, visible: QuerySet[Customer], vendor: str) -> tuple[str, list[Any]]:
    """GROUP BY the rule's key over the visible, active customers; one row per group of two or more.

    Phones are a JSON list: on PostgreSQL `jsonb_array_elements_text`, on SQLite `json_each` turn
    them into rows, so one scan groups every number of every customer.
    """
    table = Customer._meta.db_table
    subquery, params = visible.order_by().values("pk").query.sql_with_params()
    joins = ""
    where = [f"c.id IN ({subquery})"]
    if rule.phones:
        column = Customer._meta.get_field("phones").column
        if vendor == "postgresql":
            joins = f" CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.{column}) = 'array' " \
                    f"THEN c.{column} ELSE '[]'::jsonb END) AS p(value)"
        else:
            joins = f", json_each(CASE WHEN json_type(c.{column}) = 'array' THEN c.{column} ELSE '[]' END) AS p"
        keys = ["p.value"]
        where.append("p.value <> ''")
    else:
        keys = []
        for name in rule.columns:
            f = Customer._meta.get_field(name)
            assert isinstance(f, models.Field)  # a rule names the customer's own columns, never a relation
            keys.append(f"c.{f.column}")
            where.append(f"c.{f.column} IS NOT NULL")
            if f.empty_strings_allowed:
                where.append(f"c.{f.column} <> ''")
    ids = "string_agg(DISTINCT c.id::text, ',')" if vendor == "postgresql" else "group_concat(DISTINCT c.id)"
    key_list = ", ".join(keys)
    sql = (f"SELECT {key_list}, {ids} FROM {table} c{joins} WHERE {' AND '.join(where)} "
           f"GROUP BY {key_list} HAVING COUNT(DISTINCT c.id) > 1 ORDER BY {key_list} LIMIT %s OFFSET %s")
    return sql, list(params)


def duplicate_groups(*, user: User, rule: Rule, page: int = 1, per_page: int = 20) -> GroupPage:
    """One page of likely duplicates by one rule, among the customers the user may see (archived excluded)."""
    visible = Customer.objects.visible_to(user).active()
    connection = connections[visible.db]
    sql, params = _group_sql(rule, visible, connection.vendor)
    offset = (page - 1) * per_page
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, per_page + 1, offset])
        rows = cursor.fetchall()
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    member_ids = [[int(i) for i in str(row[-1]).split(",")] for row in rows]
    by_id = Customer.objects.select_related("owner", "department").in_bulk([i for ids in member_ids for i in ids])
    groups = [
        DuplicateGroup(rule=rule, key=tuple(row[:-1]), customers=[by_id[i] for i in sorted(ids) if i in by_id])
        for row, ids in zip(rows, member_ids, strict=True)
    ]
    if rule.phones:
        groups = [DuplicateGroup(rule=g.rule, key=(mask_digits(str(g.key[0])),), customers=g.customers)
                  for g in groups]
    return GroupPage(groups=groups, page=page, has_next=has_next)


def customers_to_compare(*, user: User, ids: list[int]) -> list[Customer]:
    """Two to ten active customers the user may see, in the order asked; any other id is a 404."""
    unique = list(dict.fromkeys(i for i in ids if 0 < i < 2**63))
    if not 2 <= len(unique) <= 10 or len(unique) != len(ids):
        raise Http404("compare two to ten distinct customers")
    found = (Customer.objects.visible_to(user).active().filter(pk__in=unique)
             .select_related("owner", "department", "store").prefetch_related("tags").in_bulk())
    if len(found) != len(unique):
        raise Http404("customer not found")
    return [found[i] for i in unique]


def comparable_fields() -> list[Any]:
    """Every concrete editable field of Customer, in model order (new fields appear by themselves)."""
    return [f for f in Customer._meta.concrete_fields if f.editable and f.name not in ("id",)]


def choosable_fields() -> list[Any]:
    return [f for f in comparable_fields() if f.name not in NOT_CHOSEN]


def display_value(customer: Customer, field: Any, *, may_reveal: bool) -> str:
    """A field's value as text for the side-by-side view; sensitive values masked unless revealable."""
    value = getattr(customer, field.name)
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if field.name in registry.sensitive_fields and not may_reveal:
        if isinstance(value, list):
            return ", ".join(mask_digits(str(v)) for v in value)
        return mask_digits(str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


@dataclass(frozen=True)
class CompareRow:
    name: str
    label: str
    values: list[str]
    choosable: bool
    differs: bool
    customer_ids: tuple[int, ...] = ()

    @property
    def cells(self) -> list[tuple[int, str]]:
        return list(zip(self.customer_ids, self.values, strict=True))


def compare_rows(*, user: User, customers: list[Customer]) -> list[CompareRow]:
    """One row per field with each customer's value, and whether the user chooses between them."""
    may_reveal = user.may_reveal_sensitive
    choosable = {f.name for f in choosable_fields()}
    rows = []
    for f in comparable_fields():
        values = [display_value(c, f, may_reveal=may_reveal) for c in customers]
        raw = [getattr(c, f.attname) for c in customers]
        rows.append(CompareRow(name=f.name, label=str(f.verbose_name), values=values,
                               choosable=f.name in choosable, differs=any(v != raw[0] for v in raw[1:]),
                               customer_ids=tuple(c.pk for c in customers)))
    rows.append(CompareRow(
        name="tags", label=str(_("Tags")), values=[", ".join(sorted(t.name for t in c.tags.all())) for c in customers],
        choosable=False, differs=len({frozenset(t.pk for t in c.tags.all()) for c in customers}) > 1,
        customer_ids=tuple(c.pk for c in customers),
    ))
    return rows


def merges_visible_to(user: User) -> QuerySet[MergeRecord]:
    """Merges whose survivor the user may see."""
    survivors = Customer.objects.visible_to(user).values("pk")
    return MergeRecord.objects.filter(survivor__in=survivors).select_related("survivor", "merged", "actor")


def merge_page(*, user: User, page: int = 1, per_page: int = 50) -> tuple[list[MergeRecord], bool]:
    offset = (page - 1) * per_page
    rows = list(merges_visible_to(user).order_by("-at", "-id")[offset : offset + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def merge_get(*, user: User, merge_id: int) -> MergeRecord:
    record = merges_visible_to(user).filter(pk=merge_id).first() if 0 < merge_id < 2**63 else None
    if record is None:
        raise Http404("merge not found")
    return record


def merge_snapshot_rows(*, user: User, record: MergeRecord) -> list[tuple[str, str]]:
    """The merged customer as it was, field by field, sensitive values masked unless revealable."""
    may_reveal = user.may_reveal_sensitive
    labels = {f.name: str(f.verbose_name) for f in Customer._meta.concrete_fields}
    rows = []
    for name, value in record.merged_snapshot.items():
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else ("" if value is None else str(value))
        if name in registry.sensitive_fields and not may_reveal and text:
            text = ", ".join(mask_digits(v) for v in value) if isinstance(value, list) else mask_digits(text)
        rows.append((labels.get(name, name), text))
    return rows


def merge_chosen_rows(*, user: User, record: MergeRecord) -> list[tuple[str, str, int]]:
    may_reveal = user.may_reveal_sensitive
    labels = {f.name: str(f.verbose_name) for f in Customer._meta.concrete_fields}
    rows = []
    for name, choice in record.chosen.items():
        text = str(choice.get("value", ""))
        if name in registry.sensitive_fields and not may_reveal and text:
            text = ", ".join(mask_digits(v) for v in text.split(", "))
        rows.append((labels.get(name, name), text, int(choice.get("from", 0))))
    return rows


def survivor_of(*, customer_id: int) -> int | None:
    """Where a merged-away customer went (following a chain of merges), or None."""
    seen: set[int] = set()
    current = customer_id
    while True:
        nxt = MergeRecord.objects.filter(merged_id=current).values_list("survivor_id", flat=True).first()
        if nxt is None or nxt in seen:
            return current if current != customer_id else None
        seen.add(current)
        current = nxt


def q_for_customer(customer_id: int) -> Q:
    return Q(survivor_id=customer_id) | Q(merged_id=customer_id)
