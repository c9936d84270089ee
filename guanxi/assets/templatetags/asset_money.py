from __future__ import annotations

from decimal import Decimal

from django import template

from guanxi.assets.selectors import yuan as _yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    """¥1,234.50."""
    return _yuan(amount)


@register.filter
def signed_yuan(amount: Decimal | None) -> str:
    """+¥1,234.50 / -¥1,234.50 / ¥0.00 for a change between reviews."""
    if amount is None:
        return ""
    return ("+" if amount > 0 else "") + _yuan(amount)
