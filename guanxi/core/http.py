"""The address of the client behind the request, for per-client limits."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address: the connection's, or, behind `GUANXI_PROXY_COUNT` trusted proxies, the
    address the outermost of them saw, read from X-Forwarded-For (each proxy appends the address it
    received the request from, so the n-th entry from the right is the one no client can forge).

    Without the setting the header is ignored: anyone could send one and get a fresh allowance.
    """
    proxies = settings.GUANXI_PROXY_COUNT
    if proxies > 0:
        forwarded: list[str] = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "unknown")
