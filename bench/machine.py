"""Where, when and under what load a benchmark ran: the provenance line of every table in docs/benchmarks.md.

    from machine import LoadWatch, provenance

    load = LoadWatch()      # reads the load average now, then every 5 s in a background thread
    ...                     # the measurement
    load.stop()             # reads it once more
    print(provenance(load))

gives one line such as

    Provenance: commit 1a2b3c4 (+ uncommitted changes) · 2026-12-07 21:40 UTC · AMD EPYC 7B13, 2 cores ·
    load average 0.12 / 0.30 / 0.25 (1 / 5 / 15 min) before the run; the 1-min figure at most 7.90 during it
    (its own load included); 3.10 / 1.20 / 0.60 after it

(on one line). The commit is `git rev-parse --short HEAD` as the run starts, marked "+ uncommitted
changes" when a tracked file other than docs/benchmarks.md (which the scripts write) differs from it;
the date is the run's start, in UTC; the CPU is /proc/cpuinfo's `model name` (else
`platform.processor()`), the cores `os.cpu_count()`. tests/test_benchmark_docs.py requires such a
line above every table of docs/benchmarks.md; bench/stale.py reads the commits back.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import threading
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "Provenance:"
# What the bench scripts write themselves: a difference there says nothing about the code measured.
WRITTEN = frozenset({"docs/benchmarks.md"})

Load = tuple[float, float, float]


def _git(*args: str, root: Path = ROOT) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def commit(root: Path = ROOT) -> str:
    """`1a2b3c4`, `1a2b3c4 (+ uncommitted changes)`, or `unknown` outside a git checkout."""
    head = _git("rev-parse", "--short", "HEAD", root=root)
    if not head:
        return "unknown (not a git checkout)"
    status = _git("status", "--porcelain", "--untracked-files=no", root=root) or ""
    # Porcelain v1: two status letters, a space, the path (`old -> new` for a rename).
    changed = [line[3:].split(" -> ")[-1] for line in status.splitlines() if line.strip()]
    if any(path not in WRITTEN for path in changed):
        return f"{head} (+ uncommitted changes)"
    return head


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name from /proc/cpuinfo, else what `platform` knows, else "CPU model unknown"."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return " ".join(value.split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU model unknown"


def machine() -> str:
    """`AMD EPYC 7B13, 2 cores`: the CPU model and the number of cores the OS reports."""
    return f"{cpu_model()}, {os.cpu_count() or '?'} cores"


def _triple(load: Load) -> str:
    return " / ".join(f"{value:.2f}" for value in load)


class LoadWatch:
    """The load average before, during (the highest 1-min figure seen) and after a run.

    It samples `os.getloadavg()` when created, every `interval` seconds in a daemon thread, and at
    `stop()`. A benchmark loads the machine itself, so only the figure before the run says what else
    was running; the others include the run's own load."""

    def __init__(self, interval: float = 5.0) -> None:
        self.started = dt.datetime.now(dt.UTC)
        self.commit = commit()  # the code as the run starts (the scripts write docs/benchmarks.md later)
        self.before: Load = os.getloadavg()
        self.peak = self.before[0]
        self.after: Load | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(interval,), name="load-watch", daemon=True)
        self._thread.start()

    def _watch(self, interval: float) -> None:
        while not self._done.wait(interval):
            self.sample()

    def sample(self) -> None:
        self.peak = max(self.peak, os.getloadavg()[0])

    def stop(self) -> None:
        """Stop sampling and read the load after the run (again: no effect)."""
        if self.after is None:
            self._done.set()
            self._thread.join()
            self.after = os.getloadavg()
            self.peak = max(self.peak, self.after[0])

    def describe(self) -> str:
        text = f"load average {_triple(self.before)} (1 / 5 / 15 min) before the run"
        during = "during it" if self.after is not None else "so far"
        text += f"; the 1-min figure at most {self.peak:.2f} {during} (its own load included)"
        if self.after is not None:
            text += f"; {_triple(self.after)} after it"
        return text

    def __enter__(self) -> LoadWatch:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def provenance(load: LoadWatch | None = None, *, when: dt.datetime | None = None) -> str:
    """The provenance line: commit · date (UTC) · CPU model, cores · load average.

    With a `LoadWatch`, the commit and the date are those at the run's start and the load is before /
    during / after it; without one, they are those of now and the load is the current load average."""
    started = when or (load.started if load is not None else dt.datetime.now(dt.UTC))
    measured = load.commit if load is not None else commit()
    if load is not None:
        load_text = load.describe()
    else:
        load_text = f"load average {_triple(os.getloadavg())} (1 / 5 / 15 min) when this line was written"
    return (f"{PREFIX} commit {measured} · {started.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC · {machine()} · "
            f"{load_text}")


if __name__ == "__main__":
    print(provenance())
