"""The import wizard in a real browser: a GBK CSV with a title row and one bad row."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.e2e.conftest import assert_no_problems, login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _gbk_csv() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["客户名单"], ["客户编码", "姓名", "手机"], ["E2E1", "司徒雪晴", "13812340001"],
                                  ["E2E2", "欧阳坏行", "12"]])
    return buffer.getvalue().encode("gbk")


def test_upload_gbk_see_error_apply_valid_download_errors(new_page: Any, monkeypatch: Any) -> None:
    from guanxi.customers.models import Customer
    from guanxi.imports import services

    monkeypatch.setattr(services, "enqueue", services.run_job)  # the live server has no worker
    page = new_page()
    login(page, "rep1")
    page.goto("/imports/")
    page.set_input_files("#upload-form input[type=file]",
                         files=[{"name": "名单.csv", "mimeType": "text/csv", "buffer": _gbk_csv()}])
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview td[data-error=true]")
    with page.expect_navigation():
        page.click("#start-import")
    page.wait_for_selector("#import-status[data-state=review]")
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
