from __future__ import annotations

from typing import Any

from django import template

from guanxi.core.text import mask_digits

register = template.Library()


@register.filter
def mask(value: str | None) -> str:
    """138****1234: the way every sensitive number is shown until it is revealed."""
    return mask_digits(value) if value else ""


@register.simple_tag
def column_value(column: Any, row: Any) -> str:
    """Render an extension column (from the registry) for one row."""
    return column.value(row)


@register.filter
def add_class(field: Any, css: str) -> Any:
    return field.as_widget(attrs={"class": css})
