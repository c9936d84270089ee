"""The organization page: departments, stores by region, and colleagues in the user's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guanxi.accounts import selectors
from guanxi.accounts.http import AuthenticatedHttpRequest
from guanxi.accounts.models import User


@login_required
@require_GET
def organization(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    visible_ids = set(selectors.departments_visible_to(user).values_list("id", flat=True))
    tree = [(dept, depth) for dept, depth in selectors.department_tree() if dept.pk in visible_ids]
    return render(request, "accounts/organization.html", {
        "tree": tree,
        "regions": selectors.regions_with_stores(user),
        "users": selectors.users_visible_to(user)[:200],
    })
