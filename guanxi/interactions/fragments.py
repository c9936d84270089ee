"""The two big tables of the follow-up pages, built as HTML strings in one pass.

The month grid is ~50 rows × 31 day cells (~1,550 cells) and the due list 100 rows; the template
engine spent most of those pages' time in its per-node overhead (a loop and context push for every
cell), so the rows are built here with explicit escaping and the templates output them as-is.
What a cell or row shows is unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from guanxi.interactions.selectors import DueRow, Grid

_MARK = 987654321987  # a placeholder id, replaced by each row's customer id


_FAST = {"Y": "{0.year}", "n": "{0.month}", "j": "{0.day}", "m": "{0.month:02d}", "d": "{0.day:02d}"}


def _fast_pattern(pattern: str) -> str | None:
    """A `str.format` template for a date format of only Y m n d j and literal text (zh-hans
    `Y年n月j日`, en `m/d/Y`), else None (Django's formatter is used)."""
    if any(ch in "{}\\" or (ch.isascii() and ch.isalpha() and ch not in _FAST) for ch in pattern):
        return None
    return "".join(_FAST.get(ch, ch) for ch in pattern)


class _Dates:
    """What `{{ value|date:"SHORT_DATE_FORMAT" }}` shows (datetimes in local time), each day formatted once."""

    def __init__(self) -> None:
        self.tz = timezone.get_current_timezone()
        self.fast = _fast_pattern(formats.get_format("SHORT_DATE_FORMAT"))
        self.seen: dict[dt.date, str] = {}

    def __call__(self, value: dt.date | dt.datetime) -> str:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value, self.tz)
        if self.fast is None:
            return formats.date_format(value, "SHORT_DATE_FORMAT")
        day = value.date() if isinstance(value, dt.datetime) else value
        found = self.seen.get(day)
        if found is None:
            found = self.seen[day] = self.fast.format(day)
        return found


def _detail_url() -> str:
    """The customer page's URL with `{}` for the id (one reverse per page rather than per row)."""
    return escape(reverse("customers:detail", args=[_MARK])).replace(str(_MARK), "{}") + "?tab=followup"


def _cell(cell: Iterable[tuple[str, str]]) -> str:
    letters = "".join(f'<abbr class="fw-bold text-decoration-none" title="{escape(notes)}" '
                      f'data-letter="{escape(letter)}">{escape(letter)}</abbr>' for letter, notes in cell)
    return f'<td class="text-center px-1 grid-cell">{letters}</td>'


_EMPTY_CELL = _cell(())
_STICKY = "position: sticky; left: 0; background: var(--tblr-bg-surface)"


def grid_body(grid: Grid) -> SafeString:
    """The grid's body rows: customer, last contact (with the overdue badge), one cell per day."""
    url = _detail_url()
    date = _Dates()
    overdue = f' <span class="badge bg-red-lt" data-overdue>{escape(_("overdue"))}</span>'
    out = []
    for row in grid.rows:
        c = row.customer
        cells = "".join(_cell(cell) if cell else _EMPTY_CELL for cell in row.cells)
        out.append(
            f'<tr data-customer="{c.pk}">'
            f'<td class="text-nowrap" style="{_STICKY}"><a href="{url.format(c.pk)}">{escape(c.name)}</a> '
            f'<span class="badge bg-secondary-lt">{escape(c.importance)}</span></td>'
            f'<td class="text-nowrap{" text-danger" if row.overdue else ""}">'
            f'{date(row.last_at) if row.last_at else "—"}{overdue if row.overdue else ""}</td>'
            f"{cells}</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


_BADGE = {"A": "bg-red-lt", "B": "bg-blue-lt"}


def due_body(rows: list[DueRow]) -> SafeString:
    """The due list's rows: customer, importance, cycle, last contact, due on, days overdue, planned."""
    url = _detail_url()
    date = _Dates()
    never = escape(_("never"))
    out = []
    for r in rows:
        last = f"{date(r.last_at)} {escape(r.last_channel)}" if r.last_at else never
        out.append(
            f'<tr data-customer="{r.customer_id}">'
            f'<td><a href="{url.format(r.customer_id)}">{escape(r.name)}</a></td>'
            f'<td><span class="badge {_BADGE.get(r.importance, "bg-secondary-lt")}">{escape(r.importance)}</span></td>'
            f'<td class="hide-sm">{r.cycle}</td>'
            f"<td>{last}</td>"
            f"<td>{date(r.due_on)}</td>"
            f'<td class="{"text-danger" if r.days_overdue > 0 else ""}">{r.days_overdue}</td>'
            f'<td class="hide-sm">{date(r.planned_on) if r.planned_on else "—"}</td>'
            "</tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
