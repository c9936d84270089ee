"""The customer archive in a real browser: log in, language, create, search by pinyin, reveal, phone size.

Run only these: `.venv/bin/python -m pytest tests/e2e -m browser`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import (
    assert_no_problems,
    login,
    logout,
    screenshot,
    switch_language,
    translations_compiled,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NAME = "司徒雪晴"  # a surname the demo generator never uses, so the search result is ours alone
INITIALS = "stxq"
PHONE = "13812341234"
MASKED = "138****1234"
PHONE_VIEWPORT = {"width": 375, "height": 812}


def _create_customer(page: Any) -> int:
    page.goto("/customers/new/")
    page.select_option("#customer-form [name=kind]", "person")
    page.fill("#customer-form [name=name]", NAME)
    page.fill("#customer-form [name=phones]", PHONE)
    page.fill("#customer-form [name=email]", "situ@example.com")
    with page.expect_navigation():
        page.click("#customer-form button[type=submit]")
    match = re.search(r"/customers/(\d+)/$", page.url)
    assert match, f"creating a customer did not lead to its page: {page.url}\n{page.inner_text('body')[:2000]}"
    return int(match.group(1))


def _search(page: Any, term: str) -> None:
    page.fill("#id_q", term)
    # The list is swapped in by htmx; the URL is pushed once the swap is done.
    page.wait_for_url(re.compile(rf"[?&]q={re.escape(quote(term))}(&|$)"))
    page.wait_for_load_state("networkidle")


def test_login_and_language_choice_persists_per_user(new_page: Any) -> None:
    page = new_page()
    login(page, "rep1")
    assert page.get_attribute("html", "lang") == "zh-hans", "the UI's default language is Simplified Chinese"
    if translations_compiled():
        assert "Customers" not in page.inner_text("#navbar-menu"), "the Chinese UI still shows English menu items"
    page.wait_for_selector("[data-figure=total]")

    switch_language(page, "en")
    assert page.inner_text("#navbar-menu a[href='/customers/']").strip() == "Customers"

    # Log out, drop every cookie (the language cookie too), log in again: still English, from the user.
    logout(page)
    page.context.clear_cookies()
    login(page, "rep1")
    assert page.get_attribute("html", "lang") == "en", "the language choice was not remembered for the user"

    # Another user is unaffected.
    other = new_page()
    login(other, "rep2")
    assert other.get_attribute("html", "lang") == "zh-hans"
    assert_no_problems(page)
    assert_no_problems(other)


def test_create_find_by_pinyin_open_and_reveal(new_page: Any) -> None:
    rep = new_page()
    login(rep, "rep1")
    customer_id = _create_customer(rep)
    assert rep.inner_text("#phones-masked").strip() == MASKED
    assert rep.locator("#reveal-phones").count() == 0, "a rep without the reveal permission sees a reveal button"
    assert PHONE not in rep.content(), "the full phone number is in the page of a rep who may not reveal it"

    # Find it by its pinyin initials in the list's search box (htmx swaps #customer-results).
    rep.goto("/customers/")
    assert rep.get_attribute("html", "lang") == "zh-hans"
    rows = rep.locator("#customer-results tr[data-customer]")
    assert rows.count() > 1, "the demo customers are not listed"
    rep.evaluate("window.__notReloaded = true")
    _search(rep, INITIALS)
    rep.wait_for_selector(f"#customer-results tr[data-customer='{customer_id}']")
    assert rep.evaluate("window.__notReloaded === true"), "the search reloaded the page instead of swapping"
    assert rows.count() == 1, [rows.nth(i).inner_text() for i in range(rows.count())]
    screenshot(rep, "list-zh-hans")
    with rep.expect_navigation():
        rep.click(f"#customer-results tr[data-customer='{customer_id}'] a")
    assert rep.url.endswith(f"/customers/{customer_id}/")
    assert NAME in rep.inner_text(".page-title")
    assert rep.inner_text("#phones-masked").strip() == MASKED

    # The department head may reveal it; the reveal is swapped in place.
    manager = new_page()
    login(manager, "manager")
    switch_language(manager, "en")
    manager.goto(f"/customers/{customer_id}/")
    assert manager.get_attribute("html", "lang") == "en"
    assert manager.inner_text("#phones-masked").strip() == MASKED
    screenshot(manager, "customer-en")
    manager.click("#reveal-phones")
    manager.wait_for_selector("#phones-revealed")
    assert manager.inner_text("#phones-revealed").strip() == PHONE
    assert manager.url.endswith(f"/customers/{customer_id}/")
    assert_no_problems(rep)
    assert_no_problems(manager)


def test_phone_sized_list_is_usable(new_page: Any) -> None:
    page = new_page(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    login(page, "rep1")
    page.goto("/customers/")
    page.wait_for_selector("#customer-results tr[data-customer]")
    overflow = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert overflow["scroll"] <= overflow["inner"], f"the page scrolls sideways on a phone: {overflow}"
    assert page.is_visible(".navbar-toggler"), "no menu toggler on a phone-sized screen"
    assert page.is_visible("#id_q")
    first = page.locator("#customer-results tr[data-customer] a").first
    assert first.is_visible()
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_VIEWPORT["width"]
    screenshot(page, "list-phone")

    # The collapsed menu opens and leads to the list.
    page.click(".navbar-toggler")
    page.wait_for_selector("#navbar-menu.show a[href='/customers/']", state="visible")

    # Searching works at this size too.
    name = first.inner_text().strip()
    _search(page, name)
    page.wait_for_selector("#customer-results tr[data-customer]")
    assert name in page.inner_text("#customer-results")
    overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert overflow, "the search results make the page scroll sideways on a phone"
    assert_no_problems(page)


def test_email_is_validated_when_leaving_the_field(new_page: Any) -> None:
    page = new_page()
    login(page, "rep1")
    page.goto("/customers/new/")
    page.evaluate("window.__notReloaded = true")
    page.fill("#customer-form [name=name]", NAME)
    page.fill("#customer-form [name=email]", "not-an-email")
    with page.expect_response(lambda r: "/customers/validate/" in r.url and "field=email" in r.url):
        page.press("#customer-form [name=email]", "Tab")
    page.wait_for_function("document.querySelector('#errors-email').innerText.trim() !== ''")
    assert page.is_visible("#errors-email")
    assert page.evaluate("window.__notReloaded === true"), "validation reloaded the page"
    assert page.url.endswith("/customers/new/")

    # Correcting it clears the message.
    page.fill("#customer-form [name=email]", "situ@example.com")
    with page.expect_response(lambda r: "/customers/validate/" in r.url and "field=email" in r.url):
        page.press("#customer-form [name=email]", "Tab")
    page.wait_for_function("document.querySelector('#errors-email').innerText.trim() === ''")
    assert_no_problems(page)


def test_email_is_validated_before_the_name_is_filled_in(new_page: Any) -> None:
    """People fill forms in any order: a bad email is reported even while the (required) name is empty."""
    page = new_page()
    login(page, "rep1")
    page.goto("/customers/new/")
    page.fill("#customer-form [name=email]", "not-an-email")
    with page.expect_response(lambda r: "/customers/validate/" in r.url and "field=email" in r.url):
        page.press("#customer-form [name=email]", "Tab")
    page.wait_for_timeout(200)  # let htmx settle the swap
    assert page.inner_text("#errors-email").strip() != "", "no error for a bad email while the name is still empty"
    assert_no_problems(page)
