"""Asset pages: holdings, insurance cover, asset reviews (with the printable review).

Amounts are masked on every GET. A POST with `reveal` asks the foundation to reveal them
(`customers.services.customer_reveal`: role checked, reveal logged) and renders the same page with
the amounts; a role that may not reveal gets the masked page and a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.accounts.http import request_user
from guanxi.assets import selectors, services
from guanxi.assets.forms import (
    HoldingEditForm,
    HoldingForm,
    MainEarnerForm,
    PolicyEditForm,
    PolicyForm,
    ReviewForm,
    ReviewNotesForm,
    SnapshotForm,
)
from guanxi.core.errors import NotPermitted
from guanxi.core.inputs import typed_input
from guanxi.customers.forms import add_service_errors
from guanxi.customers.models import Customer
from guanxi.customers.selectors import customer_get

T = TypeVar("T")


def _reveal(request: HttpRequest, customer: Customer) -> tuple[bool, str, int]:
    """(revealed, error, status) for this request: a POST with `reveal` is a logged reveal."""
    if request.method != "POST" or "reveal" not in request.POST:
        return False, "", 200
    try:
        services.holdings_reveal(actor=request_user(request), customer=customer)
    except NotPermitted as error:
        return False, error.message, 403
    return True, "", 200


def _page(request: HttpRequest, template: str, customer: Customer, section: str, context: dict[str, Any],
          status: int = 200) -> HttpResponse:
    base = {"customer": customer, "section": section, "nav_section": "customers",
            "may_reveal": request_user(request).may_reveal_sensitive, "masked": selectors.MASKED}
    return render(request, template, {**base, **context}, status=status)


def _save(form: forms.Form, kind: type[T], save: Callable[[T], object],
          data: Callable[[], Mapping[str, object]] | None = None, rename: dict[str, str] | None = None) -> bool:
    """Validate the form, call the service with its typed input `kind`; the service's field errors
    land on the form."""
    if not form.is_valid():
        return False
    try:
        save(typed_input(kind, data() if data else form.cleaned_data))
    except ValidationError as error:
        add_service_errors(form, error, rename=rename)
        return False
    return True


# Holdings ------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def holdings(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(user=request_user(request), customer_id=customer_id)
    revealed, error, status = _reveal(request, customer)
    rows = selectors.holdings_of(customer=customer)
    return _page(request, "assets/holdings.html", customer, "holdings", {
        "holdings": rows, "revealed": revealed, "reveal_error": error, "totals": selectors.totals(rows),
        "soon": {h.pk for h in selectors.maturing_soon(rows)},
    }, status)


@login_required
@require_http_methods(["GET", "POST"])
def holding_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = request_user(request)
    customer = customer_get(user=user, customer_id=customer_id)
    if request.method == "POST":
        form = HoldingForm(request.POST)
        if _save(form, services.HoldingInput, lambda data: services.holding_create(actor=user, customer=customer, data=data)):
            messages.success(request, _("Holding added."))
            return redirect("assets:holdings", customer_id=customer.pk)
        return _page(request, "assets/holding_form.html", customer, "holdings", {"form": form}, 422)
    return _page(request, "assets/holding_form.html", customer, "holdings", {"form": HoldingForm()})


@login_required
@require_http_methods(["GET", "POST"])
def holding_edit(request: HttpRequest, customer_id: int, holding_id: int) -> HttpResponse:
    user = request_user(request)
    holding = selectors.holding_get(user=user, customer_id=customer_id, holding_id=holding_id)
    customer = holding.customer
    if request.method == "POST":
        form = HoldingEditForm(request.POST)
        if _save(form, services.HoldingInput, lambda data: services.holding_update(actor=user, holding=holding, data=data),
                 data=lambda: form.service_data()):
            messages.success(request, _("Holding saved."))
            return redirect("assets:holdings", customer_id=customer.pk)
        return _page(request, "assets/holding_form.html", customer, "holdings",
                     {"form": form, "holding": holding}, 422)
    form = HoldingEditForm(initial=HoldingForm.initial_for(holding))
    return _page(request, "assets/holding_form.html", customer, "holdings", {"form": form, "holding": holding})


@login_required
@require_POST
def holding_delete(request: HttpRequest, customer_id: int, holding_id: int) -> HttpResponse:
    user = request_user(request)
    holding = selectors.holding_get(user=user, customer_id=customer_id, holding_id=holding_id)
    services.holding_delete(actor=user, holding=holding)
    messages.success(request, _("Holding removed."))
    return redirect("assets:holdings", customer_id=customer_id)


@login_required
@require_http_methods(["GET", "POST"])
def snapshots(request: HttpRequest, customer_id: int, holding_id: int) -> HttpResponse:
    """A holding's value history (masked until revealed) and the form that appends a value."""
    user = request_user(request)
    holding = selectors.holding_get(user=user, customer_id=customer_id, holding_id=holding_id)
    customer = holding.customer
    status = 200
    revealed, error = False, ""
    form = SnapshotForm(initial={"on": timezone.localdate()})
    if request.method == "POST" and "reveal" not in request.POST:
        form = SnapshotForm(request.POST)
        if _save(form, services.SnapshotInput, lambda data: services.snapshot_record(actor=user, holding=holding, data=data)):
            messages.success(request, _("Value recorded."))
            return redirect("assets:snapshots", customer_id=customer.pk, holding_id=holding.pk)
        status = 422
    else:
        revealed, error, status = _reveal(request, customer)
    return _page(request, "assets/snapshots.html", customer, "holdings", {
        "holding": holding, "snapshots": selectors.snapshots_of(holding=holding), "form": form,
        "revealed": revealed, "reveal_error": error,
    }, status)


# Insurance -----------------------------------------------------------------------------------

def _policy_form(customer: Customer, cls: type[PolicyForm], *args: Any, **kwargs: Any) -> PolicyForm:
    return cls(*args, customer_name=customer.name, members=selectors.family_members(customer=customer), **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def insurance(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(user=request_user(request), customer_id=customer_id)
    revealed, error, status = _reveal(request, customer)
    cover = selectors.coverage(customer=customer)
    earner_form = MainEarnerForm(customer_name=customer.name, members=selectors.family_members(customer=customer),
                                 initial={"main_earner_id": cover.main_earner_id or ""})
    return _page(request, "assets/insurance.html", customer, "insurance", {
        "cover": cover, "revealed": revealed, "reveal_error": error, "earner_form": earner_form,
    }, status)


@login_required
@require_http_methods(["GET", "POST"])
def policy_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = request_user(request)
    customer = customer_get(user=user, customer_id=customer_id)
    if request.method == "POST":
        form = _policy_form(customer, PolicyForm, request.POST)
        if _save(form, services.PolicyInput, lambda data: services.policy_create(actor=user, customer=customer, data=data)):
            messages.success(request, _("Policy added."))
            return redirect("assets:insurance", customer_id=customer.pk)
        return _page(request, "assets/policy_form.html", customer, "insurance", {"form": form}, 422)
    return _page(request, "assets/policy_form.html", customer, "insurance",
                 {"form": _policy_form(customer, PolicyForm)})


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, customer_id: int, policy_id: int) -> HttpResponse:
    user = request_user(request)
    policy = selectors.policy_get(user=user, customer_id=customer_id, policy_id=policy_id)
    customer = policy.customer
    if request.method == "POST":
        form = _policy_form(customer, PolicyEditForm, request.POST)
        assert isinstance(form, PolicyEditForm)
        if _save(form, services.PolicyInput, lambda data: services.policy_update(actor=user, policy=policy, data=data),
                 data=form.service_data):
            messages.success(request, _("Policy saved."))
            return redirect("assets:insurance", customer_id=customer.pk)
        return _page(request, "assets/policy_form.html", customer, "insurance", {"form": form, "policy": policy}, 422)
    form = _policy_form(customer, PolicyEditForm, initial=PolicyForm.initial_for(policy))
    return _page(request, "assets/policy_form.html", customer, "insurance", {"form": form, "policy": policy})


@login_required
@require_POST
def policy_delete(request: HttpRequest, customer_id: int, policy_id: int) -> HttpResponse:
    user = request_user(request)
    policy = selectors.policy_get(user=user, customer_id=customer_id, policy_id=policy_id)
    services.policy_delete(actor=user, policy=policy)
    messages.success(request, _("Policy removed."))
    return redirect("assets:insurance", customer_id=customer_id)


@login_required
@require_POST
def main_earner(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = request_user(request)
    customer = customer_get(user=user, customer_id=customer_id)
    raw = request.POST.get("main_earner_id", "")
    try:
        services.main_earner_set(actor=user, customer=customer, member_id=int(raw) if raw.isdigit() else None)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Main earner saved."))
    return redirect("assets:insurance", customer_id=customer.pk)


# Asset reviews -------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def reviews(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's asset reviews, and the form that holds a new one."""
    user = request_user(request)
    customer = customer_get(user=user, customer_id=customer_id)
    status = 200
    form = ReviewForm(initial={"on": timezone.localdate()})
    if request.method == "POST":
        form = ReviewForm(request.POST)
        created: list[Any] = []
        if _save(form, services.ReviewInput, lambda data: created.append(services.review_create(actor=user, customer=customer, data=data))):
            messages.success(request, _("Asset review saved."))
            return redirect("assets:review", customer_id=customer.pk, review_id=created[0].pk)
        status = 422
    return _page(request, "assets/reviews.html", customer, "reviews",
                 {"reviews": selectors.reviews_of(customer=customer), "form": form}, status)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, customer_id: int, review_id: int) -> HttpResponse:
    """One review: holdings then with their change, the mix and trend charts; printable."""
    user = request_user(request)
    item = selectors.review_get(user=user, customer_id=customer_id, review_id=review_id)
    customer = item.customer
    revealed, error, status = _reveal(request, customer)
    detail = selectors.review_detail(review=item)
    chart = selectors.chart_data(detail) if revealed else None
    return _page(request, "assets/review.html", customer, "reviews", {
        "detail": detail, "review": item, "revealed": revealed, "reveal_error": error, "chart": chart,
        "notes_form": ReviewNotesForm(initial={"notes": item.notes}), "printed_at": timezone.localtime(),
    }, status)


@login_required
@require_POST
def review_notes(request: HttpRequest, customer_id: int, review_id: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.review_get(user=user, customer_id=customer_id, review_id=review_id)
    form = ReviewNotesForm(request.POST)
    if _save(form, services.ReviewInput, lambda data: services.review_update(actor=user, review=item, data=data)):
        messages.success(request, _("Notes saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("assets:review", customer_id=customer_id, review_id=item.pk)


@login_required
@require_POST
def review_delete(request: HttpRequest, customer_id: int, review_id: int) -> HttpResponse:
    user = request_user(request)
    item = selectors.review_get(user=user, customer_id=customer_id, review_id=review_id)
    services.review_delete(actor=user, review=item)
    messages.success(request, _("Asset review removed."))
    return redirect("assets:reviews", customer_id=customer_id)
