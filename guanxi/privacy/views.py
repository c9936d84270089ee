"""Personal-data pages: export (JSON or a readable page) and erasure, from the customer's tab."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.accounts.http import request_user
from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.customers.selectors import customer_get
from guanxi.privacy import services, tabs


def _fields(request: HttpRequest) -> dict[str, str]:
    return {k: request.POST.get(k, "") for k in ("requested_by", "reason", "ticket", "confirm_name")}


@login_required
@require_POST
def export(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The access right: one JSON file, or the same as a readable page (format=html)."""
    user = request_user(request)
    customer = customer_get(user=user, customer_id=customer_id, include_archived=user.may_restore_archived)
    data = _fields(request)
    try:
        document = services.personal_data_export(
            actor=user, customer=customer, requested_by=data["requested_by"], reason=data["reason"],
            ticket=data["ticket"],
        )
    except ValidationError as error:
        context = tabs.privacy_context(request, customer, errors=error.message_dict, data=data)
        return render(request, "privacy/tabs/privacy.html", context, status=422)
    except NotPermitted as error:
        context = tabs.privacy_context(request, customer, errors={"__all__": [error.message]}, data=data)
        return render(request, "privacy/tabs/privacy.html", context, status=403)
    if request.POST.get("format") == "html":
        response = render(request, "privacy/export.html", {"customer": customer, "document": document})
        response["Content-Disposition"] = f'attachment; filename="personal-data-{customer.code}.html"'
        return response
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{customer.code}.json"'
    return response


@login_required
@require_POST
def erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The deletion right, behind the customer's name typed to confirm."""
    user = request_user(request)
    customer = customer_get(user=user, customer_id=customer_id, include_archived=user.may_restore_archived)
    data = _fields(request)
    status = 422
    try:
        services.customer_erase(
            actor=user, customer=customer, confirm_name=data["confirm_name"], requested_by=data["requested_by"],
            reason=data["reason"], ticket=data["ticket"],
        )
    except ValidationError as error:
        errors = error.message_dict
    except NotPermitted as error:
        errors, status = {"__all__": [error.message]}, 403
    except ConflictError as error:
        errors, status = {"__all__": [error.message]}, 409
    else:
        messages.success(request, _("The personal data of customer %(code)s was erased.") % {"code": customer.code})
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("customers:list")
            return response
        return redirect("customers:list")
    context = tabs.privacy_context(request, customer, errors=errors, data=data)
    return render(request, "privacy/tabs/privacy.html", context, status=status)
