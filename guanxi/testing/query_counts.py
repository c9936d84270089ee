"""Query-count baselines for list pages and list endpoints (a test helper, like NetBox's).

Every GET that returns a list — a page of an app without path parameters, an API endpoint whose
response is a list or has `items` — pins how many queries it makes in its app's baseline,
guanxi/<app>/tests/query_counts.json (`{route key: count}`). The per-app test measures each route
with 1 row and again after 29 more rows were added: both must equal the baseline, so a query per
row (an N+1) fails, and so does any other change in the count until the baseline is updated.

    GUANXI_UPDATE_QUERY_COUNTS=1 pytest guanxi/<app>/tests/test_query_counts.py

rewrites the baseline from what was measured (only when the 1-row and 30-row counts agree).
Test-only code: production never imports it.
"""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

GUANXI_ROOT = Path(__file__).resolve().parent.parent
ROWS = (1, 30)
UPDATE_ENV = "GUANXI_UPDATE_QUERY_COUNTS"

# Parameterless pages that are not lists, each with its reason (forms, POST-only actions, files).
NOT_LIST_PAGES: dict[str, str] = {
    "customers:create": "a form",
    "customers:handover": "an action (POST) from the customer page",
    "customers:validate": "htmx field validation (POST)",
    "imports:upload": "a form",
    "imports:export_customers": "a file download",
    "dedupe:compare": "a side-by-side view of the customers named in ?ids",
    "analytics:run_now": "an action (POST)",
    "interactions:reminder_task": "an action (POST)",
    "events:dead_letters_retry_all": "an action (POST): retries every dead letter",
    "interactions:settings": "a form",
    "interactions:stats_export": "a file download",
    **{f"analytics:{name}": "a dashboard of aggregates over the last analytics run, not a row per item"
       for name in ("dashboard", "rfm", "lifecycle", "value", "composition", "basket")},
}


@dataclass(frozen=True)
class ListRoute:
    """One list page ("page:<url name>") or list endpoint ("api:<path>") of an app."""

    key: str
    app: str
    path: str  # with {name} placeholders for path parameters

    @property
    def parameters(self) -> list[str]:
        return [part[1:-1] for part in self.path.replace("}", "}/").split("/") if part.startswith("{")]

    def url(self, params: Mapping[str, object]) -> str:
        """The path with its parameters filled in; `params[<route key>]`, if given, is its query string."""
        query = params.get(self.key)
        return self.path.format(**params) + (f"?{query}" if query else "")


def _pages() -> list[ListRoute]:
    routes: list[ListRoute] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.app_name and entry.urlconf_module is not None:
            module = getattr(entry.urlconf_module, "__name__", "")
            if not module.startswith("guanxi."):
                continue
            app = module.split(".")[1]
            prefix = "/" + str(entry.pattern)
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters:
                    name = f"{entry.app_name}:{pattern.name}"
                    if name not in NOT_LIST_PAGES:
                        routes.append(ListRoute(key=f"page:{name}", app=app, path=prefix + str(pattern.pattern)))
    return routes


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    fields = getattr(annotation, "model_fields", {})
    return "items" in fields and typing.get_origin(fields["items"].annotation) is list


def _endpoints() -> list[ListRoute]:
    from config.api import api

    routes: list[ListRoute] = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                model = operation.response_models.get(200) if "GET" in operation.methods else None
                if model is None or not _is_list(model.model_fields["response"].annotation):
                    continue
                app = operation.view_func.__module__.split(".")[1]
                routes.append(ListRoute(key=f"api:{path}", app=app, path="/api/v1" + path))
    return routes


def list_routes(app: str | None = None) -> list[ListRoute]:
    """The list pages and list endpoints of an app (of every app with None), sorted by key."""
    return sorted((r for r in [*_pages(), *_endpoints()] if app is None or r.app == app), key=lambda r: r.key)


def baseline_path(app: str) -> Path:
    return GUANXI_ROOT / app / "tests" / "query_counts.json"


def load_baseline(app: str) -> dict[str, int]:
    path = baseline_path(app)
    return json.loads(path.read_text()) if path.exists() else {}


def count_queries(client: Client, url: str) -> int:
    """The queries one GET of `url` makes; it must answer 200."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return len(queries.captured_queries)


def check_query_counts(
    client: Client, routes: list[ListRoute], params: Mapping[str, object], add_rows: Callable[[int], None],
    baseline: Mapping[str, int],
) -> dict[str, tuple[int, int]]:
    """Measure every route with 1 row, then after `add_rows(29)`; fail on any difference from the
    baseline (or between the two). `add_rows(n)` adds n rows to every list the routes show."""
    add_rows(ROWS[0])
    for route in routes:
        client.get(route.url(params))  # caches (content types, custom fields, translations) warm up
    first = {r.key: count_queries(client, r.url(params)) for r in routes}
    add_rows(ROWS[1] - ROWS[0])
    second = {r.key: count_queries(client, r.url(params)) for r in routes}
    measured = {key: (first[key], second[key]) for key in first}
    problems = [f"{key}: {one} queries with {ROWS[0]} row, {many} with {ROWS[1]} rows (a query per row?)"
                for key, (one, many) in measured.items() if one != many]
    if not problems and os.environ.get(UPDATE_ENV):
        return measured
    problems += [f"{key}: {one} queries, the baseline says {baseline.get(key)}"
                 for key, (one, many) in measured.items() if one == many and baseline.get(key) != one]
    assert not problems, "Query counts changed:\n" + "\n".join(problems)
    return measured


def assert_app_query_counts(
    client: Client, app: str, params: Mapping[str, object], add_rows: Callable[[int], None],
) -> None:
    """The per-app test: every list route of `app` against guanxi/<app>/tests/query_counts.json.

    `params` fills the routes' path parameters ({"customer_id": …}) and, keyed by route key, gives
    the query string a route needs ({"api:/visit-stats": "start=…&end=…"})."""
    routes = list_routes(app)
    baseline = load_baseline(app)
    measured = check_query_counts(client, routes, params, add_rows, baseline)
    if os.environ.get(UPDATE_ENV):
        counts = {key: one for key, (one, _many) in sorted(measured.items())}
        baseline_path(app).write_text(json.dumps(counts, indent=2, ensure_ascii=False) + "\n")
