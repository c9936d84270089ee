"""Contact people (联系人) in a real browser: the Contacts tab at desktop and phone size, in both
languages, and the contacts search.

Run only these: `.venv/bin/python -m pytest tests/e2e -m browser`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import assert_no_problems, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE_VIEWPORT = {"width": 375, "height": 812}


def _rep1_organization() -> Any:
    from guanxi.customers.models import Customer

    customer = Customer.objects.filter(kind="organization", owner__username="rep1").order_by("id").first()
    assert customer is not None, "the demo gives rep1 no organization customer"
    return customer


@pytest.mark.parametrize(("language", "tab", "add", "viewport"), [
    ("en", "Contacts", "Add contact person", {"width": 1280, "height": 900}),
    ("zh-hans", "联系人", "添加联系人", PHONE_VIEWPORT),
])
def test_add_a_contact_on_the_tab_and_find_it(new_page: Any, language: str, tab: str, add: str,
                                              viewport: dict[str, int]) -> None:
    from guanxi.accounts.models import User

    customer = _rep1_organization()
    User.objects.filter(username="rep1").update(language=language)  # the user's saved UI language
    page = new_page(viewport=viewport)
    login(page, "rep1")
    page.goto(f"/customers/{customer.pk}/?tab=contacts")
    assert page.locator("[data-tab=contacts]").inner_text().strip() == tab
    page.fill("#contact-form [name=name]", "司徒雪晴")
    page.fill("#contact-form [name=phones]", "13812341234")
    page.select_option("#contact-form [name=role]", "purchasing")
    page.click(f"#contact-form button[type=submit]:has-text('{add}')")
    page.wait_for_selector("#contacts tr[data-contact]:has-text('司徒雪晴')")
    row = page.inner_text("#contacts tr[data-contact]:has-text('司徒雪晴')")
    assert "138****1234" in row and "13812341234" not in row
    overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert overflow, "the Contacts tab makes the page scroll sideways"
    screenshot(page, f"contacts-tab-{language}")
    page.goto("/customers/contacts/?q=stxq")
    assert customer.name in page.inner_text("#contact-results")
    assert_no_problems(page)
