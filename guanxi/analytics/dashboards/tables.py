"""A dashboard's tables: typed cells, formatted for the page by the template and as plain text for CSV/xlsx."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from guanxi.core.money import format_money

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Column:
    """A table column: its heading and how its cells are written (text, int, money, pct, float, date, datetime)."""

    label: str
    kind: str = "text"


Cell = str | int | float | Decimal | dt.date | None


@dataclass(frozen=True)
class Table:
    """A dashboard's numbers as rows of typed cells; `name` is its export slug."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    links: list[int | None] = field(default_factory=list)  # a customer id per row, for the page

    @property
    def header(self) -> list[str]:
        return [c.label for c in self.columns]

    def text_rows(self) -> list[list[str]]:
        """Cells as plain text for CSV and xlsx: numbers without currency signs or grouping."""
        return [[_plain(cell, col.kind) for cell, col in zip(row, self.columns, strict=True)] for row in self.rows]

    def page_rows(self) -> list[tuple[int | None, list[tuple[str, str]]]]:
        """Per row its customer id (or None) and (text, kind) per cell: ¥1,234.50, 12.3%, local dates."""
        links = self.links or [None] * len(self.rows)
        return [(link, [(_display(cell, col.kind), col.kind) for cell, col in zip(row, self.columns, strict=True)])
                for link, row in zip(links, self.rows, strict=True)]


def _number(cell: Cell) -> float:
    """A numeric cell as a float; a money, share or count column holds numbers only."""
    if isinstance(cell, (int, float, Decimal, str)):
        return float(cell)
    raise TypeError(f"not a number: {cell!r}")


def _plain(cell: Cell, kind: str) -> str:
    if cell is None:
        return ""
    if kind == "money":
        return f"{_number(cell):.2f}"
    if kind == "pct":
        return f"{_number(cell) * 100:.1f}%"
    if kind == "float":
        return f"{_number(cell):.3f}"
    if isinstance(cell, dt.datetime):
        return timezone.localtime(cell).strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def _display(cell: Cell, kind: str) -> str:
    from django.utils.formats import date_format

    if cell is None:
        return "—"
    if kind == "money":
        return format_money(cell if isinstance(cell, (int, float, Decimal)) else _number(cell))
    if kind == "int":
        return f"{int(_number(cell)):,}"
    if isinstance(cell, dt.datetime):
        return date_format(timezone.localtime(cell), "DATE_FORMAT")
    if isinstance(cell, dt.date):
        return date_format(cell, "DATE_FORMAT")
    return _plain(cell, kind)


