"""Birthday and anniversary reminders of the customer archive (guanxi/customers/reminders.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from guanxi.core.registry import registry
from guanxi.customers import reminders
from guanxi.customers.models import Customer, FamilyMember

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def _lunar(record: Customer | FamilyMember, month: int, day: int, leap: bool = False) -> None:
    type(record).objects.filter(pk=record.pk).update(
        birthday_calendar="lunar", lunar_birth_month=month, lunar_birth_day=day, lunar_birth_leap=leap
    )


def _family(customer: Customer, name: str, relation: str = "child", **values: object) -> FamilyMember:
    return FamilyMember.objects.create(customer=customer, name=name, relation=relation, **values)


def _found(user: object, start: dt.date, end: dt.date) -> list[tuple[dt.date, str, str]]:
    return [(r.on, r.kind, r.title) for r in reminders.customer_reminders(user, start, end)]


def test_solar_birthdays_in_the_window_with_29_february_kept_on_the_28th(org, make_customer) -> None:
    zhang = make_customer("张三", birthday=D(1980, 10, 3))
    make_customer("李四", birthday=D(1980, 11, 30))
    make_customer("王五", birthday=D(1988, 2, 29))
    assert _found(org.owner, D(2025, 9, 25), D(2025, 10, 24)) == [(D(2025, 10, 3), "birthday", "Birthday: 张三")]
    assert _found(org.owner, D(2025, 2, 20), D(2025, 3, 5)) == [(D(2025, 2, 28), "birthday", "Birthday: 王五")]
    assert _found(org.owner, D(2028, 2, 28), D(2028, 2, 28)) == []
    assert _found(org.owner, D(2028, 2, 29), D(2028, 3, 1)) == [(D(2028, 2, 29), "birthday", "Birthday: 王五")]
    found = reminders.customer_reminders(org.owner, D(2025, 10, 3), D(2025, 10, 3))[0]
    assert (found.customer_id, found.url) == (zhang.pk, f"/customers/{zhang.pk}/")


def test_a_window_across_the_new_year_orders_december_before_january(org, make_customer) -> None:
    make_customer("一月", birthday=D(1990, 1, 2))
    make_customer("十二月", birthday=D(1990, 12, 30))
    assert [t for _d, _k, t in _found(org.owner, D(2025, 12, 20), D(2026, 1, 18))] == ["Birthday: 十二月",
                                                                                      "Birthday: 一月"]


def test_lunar_birthdays_with_the_leap_month_and_30th_rules(org, make_customer) -> None:
    mid_autumn = make_customer("中秋生", birthday=D(1980, 9, 24))
    _lunar(mid_autumn, 8, 15)
    leap = make_customer("闰月生", birthday=D(2020, 6, 21))
    _lunar(leap, 6, 1, leap=True)
    eve = make_customer("除夕生", birthday=D(1990, 1, 26))
    _lunar(eve, 12, 30)
    assert _found(org.owner, D(2025, 9, 25), D(2025, 10, 24)) == [
        (D(2025, 10, 6), "lunar_birthday", "Lunar birthday: 中秋生 (八月十五)")]
    # 2025 has a leap sixth month: the leap birthday is kept there, not on the ordinary 六月初一 (25 June).
    assert _found(org.owner, D(2025, 6, 20), D(2025, 7, 30)) == [
        (D(2025, 7, 25), "lunar_birthday", "Lunar birthday: 闰月生 (闰六月初一)")]
    # 2026 has none: kept on 六月初一.
    assert _found(org.owner, D(2026, 7, 10), D(2026, 7, 20)) == [
        (D(2026, 7, 14), "lunar_birthday", "Lunar birthday: 闰月生 (闰六月初一)")]
    # No 腊月三十 in lunar 2025: kept on 廿九, 16 February 2026.
    assert _found(org.owner, D(2026, 2, 10), D(2026, 2, 20)) == [
        (D(2026, 2, 16), "lunar_birthday", "Lunar birthday: 除夕生 (腊月三十)")]


def test_family_birthdays_link_to_the_family_tab(org, make_customer) -> None:
    customer = make_customer("张三")
    _family(customer, "张小明", birthday=D(2015, 10, 2))
    wife = _family(customer, "王芳", relation="spouse", birthday=D(1982, 9, 24))
    _lunar(wife, 8, 15)
    found = reminders.customer_reminders(org.owner, D(2025, 9, 25), D(2025, 10, 24))
    assert [(r.on, r.kind, r.title, r.customer_id, r.url) for r in found] == [
        (D(2025, 10, 2), "family_birthday", "Birthday: 张小明, Child of 张三", customer.pk,
         f"/customers/{customer.pk}/?tab=family"),
        (D(2025, 10, 6), "family_lunar_birthday", "Lunar birthday: 王芳, Spouse of 张三 (八月十五)", customer.pk,
         f"/customers/{customer.pk}/?tab=family"),
    ]


def test_a_relative_who_is_a_customer_too_is_reminded_of_once(org, make_customer) -> None:
    son = make_customer("张小明", birthday=D(2000, 10, 2))
    father = make_customer("张三")
    _family(father, "张小明", birthday=D(2000, 10, 2), linked_customer=son)
    assert _found(org.owner, D(2025, 10, 1), D(2025, 10, 3)) == [(D(2025, 10, 2), "birthday", "Birthday: 张小明")]


def test_company_anniversaries_count_the_years(org, make_customer) -> None:
    make_customer("某某商贸有限公司", kind="organization", founded_on=D(2015, 10, 8))
    make_customer("新开的店", kind="organization", founded_on=D(2025, 10, 9))
    assert _found(org.owner, D(2025, 10, 1), D(2025, 10, 31)) == [
        (D(2025, 10, 8), "anniversary", "Company anniversary: 某某商贸有限公司, 10 years")]


def test_reminders_follow_the_data_scope_and_skip_archived_customers(org, make_customer) -> None:
    mine = make_customer("张三", birthday=D(1980, 10, 3))
    _family(mine, "张小明", birthday=D(2015, 10, 2))
    make_customer("李四", birthday=D(1980, 10, 4), actor=org.teammate)
    make_customer("王五", birthday=D(1980, 10, 5), actor=org.outsider)
    window = (D(2025, 10, 1), D(2025, 10, 31))
    names = lambda user: [r.title for r in reminders.customer_reminders(user, *window)]  # noqa: E731
    assert names(org.owner) == ["Birthday: 张小明, Child of 张三", "Birthday: 张三"]
    assert names(org.outsider) == ["Birthday: 王五"]
    assert names(org.manager) == ["Birthday: 张小明, Child of 张三", "Birthday: 张三", "Birthday: 李四"]
    assert len(names(org.admin)) == 4
    Customer.objects.filter(pk=mine.pk).update(archived_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert names(org.owner) == []


def test_results_are_capped_after_sorting_by_date(org, make_customer, monkeypatch) -> None:
    monkeypatch.setattr(reminders, "CAP", 3)
    for day in (9, 7, 5, 3, 1):
        make_customer(f"客户{day}", birthday=D(1980, 10, day))
    assert [d.day for d, _k, _t in _found(org.owner, D(2025, 10, 1), D(2025, 10, 31))] == [1, 3, 5]


def test_a_reps_reminders_take_a_fixed_number_of_queries(org, make_customer, django_assert_num_queries) -> None:
    for i in range(6):
        customer = make_customer(f"客户{i}", birthday=D(1980, 10, 1 + i))
        _family(customer, f"家属{i}", birthday=D(2010, 10, 10 + i))
    with django_assert_num_queries(5):  # customers solar + lunar, family solar + lunar, anniversaries
        assert len(reminders.customer_reminders(org.owner, D(2025, 10, 1), D(2025, 10, 31))) == 12


def test_the_source_is_registered_and_anonymous_users_get_nothing(org) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert reminders.customer_reminders in registry.reminder_sources
    assert reminders.customer_reminders(AnonymousUser(), D(2025, 1, 1), D(2025, 12, 31)) == []
    assert reminders.customer_reminders(org.owner, D(2025, 2, 1), D(2025, 1, 1)) == []
