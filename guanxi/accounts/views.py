"""The organization page: departments, stores by region, and colleagues in the user's scope; the
language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts import selectors
from guanxi.accounts.http import AuthenticatedHttpRequest
from guanxi.accounts.models import User
from guanxi.accounts.services import user_set_language


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


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; remembered on the user (and in a cookie before login)."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
