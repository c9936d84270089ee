"""REST endpoints for orders, products and categories: thin, calling the services and selectors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.decorators import decorate_view
from ninja.params.functions import Path

from guanxi.accounts.http import request_user
from guanxi.core.inputs import typed_input
from guanxi.customers.models import Customer
from guanxi.orders import selectors, services
from guanxi.orders.batch import LineData, OrderData
from guanxi.orders.models import Category, Order, Product, PurchaseSummary
from guanxi.orders.schemas import (
    CategoryIn,
    CategoryOut,
    OrderDetailOut,
    OrderListOut,
    OrderQuery,
    OrdersBulkIn,
    OrdersBulkOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductQuery,
    StatusLinkOut,
    StoreSalesOut,
    SummaryOut,
)

router = Router(tags=["orders"])
Id = Path(..., ge=1, le=2**63 - 1)
# 10,000 orders of a few lines each are about 5 MB of JSON: far over the site-wide 2.5 MB.
BULK_MAX_BYTES = 64 * 1024 * 1024


def larger_body(max_bytes: int) -> Callable[[Any], Any]:
    """Read the body before ninja does, with this endpoint's own size limit instead of
    DATA_UPLOAD_MAX_MEMORY_SIZE (which `request.body` enforces); bigger bodies still get 413."""
    def decorator(run: Any) -> Any:
        @wraps(run)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
            if not hasattr(request, "_body") and not request._read_started and 0 < length <= max_bytes:  # type: ignore[attr-defined]  # Django's private read flag
                request._body = request.read()
            return run(request, *args, **kwargs)
        return wrapper
    return decorator


def _order_data(o: Any) -> OrderData:
    return OrderData(
        source=o.source, external_id=o.external_id, customer_code=o.customer_code, customer_name=o.customer_name,
        store_code=o.store_code, channel=o.channel, kind=o.kind, status=o.status, ordered_at=o.ordered_at,
        original_external_id=o.original_external_id,
        lines=[LineData(product_code=li.product_code, quantity=li.quantity, unit_price=li.unit_price,
                        discount=li.discount, amount=li.amount) for li in o.lines],
    )


@router.post("/orders/bulk", response=OrdersBulkOut, summary="Create or update up to 10,000 orders (idempotent)",
             description="Orders are keyed by (source, external_id): sending an order again updates it (status, "
             "lines) and never duplicates it. Each order is applied whole or not at all; `failed` lists the "
             "orders that were not applied and why. Malformed requests (wrong types) are refused whole (422).")
@decorate_view(larger_body(BULK_MAX_BYTES))
def orders_bulk(request: HttpRequest, payload: OrdersBulkIn) -> dict[str, Any]:
    outcome = services.orders_upsert(actor=request_user(request), orders=[_order_data(o) for o in payload.orders],
                                     unknown_customers=payload.unknown_customers)
    return {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged,
            "lines": outcome.lines,
            "customers": outcome.customers,
            "failed": [{"index": f.index, "source": f.source, "external_id": f.external_id,
                        "errors": [{"field": field, "message": message} for field, message in f.errors]}
                       for f in outcome.failures]}


def _line_out(line: Any) -> dict[str, Any]:
    return {"line_no": line.line_no, "product_id": line.product_id, "product_code": line.product.code,
            "product_name": line.product.name, "quantity": line.quantity, "unit_price": line.unit_price,
            "discount": line.discount, "amount": line.amount}


@router.get("/orders", response=OrderListOut, summary="Orders of the customers you may see, newest first")
def list_orders(request: HttpRequest, query: Query[OrderQuery]) -> dict[str, Any]:
    items = selectors.order_list(user=request_user(request), customer_id=query.customer_id, store_id=query.store_id,
                                 status=query.status or "", before_id=query.before, limit=query.limit)
    return {"items": items, "next_before": items[-1].pk if len(items) == query.limit else None}


def _visible_order(request: HttpRequest, order_id: int) -> Order:
    order = selectors.order_detail(user=request_user(request), order_id=order_id)
    if order is None:
        raise Http404
    return order


@router.get("/orders/{order_id}", response=OrderDetailOut, summary="One order with its lines")
def get_order(request: HttpRequest, order_id: int = Id) -> dict[str, Any]:
    order = _visible_order(request, order_id)
    return {**{f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields},
            "lines": [_line_out(li) for li in selectors.order_lines(order=order)]}


@router.post("/orders/{order_id}/status-link", response={201: StatusLinkOut},
             summary="A link for the customer to check an undelivered order's status")
def create_status_link(request: HttpRequest, order_id: int = Id) -> Status[Any]:
    order = _visible_order(request, order_id)
    path = services.status_link(actor=request_user(request), order=order)
    return Status(201, {"url": request.build_absolute_uri(path), "expires_in_days": services.STATUS_LINK_DAYS})


@router.get("/customers/{customer_id}/purchase-summary", response=SummaryOut,
            summary="The customer's system-derived purchase figures (购买汇总)")
def get_purchase_summary(request: HttpRequest, customer_id: int = Id) -> dict[str, Any]:
    customer = get_object_or_404(Customer.objects.visible_to(request_user(request)), pk=customer_id)
    s = PurchaseSummary.objects.filter(customer=customer).first() or PurchaseSummary(customer=customer)
    return {
        **{f.attname: getattr(s, f.attname) for f in PurchaseSummary._meta.concrete_fields},
        "top_category_ids": [c for c in (s.top_category_id, s.second_category_id, s.third_category_id) if c],
    }


@router.get("/stores/{store_id}/sales", response=StoreSalesOut,
            summary="A store's sales over the last 12 months, for the customers you may see")
def get_store_sales(request: HttpRequest, store_id: int = Id) -> dict[str, Any]:
    store = get_object_or_404(selectors.stores_visible(), pk=store_id)
    sales = selectors.store_sales(user=request_user(request), store=store)
    totals = sales["totals"]
    return {"store_id": store.pk, "sales": totals["sales"] or 0, "returns": totals["returns"] or 0,
            "orders": totals["orders"], "customers": totals["customers"], "months": sales["months"],
            "amounts": sales["amounts"]}


@router.get("/products", response=list[ProductOut], summary="Products (商品)")
def list_products(request: HttpRequest, query: Query[ProductQuery]) -> list[Product]:
    return selectors.product_list(q=query.q, category_id=query.category_id, active=query.active, limit=query.limit)


@router.post("/products", response={201: ProductOut}, summary="Add a product (administrators)")
def create_product(request: HttpRequest, payload: ProductIn) -> Status[Any]:
    return Status(201, services.product_create(actor=request_user(request), data=typed_input(
        services.ProductInput, payload.model_dump())))


@router.patch("/products/{product_id}", response=ProductOut, summary="Change a product (administrators)")
def update_product(request: HttpRequest, payload: ProductPatch, product_id: int = Id) -> Product:
    product = get_object_or_404(Product, pk=product_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    return services.product_update(actor=request_user(request), product=product, version=version,
                                    data=typed_input(services.ProductInput, changes))


@router.get("/categories", response=list[CategoryOut], summary="Product categories (a tree, by parent_id)")
def list_categories(request: HttpRequest) -> list[Category]:
    return [c for c, _depth in selectors.category_tree()]


@router.post("/categories", response={201: CategoryOut}, summary="Add a category (administrators)")
def create_category(request: HttpRequest, payload: CategoryIn) -> Status[Any]:
    return Status(201, services.category_create(actor=request_user(request), data=typed_input(
        services.CategoryInput, payload.model_dump())))
