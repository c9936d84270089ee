"""The REST API at /api/v1/: routers mounted, bearer-token auth, every error as JSON field errors."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from guanxi.accounts.api import auth_router
from guanxi.accounts.api import router as organization_router
from guanxi.accounts.services import api_token_user
from guanxi.analytics.api import router as analytics_router
from guanxi.analytics.dashboards_api import router as analytics_dashboards_router
from guanxi.assets.api import router as assets_router
from guanxi.core.api import router as calendar_router
from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.core.event_api import router as events_router
from guanxi.core.schemas import translated_message
from guanxi.customers.api import router as customers_router
from guanxi.dedupe.api import router as dedupe_router
from guanxi.holidays.api import router as holidays_router
from guanxi.imports.api import router as imports_router
from guanxi.interactions.api import router as interactions_router
from guanxi.orders.api import router as orders_router
from guanxi.privacy.api import router as privacy_router

logger = logging.getLogger("guanxi.api")


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(raw=token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Guanxi API",
    version="1",
    description="Customer relationship management. Authenticate with `POST /api/v1/auth/token`, then "
    "send `Authorization: Bearer <token>`.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)
api.add_router("/auth", auth_router)
# Routers with fixed paths under /customers/… (export) go before the customers router, whose
# /customers/{customer_id} would otherwise catch them.
api.add_router("/", imports_router)
api.add_router("/", customers_router)
api.add_router("/", organization_router)
api.add_router("/", dedupe_router)
api.add_router("/", privacy_router)
api.add_router("/", interactions_router)
api.add_router("/", orders_router)
api.add_router("/", assets_router)
api.add_router("/", calendar_router)
api.add_router("/", events_router)
api.add_router("/", holidays_router)
api.add_router("/", analytics_router)
api.add_router("/", analytics_dashboards_router)


def _errors(request: HttpRequest, status: int, errors: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, {"errors": errors}, status=status)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "header", "cookie")]
    # Ninja prefixes body fields with the parameter name ("payload"), query fields with the schema's.
    if parts and parts[0] in ("query",):
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _errors(
        request, 422, [{"field": _field_name(e.get("loc", ())), "message": translated_message(e)} for e in exc.errors]
    )


@api.exception_handler(ValidationError)
def on_domain_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field if field != "__all__" else None, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": m} for m in exc.messages]
    return _errors(request, 422, errors)


@api.exception_handler(ConflictError)
def on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return _errors(request, 409, [{"field": "version", "message": exc.message}])


@api.exception_handler(NotPermitted)
def on_not_permitted(request: HttpRequest, exc: NotPermitted) -> HttpResponse:
    return _errors(request, 403, [{"field": None, "message": exc.message}])


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _errors(request, 403, [{"field": None, "message": _("You may not do this.")}])


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _errors(request, 404, [{"field": None, "message": _("Not found.")}])


@api.exception_handler(MultiPartParserError)
def on_bad_upload(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _errors(request, 400, [{"field": None, "message": _("The upload is not a valid multipart form.")}])


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _errors(request, 401, [{"field": None, "message": _("Log in or send a valid bearer token.")}])


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc.message)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        # Ninja's own words, untranslated: the body was not JSON (or not UTF-8).
        message = _("The request body is not valid JSON.")
    return _errors(request, exc.status_code, [{"field": None, "message": message}])


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _errors(request, 413, [{"field": None, "message": _("The request body is too large.")}])


@api.exception_handler(UnicodeDecodeError)
def on_bad_encoding(request: HttpRequest, exc: UnicodeDecodeError) -> HttpResponse:
    return _errors(request, 400, [{"field": None, "message": _("The request is not valid UTF-8.")}])


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return _errors(request, 500, [{"field": None, "message": _("Internal error; it has been logged.")}])
