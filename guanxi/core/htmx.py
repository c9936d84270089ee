"""One view, two shapes: the full page for a normal request, the partial for htmx."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page_or_partial(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    htmx = getattr(request, "htmx", None)  # django-htmx's middleware sets it (HtmxDetails; falsy unless htmx)
    is_htmx = bool(htmx) and not getattr(htmx, "boosted", False)
    return render(request, partial if is_htmx else page, context, status=status)
