"""The asset review in a real browser: reveal the amounts, both ECharts charts render, the page prints.

Screenshots: /tmp/asset-review.png (Chinese UI), /tmp/asset-review-en.png (English UI) and
/tmp/asset-review-print.png (print media), also copied to test-results/; the printed PDF is
test-results/asset-review.pdf (and /tmp/asset-review.pdf).
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from django.db.models import Count

from tests.e2e.conftest import RESULTS, assert_no_problems, login, screenshot, switch_language

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
    _assert_prints_to_pdf_in_chinese(page)
    page.emulate_media(media="screen")

    switch_language(page, "en")
    _open_and_reveal(page, customer_id)
    assert "Asset mix" in page.inner_text("body")
    assert_no_problems(page)
    shutil.copy(screenshot(page, "asset-review-en"), "/tmp/asset-review-en.png")


def _assert_prints_to_pdf_in_chinese(page: Any) -> None:
    """What "print to PDF" gives: Chromium's own PDF of the page (print media, A4), whose text is the
    page's Chinese text in embedded fonts, on one or two pages, with the charts but not the navigation."""
    from pypdf import PdfReader

    path = RESULTS / "asset-review.pdf"
    page.pdf(path=str(path), format="A4", print_background=True)
    shutil.copy(path, "/tmp/asset-review.pdf")
    reader = PdfReader(path)
    assert 1 <= len(reader.pages) <= 2, f"the review prints on {len(reader.pages)} pages"
    text = "".join(p.extract_text() for p in reader.pages)
    title = page.inner_text(".review-print-header h1").strip()
    assert title and title in text.replace("\n", " "), (title, text[:300])
    assert "资产" in text and "¥" in text and "¥**,***" not in text
    assert "退出登录" not in text and "客户联络" not in text, "the navigation must not print"
    fonts = set()
    for pdf_page in reader.pages:
        for font in (pdf_page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3":
                continue  # its glyphs are drawn by the PDF itself
            descriptor = font.get("/FontDescriptor") or next(
                (d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts") or []), None)
            if descriptor is not None:
                descriptor = descriptor.get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts.add((str(font.get("/BaseFont")), embedded))
    assert fonts and all(embedded for _name, embedded in fonts), fonts


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
