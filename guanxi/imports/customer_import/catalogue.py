"""The customer import's columns: read from `Customer._meta` (so a plain field added to Customer is
imported and exported without a change here), custom fields as `custom.<key>`, and header aliases."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from guanxi.accounts.models import Department, Store, User
from guanxi.core.registry import registry
from guanxi.customers import models as customer_models
from guanxi.customers.models import Customer
from guanxi.imports.columns import Column, label_keys
from guanxi.imports.readers import header_key

# Internal columns: set by the system, never read from a file.
INTERNAL = {"id", "version", "name_sort", "archived_at", "created_at", "updated_at", "created_by",
            "lunar_birth_month", "lunar_birth_day", "lunar_birth_leap", "custom"}
RELATIONS = {"owner": User, "department": Department, "store": Store}
CUSTOM_PREFIX = "custom."
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


def sensitive_keys() -> set[str]:
    return set(registry.sensitive_fields)


def catalogue() -> list[Column]:
    """Every column the customer import accepts and the export writes, in form order."""
    sensitive = sensitive_keys()
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
