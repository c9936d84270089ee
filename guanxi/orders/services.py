"""Writes of the orders app: order batches (API, import, demo), products and categories, the
status-lookup link, and the hooks merge, export and erasure call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core.db import row_dict
from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.customers.choices import Channel
from guanxi.orders import batch as batches
from guanxi.orders import summary
from guanxi.orders.batch import OrderData, Outcome
from guanxi.orders.choices import OrderStatus, UnknownCustomers
from guanxi.orders.models import Category, Order, OrderLine, Product, PurchaseSummary, StagedLine

MAX_BULK_ORDERS = 10_000
STATUS_LINK_SALT = "guanxi.orders.status"
STATUS_LINK_DAYS = 14


def orders_upsert(
    *, actor: User, orders: Sequence[OrderData], unknown_customers: str = UnknownCustomers.REJECT,
    channel: str = Channel.API,
) -> Outcome:
    """Create or update orders by (source, external id), all-or-nothing per order.

    An order with any problem is reported in `failures` and nothing of it is applied; the others
    are applied together with their customers' purchase summaries, in one transaction.
    """
    if len(orders) > MAX_BULK_ORDERS:
        raise ValidationError({"orders": [_("At most %(n)s orders per call.") % {"n": f"{MAX_BULK_ORDERS:,}"}]})
    batch = batches.new_batch()
    with transaction.atomic():
        rows = batches.stage_orders(batch, orders, actor=actor)
        outcome = _check_and_apply(actor=actor, batch=batch, rows=rows, unknown_customers=unknown_customers,
                                   several_orders_per_key=True, channel=channel)
    batches.vacuum_staging()
    return outcome


def _check_and_apply(
    *, actor: User, batch: str, rows: int, unknown_customers: str, several_orders_per_key: bool, channel: str,
    apply_valid_only: bool = True,
) -> Outcome:
    """Check a staged batch and apply its valid orders (all or none of them, by `apply_valid_only`)."""
    try:
        if unknown_customers == UnknownCustomers.CREATE:
            create_unknown_customers(actor=actor, batch=batch, channel=channel)
        batches.analyze_staging(rows)
        batches.check(batch, actor=actor, rows=rows, several_orders_per_key=several_orders_per_key)
        failures = batches.failures(batch)
        if failures and not apply_valid_only:
            outcome = Outcome(failures=failures)
        else:
            outcome = batches.apply_valid_orders(batch)
            outcome.failures = failures
    finally:
        batches.discard(batch)
    return outcome


def create_unknown_customers(*, actor: User, batch: str, channel: str = Channel.IMPORT) -> int:
    """Create the customers a batch names by a code nobody has yet, through the customer service
    (search keys, ledger); the name comes from the batch, else the code stands in for it."""
    from guanxi.customers.models import Customer
    from guanxi.customers.services import customer_create

    staged = StagedLine.objects.filter(batch=batch, error="").exclude(customer_code="")
    unknown = staged.exclude(customer_code__in=Customer.objects.values("code")).values_list(
        "customer_code", "customer_name").order_by("customer_code", "line")
    seen: dict[str, str] = {}
    for code, name in unknown.iterator():
        seen.setdefault(code, name)
    created = 0
    for code, name in seen.items():
        try:
            with transaction.atomic():
                customer_create(actor=actor, data={"code": code, "name": name or code}, channel=channel)
            created += 1
        except ValidationError as invalid:
            messages = "; ".join(m for ms in invalid.message_dict.values() for m in ms)
            StagedLine.objects.filter(batch=batch, customer_code=code, error="").update(
                error_field="customer_name", error=messages[:300])
    return created


def orders_resummarize(*, customer_ids: Iterable[int] | None = None) -> int:
    """Recompute purchase summaries from the order lines (all of them when no ids are given)."""
    with transaction.atomic():
        if customer_ids is None:
            return summary.rebuild_all()
        return summary.refresh_customers(sorted(set(customer_ids)))


# --- products and categories -------------------------------------------------------------------

def _require_admin(actor: User) -> None:
    if not actor.is_administrator:
        raise NotPermitted(_("Only administrators may change products and categories."))


class CategoryInput(TypedDict, total=False):
    """A new category (absent keys count as empty)."""

    code: str
    name: str
    parent_id: int | None


class ProductInput(TypedDict, total=False):
    """A product's fields; on update an absent key keeps the stored value."""

    code: str
    name: str
    spec: str
    colour: str
    unit: str
    list_price: Decimal | str | None
    cost: Decimal | str | None
    active: bool
    category_id: int | None


def _text(errors: dict[str, list[str]], data: Mapping[str, object], name: str, max_length: int,
          required: bool = False) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        errors.setdefault(name, []).append(_("This field is required."))
    if len(value) > max_length:
        errors.setdefault(name, []).append(_("At most %(n)s characters.") % {"n": max_length})
    return value


def _money(errors: dict[str, list[str]], data: Mapping[str, object], name: str) -> Decimal:
    raw = data.get(name)
    try:
        value = Decimal(str(raw if raw not in (None, "") else 0)).quantize(Decimal("0.01"))
    except ArithmeticError:
        errors.setdefault(name, []).append(_("Enter a number."))
        return Decimal(0)
    if value < 0 or value > batches.MAX_MONEY:
        errors.setdefault(name, []).append(_("Enter an amount between 0 and 999,999,999,999."))
    return value


def category_create(*, actor: User, data: CategoryInput) -> Category:
    """Add a category under a parent (or at the top)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    code = _text(errors, data, "code", 50, required=True)
    name = _text(errors, data, "name", 100, required=True)
    parent = None
    parent_id = data.get("parent_id")
    if parent_id:
        parent = Category.objects.filter(pk=parent_id).first()
        if parent is None:
            errors.setdefault("parent_id", []).append(_("No such category."))
    if code and Category.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(_("This code is already in use."))
    if errors:
        raise ValidationError(errors)
    return Category.objects.create(code=code, name=name, parent=parent)


def _product_values(data: ProductInput, instance: Product | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    merged: dict[str, object] = {**({} if instance is None else {
        "code": instance.code, "name": instance.name, "spec": instance.spec, "colour": instance.colour,
        "unit": instance.unit, "list_price": instance.list_price, "cost": instance.cost,
        "active": instance.active, "category_id": instance.category_id}), **data}
    values: dict[str, Any] = {
        "code": _text(errors, merged, "code", 50, required=True),
        "name": _text(errors, merged, "name", 200, required=True),
        "spec": _text(errors, merged, "spec", 100),
        "colour": _text(errors, merged, "colour", 50),
        "unit": _text(errors, merged, "unit", 20),
        "list_price": _money(errors, merged, "list_price"),
        "cost": _money(errors, merged, "cost"),
        "active": bool(merged.get("active", True)),
        "category": None,
    }
    category_id = data["category_id"] if "category_id" in data else (instance.category_id if instance else None)
    if category_id:
        values["category"] = Category.objects.filter(pk=category_id).first()
        if values["category"] is None:
            errors.setdefault("category_id", []).append(_("No such category."))
    taken = Product.objects.filter(code=values["code"])
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if values["code"] and taken.exists():
        errors.setdefault("code", []).append(_("This code is already in use."))
    if errors:
        raise ValidationError(errors)
    return values


def product_create(*, actor: User, data: ProductInput) -> Product:
    """Add a product (商品)."""
    _require_admin(actor)
    return Product.objects.create(**_product_values(data, None))


def product_update(*, actor: User, product: Product, version: int, data: ProductInput) -> Product:
    """Change a product if nobody saved it since `version` was read (else ConflictError); past order
    lines keep the cost they arrived with, and a new category recomputes its buyers' summaries."""
    _require_admin(actor)
    values = _product_values(data, product)
    with transaction.atomic():
        if not Product.objects.filter(pk=product.pk, version=version).update(version=F("version") + 1, **values):
            raise ConflictError(_("Someone else changed this product after you opened it. Reload to see their "
                                  "changes."))
        new_category = values["category"].pk if values["category"] else None
        if new_category != product.category_id:
            summary.refresh_buyers_of(product.pk)
    return Product.objects.get(pk=product.pk)


# --- the status lookup link ----------------------------------------------------------------------

def status_token(*, order: Order) -> str:
    """An unguessable token naming one order, signed with the site's secret; it expires (see
    `order_for_token`) and cannot be turned into another order's token."""
    return signing.dumps({"o": order.pk, "x": order.external_id}, salt=STATUS_LINK_SALT, compress=True)


def status_link(*, actor: User, order: Order) -> str:
    """The path a customer opens to see an undelivered order's status (no login)."""
    if order.status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        raise ValidationError({"status": [_("Only an order that is not yet delivered has a status link.")]})
    return reverse("orders:status", args=[status_token(order=order)])


def order_for_token(token: str, *, max_age_days: int = STATUS_LINK_DAYS) -> Order | None:
    """The order a token names, or None when the token is wrong, altered or older than its life."""
    try:
        data = signing.loads(token, salt=STATUS_LINK_SALT, max_age=max_age_days * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        return None
    return Order.objects.filter(pk=data["o"], external_id=data.get("x")).first()


# --- merge, export and erasure hooks (registered in OrdersConfig.ready) ----------------------------

def merge_orders(merged_id: int, survivor_id: int) -> None:
    """Merge hook: the merged-away customer's orders go to the survivor, whose summary is then
    recomputed from all its orders; the merged-away record has no orders left, so no summary."""
    Order.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    PurchaseSummary.objects.filter(customer_id=merged_id).delete()
    summary.refresh_customers([survivor_id])


def export_orders(customer_id: int) -> list[dict[str, Any]]:
    """Export hook: the customer's orders, each with its lines."""

    orders = list(Order.objects.filter(customer_id=customer_id).order_by("ordered_at", "pk"))
    lines: dict[int, list[dict[str, Any]]] = {}
    for line in OrderLine.objects.filter(order__customer_id=customer_id).select_related("product"):
        row = row_dict(line)
        row["product"] = line.product.name
        lines.setdefault(line.order_id, []).append(row)
    return [{**row_dict(order), "lines": lines.get(order.pk, [])} for order in orders]


def keep_business_records(customer_id: int) -> None:
    """Erase hook for orders and the purchase summary: both are kept. They hold no personal text
    of their own (products, amounts, stores, the sending system's ids); once the customer record is
    anonymized they no longer identify the person, and the sales figures of stores and products
    stay right. See ADR 0012."""

