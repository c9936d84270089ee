"""Reads of the customer archive, all scoped by `visible_to`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count as DbCount
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import User
from guanxi.core.pagination import Count, Page, Slice, capped_count, keyset_page
from guanxi.core.registry import ListColumn, registry
from guanxi.core.text import looks_like_phone_input, mask_digits, normalize_query, phone_digits
from guanxi.customers.choices import ConsentChannel, CustomFieldType, Importance, InfoClass
from guanxi.customers.custom_fields import active_fields, display_value
from guanxi.customers.ledger import CHANNEL_LABELS, field_label, shown_value
from guanxi.customers.ledger import display as ledger_display
from guanxi.customers.models import (
    AccessLog,
    ChangeEntry,
    Consent,
    Contact,
    Customer,
    CustomerSearch,
    CustomField,
    FamilyMember,
    Referral,
    SearchToken,
    Tag,
)
from guanxi.customers.profile import (
    ClassStatus,
    ProfileField,
    class_statuses,
    fields_for,
    model_field,
    overdue_q,
)

# Public sort name → (model field, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "name": ("name_sort", False),
    "-name": ("name_sort", True),
    "code": ("code", False),
    "-code": ("code", True),
    "created": ("created_at", False),
    "-created": ("created_at", True),
}


@dataclass(frozen=True)
class CustomerFilters:
    """A list request: free-text search plus filters. Values are already validated."""

    q: str = ""
    kind: str = ""
    importance: str = ""
    owner_id: int | None = None
    department_id: int | None = None
    store_id: int | None = None
    tag_id: int | None = None
    archived: bool = False
    # "overdue" (any reviewed class), or one class ("static", "dynamic") whose review is overdue
    review: str = ""
    # Custom field filters: (key, value) pairs; choice, multiple choice and yes/no fields.
    custom: tuple[tuple[str, str], ...] = ()
    # Filters other apps registered (guanxi.core.registry.ListFilter): (key, value) pairs.
    extra: tuple[tuple[str, str], ...] = ()


def search_terms(q: str) -> tuple[str, str]:
    """How a query is matched: ("doc", text) by substring, or ("token", text) exactly, or ("", "")."""
    if looks_like_phone_input(q):
        digits = phone_digits(q)
        if digits:
            return "doc", digits
    norm = normalize_query(q)
    if not norm:
        return "", ""
    if len(norm) >= 3 or norm.isdigit():
        return "doc", norm
    return "token", norm


def _apply_search(qs: QuerySet[Customer], q: str) -> QuerySet[Customer]:
    how, term = search_terms(q)
    if how == "doc":
        return qs.filter(pk__in=CustomerSearch.objects.filter(doc__contains=term).values("customer_id"))
    if how == "token":
        return qs.filter(pk__in=SearchToken.objects.filter(token=term).values("customer_id"))
    return qs


def customer_queryset(*, user: User, filters: CustomerFilters) -> QuerySet[Customer]:
    scoped = Customer.objects.visible_to(user)
    qs: QuerySet[Customer] = scoped.archived() if filters.archived else scoped.active()
    if filters.q:
        qs = _apply_search(qs, filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.importance:
        qs = qs.filter(importance=filters.importance)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.store_id:
        qs = qs.filter(store_id=filters.store_id)
    if filters.tag_id:
        qs = qs.filter(tags__id=filters.tag_id)
    if filters.review:
        qs = qs.filter(overdue_q("" if filters.review == "overdue" else filters.review))
    if any(value for _key, value in filters.custom):
        qs = _apply_custom_filters(qs, filters.custom)
    for key, value in filters.extra:
        extension = next((f for f in registry.list_filters if f.key == key), None)
        if extension is not None and value:
            qs = extension.apply(qs, value)
    return qs


def _apply_custom_filters(qs: QuerySet[Customer], pairs: tuple[tuple[str, str], ...]) -> QuerySet[Customer]:
    definitions = {f.key: f for f in active_fields()}
    for key, value in pairs:
        definition = definitions.get(key)
        if definition is None or not value:
            continue
        if definition.field_type == CustomFieldType.BOOL:
            qs = qs.filter(**{f"custom__{key}": value == "yes"})
        elif definition.field_type == CustomFieldType.MULTI:
            # JSON containment is not available on SQLite: there the stored list's text (Django writes
            # JSON with ASCII escapes) holds the quoted option.
            if connection.vendor == "postgresql":
                qs = qs.filter(**{f"custom__{key}__contains": [value]})
            else:
                alias = f"_cf_{key}"
                qs = qs.alias(**{alias: KT(f"custom__{key}")}).filter(**{f"{alias}__contains": json.dumps(value)})
        else:
            qs = qs.filter(**{f"custom__{key}": value})
    return qs


def custom_list_columns(definitions: list[CustomField] | None = None) -> list[ListColumn]:
    """Columns for the custom fields an administrator chose to show in the list (of `definitions`,
    the active fields the caller already read, if given)."""
    def reader(definition: CustomField) -> Callable[[Customer], str]:
        return lambda customer: display_value(definition, (customer.custom or {}).get(definition.key))

    return [ListColumn(key=f"custom.{d.key}", label=d.label, value=reader(d))
            for d in (active_fields() if definitions is None else definitions) if d.in_list]


# What a row shows of its account manager, department and store: loading whole user rows
# (password hash, permissions flags …) for 50 rows was a measurable part of every list request.
_RELATED_ONLY = (
    "owner__id", "owner__username", "owner__display_name", "owner__first_name", "owner__last_name",
    "department__id", "department__name", "store__id", "store__name",
)
_USER_ONLY = ("id", "username", "display_name", "first_name", "last_name")
# What a row of the list page shows of the customer itself (the API returns every field): reading
# and converting the sixty columns of 50 rows was a third of the page's database work.
ROW_FIELDS = ("id", "kind", "name", "name_sort", "code", "importance", "phones", "owner_id", "department_id",
              "store_id", "created_at", "archived_at", "custom")


def _list_rows(qs: QuerySet[Customer], fields: Iterable[str] | None = None) -> QuerySet[Customer]:
    """A list query: the customers with what a row shows of its manager, department and store.

    PostgreSQL's planning time grows steeply with the joins of one statement: the list's query
    with its manager, department, store, rater and every registered column's tables joined took
    7 ms to plan and 0.3 ms to run. So the query joins only the three small tables each row
    shows; `attach_row_relations` adds the tags and raters, `decorate_rows` the registered
    columns' values, each in one statement by key.
    """
    customer_fields = [f.attname for f in Customer._meta.concrete_fields] if fields is None else list(fields)
    return qs.select_related("owner", "department", "store").only(*customer_fields, *_RELATED_ONLY)


def _with_relations(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """A query of single customers with their relations (the rater and tags by prefetch)."""
    return _list_rows(qs).prefetch_related(
        Prefetch("importance_set_by", queryset=User.objects.only(*_USER_ONLY)), "tags")


def attach_row_relations(customers: list[Customer]) -> None:
    """Set the tags (`tag_list`) and the importance rater of a page of customers, in a query each.

    Django's prefetch builds a queryset per row for a many-to-many relation, which cost a third
    of a list request; plain rows shared between customers cost a fraction of that.
    """
    if not customers:
        return
    by_customer: dict[int, list[Tag]] = {c.pk: [] for c in customers}
    tags: dict[int, Tag] = {}
    rows = (Customer.tags.through.objects.filter(customer_id__in=list(by_customer))
            .order_by("tag__name", "tag_id").values_list("customer_id", "tag_id", "tag__name", "tag__color"))
    for customer_id, tag_id, name, color in rows:
        tag = tags.get(tag_id)
        if tag is None:
            tag = tags[tag_id] = Tag(id=tag_id, name=name, color=color)
        by_customer[customer_id].append(tag)
    for customer in customers:
        customer.tag_list = by_customer[customer.pk]
    if "importance_set_by_id" not in customers[0].__dict__:  # not read: the row does not show it
        return
    rater_ids = {c.importance_set_by_id for c in customers if c.importance_set_by_id}
    if rater_ids:
        raters = User.objects.only(*_USER_ONLY).in_bulk(rater_ids)
        cache = Customer._meta.get_field("importance_set_by")
        for customer in customers:
            if customer.importance_set_by_id:
                cache.set_cached_value(customer, raters.get(customer.importance_set_by_id))


def decorate_rows(customers: list[Customer], columns: Iterable[ListColumn]) -> None:
    """Set on each customer what `columns` read (their registered annotations), in one query by key."""
    columns = [c for c in columns if c.reads]
    if not customers or not columns:
        return
    reads = list(dict.fromkeys(name for column in columns for name in column.reads))
    values = registry.annotate_list(Customer.objects.filter(pk__in=[c.pk for c in customers]), columns)
    by_pk = {row["pk"]: row for row in values.values("pk", *reads)}
    for customer in customers:
        row = by_pk.get(customer.pk, {})
        for name in reads:
            setattr(customer, name, row.get(name))


def _extra_active(filters: CustomerFilters) -> bool:
    """Whether a registered or custom-field filter has a value (the forms send every one, most empty)."""
    return any(value for _key, value in (*filters.extra, *filters.custom))


def _walks_token_index(user: User, filters: CustomerFilters, how: str, field: str) -> bool:
    """Page a short-token search from the (token, name_sort) index: right when little else narrows
    the rows (an administrator's search), wrong for a rep whose few customers are quicker to check."""
    narrowed = (filters.owner_id or filters.department_id or filters.store_id or filters.tag_id
                or _extra_active(filters) or filters.review)
    return how == "token" and field == "name_sort" and user.data_scope == DataScope.ALL and not narrowed


def _sorts_in_search_rows(user: User, filters: CustomerFilters, how: str, field: str) -> bool:
    """Sort and page a substring search inside the narrow search table, when nothing but the text
    and the archived state decides which customers match (an administrator's plain search)."""
    narrowed = (filters.kind or filters.importance or filters.owner_id or filters.department_id
                or filters.store_id or filters.tag_id or _extra_active(filters) or filters.archived
                or filters.review)
    return how == "doc" and field == "name_sort" and user.data_scope == DataScope.ALL and not narrowed


def _page_in_search_rows(
    term: str, *, descending: bool, cursor: str | None, limit: int, fields: Iterable[str] | None
) -> Slice[Customer]:
    """Page on CustomerSearch (keyed by customer id, carrying name_sort), then read just the page."""
    rows = CustomerSearch.objects.filter(doc__contains=term, active=True).only("pk", "name_sort")
    found = keyset_page(rows, field="name_sort", descending=descending, cursor=cursor, limit=limit, gather_first=True)
    by_id = {c.pk: c for c in _list_rows(Customer.objects.filter(pk__in=[r.pk for r in found.items]), fields)}
    return Slice(items=[by_id[r.pk] for r in found.items if r.pk in by_id], total=found.total,
                 next_cursor=found.next_cursor, prev_cursor=found.prev_cursor)


def sort_names() -> list[str]:
    """Every sort the list and the API accept: the archive's own and the sortable registered columns."""
    return [*SORTS, *registry.list_sort_names()]


def _sorted(qs: QuerySet[Customer], sort: str) -> tuple[QuerySet[Customer], str, bool]:
    """The queryset with what the sort compares, the field to order and page by, and the direction."""
    column = registry.list_sort(sort)
    if column is not None and column.sort_key is not None:
        return qs.annotate(list_sort=column.sort_key()), "list_sort", sort.startswith("-")
    field, descending = SORTS.get(sort, SORTS["name"])
    return qs, field, descending


def customer_page(
    *, user: User, filters: CustomerFilters, sort: str = "name", cursor: str | None = None, limit: int = 50,
    columns: Iterable[ListColumn] = (), fields: Iterable[str] | None = None,
) -> Page[Customer]:
    """One keyset page of the list, with a count that stays cheap on a million rows; each row
    carries what the registered `columns` the caller shows read, and of the customer's own
    fields `fields` (all when None: reading any other is a query per row)."""
    how, term = search_terms(filters.q) if filters.q else ("", "")
    qs, field, descending = _sorted(customer_queryset(user=user, filters=filters), sort)
    page: Slice[Customer]
    if _sorts_in_search_rows(user, filters, how, field):
        page = _page_in_search_rows(term, descending=descending, cursor=cursor, limit=limit, fields=fields)
    elif _walks_token_index(user, filters, how, field):
        unsearched = customer_queryset(user=user, filters=replace(filters, q=""))
        walk = unsearched.filter(search_tokens__token=term).annotate(token_sort=F("search_tokens__name_sort"))
        page = keyset_page(_list_rows(walk, fields), field="token_sort", descending=descending, cursor=cursor, limit=limit)
    else:
        page = keyset_page(
            _list_rows(qs, fields), field=field, descending=descending, cursor=cursor, limit=limit,
            gather_first=bool(how) and user.data_scope != DataScope.OWN,
        )
    if page.total is not None:
        count = page.total
    elif cursor is None and page.next_cursor is None:
        count = Count(len(page.items), exact=True)  # the first page holds every match
    elif how:
        count = capped_count(qs, cap=settings.GUANXI_SEARCH_COUNT_CAP, estimate=False)
    else:
        count = capped_count(qs, planner_first=user.data_scope != DataScope.OWN)
    attach_row_relations(page.items)
    decorate_rows(page.items, columns)
    return Page(items=page.items, count=count, next_cursor=page.next_cursor, prev_cursor=page.prev_cursor)


def customer_offset_page(
    *, user: User, filters: CustomerFilters, sort: str = "name", offset: int = 0, limit: int = 50
) -> tuple[list[Customer], Count]:
    """Offset paging for API clients that ask for it (the UI uses keyset paging)."""
    qs, field, descending = _sorted(customer_queryset(user=user, filters=filters), sort)
    order = [f"-{field}", "-pk"] if descending else [field, "pk"]
    items = list(_list_rows(qs).order_by(*order)[offset : offset + limit])
    attach_row_relations(items)
    return items, capped_count(qs)


def customer_get(*, user: User, customer_id: int, include_archived: bool = False) -> Customer:
    """A customer the user may see, or 404 — never a hint that the id exists outside the scope."""
    scoped = Customer.objects.visible_to(user)
    qs = _with_relations(scoped if include_archived else scoped.active())
    customer = qs.filter(pk=customer_id).first() if 0 < customer_id < 2**63 else None
    if customer is None:
        raise Http404("customer not found")
    return customer


@dataclass(frozen=True)
class HomeFigures:
    by_importance: list[tuple[str, str, int]]
    total: int
    new_this_month: int
    mine: int


def home_figures(*, user: User) -> HomeFigures:
    qs = Customer.objects.visible_to(user).active()
    counts = dict(qs.order_by().values_list("importance").annotate(n=DbCount("id")))
    by_importance = [(value, str(label), counts.get(value, 0)) for value, label in Importance.choices]
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return HomeFigures(
        by_importance=by_importance,
        total=sum(counts.values()),
        new_this_month=qs.filter(created_at__gte=start).count(),
        mine=qs.filter(owner_id=user.pk).count(),
    )


def access_log_for(*, user: User, customer: Customer, limit: int = 20) -> list[AccessLog]:
    return list(AccessLog.objects.filter(customer=customer).select_related("user")[:limit])


def recently_created(*, user: User, since: dt.datetime, limit: int = 10) -> list[Customer]:
    qs = Customer.objects.visible_to(user).active().filter(created_at__gte=since)
    return list(qs.select_related("owner").order_by("-created_at", "-pk")[:limit])


def tag_choices(*, user: User) -> list[tuple[int, str]]:
    from guanxi.customers.models import Tag

    return list(Tag.objects.order_by("name").values_list("id", "name"))


def mask_phones(phones: list[str]) -> list[str]:
    return [mask_digits(p) for p in phones]




@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    field: str
    label: str
    old_value: str
    new_value: str
    actor: str
    channel: str

    @property
    def old_display(self) -> str:
        return ledger_display(self.field, self.old_value)

    @property
    def new_display(self) -> str:
        return ledger_display(self.field, self.new_value)

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))


def customer_history(
    *, user: User, customer: Customer, field: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[HistoryRow], int]:
    """The customer's change ledger, newest first, sensitive values masked as the user must see them."""
    qs = ChangeEntry.objects.filter(customer=customer)
    if field == "note":  # every note other apps wrote (note.<kind>)
        qs = qs.filter(field__startswith="note.")
    elif field:
        qs = qs.filter(field=field)
    total = qs.count()
    rows = []
    for entry in qs.select_related("actor").order_by("-at", "-id")[offset : offset + limit]:
        old, new = shown_value(entry, may_reveal=user.may_reveal_sensitive)
        rows.append(HistoryRow(
            at=entry.at, field=entry.field, label=field_label(entry.field),
            old_value=old, new_value=new, actor=str(entry.actor or ""), channel=entry.channel,
        ))
    return rows, total


def history_table(*, user: User, customer: Customer, field: str = "") -> tuple[list[str], list[list[str]]]:
    """The whole ledger of a customer as a table for export, newest first, masked as the user sees it."""
    header = [str(_("When")), str(_("Field")), str(_("Old value")), str(_("New value")), str(_("Who")),
              str(_("Channel"))]
    rows, _total = customer_history(user=user, customer=customer, field=field, limit=100_000)
    return header, [
        [timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M:%S"), r.label, r.old_display, r.new_display, r.actor,
         r.channel_label]
        for r in rows
    ]


def family_of(*, user: User, customer: Customer) -> list[FamilyMember]:
    """A customer's relatives; the link to a relative's own record only if the user may see it."""
    members = list(FamilyMember.objects.filter(customer=customer).select_related("linked_customer"))
    visible = set(
        Customer.objects.visible_to(user).filter(pk__in=[m.linked_customer_id for m in members if m.linked_customer_id])
        .values_list("pk", flat=True)
    )
    for member in members:
        if member.linked_customer_id not in visible:
            member.linked_customer = None
    return members


def family_member_get(*, user: User, customer_id: int, member_id: int) -> FamilyMember:
    customer = customer_get(user=user, customer_id=customer_id)
    member = None
    if 0 < member_id < 2**63:
        member = FamilyMember.objects.filter(customer=customer, pk=member_id).select_related("customer").first()
    if member is None:
        raise Http404("family member not found")
    return member


def referrals_of(*, user: User, customer: Customer) -> tuple[list[Referral], list[Referral]]:
    """Whom the customer referred and who referred them — only counterparts the user may see."""
    visible = Customer.objects.visible_to(user)
    made = Referral.objects.filter(referrer=customer, referred__in=visible).select_related("referred")
    received = Referral.objects.filter(referred=customer, referrer__in=visible).select_related("referrer")
    return list(made), list(received)


def referral_get(*, user: User, customer_id: int, referral_id: int) -> Referral:
    """A referral of a visible customer (either side), or 404."""
    customer = customer_get(user=user, customer_id=customer_id)
    referral = None
    if 0 < referral_id < 2**63:
        referral = (
            Referral.objects.filter(pk=referral_id)
            .filter(Q(referrer=customer) | Q(referred=customer))
            .select_related("referrer", "referred").first()
        )
    if referral is None:
        raise Http404("referral not found")
    return referral


@dataclass(frozen=True)
class TopReferrer:
    customer: Customer
    referrals: int
    bought: int


def top_referrers(*, user: User, limit: int = 20) -> list[TopReferrer]:
    """The user's customers who brought in the most others (and how many of those bought)."""
    rows = list(
        Referral.objects.filter(referrer__in=Customer.objects.visible_to(user).active())
        .values("referrer_id")
        .annotate(n=DbCount("id"), bought=DbCount("id", filter=Q(bought=True)))
        .order_by("-n", "-bought", "referrer_id")[:limit]
    )
    customers = Customer.objects.select_related("owner").in_bulk([r["referrer_id"] for r in rows])
    return [TopReferrer(customer=customers[r["referrer_id"]], referrals=r["n"], bought=r["bought"]) for r in rows]


@dataclass(frozen=True)
class ConsentState:
    channel: str
    label: str
    latest: Consent | None


def consent_state(*, customer: Customer) -> list[ConsentState]:
    """Per channel, the customer's latest consent decision (None: never asked)."""
    latest: dict[str, Consent] = {}
    for consent in Consent.objects.filter(customer=customer).select_related("recorded_by").order_by("-at", "-id"):
        latest.setdefault(consent.channel, consent)
    return [ConsentState(channel=value, label=str(label), latest=latest.get(value))
            for value, label in ConsentChannel.choices]


@dataclass(frozen=True)
class ProfileValue:
    name: str
    label: str
    value: str
    sensitive: bool = False


@dataclass(frozen=True)
class ProfileSection:
    status: ClassStatus
    values: list[ProfileValue]


def _profile_display(customer: Customer, spec: ProfileField) -> str:
    value = getattr(customer, spec.name)
    if value is None or value == "":
        return ""
    if spec.value == "choice":
        return str(getattr(customer, f"get_{spec.name}_display")())
    if spec.sensitive:
        return mask_digits(str(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def profile_sections(*, customer: Customer) -> list[ProfileSection]:
    """The profile and custom fields of the customer's kind, grouped by information class, each with
    when it was last reviewed and whether a review is overdue. Sensitive values come masked."""
    by_class: dict[str, list[ProfileValue]] = {klass: [] for klass in InfoClass.values}
    for spec in fields_for(customer.kind):
        label = capfirst(str(model_field(spec.name).verbose_name))
        by_class[spec.info_class].append(
            ProfileValue(spec.name, label, _profile_display(customer, spec), spec.sensitive)
        )
    for definition in active_fields(customer.kind):
        value = display_value(definition, (customer.custom or {}).get(definition.key))
        by_class[definition.info_class].append(ProfileValue(f"custom.{definition.key}", definition.label, value))
    return [
        ProfileSection(status, by_class[status.info_class])
        for status in class_statuses(customer)
        if by_class[status.info_class] or status.reviewable
    ]


def custom_field_list(*, include_inactive: bool = False) -> QuerySet[CustomField]:
    """Definitions are not personal data: every signed-in user may read them (forms and imports need them)."""
    qs = CustomField.objects.order_by("position", "id")
    return qs if include_inactive else qs.filter(active=True)


def custom_field_get(*, field_id: int) -> CustomField:
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        raise Http404("no such custom field")
    return field


def contacts_of(*, user: User, customer: Customer) -> list[Contact]:
    """The contact people of a customer the caller already scoped (customer_get), in the order added."""
    return list(Contact.objects.filter(customer=customer).select_related("customer").order_by("id"))


def contact_get(*, user: User, customer_id: int, contact_id: int) -> Contact:
    """One contact of a customer the user may see, or 404."""
    customer = customer_get(user=user, customer_id=customer_id)
    contact = None
    if 0 < contact_id < 2**63:
        contact = Contact.objects.filter(customer=customer, pk=contact_id).select_related("customer").first()
    if contact is None:
        raise Http404("contact not found")
    return contact


CONTACT_SEARCH_LIMIT = 50


def contact_search(*, user: User, q: str, limit: int = CONTACT_SEARCH_LIMIT) -> list[Contact]:
    """Contact people matching a name, its pinyin (full or initials), an e-mail or a phone piece, of
    active customers the user may see, each with its organization; at most `limit` + 1 rows, so the
    caller can tell there are more. Its own small query: the customer list is not joined to contacts."""
    query = normalize_query(q)
    if looks_like_phone_input(q):
        query = phone_digits(q) or query
    if not query:
        return []
    visible = Customer.objects.visible_to(user).active().values("pk")
    return list(
        Contact.objects.filter(customer__in=visible, search_doc__contains=query)
        .select_related("customer").order_by("name", "id")[: limit + 1]
    )
