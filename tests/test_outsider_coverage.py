"""Every page and API route must have a test showing an outsider cannot reach what it serves.

Tests declare what they cover with `@pytest.mark.outsider("customers:detail", "GET /customers/{customer_id}")`.
A new URL or endpoint without such a test fails here until one is written (or it is listed as public).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

import guanxi
from config.api import api

# Routes that serve no customer data: reachable by anyone by design.
PUBLIC_PAGES = {"login", "logout", "set_language", "health", "orders:status"}
PUBLIC_API = {"POST /auth/token"}
SKIPPED_NAMESPACES = {"admin", "api"}  # admin has Django's own permission checks; api is listed below


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns in SKIPPED_NAMESPACES:
                continue
            names |= _url_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def _api_routes() -> set[str]:
    routes: set[str] = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    full = "/" + "/".join(p for p in (prefix.strip("/"), path.strip("/")) if p)
                    routes.add(f"{method} {full}")
    return routes


def _declared() -> set[str]:
    covered: set[str] = set()
    root = Path(guanxi.__file__).parent.parent
    for package in ("guanxi", "tests"):
        for module in pkgutil.walk_packages([str(root / package)], prefix=f"{package}."):
            if ".tests." not in module.name and not module.name.startswith("tests."):
                continue
            if module.ispkg or not module.name.rsplit(".", 1)[-1].startswith("test_"):
                continue
            if module.name.startswith("tests.e2e"):
                continue
            loaded = importlib.import_module(module.name)
            for value in vars(loaded).values():
                for mark in getattr(value, "pytestmark", []):
                    if mark.name == "outsider":
                        covered.update(mark.args)
    return covered


def test_every_page_has_an_outsider_test() -> None:
    missing = _url_names(get_resolver()) - PUBLIC_PAGES - _declared()
    assert missing == set()


def test_every_api_route_has_an_outsider_test() -> None:
    missing = _api_routes() - PUBLIC_API - _declared()
    assert missing == set()


def test_the_enumeration_finds_routes() -> None:
    assert {"customers:detail", "home", "accounts:organization"} <= _url_names(get_resolver())
    assert {"GET /customers/{customer_id}", "POST /auth/token"} <= _api_routes()
