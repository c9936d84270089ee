"""Applying a checked customer import: resolved rows become customers, search rows, search tokens,
tags and ledger entries, set-based."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from guanxi.accounts.models import User
from guanxi.core.db import BackgroundCopy, analyze, copy_value, json_sql, set_checks_per_statement
from guanxi.core.text import _SEPARATOR as SEPARATOR
from guanxi.core.text import name_keys, normalize_query, short_tokens
from guanxi.customers import ledger
from guanxi.customers import services as customer_services
from guanxi.customers.choices import BirthdayCalendar, Channel, Kind
from guanxi.customers.demo import lunar_birthday
from guanxi.customers.models import ChangeEntry, Customer, CustomerSearch, SearchToken, Tag
from guanxi.imports.customer_import.catalogue import RELATIONS, custom_definitions
from guanxi.imports.customer_import.check import staged_rows
from guanxi.imports.customer_import.clean import json_ready
from guanxi.imports.events import publish_customers_applied
from guanxi.imports.models import ImportJob, ImportRow, ResolvedRow

CHUNK = 2000
ANALYZE_AFTER = 10_000  # new customers in one import that make the customer table's statistics stale


class _Names:
    """Usernames and department/store names by id, loaded as needed (few distinct ids per import)."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[int, Any]] = {"owner": {}, "department": {}, "store": {}}

    def get(self, relation: str, pk: int | None) -> Any:
        if pk is None:
            return None
        found = self.cache[relation]
        if pk not in found:
            model = RELATIONS[relation]
            found[pk] = model._default_manager.filter(pk=pk).first()
        return found[pk]


class _Tag:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _Tags:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def all(self) -> list[_Tag]:
        return [_Tag(n) for n in self.names]


class _CustomerView:
    """A customer made of plain values, so `ledger.snapshot` reads it like a saved customer."""

    def __init__(self, values: dict[str, Any], tags: list[str], names: _Names) -> None:
        self.__dict__.update(values)
        self.tags = _Tags(tags)
        self.owner = names.get("owner", values.get("owner_id"))
        self.department = names.get("department", values.get("department_id"))
        self.store = names.get("store", values.get("store_id"))

    @property
    def is_person(self) -> bool:
        return bool(self.__dict__.get("kind") == Kind.PERSON)


@dataclass(frozen=True)
class _NameInfo:
    sort_key: str
    doc_parts: tuple[str, ...]
    tokens: list[str]


class _NameMemo:
    """The pinyin work of a name, done once per distinct name (names repeat a lot in a large file).

    Bounded, so a file of a million distinct names still runs in flat memory.
    """

    LIMIT = 50_000

    def __init__(self) -> None:
        self.cache: dict[tuple[str, bool], _NameInfo] = {}

    def get(self, name: str, is_person: bool) -> _NameInfo:
        info = self.cache.get((name, is_person))
        if info is None:
            if len(self.cache) >= self.LIMIT:
                self.cache.clear()
            keys = name_keys(name, is_person=is_person)
            info = _NameInfo(sort_key=keys.sort_key, doc_parts=(normalize_query(name), *keys.full, *keys.initials),
                             tokens=sorted(short_tokens(name=name, is_person=is_person)))
            self.cache[(name, is_person)] = info
        return info

    def document(self, info: _NameInfo, *, code: str, phones: list[str], email: str,
                 extra: tuple[str, ...] = ()) -> str:
        """`core.text.search_document` for a name already looked up (a test checks they agree)."""
        parts = [*info.doc_parts, normalize_query(code), *phones]
        if email:
            parts.append(normalize_query(email))
        parts.extend(normalize_query(text)[:200] for text in extra if text)
        return SEPARATOR.join(p for p in dict.fromkeys(parts) if p)


def _concrete() -> list[models.Field[Any, Any]]:
    return list(Customer._meta.concrete_fields)


def _defaults(actor: User, now: dt.datetime) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in _concrete():
        if f.has_default():
            values[f.attname] = f.get_default()
        elif f.has_db_default():
            default = f.db_default
            values[f.attname] = default.value if isinstance(default, models.Value) else default
            if isinstance(f, models.JSONField) and isinstance(values[f.attname], str):
                values[f.attname] = json.loads(values[f.attname])
        else:
            values[f.attname] = f.get_default()
    values.update(owner_id=actor.pk, department_id=actor.department_id, created_by_id=actor.pk, version=1,
                  created_at=now, updated_at=now, archived_at=None)
    # The services stamp these on creation (when the model has them).
    stamps = {"importance_set_by_id": actor.pk, "importance_set_at": now, "static_reviewed_at": now,
              "dynamic_reviewed_at": now}
    values.update({k: v for k, v in stamps.items() if k in values})
    return values


def _to_python(data: dict[str, Any]) -> dict[str, Any]:
    fields = {f.attname: f for f in _concrete()}
    result: dict[str, Any] = {}
    for key, value in data.items():
        f = fields.get(key)
        if f is not None and value is not None and not isinstance(f, models.JSONField):
            value = f.to_python(value)
        result[key] = value
    return result


def _storable(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dt.datetime):
            adapted = connection.ops.adapt_datetimefield_value(value)
            out[key] = adapted.isoformat() if isinstance(adapted, dt.datetime) else adapted
        else:
            out[key] = json_ready(value)
    return out


def _search_extra(values: dict[str, Any], searchable: set[str]) -> tuple[str, ...]:
    """What the services add to the search line besides names, code, phones and email (when present)."""
    if not hasattr(customer_services, "searchable_extra"):
        return ()
    custom = values.get("custom") or {}
    own = tuple(v for v in (values.get("shop_name"), values.get("licence_number")) if v)
    return own + tuple(str(v) for k, v in custom.items() if k in searchable and isinstance(v, str))


def _searchable_keys(kind: str) -> set[str]:
    return {d.key for d in custom_definitions() if d.searchable and (not hasattr(d, "applies_to") or d.applies_to(kind))}


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class _Resolver:
    """What the resolve pass computes once per import rather than once per row: the field lists,
    the defaults of a new customer, searchable custom keys, name lookups and the ledger columns."""

    def __init__(self, job: ImportJob, now: dt.datetime) -> None:
        self.job = job
        self.actor = job.user
        self.now = now
        self.names = _Names()
        self.name_info = _NameMemo()
        self.searchable = {kind: _searchable_keys(kind) for kind in Kind.values}
        self.with_extra = hasattr(customer_services, "searchable_extra")
        concrete = _concrete()
        self.attnames = [f.attname for f in concrete]
        # Values the database returns or the cleaners give as objects: converted to JSON-ready text.
        self.fields = {f.attname: f for f in concrete if not isinstance(f, models.JSONField)}
        self.special = [f.attname for f in concrete
                        if isinstance(f, models.DateField | models.DateTimeField | models.DecimalField)]
        self.defaults = _defaults(self.actor, now)
        self.mutable_defaults = [k for k, v in self.defaults.items() if isinstance(v, list | dict)]
        self.adapted: dict[dt.datetime, Any] = {}
        # PostgreSQL: new customers, their search rows and tokens go straight to their tables with COPY
        # (elsewhere, and for updates, through the staging table and INSERT … SELECT / UPDATE … FROM).
        self.direct = connection.vendor == "postgresql"
        self.customer_table = Customer._meta.db_table
        self.customer_columns = [str(f.column) for f in concrete]
        self.json_attnames = {f.attname for f in concrete if isinstance(f, models.JSONField)}
        self.default_text: dict[str, tuple[Any, str]] | None = None
        self.json_default_text: dict[str, tuple[Any, str]] = {}
        self.batch = uuid.uuid4()
        entry = ChangeEntry._meta
        self.ledger_table = entry.db_table
        fields = {f.name: f for f in entry.concrete_fields}
        self.ledger_columns = [str(fields[n].column) for n in
                               ("customer", "field", "old_value", "new_value", "actor", "channel", "batch", "at")]
        self.ledger_batch = fields["batch"].get_db_prep_value(self.batch, connection)
        self.ledger_at = fields["at"].get_db_prep_value(now, connection)

    def to_python(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = self.fields
        result: dict[str, Any] = {}
        for key, value in data.items():
            f = fields.get(key)
            if f is not None and value is not None:
                value = f.to_python(value)
            result[key] = value
        return result

    def storable(self, values: dict[str, Any]) -> dict[str, Any]:
        """`_storable(values)`, converting only the fields that can hold dates, times or decimals."""
        out = dict(values)
        for key in self.special:
            value = out.get(key)
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                adapted = self.adapted.get(value)
                if adapted is None:
                    adapted = connection.ops.adapt_datetimefield_value(value)
                    adapted = adapted.isoformat() if isinstance(adapted, dt.datetime) else adapted
                    if value is self.now:
                        self.adapted[value] = adapted
                out[key] = adapted
            else:
                out[key] = json_ready(value)
        return out

    def customer_line(self, stored: dict[str, Any]) -> str:
        """One new customer as a COPY line. Most columns hold the import's defaults (the same objects
        every row): their text is formatted once, not 100,000 times."""
        if self.default_text is None:
            defaults = self.storable(self.defaults)
            self.default_text = {a: (v, self.format_column(a, v)) for a, v in defaults.items()
                                 if not isinstance(v, list | dict)}
            # JSON defaults ([] and {}) are copied per customer, so they are matched by value.
            self.json_default_text = {a: (v, self.format_column(a, v)) for a, v in defaults.items()
                                      if isinstance(v, list | dict)}
        cached, fmt, json_cached = self.default_text, self.format_column, self.json_default_text
        parts = []
        for attname in self.attnames:
            value = stored[attname]
            known = cached.get(attname)
            if known is not None and value is known[0]:
                parts.append(known[1])
                continue
            known = json_cached.get(attname)
            parts.append(known[1] if known is not None and value == known[0] else fmt(attname, value))
        return "\t".join(parts) + "\n"

    def format_column(self, attname: str, value: Any) -> str:
        if attname in self.json_attnames:
            return copy_value(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        return copy_value(value)

    def new_values(self, data: dict[str, Any], cid: int) -> dict[str, Any]:
        values = {**self.defaults, **data, "id": cid}
        for key in self.mutable_defaults:
            if key not in data:
                value = values[key]
                values[key] = list(value) if isinstance(value, list) else dict(value)
        return values

    def write_ledger(self, changes: list[tuple[int, Any, Any]], writer: BackgroundCopy) -> int:
        """The chunk's ledger rows (what `ledger.record_many` writes), as COPY on PostgreSQL."""
        actor_id, channel, batch, at = self.actor.pk, Channel.IMPORT, self.ledger_batch, self.ledger_at
        if connection.vendor != "postgresql":
            rows = [(cid, field, old, new, actor_id, channel, batch, at)
                    for cid, before, after in changes for field, old, new in ledger.changed_values(before, after)]
            writer.rows(self.ledger_table, self.ledger_columns, rows)
            return len(rows)
        # Actor, channel, batch and time are the same on every row: formatted once.
        tail = "\t" + "\t".join(copy_value(v) for v in (actor_id, channel, batch, at)) + "\n"
        lines = [f"{cid}\t{copy_value(field)}\t{copy_value(old)}\t{copy_value(new)}{tail}"
                 for cid, before, after in changes for field, old, new in ledger.changed_values(before, after)]
        writer.lines(self.ledger_table, self.ledger_columns, lines)
        return len(lines)


def apply_import(job: ImportJob, *, progress: Any = None) -> Outcome:
    """Write the valid rows: resolve each in Python (merge, keys, ledger), then apply in SQL.

    On PostgreSQL the COPYs of a chunk run in a second thread while Python resolves the next chunk
    (`BackgroundCopy`), and the foreign keys of the tables loaded are checked per statement, inside
    those COPYs, rather than all at once in the commit.
    """
    now = timezone.now()
    outcome = Outcome()
    resolver = _Resolver(job, now)
    with transaction.atomic():
        set_checks_per_statement(_loaded_tables(), on=True)
        analyze(ImportRow._meta.db_table, ["valid", "action", "customer_id"])
        _allocate_ids(job)
        ResolvedRow.objects.filter(job=job).delete()
        batches = 0
        with BackgroundCopy() as writer:
            chunk = _page(job, 0)
            context = _chunk_context(resolver, chunk)
            while chunk:
                changes = _resolve_chunk(resolver, chunk, context, outcome, writer)
                resolver.write_ledger(changes, writer)
                del changes
                # The previous chunk's COPYs ran while this one was resolved; now read what the next
                # chunk needs, then let this chunk's COPYs run while the next is resolved.
                writer.wait()
                if batches and progress is not None:
                    progress(batches * CHUNK)
                following = _page(job, chunk[-1][0])
                context = _chunk_context(resolver, following)
                writer.flush()
                chunk = following
                batches += 1
        if progress is not None:
            progress(batches * CHUNK)
        analyze(ResolvedRow._meta.db_table, ["job_id", "customer_id", "action"])
        _write(job, now, created_already=resolver.direct)
        # NOT EXISTS (an anti-join), not NOT IN: PostgreSQL hashes a NOT IN subquery only while it fits
        # in work_mem, and above that (a million rows) rescans it for every row.
        # SQLite runs that NOT EXISTS as a scan of the job's resolved rows per row (quadratic: 25 min
        # at 100,000 rows) but an IN subquery through a temporary index: NOT IN there.
        changed = ResolvedRow.objects.filter(job=job, row_id=OuterRef("id"))
        unchanged = (~Q(id__in=ResolvedRow.objects.filter(job=job).values("row_id"))
                     if connection.vendor == "sqlite" else ~Exists(changed))
        staged_rows(job).filter(unchanged, valid=True).update(action="unchanged")
        publish_customers_applied(job)
        if outcome.created >= ANALYZE_AFTER:
            # A bulk load leaves the planner believing the customer table is as small as before,
            # until autovacuum gets to it: the next import's checks would choose nested loops.
            analyze(Customer._meta.db_table, ["id", "code", "archived_at", "owner_id", "department_id"])
        set_checks_per_statement(_loaded_tables(), on=False)
    return outcome


def _loaded_tables() -> list[str]:
    """The tables the apply inserts into whose foreign keys point at customers (or users)."""
    return [Customer._meta.db_table, CustomerSearch._meta.db_table, SearchToken._meta.db_table,
            ChangeEntry._meta.db_table, Customer.tags.through._meta.db_table]


def _page(job: ImportJob, after: int) -> list[tuple[int, dict[str, Any], str, int]]:
    page: Any = (staged_rows(job).filter(valid=True, id__gt=after).order_by("id")
                 .values_list("id", "data", "action", "customer_id")[:CHUNK])
    return list(page)


@dataclass
class _ChunkContext:
    """What the resolve of a chunk reads from the database: customers to update, their tags, codes taken."""

    current: dict[int, dict[str, Any]] = field(default_factory=dict)
    current_tags: dict[int, list[str]] = field(default_factory=dict)
    generated: dict[int, str] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)


def _chunk_context(resolver: _Resolver, chunk: list[tuple[int, dict[str, Any], str, int]]) -> _ChunkContext:
    context = _ChunkContext()
    ids = [cid for _id, _data, action, cid in chunk if action == "update"]
    if ids:
        context.current = {row["id"]: row for row in Customer.objects.filter(pk__in=ids).values(*resolver.attnames)}
        through = Customer.tags.through
        for cid, name in through.objects.filter(customer_id__in=ids).values_list("customer_id", "tag__name"):
            context.current_tags.setdefault(cid, []).append(name)
    for row_id, data, action, cid in chunk:
        if action == "create" and not data.get("code"):
            context.generated[row_id] = f"C{cid:08d}"
    if context.generated:
        codes = context.generated.values()
        context.taken = set(Customer.objects.filter(code__in=codes).values_list("code", flat=True))
        context.taken |= set(staged_rows(resolver.job).filter(code__in=codes).values_list("code", flat=True))
    return context


def _allocate_ids(job: ImportJob) -> None:
    """Give every row to create its customer id now, so ledger and tags can point at it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportRow._meta.db_table} SET customer_id = nextval(pg_get_serial_sequence(%s, 'id')) "
                "WHERE job_id = %s AND valid AND action = 'create' AND customer_id IS NULL",
                [Customer._meta.db_table, job.pk],
            )
        return
    base = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    table = ImportRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET customer_id = %s + s.n FROM (SELECT id, row_number() OVER (ORDER BY id) AS n "
            f"FROM {table} WHERE job_id = %s AND valid AND action = 'create') s WHERE {table}.id = s.id",
            [base, job.pk],
        )


def _resolve_chunk(resolver: _Resolver, chunk: list[tuple[int, dict[str, Any], str, int]], context: _ChunkContext,
                   outcome: Outcome, writer: BackgroundCopy) -> list[tuple[int, Any, Any]]:
    """Python only (what it reads comes in `context`): the writes are queued on `writer`."""
    job, actor, now, names = resolver.job, resolver.actor, resolver.now, resolver.names
    current, current_tags, generated, taken = context.current, context.current_tags, context.generated, context.taken
    changes: list[tuple[int, Any, Any]] = []
    resolved: list[tuple[object, ...]] = []
    customer_lines: list[str] = []
    search_lines: list[str] = []
    token_lines: list[str] = []
    for row_id, raw_data, action, cid in chunk:
        data = resolver.to_python(raw_data)
        tag_names = data.pop("tags", None)
        custom = data.pop("custom", None)
        if action == "update":
            before_values = current[cid]
            before_tags = sorted(current_tags.get(cid, []))
            values = {**before_values, **data}
            before = ledger.snapshot(_CustomerView(before_values, before_tags, names))  # type: ignore[arg-type]  # a stand-in: snapshot reads attributes only
        else:
            before_values, before_tags, before = {}, [], None
            values = resolver.new_values(data, cid)
            if "owner_id" in data and "department_id" not in data:
                owner = names.get("owner", data["owner_id"])
                values["department_id"] = owner.department_id if owner else None
            if row_id in generated:
                code = generated[row_id]
                suffix = 1
                while code in taken:
                    suffix += 1
                    code = f"C{cid:08d}-{suffix}"
                values["code"] = code
        if custom is not None:
            merged = dict(values.get("custom") or {})
            for key, value in custom.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            values["custom"] = merged
        tags = sorted(tag_names) if tag_names is not None else before_tags
        is_person = values["kind"] == Kind.PERSON
        info = resolver.name_info.get(values["name"], is_person)
        _derive(values, info.sort_key)
        after = ledger.snapshot(_CustomerView(values, tags, names))  # type: ignore[arg-type]  # a stand-in: snapshot reads attributes only
        if before is not None and after == before:
            outcome.unchanged += 1
            continue
        if before is not None:
            values["version"] = before_values["version"] + 1
            values["updated_at"] = now
            if "importance_set_by_id" in values and (
                values["importance"] != before_values["importance"]
                or values.get("importance_reason") != before_values.get("importance_reason")
            ):
                values.update(importance_set_by_id=actor.pk, importance_set_at=now)
            outcome.updated += 1
        else:
            outcome.created += 1
        extra = _search_extra(values, resolver.searchable[values["kind"]]) if resolver.with_extra else ()
        doc = resolver.name_info.document(info, code=values["code"], phones=list(values["phones"]),
                                          email=values["email"], extra=extra)
        stored = resolver.storable(values)
        final_tags = tag_names if tag_names is None else list(dict.fromkeys(tag_names))
        if resolver.direct and action == "create":
            customer_lines.append(resolver.customer_line(stored))
            sort_key = copy_value(stored["name_sort"])
            search_lines.append(f"{cid}\t{copy_value(doc)}\t{sort_key}\tt\n")
            token_lines.extend(f"{copy_value(token)}\t{sort_key}\t{cid}\n" for token in info.tokens)
            final: dict[str, Any] = {"tags": final_tags}
        else:
            final = {"values": stored, "doc": doc, "tokens": info.tokens, "tags": final_tags}
        resolved.append((job.pk, row_id, cid, action, final))
        changes.append((cid, before, after))
    if customer_lines:
        writer.lines(resolver.customer_table, resolver.customer_columns, customer_lines)
        writer.lines(CustomerSearch._meta.db_table, ["customer_id", "doc", "name_sort", "active"], search_lines)
        writer.lines(SearchToken._meta.db_table, ["token", "name_sort", "customer_id"], token_lines)
    writer.rows(ResolvedRow._meta.db_table, ["job_id", "row_id", "customer_id", "action", "final"], resolved)
    return changes


def _derive(values: dict[str, Any], sort_key: str | None = None) -> None:
    """Sort key and lunar birthday fields, as the services compute them."""
    values["name_sort"] = sort_key if sort_key is not None else customer_services._sort_key(values["name"],
                                                                                             values["kind"])
    birthday = values.get("birthday")
    if values.get("birthday_calendar") == BirthdayCalendar.LUNAR and birthday is not None:
        month, day, leap = lunar_birthday(birthday)
        values.update(lunar_birth_month=month, lunar_birth_day=day, lunar_birth_leap=leap)
    else:
        values.update(lunar_birth_month=None, lunar_birth_day=None, lunar_birth_leap=False)


def _write(job: ImportJob, now: dt.datetime, *, created_already: bool = False) -> None:
    """INSERT … SELECT and UPDATE … FROM from the staging table into the customer tables.

    `created_already`: the resolve pass has COPYed new customers, their search rows and tokens.
    """
    staging = ResolvedRow._meta.db_table
    customer = Customer._meta.db_table
    fields = [f for f in _concrete()]
    pg = connection.vendor == "postgresql"
    only = " AND r.action = 'update'" if created_already else ""
    with connection.cursor() as cursor:
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        selects = ", ".join(json_sql("r.final", ("values", f.attname), f) for f in fields)
        if not created_already:
            cursor.execute(
                f"INSERT INTO {customer} ({columns}) SELECT {selects} FROM {staging} r "
                "WHERE r.job_id = %s AND r.action = 'create' ORDER BY r.id",
                [job.pk],
            )
        settable = [f for f in fields if f.attname not in ("id", "created_at", "created_by_id", "archived_at")]
        assignments = ", ".join(
            f"{connection.ops.quote_name(str(f.column))} = {json_sql('r.final', ('values', f.attname), f)}"
            for f in settable
        )
        cursor.execute(
            f"UPDATE {customer} SET {assignments} FROM {staging} r WHERE r.customer_id = {customer}.id "
            "AND r.job_id = %s AND r.action = 'update'",
            [job.pk],
        )
        changed = f"SELECT r.customer_id FROM {staging} r WHERE r.job_id = %s{only}"
        search, token = CustomerSearch._meta.db_table, SearchToken._meta.db_table
        cursor.execute(f"DELETE FROM {search} WHERE customer_id IN ({changed})", [job.pk])
        cursor.execute(
            f"INSERT INTO {search} (customer_id, doc, name_sort, active) SELECT r.customer_id, "
            f"{json_sql('r.final', ('doc',))}, {json_sql('r.final', ('values', 'name_sort'))}, %s "
            f"FROM {staging} r WHERE r.job_id = %s{only}",
            [True, job.pk],
        )
        cursor.execute(f"DELETE FROM {token} WHERE customer_id IN ({changed})", [job.pk])
        elements = _elements("r.final", "tokens")
        cursor.execute(
            f"INSERT INTO {token} (token, name_sort, customer_id) SELECT t.value, "
            f"{json_sql('r.final', ('values', 'name_sort'))}, r.customer_id FROM {staging} r {elements} "
            f"WHERE r.job_id = %s{only}",
            [job.pk],
        )
        _write_tags(cursor, job, staging)
        if pg:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM {customer}), 1))",
                [customer],
            )


def _elements(column: str, key: str) -> str:
    if connection.vendor == "postgresql":
        return f"CROSS JOIN LATERAL jsonb_array_elements_text({column} -> '{key}') AS t(value)"
    return f", json_each({column}, '$.{key}') AS t"


def _write_tags(cursor: Any, job: ImportJob, staging: str) -> None:
    tag_table = Tag._meta.db_table
    link = Customer.tags.through._meta.db_table
    with_tags = f"r.job_id = %s AND {json_path_sql('r.final', 'tags')} IS NOT NULL"
    elements = _elements("r.final", "tags")
    cursor.execute(
        f"INSERT INTO {tag_table} (name, color) SELECT DISTINCT t.value, %s FROM {staging} r {elements} "
        f"WHERE {with_tags} AND NOT EXISTS (SELECT 1 FROM {tag_table} g WHERE g.name = t.value)",
        [Tag._meta.get_field("color").get_default(), job.pk],
    )
    cursor.execute(f"DELETE FROM {link} WHERE customer_id IN (SELECT r.customer_id FROM {staging} r WHERE {with_tags})",
                   [job.pk])
    cursor.execute(
        f"INSERT INTO {link} (customer_id, tag_id) SELECT DISTINCT r.customer_id, g.id FROM {staging} r {elements} "
        f"JOIN {tag_table} g ON g.name = t.value WHERE {with_tags}",
        [job.pk],
    )


def json_path_sql(column: str, key: str) -> str:
    """The JSON value (not text) at `key`; SQL NULL when absent or null."""
    if connection.vendor == "postgresql":
        return f"NULLIF({column} -> '{key}', 'null'::jsonb)"
    return f"json_extract({column}, '$.{key}')"
