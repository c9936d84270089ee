"""A small progress bar on a text stream, for long commands (`guanxi demo`): no dependency.

On a terminal one line per task is redrawn in place (carriage return, at most ten times a second);
elsewhere (a log, CI) a line is written at every tenth of the way, so logs stay short and readable.
Messages written in between (`message`) clear the bar's line first and the bar is redrawn after them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

WIDTH = 24
REDRAW_EVERY = 0.1  # s, on a terminal


class Stream(Protocol):
    def write(self, text: str, /) -> object: ...


class ProgressBar:
    """Progress of named tasks, one after the other: `update(name, done, total, note)` as the work
    goes, `finish(name, line)` once a task is over (its bar is replaced by `line`)."""

    def __init__(self, write: Callable[[str], object], *, tty: bool, clock: Callable[[], float] = time.monotonic,
                 flush: Callable[[], object] | None = None) -> None:
        self._write = write
        self._flush = flush
        self.tty = tty
        self._clock = clock
        self._name = ""
        self._started = 0.0
        self._drawn_at = 0.0
        self._decile = -1
        self._shown = ""  # what the terminal line holds now
        self._last: tuple[int, int, str] = (0, 0, "")

    def update(self, name: str, done: int, total: int, note: str = "") -> None:
        now = self._clock()
        if name != self._name:
            self._clear()
            self._name, self._started, self._drawn_at, self._decile = name, now, 0.0, -1
            self._last = (0, 0, "")
        done = max(0, min(done, total)) if total > 0 else done
        new_note = note != self._last[2]
        self._last = (done, total, note)
        if self.tty:
            if new_note or now - self._drawn_at >= REDRAW_EVERY or (total > 0 and done >= total):
                self._drawn_at = now
                self._show(self.render(name, done, total, note, now - self._started))
            return
        decile = (10 * done) // total if total > 0 else 0
        if decile > self._decile or new_note:
            self._decile = decile
            self._emit(self.render(name, done, total, note, now - self._started, bar=False) + "\n")

    def message(self, line: str) -> None:
        """A line of its own (a generator's summary), above the bar."""
        shown = self._shown
        self._clear()
        self._emit(line.rstrip("\n") + "\n")
        if shown and self.tty:
            self._show(shown)

    def finish(self, name: str, line: str) -> None:
        """The task `name` is over: its bar gives way to `line`."""
        self._clear()
        if self._name == name:
            self._name = ""
        self._emit(line.rstrip("\n") + "\n")

    @staticmethod
    def render(name: str, done: int, total: int, note: str, seconds: float, *, bar: bool = True) -> str:
        if total > 0:
            share = done / total
            figures = f"{share:4.0%} {done:,}/{total:,}"
            drawn = "█" * int(share * WIDTH)
            gauge = f" [{drawn}{'·' * (WIDTH - len(drawn))}]" if bar else ""
        else:
            figures, gauge = f"{done:,}", ""
        tail = f" · {note}" if note else ""
        return f"{name}:{gauge} {figures} · {seconds:.0f} s{tail}"

    def _show(self, text: str) -> None:
        pad = " " * max(0, len(self._shown) - len(text))
        self._emit("\r" + text + pad)
        self._shown = text

    def _clear(self) -> None:
        if self._shown:
            self._emit("\r" + " " * len(self._shown) + "\r")
            self._shown = ""

    def _emit(self, text: str) -> None:
        self._write(text)
        if self._flush is not None:
            self._flush()
