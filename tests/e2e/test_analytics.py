"""The analytics dashboards in a real browser: every chart renders (ECharts, SVG, no animation under
test), the tables are there, a rep sees only own customers, a manager's "Run now" shows a progress
bar that ends in a reload, and a customer's Analytics tab shows the scores.

Screenshots (also copied to test-results/): /tmp/analytics-<page>.png in Chinese,
/tmp/analytics-<page>-en.png in English, /tmp/analytics-value-phone.png at phone width,
/tmp/analytics-run-progress.png and /tmp/analytics-customer-tab.png.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.e2e.conftest import assert_no_problems, login, screenshot, switch_language

pytestmark = [pytest.mark.browser]

# page path → the charts it draws
PAGES = {
    "overview": ("/analytics/", ["segments", "stages"]),
    "rfm": ("/analytics/rfm/", ["heatmap", "segments", "clusters"]),
    "lifecycle": ("/analytics/lifecycle/", ["funnel", "movements"]),
    "value": ("/analytics/value/", ["clv", "lorenz"]),
    "composition": ("/analytics/composition/", ["importance", "category", "region", "store"]),
    "basket": ("/analytics/basket/", ["pairs"]),
}


# Drawn only when there is something to draw: clusters (k ≥ 2) and pairs bought together often enough.
OPTIONAL = {"clusters", "pairs"}


def _current_run() -> Any:
    from guanxi.analytics import services
    from guanxi.analytics.models import AnalyticsRun

    run = AnalyticsRun.objects.filter(is_current=True).first()
    if run is None:  # the demo makes one; without it, run here
        run = services.run_now(actor=None)
    assert run.state == "done", run.error
    _plant_pairs(run)
    return run


def _plant_pairs(run: Any) -> None:
    """Fifty demo customers buy no pair often enough for the run's support threshold: add two pairs
    to the run so the administrator's bought-together chart has something to draw."""
    from guanxi.analytics.models import ProductPair
    from guanxi.orders.models import Product

    if ProductPair.objects.filter(run=run).exists():
        return
    a, b, c = Product.objects.order_by("pk")[:3]
    ProductPair.objects.bulk_create([
        ProductPair(run=run, product=a, other=b, together=12, support=0.03, confidence=0.4, lift=6.5),
        ProductPair(run=run, product=b, other=a, together=12, support=0.03, confidence=0.6, lift=6.5),
        ProductPair(run=run, product=a, other=c, together=5, support=0.01, confidence=0.2, lift=2.1),
    ])


def _open(page: Any, name: str, *, charts: list[str] | None = None) -> None:
    path, expected = PAGES[name]
    page.goto(path)
    for chart in expected if charts is None else charts:
        if page.query_selector(f"#chart-{chart}") is None and chart in OPTIONAL:
            continue
        page.wait_for_selector(f"#chart-{chart}[data-rendered='1'] svg")


def test_every_dashboard_renders_its_charts_and_tables_in_both_languages(new_page: Any) -> None:
    _current_run()
    page = new_page()
    login(page, "admin")
    for name in PAGES:
        _open(page, name)
        assert page.query_selector("#analytics-empty") is None
        if name != "basket" or page.query_selector("[data-chart]"):
            assert page.eval_on_selector("[data-chart]", "el => echarts.getInstanceByDom(el).getOption().animation") \
                is False, "animation must be off under test"
        assert_no_problems(page)
        shutil.copy(screenshot(page, f"analytics-{name}"), f"/tmp/analytics-{name}.png")

    _open(page, "rfm", charts=["heatmap"])
    cells = page.eval_on_selector("#chart-heatmap", "el => echarts.getInstanceByDom(el).getOption().series[0].data")
    segments = page.eval_on_selector_all("#table-segments tbody tr", "rows => rows.length")
    assert len(cells) == 25 and segments == 8
    assert page.query_selector("#table-rfm a[data-export='xlsx']") is not None

    switch_language(page, "en")
    for name in PAGES:
        _open(page, name)
        assert_no_problems(page)
        shutil.copy(screenshot(page, f"analytics-{name}-en"), f"/tmp/analytics-{name}-en.png")
    _open(page, "value")
    assert "Churn risk" in page.inner_text("body") and "Value at risk" in page.inner_text("body")


def test_a_rep_sees_own_customers_only_and_the_customer_tab(new_page: Any) -> None:
    from guanxi.accounts.models import User
    from guanxi.analytics.models import CustomerMetrics
    from guanxi.customers.models import Customer

    _current_run()
    rep = User.objects.get(username="rep1")
    own = CustomerMetrics.objects.filter(customer__owner=rep, customer__archived_at__isnull=True).count()
    others = list(Customer.objects.exclude(owner=rep).filter(metrics__isnull=False)
                  .order_by("-metrics__value_at_risk").values_list("name", flat=True)[:5])
    page = new_page(viewport={"width": 390, "height": 844})
    login(page, "rep1")
    _open(page, "overview")
    assert page.inner_text("[data-figure='customers']").strip() == str(own)
    assert page.query_selector("#run-now") is None, "reps do not start runs"
    _open(page, "value")
    table = page.inner_text("#table-churn")
    assert not any(name in table for name in others if not Customer.objects.filter(name=name, owner=rep).exists())
    # the page fits a phone: nothing wider than the screen but the scrollable tables
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    assert_no_problems(page)
    shutil.copy(screenshot(page, "analytics-value-phone"), "/tmp/analytics-value-phone.png")

    customer = (Customer.objects.filter(owner=rep, metrics__isnull=False).order_by("-metrics__clv").first())
    assert customer is not None
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/customers/{customer.pk}/?tab=analytics")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert customer.name in body
    assert_no_problems(page)
    shutil.copy(screenshot(page, "analytics-customer-tab"), "/tmp/analytics-customer-tab.png")


def test_a_manager_runs_the_analytics_and_watches_the_progress(new_page: Any) -> None:
    from guanxi.analytics import services
    from guanxi.analytics.models import AnalyticsRun

    before = _current_run()
    page = new_page()
    login(page, "manager")
    _open(page, "overview")
    page.click("#run-now")
    page.wait_for_selector("#run-progress-card[data-state='queued']")
    queued = AnalyticsRun.objects.exclude(pk=before.pk).get(state="queued")
    assert queued.trigger == "ui"
    shutil.copy(screenshot(page, "analytics-run-progress"), "/tmp/analytics-run-progress.png")
    # No worker runs in the test server: do the worker's job here; the polling then reloads the page.
    with page.expect_navigation(timeout=20_000):
        services.run_job(queued.pk)
    page.wait_for_selector("#chart-segments[data-rendered='1'] svg")
    assert page.query_selector("#run-progress-card") is None
    queued.refresh_from_db()
    assert queued.state == "done" and queued.is_current
    assert_no_problems(page)
