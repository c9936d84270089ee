"""The one way money is shown: `¥1,234.50`, a negative amount `-¥12.50`, two decimals, thousands grouped.

Every page, export and text that shows an amount uses `format_money` (in templates the `money` filter of
the `guanxi` tag library), never `floatformat` or a hand-made f-string.
"""

from __future__ import annotations

from decimal import Decimal

Amount = Decimal | float | int


def format_money(amount: Amount | None, *, empty: str = "—") -> str:
    """¥1,234.50; -¥12.50; `empty` for a missing amount. Decimals are formatted as they are (no float
    round trip); an amount that rounds to zero shows no sign."""
    if amount is None:
        return empty
    text = f"{abs(amount):,.2f}"
    negative = amount < 0 and text.strip("0.,") != ""
    return f"{'-' if negative else ''}¥{text}"


def format_money_change(amount: Amount | None, *, empty: str = "") -> str:
    """A change of an amount: +¥1,234.50, -¥1,234.50, ¥0.00."""
    if amount is None:
        return empty
    return ("+" if amount > 0 else "") + format_money(amount)
