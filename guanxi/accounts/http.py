"""Typed requests of a signed-in user, as healthchecks does in `hc/accounts/http.py`.

Django types `request.user` as `User | AnonymousUser` and django-ninja sets `request.auth` at run time
only, so a view behind `@login_required` or an endpoint behind the API's authentication annotates its
request with one of these instead of ignoring the type error on every use:

    @login_required
    def home(request: AuthenticatedHttpRequest) -> HttpResponse: ...  # request.user is a User

    @router.get("/customers")
    def customer_list(request: ApiRequest) -> ...: ...  # request.auth is a User

The annotation is a promise the decorator (or the API's `auth=`) keeps; code that gets a plain
`HttpRequest` (a tab's renderer, a shared page helper) asks `request_user(request)`, which checks it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from guanxi.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `@login_required`."""

    user: User


class ApiRequest(HttpRequest):
    """The request of an endpoint behind the API's authentication (bearer token or session):
    ninja puts the authenticated user in `request.auth`."""

    auth: User


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request: the API's authenticated user, else the session's.

    Refuses (403) a request without one, which the login decorator or the API's authentication has
    already turned away before any code that asks.
    """
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
