"""The one money format: ¥1,234.50, negative -¥12.50, in code and in templates."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from guanxi.core.money import format_money, format_money_change


@pytest.mark.parametrize(("amount", "text"), [
    (Decimal("1234.5"), "¥1,234.50"),
    (Decimal("-12.5"), "-¥12.50"),
    (Decimal("0"), "¥0.00"),
    (Decimal("-0.001"), "¥0.00"),
    (Decimal("999999999999.99"), "¥999,999,999,999.99"),
    (1234567.891, "¥1,234,567.89"),
    (-3, "-¥3.00"),
    (None, "—"),
])
def test_format_money(amount: Decimal | float | int | None, text: str) -> None:
    assert format_money(amount) == text


def test_a_missing_amount_can_show_something_else() -> None:
    assert format_money(None, empty="") == ""


@pytest.mark.parametrize(("amount", "text"), [
    (Decimal("1234.5"), "+¥1,234.50"), (Decimal("-1234.5"), "-¥1,234.50"), (Decimal(0), "¥0.00"), (None, ""),
])
def test_format_money_change(amount: Decimal | None, text: str) -> None:
    assert format_money_change(amount) == text


def test_the_template_filters() -> None:
    template = Template("{% load guanxi %}{{ a|money }} {{ b|money }} {{ c|money }} {{ c|money:'' }}|"
                        "{{ d|money_change }}")
    text = template.render(Context({"a": Decimal("1234.5"), "b": Decimal("-12.5"), "c": None, "d": Decimal("7")}))
    assert text == "¥1,234.50 -¥12.50 — |+¥7.00"
