"""Per-user UI language: the user's saved choice, else the cookie, else Simplified Chinese."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if user is not None and user.is_authenticated and getattr(user, "language", "") in SUPPORTED:
            language = user.language
        elif cookie in SUPPORTED:
            language = cookie
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
