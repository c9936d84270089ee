"""The demo's bulk writer: the fast COPY line equals the value-by-value encoding; the progress bar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanxi.core.bulk import copy_line
from guanxi.core.db import copy_value
from guanxi.core.progress import ProgressBar

ROWS: list[tuple[object, ...]] = [
    (1, "王小明", None, True, False, dt.date(1980, 2, 29), Decimal("12.50"), 3.5, "", "C00000001"),
    (2, "tab\there", None),
    (3, "new\nline", "cr\rhere"),
    (4, "back\\slash", None),
    (5, "\\N", "not null"),
    (6, None, None, None),
    (7, {"source": "门店", "path": "a\\b"}, ["13800000000"]),
    (8, dt.datetime(2026, 12, 7, 8, 30, tzinfo=dt.UTC), dt.time(9, 15)),
    ("",),
    (None,),
]


@pytest.mark.parametrize("row", ROWS)
def test_copy_line_equals_the_value_by_value_encoding(row: tuple[object, ...]) -> None:
    assert copy_line(row) == "\t".join(map(copy_value, row)) + "\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_writes_a_line_every_tenth_when_not_a_terminal() -> None:
    out: list[str] = []
    clock = Clock()
    bar = ProgressBar(out.append, tty=False, clock=clock)
    for done in range(0, 1001, 5):
        clock.now = done / 100
        bar.update("customers", done, 1000)
    bar.update("customers", 1000, 1000, "rebuilding indexes")
    bar.message("customers: 1,000 loaded")
    bar.finish("customers", "demo: customers done in 10.0 s")
    text = "".join(out)
    lines = text.splitlines()
    assert "\r" not in text
    assert [line.split()[1] for line in lines[:11]] == [f"{n}%" for n in range(0, 101, 10)]
    assert lines[11].endswith("· rebuilding indexes")
    assert lines[-2:] == ["customers: 1,000 loaded", "demo: customers done in 10.0 s"]


def test_progress_redraws_one_line_on_a_terminal() -> None:
    out: list[str] = []
    clock = Clock()
    bar = ProgressBar(out.append, tty=True, clock=clock)
    bar.update("orders", 0, 200)
    clock.now = 0.05
    bar.update("orders", 50, 200)  # too soon after the last drawing: not drawn
    clock.now = 0.5
    bar.update("orders", 100, 200)
    bar.message("orders: 1,234 orders")
    bar.update("orders", 200, 200)  # the end is always drawn
    bar.finish("orders", "demo: orders done in 1.0 s")
    text = "".join(out)
    assert text.count("\n") == 2  # only the message and the final line end lines
    assert "25%" not in text and " 50% 100/200" in text and "100% 200/200" in text
    assert text.endswith("demo: orders done in 1.0 s\n")
    last_bar = text.rsplit("\r", 2)[-2]
    assert "orders: [" in text and last_bar.strip() == ""  # the bar is wiped before the final line
