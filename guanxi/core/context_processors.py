from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Values every page's layout needs: the language menu and which section is open."""
    match = getattr(request, "resolver_match", None)
    return {
        "GUANXI_LANGUAGES": settings.LANGUAGES,
        "nav_section": match.app_name if match else "",
    }
