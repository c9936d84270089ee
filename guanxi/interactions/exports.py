"""The visit statistics as CSV (formula-safe, UTF-8 with BOM) and as ECharts data."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from guanxi.interactions.selectors import Stats

# A spreadsheet runs a cell starting with one of these as a formula (full-width forms included).
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def escape_formula(text: str) -> str:
    return "'" + text if text and text[0] in FORMULA_STARTS else text


def csv_lines(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """UTF-8 with BOM (Excel on Chinese Windows reads it right); every cell formula-escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([escape_formula(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def chart_data(stats: Stats) -> dict[str, Any]:
    """Visits per rep (summed over the period) against their target: bars and a target line."""
    by_rep: dict[str, dict[str, float]] = {}
    for r in stats.rows:
        entry = by_rep.setdefault(r.rep, {"visits": 0, "contacts": 0, "target": 0})
        entry["visits"] += r.visits
        entry["contacts"] += r.contacts
        entry["target"] += r.target
    names = sorted(by_rep)[:50]
    return {
        "reps": names,
        "series": [
            {"name": _("Visits"), "type": "bar", "data": [by_rep[n]["visits"] for n in names]},
            {"name": _("Other contacts"), "type": "bar",
             "data": [by_rep[n]["contacts"] - by_rep[n]["visits"] for n in names]},
            {"name": _("Visit target"), "type": "line", "data": [round(by_rep[n]["target"], 1) for n in names]},
        ],
    }
