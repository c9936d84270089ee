"""Follow-up in a real browser: log a call from the customer list, see it on the contact calendar,
drag a card on the weekly board, and see a family member's lunar birthday among the reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.e2e.conftest import assert_no_problems, login, screenshot

pytestmark = pytest.mark.browser


def test_follow_up_journey(new_page: Any, demo: dict[str, Any]) -> None:
    from guanxi.core import calendar
    from guanxi.customers.models import Customer, FamilyMember
    from guanxi.interactions import services
    from guanxi.interactions.models import Interaction, Task

    rep = next(u for u in demo["reps"] if u.username == "rep1")
    page = new_page()
    login(page, "rep1")

    # 1. Log a call from the customer list, without a page reload.
    page.goto("/customers/")
    button = page.locator("[data-log-contact]").first
    customer_id = int(button.get_attribute("data-log-contact"))
    button.click()
    form = page.locator(f"#log-form-{customer_id}")
    form.wait_for()
    form.locator(f"label[for='ch-{customer_id}-T']").click()
    form.locator("textarea[name=notes]").fill("电话回访：客户要新品目录")
    with page.expect_response(lambda r: f"/follow-up/log/{customer_id}/" in r.url and r.request.method == "POST"):
        form.locator("button[type=submit]").click()
    page.locator("[data-logged]").wait_for()
    assert page.url.endswith("/customers/")
    logged = Interaction.objects.get(customer_id=customer_id, notes="电话回访：客户要新品目录")
    assert logged.channel == "T" and logged.user == rep
    screenshot(page, "followup-list-quick-add")

    # 2. The call is on the contact calendar: letter T, notes behind it.
    page.goto("/follow-up/calendar/?span=week")
    cell = page.locator(f"tr[data-customer='{customer_id}'] abbr[data-letter='T'][title='电话回访：客户要新品目录']")
    cell.wait_for()
    page.click("#span-month")
    page.locator(f"tr[data-customer='{customer_id}'] abbr[data-letter='T']").first.wait_for()
    screenshot(page, "followup-calendar")

    # 3. Drag a card from today to tomorrow on the weekly board.
    task = services.task_create(actor=rep, data={"title": "拖动我", "due_on": timezone.localdate()})
    page.goto("/follow-up/board/")
    card = page.locator(f"#card-{task.pk}")
    card.wait_for()
    with page.expect_response(lambda r: f"/follow-up/tasks/{task.pk}/move/" in r.url):
        card.drag_to(page.locator("[data-column='tomorrow']"))
    page.locator(f"[data-column='tomorrow'] #card-{task.pk}").wait_for()
    task.refresh_from_db()
    assert task.due_on == timezone.localdate() + dt.timedelta(days=1)
    page.click(f"#card-{task.pk} [data-done]")
    page.locator(f"#card-{task.pk}.opacity-50").wait_for()
    assert Task.objects.get(pk=task.pk).done_at is not None
    screenshot(page, "followup-board")

    # 4. A family member's lunar birthday in three days shows among the reminders.
    day = timezone.localdate() + dt.timedelta(days=3)
    _year, month, lunar_day, leap = calendar.lunar_date_of(day)
    customer = Customer.objects.get(pk=customer_id)
    FamilyMember.objects.create(customer=customer, name="王小芳", relation="child", birthday=dt.date(2015, 1, 1),
                                birthday_calendar="lunar", lunar_birth_month=month, lunar_birth_day=lunar_day,
                                lunar_birth_leap=leap)
    page.goto("/calendar/")
    item = page.locator(f"[data-date='{day.isoformat()}'] [data-kind='family_lunar_birthday']", has_text="王小芳")
    item.wait_for()
    screenshot(page, "followup-reminders")
    assert_no_problems(page)
