"""The visit statistics as CSV (formula-safe, UTF-8 with BOM) and as ECharts data."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.spreadsheet import csv_lines as csv_lines  # the views use it from here
from guanxi.interactions.selectors import Stats


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
