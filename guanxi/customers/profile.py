"""The customer profile as a catalogue: every field, whom it applies to, and its information class.

Customer information is kept in four classes (信息分类) that decide how it is looked after:
static facts are reviewed with the customer every half year, dynamic ones every quarter, real-time
ones change with each contact, and system-derived ones are computed by later apps and read-only.
Forms, the profile tab, the API, the ledger and the import/export all read this one catalogue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guanxi.customers.choices import InfoClass, Kind

PERSON = frozenset({Kind.PERSON.value})
ORGANIZATION = frozenset({Kind.ORGANIZATION.value})
EVERYONE = PERSON | ORGANIZATION

# How long a reviewed class stays fresh (半年 / 一季度).
REVIEW_DAYS: dict[str, int] = {InfoClass.STATIC: 183, InfoClass.DYNAMIC: 92}
REVIEW_COLUMN: dict[str, str] = {InfoClass.STATIC: "static_reviewed_at", InfoClass.DYNAMIC: "dynamic_reviewed_at"}


@dataclass(frozen=True)
class ProfileField:
    """One model field of the profile. `value` is how it is validated: text, longtext, choice, int, decimal."""

    name: str
    info_class: str
    kinds: frozenset[str]
    value: str = "text"
    sensitive: bool = False
    minimum: float | None = None
    maximum: float | None = None


# In the order forms and the profile tab show them. Core fields (name, phones, owner …) are handled
# by the services directly and only classified here.
PROFILE_FIELDS: tuple[ProfileField, ...] = (
    # People
    ProfileField("occupation", InfoClass.STATIC, PERSON),
    ProfileField("employer", InfoClass.STATIC, PERSON),
    ProfileField("position", InfoClass.DYNAMIC, PERSON),
    ProfileField("income_band", InfoClass.DYNAMIC, PERSON, "choice"),
    ProfileField("risk_preference", InfoClass.DYNAMIC, PERSON, "choice"),
    ProfileField("hobbies", InfoClass.STATIC, PERSON),
    ProfileField("personality", InfoClass.STATIC, PERSON),
    ProfileField("needs", InfoClass.DYNAMIC, PERSON, "longtext"),
    ProfileField("cautions", InfoClass.STATIC, EVERYONE, "longtext"),
    ProfileField("preferred_channel", InfoClass.REALTIME, EVERYONE, "choice"),
    ProfileField("preferred_time", InfoClass.REALTIME, EVERYONE),
    # Organizations
    ProfileField("shop_name", InfoClass.STATIC, ORGANIZATION),
    ProfileField("legal_person", InfoClass.STATIC, ORGANIZATION),
    ProfileField("licence_number", InfoClass.STATIC, ORGANIZATION),
    ProfileField("founded_on", InfoClass.STATIC, ORGANIZATION, "date"),
    ProfileField("business_scope", InfoClass.STATIC, ORGANIZATION, "longtext"),
    ProfileField("business_format", InfoClass.STATIC, ORGANIZATION, "choice"),
    ProfileField("latitude", InfoClass.STATIC, ORGANIZATION, "decimal", minimum=-90, maximum=90),
    ProfileField("longitude", InfoClass.STATIC, ORGANIZATION, "decimal", minimum=-180, maximum=180),
    ProfileField("settlement_method", InfoClass.DYNAMIC, ORGANIZATION, "choice"),
    ProfileField("bank_account", InfoClass.DYNAMIC, ORGANIZATION, sensitive=True),
    ProfileField("delivery_route", InfoClass.DYNAMIC, ORGANIZATION),
    ProfileField("order_cycle_days", InfoClass.DYNAMIC, ORGANIZATION, "int", minimum=1, maximum=365),
    ProfileField("visit_cycle_days", InfoClass.DYNAMIC, ORGANIZATION, "int", minimum=1, maximum=365),
    ProfileField("business_status", InfoClass.REALTIME, ORGANIZATION, "choice"),
    # Everyone: what seed 004 asks (现在使用什么产品, 从何处购买及原因, 为何选择我们) and their language.
    ProfileField("current_products", InfoClass.DYNAMIC, EVERYONE, "longtext"),
    ProfileField("other_sources", InfoClass.DYNAMIC, EVERYONE, "longtext"),
    ProfileField("why_us", InfoClass.STATIC, EVERYONE, "longtext"),
    ProfileField("language", InfoClass.STATIC, EVERYONE, "choice"),
)
PROFILE_BY_NAME = {f.name: f for f in PROFILE_FIELDS}

# The information class of the core fields, for grouping on the profile tab.
CORE_CLASSES: dict[str, str] = {
    "kind": InfoClass.STATIC, "name": InfoClass.STATIC, "code": InfoClass.STATIC, "gender": InfoClass.STATIC,
    "birthday": InfoClass.STATIC, "id_number": InfoClass.STATIC, "phones": InfoClass.DYNAMIC,
    "email": InfoClass.DYNAMIC, "address": InfoClass.DYNAMIC, "importance": InfoClass.DYNAMIC,
    "tags": InfoClass.REALTIME, "owner": InfoClass.DYNAMIC, "department": InfoClass.DYNAMIC,
    "store": InfoClass.DYNAMIC, "notes": InfoClass.REALTIME,
}

CLASS_HELP: dict[str, Promise] = {
    InfoClass.STATIC: _("Rarely changes; review with the customer every half year."),
    InfoClass.DYNAMIC: _("Changes with the customer's situation; review every quarter."),
    InfoClass.REALTIME: _("Changes with each contact; keep it current as you go."),
    InfoClass.DERIVED: _("Computed from orders and scores; read-only."),
}


def model_field(name: str) -> models.Field[Any, Any]:
    """The Customer model field behind a profile field (always a concrete field)."""
    from guanxi.customers.models import Customer

    field = Customer._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def fields_for(kind: str) -> list[ProfileField]:
    return [f for f in PROFILE_FIELDS if kind in f.kinds]


def review_due(reviewed_at: dt.datetime | None, info_class: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the class's next review is due; None for classes that are not reviewed."""
    if info_class not in REVIEW_DAYS:
        return None
    if reviewed_at is None:
        return now or timezone.now()
    return reviewed_at + dt.timedelta(days=REVIEW_DAYS[info_class])


def overdue_q(info_class: str = "", *, now: dt.datetime | None = None) -> Q:
    """Customers whose review of `info_class` (or of any reviewed class, when blank) is overdue."""
    now = now or timezone.now()
    q = Q()
    for klass, days in REVIEW_DAYS.items():
        if info_class and klass != info_class:
            continue
        column = REVIEW_COLUMN[klass]
        q |= Q(**{f"{column}__isnull": True}) | Q(**{f"{column}__lt": now - dt.timedelta(days=days)})
    return q


@dataclass(frozen=True)
class ClassStatus:
    info_class: str
    label: Any
    help: Any
    reviewed_at: dt.datetime | None
    due: dt.datetime | None
    overdue: bool
    reviewable: bool


def class_statuses(customer: Any, *, now: dt.datetime | None = None) -> list[ClassStatus]:
    now = now or timezone.now()
    statuses = []
    for klass, label in InfoClass.choices:
        reviewed = getattr(customer, REVIEW_COLUMN[klass]) if klass in REVIEW_COLUMN else None
        due = review_due(reviewed, klass, now=now)
        statuses.append(ClassStatus(
            info_class=klass, label=label, help=CLASS_HELP[klass], reviewed_at=reviewed, due=due,
            overdue=due is not None and due <= now, reviewable=klass in REVIEW_COLUMN,
        ))
    return statuses
