"""The customer target of the import engine: which columns exist, how a row is cleaned, and how a
checked staging table becomes customers, search rows, search tokens, tags and ledger entries.

The column catalogue is read from `Customer._meta`, so a plain field added to Customer is imported
and exported without a change here; phones, tags, owner, department, store, choices, birthdays and
sensitive values have explicit rules, and custom fields (`CustomField`) appear as `custom.<key>`.
Row cleaning reuses the customer services' own cleaners, so messages are the ones the form shows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.accounts.models import Department, Store, User
from guanxi.accounts.selectors import departments_visible_to, stores_visible_to, users_visible_to
from guanxi.core.registry import registry
from guanxi.core.text import mask_digits, normalize, normalize_query, search_document, short_tokens
from guanxi.customers import ledger
from guanxi.customers import models as customer_models
from guanxi.customers import services as customer_services
from guanxi.customers.choices import BirthdayCalendar, Channel, Kind
from guanxi.customers.demo import lunar_birthday
from guanxi.customers.models import Customer, CustomerSearch, SearchToken, Tag
from guanxi.imports.columns import Column, choice_lookup, label_keys, nfkc, parse_bool, parse_date, split_list
from guanxi.imports.models import ImportJob, ImportRow, ResolvedRow, RowError
from guanxi.imports.readers import header_key
from guanxi.imports.staging import insert_errors, json_value, write_rows

# Internal columns: set by the system, never read from a file.
INTERNAL = {"id", "version", "name_sort", "archived_at", "created_at", "updated_at", "created_by",
            "lunar_birth_month", "lunar_birth_day", "lunar_birth_leap", "custom"}
RELATIONS = {"owner": User, "department": Department, "store": Store}
CUSTOM_PREFIX = "custom."
CHUNK = 2000
# Header texts people use, besides the field's own label in Chinese and English.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名称", "客户名称", "客户姓名", "客户名", "customer name", "customer"),
    "phones": ("手机", "电话", "手机号", "手机号码", "电话号码", "联系电话", "联系方式", "phone", "mobile", "tel"),
    "code": ("客户编码", "编号", "客户编号", "客户代码", "编码", "customer code", "code"),
    "birthday": ("生日", "出生日期", "出生年月日", "date of birth", "dob"),
    "address": ("地址", "联系地址", "住址"),
    "email": ("邮箱", "电子邮箱", "邮件", "e-mail", "email"),
    "id_number": ("身份证号", "身份证", "身份证号码", "证件号码", "id number"),
    "gender": ("性别", "sex"),
    "importance": ("重要程度", "客户等级", "等级"),
    "tags": ("标签", "tags", "tag"),
    "owner": ("客户经理", "负责人", "业务员", "owner", "account manager"),
    "notes": ("备注", "说明", "notes", "remarks"),
    "kind": ("类型", "客户类型", "type"),
    "department": ("部门", "所属部门"),
    "store": ("门店", "所属门店"),
    "birthday_calendar": ("生日类型", "公历/农历", "calendar"),
}
EXTRA_CHOICES: dict[str, dict[str, str]] = {
    "gender": {"男": "male", "女": "female", "m": "male", "f": "female", "先生": "male", "女士": "female"},
    "kind": {"个人": "person", "企业": "organization", "公司": "organization", "单位": "organization",
             "机构": "organization", "组织": "organization"},
    "birthday_calendar": {"阳历": "solar", "阴历": "lunar"},
}


def _importable(f: models.Field[Any, Any]) -> bool:
    if f.name in INTERNAL or not f.editable:
        return False
    if f.name in RELATIONS:
        return True
    if f.is_relation or isinstance(f, models.DateTimeField | models.JSONField) and f.name != "phones":
        return False
    return True


def model_fields() -> list[models.Field[Any, Any]]:
    return [f for f in Customer._meta.concrete_fields if _importable(f)]


def custom_definitions() -> list[Any]:
    """Active custom fields when the customers app has them (guarded: it may not yet)."""
    if not hasattr(customer_models, "CustomField"):
        return []
    return list(customer_models.CustomField.objects.filter(active=True).order_by("position", "id"))


def _sensitive_keys() -> set[str]:
    return set(registry.sensitive_fields)


def catalogue() -> list[Column]:
    """Every column the customer import accepts and the export writes, in form order."""
    sensitive = _sensitive_keys()
    columns: list[Column] = []
    for f in model_fields():
        aliases = label_keys(f.verbose_name) | {header_key(f.name)} | {header_key(a) for a in ALIASES.get(f.name, ())}
        columns.append(Column(key=f.name, label=str(f.verbose_name), aliases=frozenset(aliases),
                              sensitive=f.name in sensitive))
        if f.name == "importance":
            tags_label = gettext_lazy("Tags")
            columns.append(Column(key="tags", label=str(tags_label), aliases=frozenset(
                label_keys(tags_label) | {header_key(a) for a in ALIASES["tags"]})))
    for definition in custom_definitions():
        key = f"{CUSTOM_PREFIX}{definition.key}"
        columns.append(Column(key=key, label=definition.label,
                              aliases=frozenset({header_key(definition.label), header_key(key)})))
    return columns


def alias_map(columns: list[Column]) -> dict[str, str]:
    """Header key → column key; the explicit aliases of a column win over another's label."""
    found: dict[str, str] = {}
    for column in columns:
        for alias in sorted(header_key(a) for a in ALIASES.get(column.key, ())):
            found.setdefault(alias, column.key)
    for column in columns:
        for alias in sorted(column.aliases):
            found.setdefault(alias, column.key)
    return found


@dataclass
class Cleaned:
    """One row after cleaning: values by attname (JSON-ready), field errors, and the match keys."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    code: str = ""
    phone: str = ""


def _json_ready(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class Lookup:
    """Names of the people, departments and stores a user may assign, for owner/department/store cells."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.by_key: dict[str, int | None] = {}
        for pk, *names in rows:
            for name in names:
                key = normalize(str(name or ""))
                if not key:
                    continue
                # A name two rows share is ambiguous: it matches neither.
                self.by_key[key] = None if key in self.by_key and self.by_key[key] != pk else pk

    def find(self, text: str) -> int | None:
        return self.by_key.get(normalize(text))


class RowCleaner:
    """Cleans the cells of one row for a given user; lookups are loaded once per import."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.fields = {f.name: f for f in model_fields()}
        self.sensitive = _sensitive_keys()
        self.choices = {name: choice_lookup(f.choices, EXTRA_CHOICES.get(name)) for name, f in self.fields.items()
                        if f.choices}
        self.users = Lookup(list(users_visible_to(actor).values_list("pk", "username", "display_name")))
        self.departments = Lookup(list(departments_visible_to(actor).values_list("pk", "code", "name")))
        self.stores = Lookup(list(stores_visible_to(actor).values_list("pk", "code", "name")))
        self.custom = {d.key: d for d in custom_definitions()}

    def clean(self, cells: dict[str, str]) -> Cleaned:
        result = Cleaned()
        errors = customer_services._Errors()
        data: dict[str, Any] = {}
        custom_raw: dict[str, str] = {}
        for key, raw in cells.items():
            text = raw.strip()
            if not text:
                continue  # a blank cell keeps the stored value (or the default for a new customer)
            if key.startswith(CUSTOM_PREFIX):
                custom_raw[key[len(CUSTOM_PREFIX):]] = text
            elif key == "tags":
                data["tags"] = self._tags(errors, text)
            elif key in self.fields:
                self._field(errors, data, self.fields[key], text)
        if "birthday" in data or "birthday_calendar" in data:
            self._birthday(errors, data)
        if custom_raw:
            data["custom"] = self._custom(errors, custom_raw)
        result.errors = errors.by_field
        result.data = {k: _json_ready(v) for k, v in data.items()}
        result.code = data.get("code", "") if "code" not in errors.by_field else ""
        phones = data.get("phones") or []
        result.phone = phones[0] if phones and "phones" not in errors.by_field else ""
        return result

    def _field(self, errors: customer_services._Errors, data: dict[str, Any], f: models.Field[Any, Any],
               text: str) -> None:
        name = f.name
        if name == "phones":
            items = split_list(text)
            data["phones"] = customer_services._clean_phones(errors, items, [])
        elif name == "id_number":
            data["id_number"] = customer_services._clean_id_number(errors, text, "")
        elif name == "code":
            code = customer_services._clean_text(errors, "code", nfkc(text), max_length=50)
            if code and not customer_services._CODE.match(code):
                errors.add("code", _("Use letters, digits, '-', '_', '.' or '/' only."))
            data["code"] = code
        elif name == "email":
            email = customer_services._clean_text(errors, "email", nfkc(text), max_length=254)
            try:
                validate_email(email)
            except ValidationError:
                errors.add("email", _("Enter a valid email address."))
            data["email"] = email.lower()
        elif name in RELATIONS:
            lookup = {"owner": self.users, "department": self.departments, "store": self.stores}[name]
            found = lookup.find(text)
            if found is None:
                errors.add(name, {"owner": _("Unknown account manager."), "department": _("Unknown department."),
                                  "store": _("Unknown store.")}[name] + f" ({text[:50]})")
            else:
                data[f.attname] = found
        elif name == "birthday":
            day = parse_date(text)
            if day is None:
                errors.add("birthday", _("Enter a date such as 2024-03-05."))
            else:
                data["birthday"] = day
        elif name in self.choices:
            value = self.choices[name].get(header_key(text))
            if value is None:
                errors.add(name, _("Select a valid choice."))
            else:
                data[name] = value
        elif name in self.sensitive and "*" in text:
            errors.add(name, _("A masked value cannot be saved."))
        else:
            self._generic(errors, data, f, text)

    def _generic(self, errors: customer_services._Errors, data: dict[str, Any], f: models.Field[Any, Any],
                 text: str) -> None:
        value: Any = text
        if isinstance(f, models.CharField | models.TextField):
            value = customer_services._clean_text(errors, f.name, text, max_length=f.max_length or 100_000)
        elif isinstance(f, models.BooleanField):
            value = parse_bool(text)
            if value is None:
                errors.add(f.name, _("Enter yes or no."))
                return
        elif isinstance(f, models.DateField):
            value = parse_date(text)
            if value is None:
                errors.add(f.name, _("Enter a date such as 2024-03-05."))
                return
        elif isinstance(f, models.IntegerField | models.DecimalField | models.FloatField):
            value = nfkc(text).replace(",", "")
        try:
            data[f.attname] = f.clean(value, None)
        except ValidationError as error:
            for message in error.messages:
                errors.add(f.name, message)
        if f.name in self.sensitive and isinstance(data.get(f.attname), str):
            data[f.attname] = data[f.attname].replace(" ", "")

    def _tags(self, errors: customer_services._Errors, text: str) -> list[str]:
        names: list[str] = []
        for raw in split_list(text):
            name = customer_services._clean_text(errors, "tags", raw, max_length=50)
            if name and name not in names:
                names.append(name)
        if len(names) > customer_services.MAX_TAGS:
            errors.add("tags", _("At most %(max)d tags.") % {"max": customer_services.MAX_TAGS})
        return names

    def _birthday(self, errors: customer_services._Errors, data: dict[str, Any]) -> None:
        calendar = data.get("birthday_calendar", BirthdayCalendar.SOLAR)
        birthday = data.get("birthday")
        if birthday is not None and not (dt.date(1900, 1, 1) <= birthday <= timezone.localdate()):
            errors.add("birthday", _("Enter a birthday between 1900 and today."))
        if calendar == BirthdayCalendar.LUNAR and birthday is None:
            errors.add("birthday", _("A lunar birthday needs the date of birth."))

    def _custom(self, errors: customer_services._Errors, raw: dict[str, str]) -> dict[str, Any]:
        from guanxi.customers import custom_fields  # present together with CustomField

        values: dict[str, Any] = {}
        for key, text in raw.items():
            definition = self.custom.get(key)
            if definition is None:
                errors.add(f"{CUSTOM_PREFIX}{key}", _("Unknown custom field %(key)s.") % {"key": key[:40]})
                continue
            try:
                values[key] = custom_fields.clean_value(definition, text)
            except ValueError as exc:
                errors.add(f"{CUSTOM_PREFIX}{key}", str(exc))
        return values


# --- set-based checks ------------------------------------------------------------------------


def _rows(job: ImportJob) -> models.QuerySet[ImportRow]:
    return ImportRow.objects.filter(job=job)


def check(job: ImportJob) -> None:
    """Match rows to customers and find the errors only the whole file shows, in SQL.

    Duplicates inside the file, codes already used by someone else's customer, rows to update
    that match nothing, archived matches and new rows without a name.
    """
    actor = job.user
    rows = _rows(job)
    # Duplicated keys inside the file: every occurrence is an error.
    for key, message in (("code", _("This customer code appears more than once in the file.")),
                         ("phone", _("This phone number appears more than once in the file."))):
        twin = ImportRow.objects.filter(job=job, **{key: OuterRef(key)}).exclude(line=OuterRef("line"))
        insert_errors(job, rows.exclude(**{key: ""}).filter(Exists(twin)), "phones" if key == "phone" else key,
                      message)
    # Match by code (unique), then by phone among the user's customers.
    rows.exclude(code="").update(customer_id=Subquery(Customer.objects.filter(code=OuterRef("code")).values("id")[:1]))
    visible = Customer.objects.visible_to(actor)
    hidden = rows.filter(customer_id__isnull=False).exclude(customer_id__in=visible.values("id"))
    insert_errors(job, hidden, "code", _("This customer code is already in use."))
    _match_phones(job, visible)
    insert_errors(job, rows.filter(customer_id__in=Customer.objects.filter(archived_at__isnull=False).values("id")),
                  "code", _("This customer is archived; restore it before importing into it."))
    twin_match = ImportRow.objects.filter(job=job, customer_id=OuterRef("customer_id")).exclude(line=OuterRef("line"))
    insert_errors(job, rows.filter(customer_id__isnull=False).filter(Exists(twin_match)), "code",
                  _("Several rows of the file match the same customer."))
    if job.mode == "create":
        insert_errors(job, rows.filter(customer_id__isnull=False), "code",
                      _("This customer already exists; choose “update” to change it."))
    elif job.mode == "update":
        insert_errors(job, rows.filter(customer_id__isnull=True), "code",
                      _("No customer of yours has this customer code or phone number."))
    if job.mode != "update":
        insert_errors(job, rows.filter(customer_id__isnull=True, data__name__isnull=True), "name",
                      _("This field is required."))
    bad = RowError.objects.filter(job=job, line=OuterRef("line"))
    rows.filter(Exists(bad)).update(valid=False)
    rows.filter(valid=True, customer_id__isnull=True).update(action="create")
    rows.filter(valid=True, customer_id__isnull=False).update(action="update")


def _match_phones(job: ImportJob, visible: models.QuerySet[Customer]) -> None:
    """Rows without a code match: the visible customer holding the row's first phone, if exactly one."""
    rows = _rows(job).filter(customer_id__isnull=True).exclude(phone="")
    if not rows.exists():
        return
    phones = list(rows.values_list("phone", flat=True).distinct())
    owners: dict[str, set[int]] = {}
    for start in range(0, len(phones), 500):
        part = phones[start : start + 500]
        condition = Q()
        for phone in part:
            condition |= Q(phones__contains=[phone]) if connection.vendor == "postgresql" else Q(
                phones__icontains=f'"{phone}"')
        for pk, stored in visible.filter(condition).values_list("pk", "phones"):
            for phone in set(stored) & set(part):
                owners.setdefault(phone, set()).add(pk)
    for phone, ids in owners.items():
        if len(ids) == 1:
            rows.filter(phone=phone).update(customer_id=next(iter(ids)))
        else:
            insert_errors(job, rows.filter(phone=phone), "phones",
                          _("This phone number belongs to several customers; add the customer code."))


# --- resolve and apply -------------------------------------------------------------------------


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


class _Tags:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def all(self) -> list[Tag]:
        return [Tag(name=n) for n in self.names]


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
            out[key] = _json_ready(value)
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


def apply(job: ImportJob, *, progress: Any = None) -> Outcome:
    """Write the valid rows: resolve each in Python (merge, keys, ledger), then apply in SQL."""
    actor = job.user
    now = timezone.now()
    outcome = Outcome()
    names = _Names()
    searchable = {kind: _searchable_keys(kind) for kind in Kind.values}
    with transaction.atomic():
        _allocate_ids(job)
        ResolvedRow.objects.filter(job=job).delete()
        last = 0
        batches = 0
        while True:
            page: Any = (_rows(job).filter(valid=True, id__gt=last).order_by("id")
                         .values("id", "line", "data", "action", "customer_id")[:CHUNK])
            chunk: list[dict[str, Any]] = list(page)
            if not chunk:
                break
            last = chunk[-1]["id"]
            changes = _resolve_chunk(job, chunk, actor, now, names, searchable, outcome)
            ledger.record_many(changes, actor=actor, channel=Channel.IMPORT)
            batches += 1
            if progress is not None:
                progress(batches * CHUNK)
        _write(job, now)
        changed = ResolvedRow.objects.filter(job=job).values("row_id")
        _rows(job).filter(valid=True).exclude(id__in=changed).update(action="unchanged")
    return outcome


def _allocate_ids(job: ImportJob) -> None:
    """Give every row to create its customer id now, so ledger and tags can point at it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportRow._meta.db_table} SET customer_id = nextval(pg_get_serial_sequence(%s, 'id')) "
                "WHERE job_id = %s AND valid AND action = 'create'",
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


def _resolve_chunk(job: ImportJob, chunk: list[dict[str, Any]], actor: User, now: dt.datetime, names: _Names,
                   searchable: dict[str, set[str]], outcome: Outcome) -> list[tuple[int, Any, Any]]:
    ids = [r["customer_id"] for r in chunk if r["action"] == "update"]
    attnames = [f.attname for f in _concrete()]
    current = {row["id"]: row for row in Customer.objects.filter(pk__in=ids).values(*attnames)}
    through = Customer.tags.through
    current_tags: dict[int, list[str]] = {}
    for cid, name in through.objects.filter(customer_id__in=ids).values_list("customer_id", "tag__name"):
        current_tags.setdefault(cid, []).append(name)
    generated: dict[int, str] = {}
    for row in chunk:
        if row["action"] == "create" and not row["data"].get("code"):
            generated[row["id"]] = f"C{row['customer_id']:08d}"
    taken = set(Customer.objects.filter(code__in=generated.values()).values_list("code", flat=True))
    taken |= set(_rows(job).filter(code__in=generated.values()).values_list("code", flat=True))
    changes: list[tuple[int, Any, Any]] = []
    resolved: list[tuple[object, ...]] = []
    for row in chunk:
        data = _to_python(row["data"])
        tag_names = data.pop("tags", None)
        custom = data.pop("custom", None)
        cid = row["customer_id"]
        if row["action"] == "update":
            before_values = current[cid]
            before_tags = sorted(current_tags.get(cid, []))
            values = {**before_values, **data}
            before = ledger.snapshot(_CustomerView(before_values, before_tags, names))  # type: ignore[arg-type]
        else:
            before_values, before_tags, before = {}, [], None
            values = {**_defaults(actor, now), **data, "id": cid}
            if "owner_id" in data and "department_id" not in data:
                owner = names.get("owner", data["owner_id"])
                values["department_id"] = owner.department_id if owner else None
            if row["id"] in generated:
                code = generated[row["id"]]
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
        _derive(values)
        after = ledger.snapshot(_CustomerView(values, tags, names))  # type: ignore[arg-type]
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
        is_person = values["kind"] == Kind.PERSON
        doc = search_document(name=values["name"], is_person=is_person, code=values["code"],
                              phones=list(values["phones"]), email=values["email"],
                              **({"extra": _search_extra(values, searchable[values["kind"]])}
                                 if hasattr(customer_services, "searchable_extra") else {}))
        final = {
            "values": _storable(values),
            "doc": doc,
            "tokens": sorted(short_tokens(name=values["name"], is_person=is_person)),
            "tags": tag_names if tag_names is None else list(dict.fromkeys(tag_names)),
        }
        resolved.append((job.pk, row["id"], cid, row["action"], final))
        changes.append((cid, before, after))
    write_rows(ResolvedRow._meta.db_table, ["job_id", "row_id", "customer_id", "action", "final"], resolved)
    return changes


def _derive(values: dict[str, Any]) -> None:
    """Sort key and lunar birthday fields, as the services compute them."""
    values["name_sort"] = customer_services._sort_key(values["name"], values["kind"])
    birthday = values.get("birthday")
    if values.get("birthday_calendar") == BirthdayCalendar.LUNAR and birthday is not None:
        month, day, leap = lunar_birthday(birthday)
        values.update(lunar_birth_month=month, lunar_birth_day=day, lunar_birth_leap=leap)
    else:
        values.update(lunar_birth_month=None, lunar_birth_day=None, lunar_birth_leap=False)


def _write(job: ImportJob, now: dt.datetime) -> None:
    """INSERT … SELECT and UPDATE … FROM from the staging table into the customer tables."""
    staging = ResolvedRow._meta.db_table
    customer = Customer._meta.db_table
    fields = [f for f in _concrete()]
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        selects = ", ".join(json_value("r.final", ("values", f.attname), f) for f in fields)
        cursor.execute(
            f"INSERT INTO {customer} ({columns}) SELECT {selects} FROM {staging} r "
            "WHERE r.job_id = %s AND r.action = 'create' ORDER BY r.id",
            [job.pk],
        )
        settable = [f for f in fields if f.attname not in ("id", "created_at", "created_by_id", "archived_at")]
        assignments = ", ".join(
            f"{connection.ops.quote_name(str(f.column))} = {json_value('r.final', ('values', f.attname), f)}"
            for f in settable
        )
        cursor.execute(
            f"UPDATE {customer} SET {assignments} FROM {staging} r WHERE r.customer_id = {customer}.id "
            "AND r.job_id = %s AND r.action = 'update'",
            [job.pk],
        )
        changed = f"SELECT r.customer_id FROM {staging} r WHERE r.job_id = %s"
        search, token = CustomerSearch._meta.db_table, SearchToken._meta.db_table
        cursor.execute(f"DELETE FROM {search} WHERE customer_id IN ({changed})", [job.pk])
        cursor.execute(
            f"INSERT INTO {search} (customer_id, doc, name_sort, active) SELECT r.customer_id, "
            f"{json_value('r.final', ('doc',))}, {json_value('r.final', ('values', 'name_sort'))}, %s "
            f"FROM {staging} r WHERE r.job_id = %s",
            [True, job.pk],
        )
        cursor.execute(f"DELETE FROM {token} WHERE customer_id IN ({changed})", [job.pk])
        elements = _elements("r.final", "tokens")
        cursor.execute(
            f"INSERT INTO {token} (token, name_sort, customer_id) SELECT t.value, "
            f"{json_value('r.final', ('values', 'name_sort'))}, r.customer_id FROM {staging} r {elements} "
            "WHERE r.job_id = %s",
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


# --- export ---------------------------------------------------------------------------------------


def export_values(columns: list[Column], customers: Iterator[Customer], *, may_reveal: bool) -> Iterator[list[str]]:
    """One list of cell texts per customer, in catalogue order, masked as the user sees them."""
    fields = {f.name: f for f in model_fields()}
    for customer in customers:
        row: list[str] = []
        for column in columns:
            row.append(_export_cell(customer, column, fields, may_reveal))
        yield row


def _export_cell(customer: Customer, column: Column, fields: dict[str, models.Field[Any, Any]],
                 may_reveal: bool) -> str:
    key = column.key
    if key == "tags":
        return ", ".join(sorted(t.name for t in customer.tags.all()))
    if key.startswith(CUSTOM_PREFIX):
        value = (getattr(customer, "custom", None) or {}).get(key[len(CUSTOM_PREFIX):])
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return str(value)
    f = fields[key]
    value = getattr(customer, f.attname)
    if key == "phones":
        phones = list(value or [])
        return ", ".join(phones if may_reveal else [mask_digits(p) for p in phones])
    if key == "owner":
        return customer.owner.username if customer.owner_id else ""
    if key in ("department", "store"):
        related = getattr(customer, key)
        return related.name if related is not None else ""
    if value is None or value == "":
        return ""
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if column.sensitive and not may_reveal:
        return mask_digits(text)
    return text


def error_counts(job: ImportJob) -> dict[str, int]:
    return dict(RowError.objects.filter(job=job).values_list("field").annotate(n=Count("id")).order_by())


def normalized_phone_query(text: str) -> str:
    return normalize_query(text)
