"""Pages of the orders app: orders, products and categories, stores, and the public status page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.accounts.http import request_user
from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.core.htmx import render_page_or_partial
from guanxi.core.http import client_address
from guanxi.core.inputs import typed_input
from guanxi.customers.forms import add_service_errors
from guanxi.orders import selectors, services
from guanxi.orders.choices import OrderStatus
from guanxi.orders.forms import CategoryForm, ProductEditForm, ProductForm
from guanxi.orders.models import Product

STATUS_RATE = 30  # lookups per client address …
STATUS_WINDOW = 600  # … per ten minutes


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    orders = selectors.order_list(user=request_user(request), status=status, before_id=_int(request.GET.get("before")))
    return render_page_or_partial(request, "orders/list.html", "orders/partials/rows.html", {
        "orders": orders, "status": status, "statuses": OrderStatus.choices,
        "next_before": orders[-1].pk if len(orders) == 50 else None})


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_detail(user=request_user(request), order_id=order_id)
    if order is None:
        raise Http404
    return render(request, "orders/detail.html", {"order": order, "lines": selectors.order_lines(order=order)})


@login_required
@require_POST
def status_link(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_detail(user=request_user(request), order_id=order_id)
    if order is None:
        raise Http404
    try:
        path = services.status_link(actor=request_user(request), order=order)
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
        return redirect("orders:detail", order_id=order.pk)
    return render(request, "orders/detail.html", {
        "order": order, "lines": selectors.order_lines(order=order), "link": request.build_absolute_uri(path),
        "link_days": services.STATUS_LINK_DAYS})


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form: Any = None
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product = services.product_create(actor=user, data=typed_input(services.ProductInput, form.cleaned_data))
            except NotPermitted as denied:
                return HttpResponse(denied.message, status=403)
            except ValidationError as invalid:
                add_service_errors(form, invalid)
            else:
                messages.success(request, _("Product %(name)s added.") % {"name": product.name})
                return redirect("orders:products")
    q = request.GET.get("q", "").strip()[:100]
    return render_page_or_partial(request, "orders/products.html", "orders/partials/products.html", {
        "products": selectors.product_list(q=q, category_id=_int(request.GET.get("category"))), "q": q,
        "form": form or ProductForm(), "may_edit": user.is_administrator})


@login_required
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    """An administrator changes a product; a change someone else saved meanwhile is not overwritten."""
    user = request_user(request)
    if not user.is_administrator:
        return HttpResponse(_("Only administrators may change products and categories."), status=403)
    product = get_object_or_404(Product, pk=product_id)
    if request.method == "POST":
        form = ProductEditForm(request.POST)
        if form.is_valid():
            data = typed_input(services.ProductInput, form.cleaned_data)
            try:
                product = services.product_update(actor=user, product=product, version=form.cleaned_data["version"],
                                                  data=data)
            except ConflictError as conflict:
                form.add_error(None, conflict.message)
            except ValidationError as invalid:
                add_service_errors(form, invalid)
            else:
                messages.success(request, _("Product %(name)s saved.") % {"name": product.name})
                return redirect("orders:products")
    else:
        form = ProductEditForm(initial={name: getattr(product, name) for name in ProductEditForm.base_fields})
    return render(request, "orders/product_edit.html", {"product": product, "form": form})


@login_required
def category_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_create(actor=user, data=typed_input(services.CategoryInput, form.cleaned_data))
        except NotPermitted as denied:
            return HttpResponse(denied.message, status=403)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            return redirect("orders:categories")
    return render(request, "orders/categories.html", {"tree": selectors.category_tree(), "form": form,
                                                       "may_edit": user.is_administrator})


@login_required
def store_list(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/stores.html", {"stores": selectors.stores_visible()})


@login_required
def store_detail(request: HttpRequest, store_id: int) -> HttpResponse:
    store = get_object_or_404(selectors.stores_visible(), pk=store_id)
    sales = selectors.store_sales(user=request_user(request), store=store)
    return render(request, "orders/store.html", {"store": store, **sales,
                                                 "chart": {"months": sales["months"], "amounts": sales["amounts"]}})


def _rate_limited(request: HttpRequest) -> bool:
    """Counts lookups per client address in the shared (database) cache, so every worker agrees."""
    key = f"orders:status:{client_address(request)}"
    cache.add(key, 0, timeout=STATUS_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=STATUS_WINDOW)
        count = 1
    return count > STATUS_RATE


def order_status(request: HttpRequest, token: str) -> HttpResponse:
    """Public: a customer sees one undelivered order's status and items, by an expiring token."""
    if _rate_limited(request):
        return render(request, "orders/status.html", {"limited": True}, status=429)
    order = services.order_for_token(token)
    if order is None:
        return render(request, "orders/status.html", {"invalid": True}, status=404)
    return render(request, "orders/status.html", {"order": order, "lines": selectors.order_lines(order=order)})
