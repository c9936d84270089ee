"""The asset review in a real browser: reveal the amounts, both ECharts charts render, the page prints.

Screenshots: /tmp/asset-review.png (Chinese UI), /tmp/asset-review-en.png (English UI) and
/tmp/asset-review-print.png (print media), also copied to test-results/.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from django.db.models import Count

from tests.e2e.conftest import assert_no_problems, login, screenshot, switch_language

pytestmark = [pytest.mark.browser]

CHARTS = "#chart-mix[data-rendered='1'] svg, #chart-trend[data-rendered='1'] svg"


def _customer_with_reviews() -> tuple[int, int]:
    from guanxi.assets.models import AssetReview

    row = (AssetReview.objects.values("customer_id").annotate(n=Count("id")).filter(n__gte=2)
           .order_by("customer_id").first())
    assert row is not None, "the demo made no customer with two asset reviews"
    return row["customer_id"], row["n"]


def _open_and_reveal(page: Any, customer_id: int) -> None:
    page.goto(f"/customers/{customer_id}/?tab=assets")
    page.click("#tab-reviews-link")
    page.click("#reviews-table tbody tr:first-child a")
    page.wait_for_selector("#review-lines")
    assert "¥**,***" in page.inner_text("#review-total"), "amounts must be masked before the reveal"
    assert page.query_selector("#chart-mix") is None, "no chart data before the reveal"
    with page.expect_navigation():
        page.click("#reveal-amounts")
    page.wait_for_selector("#chart-mix[data-rendered='1'] svg")
    page.wait_for_selector("#chart-trend[data-rendered='1'] svg")


def test_asset_review_charts_render_and_print(new_page: Any) -> None:
    customer_id, reviews = _customer_with_reviews()
    page = new_page()
    login(page, "admin")
    _open_and_reveal(page, customer_id)
    assert "¥" in page.inner_text("#review-total") and "*" not in page.inner_text("#review-total")
    bars = page.eval_on_selector("#chart-trend", "el => echarts.getInstanceByDom(el).getOption().series[0].data.length")
    assert bars == reviews
    slices = page.eval_on_selector("#chart-mix", "el => echarts.getInstanceByDom(el).getOption().series[0].data.length")
    assert slices >= 1
    # the charts' own text (legend, labels) is drawn as SVG text, in a CJK-capable font stack
    assert page.eval_on_selector("#chart-mix svg", "el => el.querySelectorAll('text').length") > 0
    assert_no_problems(page)
    shutil.copy(screenshot(page, "asset-review"), "/tmp/asset-review.png")

    page.emulate_media(media="print")
    page.wait_for_timeout(200)
    assert not page.is_visible("header.navbar"), "printing must leave the navigation out"
    assert not page.is_visible("#reveal-bar") and page.is_visible(".review-print-header")
    assert page.is_visible("#chart-mix svg") and page.is_visible("#chart-trend svg")
    shutil.copy(screenshot(page, "asset-review-print"), "/tmp/asset-review-print.png")
    page.emulate_media(media="screen")

    switch_language(page, "en")
    _open_and_reveal(page, customer_id)
    assert "Asset mix" in page.inner_text("body")
    assert_no_problems(page)
    shutil.copy(screenshot(page, "asset-review-en"), "/tmp/asset-review-en.png")


def test_a_rep_sees_the_review_masked_and_cannot_reveal(new_page: Any) -> None:
    from guanxi.customers.models import Customer

    customer_id, _reviews = _customer_with_reviews()
    owner = Customer.objects.select_related("owner").get(pk=customer_id).owner.username
    page = new_page()
    login(page, owner)
    page.goto(f"/customers/{customer_id}/?tab=assets")
    page.click("#tab-reviews-link")
    page.click("#reviews-table tbody tr:first-child a")
    page.wait_for_selector("#review-lines")
    assert page.query_selector("#reveal-amounts") is None and page.is_visible("#masked-note")
    assert "¥**,***" in page.inner_text("#review-lines")
    assert page.query_selector("#chart-mix") is None
    assert_no_problems(page)
