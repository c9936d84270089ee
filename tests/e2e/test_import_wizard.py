"""The import wizard in a real browser: a GBK CSV with a title row and one bad row."""

from __future__ import annotations

import csv
import io
import shutil
from typing import Any

import pytest

from tests.e2e.conftest import assert_no_problems, login, screenshot, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _gbk_csv() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["客户名单"], ["客户编码", "姓名", "手机"], ["E2E1", "司徒雪晴", "13812340001"],
                                  ["E2E2", "欧阳坏行", "12"]])
    return buffer.getvalue().encode("gbk")



def _upload(page: Any, name: str, content: bytes, target: str = "") -> None:
    """Upload a file on the import page (choosing the target if given) and wait for its preview."""
    page.goto("/imports/")
    if target:
        page.check(f"#upload-form input[name=target][value={target}]")
    page.set_input_files("#upload-form input[type=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview td[data-error=true]")


def _start_and_review(page: Any) -> None:
    with page.expect_navigation():
        page.click("#start-import")
    page.wait_for_selector("#import-status[data-state=review]")

def test_upload_gbk_see_error_apply_valid_download_errors(new_page: Any, monkeypatch: Any) -> None:
    from guanxi.customers.models import Customer
    from guanxi.imports import services

    monkeypatch.setattr(services, "enqueue", services.run_job)  # the live server has no worker
    page = new_page()
    login(page, "rep1")
    _upload(page, "名单.csv", _gbk_csv())
    _start_and_review(page)
    assert "12" in page.inner_text("#import-errors")
    with page.expect_download() as download:
        page.click("#error-file-csv")
    content = download.value.path().read_bytes().decode("utf-8-sig")
    assert "E2E2" in content and "E2E1" not in content
    with page.expect_navigation():
        page.click("#apply-valid")
    page.wait_for_selector("#import-status[data-state=done]")
    assert Customer.objects.filter(code="E2E1").exists() and not Customer.objects.filter(code="E2E2").exists()
    assert_no_problems(page)


def _order_lines_csv(customer: str, product: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([
        ["3月门店销售明细"],
        ["来源", "订单号", "客户编号", "客户名称", "门店", "渠道", "状态", "下单时间", "商品编码", "数量", "单价", "折扣"],
        ["e2e-pos", "E1", customer, "", "", "门店", "已付款", "2026-03-01 10:00", product, "2", "50", "0"],
        ["e2e-pos", "E1", customer, "", "", "门店", "已付款", "2026-03-01 10:00", product, "1", "50", "5"],
        ["e2e-pos", "E2", customer, "", "", "门店", "已付款", "2026-03-01 11:00", product, "两件", "50", "0"],
        ["e2e-pos", "E3", "E2E-NEW", "新客户", "", "线上", "已发货", "2026-03-02 09:30", product, "1", "80", ""],
    ])
    return buffer.getvalue().encode("gbk")


def test_order_lines_mapping_preview_review_apply_valid(new_page: Any, monkeypatch: Any) -> None:
    """A manager imports a POS file of order lines: auto-mapped Chinese headers, a cell error in the
    preview, unknown customers created, one bad order left in the error file."""
    from guanxi.accounts.models import User
    from guanxi.customers.models import Customer
    from guanxi.imports import services
    from guanxi.orders.models import Order, Product

    monkeypatch.setattr(services, "enqueue", services.run_job)  # the live server has no worker
    manager = User.objects.get(username="manager")
    customer = Customer.objects.visible_to(manager).order_by("id").first()
    product = Product.objects.order_by("code").first()
    assert customer is not None and product is not None
    page = new_page()
    login(page, "manager")
    page.goto("/imports/")
    page.check("#upload-form input[name=target][value=orders]")
    shutil.copy(screenshot(page, "import-list-zh"), "/tmp/import-list-zh.png")
    page.set_input_files("#upload-form input[type=file]", files=[
        {"name": "门店3月.csv", "mimeType": "text/csv", "buffer": _order_lines_csv(customer.code, product.code)}])
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview td[data-error=true]")
    assert page.input_value("#id_header_row") == "2"
    assert [page.input_value(f"#id_col_{i}") for i in (0, 1, 2, 7, 8, 9)] == [
        "source", "external_id", "customer_code", "ordered_at", "product_code", "quantity"]
    assert page.locator("#preview td[data-error=true]").count() == 1
    shutil.copy(screenshot(page, "import-orders-zh"), "/tmp/import-orders-zh.png")
    switch_language(page, "en")
    page.wait_for_selector("#preview td[data-error=true]")
    assert "Enter a number." in page.inner_text("#preview")
    shutil.copy(screenshot(page, "import-orders-en"), "/tmp/import-orders-en.png")
    page.select_option("#id_unknown_customers", "create")
    with page.expect_navigation():
        page.click("#start-import")
    page.wait_for_selector("#import-status[data-state=review]")
    assert page.locator("#import-errors td[data-field=quantity]").count() == 1
    assert not Order.objects.filter(source="e2e-pos").exists()
    with page.expect_download() as download:
        page.click("#error-file-csv")
    content = download.value.path().read_bytes().decode("utf-8-sig")
    assert "两件" in content and "E1" not in content
    with page.expect_navigation():
        page.click("#apply-valid")
    page.wait_for_selector("#import-status[data-state=done]")
    assert page.inner_text("#import-status [data-count=created]") == "2"
    shutil.copy(screenshot(page, "import-orders-done-en"), "/tmp/import-orders-done-en.png")
    assert sorted(Order.objects.filter(source="e2e-pos").values_list("external_id", flat=True)) == ["E1", "E3"]
    assert Customer.objects.get(code="E2E-NEW").owner == manager
    # The same file again, in Chinese: the two orders are as stored, so they are counted unchanged.
    switch_language(page, "zh-hans")
    _upload(page, "门店3月.csv", _order_lines_csv(customer.code, product.code), target="orders")
    _start_and_review(page)
    with page.expect_navigation():
        page.click("#apply-valid")
    page.wait_for_selector("#import-status[data-state=done]")
    assert page.inner_text("#import-status [data-count=unchanged]") == "2"
    assert page.inner_text("#import-status [data-count=created]") == "0"
    assert "未变订单" in page.inner_text("#import-status")
    shutil.copy(screenshot(page, "import-orders-again-zh"), "/tmp/import-orders-again-zh.png")
    assert_no_problems(page)
