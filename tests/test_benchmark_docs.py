"""Every table in docs/benchmarks.md says what it was measured on (issue 17).

A markdown table (a `|---` separator line, outside fenced code; inside `<details>` too) must have a
provenance line, `Provenance: …`, in the lines just above it (up to the previous table or heading) or
as the first line of its section (the bench scripts' reports start so). The line names:

- a commit: `commit 1a2b3c4` (7 to 40 hex digits; "numbers added in commit …" when the commit measured
  is not known);
- a date: YYYY-MM-DD;
- the machine: a `·`-separated part `<CPU model>, <n> cores`, or the words "machine not recorded";
- the load: "load average" followed by a figure, or the words "load not recorded".

bench/machine.py writes such lines for new runs; the bench scripts head their reports with them.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BENCH = ROOT / "bench"

PREFIX = "Provenance:"
SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
HEADING = re.compile(r"^#{1,6}\s")
FIELDS = {
    "a commit (commit <7+ hex digits>)": re.compile(r"\bcommits?\s+[0-9a-f]{7,40}\b"),
    "a date (YYYY-MM-DD)": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "a load average (or 'load not recorded')": re.compile(r"load average[^·]*?\d|load not recorded"),
}
MACHINE = re.compile(r"^\s*(?=[^·]*[A-Za-z])[^·]+?,\s*\d+ cores?\b")
LOOK_BACK = 12  # lines above a table's header searched for its provenance line
SECTION_START = 1  # non-blank lines at the start of a section searched too (markers aside)


def tables(lines: list[str]) -> list[int]:
    """Indexes of the header rows of the markdown tables (not those inside ``` fences)."""
    found = []
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced and i > 0 and "|" in line and SEPARATOR.match(line) and "|" in lines[i - 1]:
            found.append(i - 1)
    return found


def missing(line: str) -> list[str]:
    """What a provenance line fails to name."""
    absent = [name for name, pattern in FIELDS.items() if not pattern.search(line)]
    if "machine not recorded" not in line and not any(MACHINE.match(part) for part in line.split("·")):
        absent.append("the machine (<CPU model>, <n> cores, or 'machine not recorded')")
    return absent


def candidates(lines: list[str], header: int) -> list[str]:
    """The lines that may hold the provenance of the table whose header row is `lines[header]`."""
    found = []
    for i in range(header - 1, max(header - 1 - LOOK_BACK, -1), -1):
        if lines[i].lstrip().startswith("|") or HEADING.match(lines[i]):
            break
        found.append(lines[i])
    section = next((i for i in range(header - 1, -1, -1) if HEADING.match(lines[i])), None)
    if section is not None:
        start = [line for line in lines[section + 1:header] if line.strip() and not line.startswith("<!--")]
        found += start[:SECTION_START]
    return [line.strip() for line in found if line.strip().startswith(PREFIX)]


def problems(text: str, name: str = "docs/benchmarks.md") -> list[str]:
    """One message per table without a complete provenance line."""
    lines = text.splitlines()
    found = []
    for header in tables(lines):
        provenance = candidates(lines, header)
        if not provenance:
            found.append(f"{name}:{header + 1}: table without a '{PREFIX} …' line above it")
            continue
        gaps = [missing(line) for line in provenance]
        if all(gaps):
            fewest = min(gaps, key=lambda gap: len(gap))
            found.append(f"{name}:{header + 1}: its provenance line names no " + "; no ".join(fewest))
    return found


# --- the document ---------------------------------------------------------------------------------


def test_every_table_in_the_benchmarks_names_commit_date_machine_and_load() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert len(tables(text.splitlines())) >= 10, "the checker found (almost) no tables: is it still parsing them?"
    assert problems(text) == []


# --- the checker itself ---------------------------------------------------------------------------

GOOD = ("Provenance: commit 1a2b3c4 · 2026-12-07 21:40 UTC · AMD EPYC 7B13, 2 cores · load average 0.12 / "
        "0.30 / 0.25 (1 / 5 / 15 min) before the run")
TABLE = "| a | b |\n|---|---:|\n| x | 1.0 |\n"


def test_a_table_without_provenance_fails() -> None:
    sample = f"## Round\n\nSome text about the run.\n\n{TABLE}"
    assert problems(sample, "sample") == ["sample:5: table without a 'Provenance: …' line above it"]


def test_a_table_with_complete_provenance_passes() -> None:
    assert problems(f"## Round\n\n{GOOD}\n\n{TABLE}") == []
    # At the start of its section, a few lines above.
    assert problems(f"## Round\n\n{GOOD}\n\nRun on PostgreSQL 15.\n\nTargets: none.\n\n{TABLE}") == []
    # The historical forms.
    old = ("Provenance: before = commit 0198431, after = commit df730a9 · 2026-12-07 · machine not recorded "
           "(2 CPUs) · load not recorded")
    assert problems(f"{old}\n\n{TABLE}") == []


@pytest.mark.parametrize(("line", "named"), [
    (GOOD.replace("commit 1a2b3c4", "commit unknown (not a git checkout)"), "a commit"),
    (GOOD.replace("commit 1a2b3c4", "commit 1a2b"), "a commit"),
    (GOOD.replace("2026-12-07", "7 December"), "a date"),
    (GOOD.replace("AMD EPYC 7B13, 2 cores", "2 cores"), "the machine"),
    (GOOD.replace("AMD EPYC 7B13, 2 cores", "AMD EPYC 7B13"), "the machine"),
    (GOOD.split(" · load")[0], "a load average"),
    (GOOD.replace("load average 0.12", "load average unknown, 0.12"), ""),  # still a figure after it: passes
])
def test_an_incomplete_provenance_line_fails_naming_what_it_lacks(line: str, named: str) -> None:
    found = problems(f"{line}\n\n{TABLE}", "sample")
    if named:
        assert len(found) == 1 and named in found[0], found
    else:
        assert found == []


def test_one_tables_provenance_does_not_cover_the_next() -> None:
    sample = f"## Round\n\nIntro.\n\n{GOOD}\n\n{TABLE}\nBetween the tables.\n\n{TABLE}"
    assert problems(sample, "sample") == ["sample:13: table without a 'Provenance: …' line above it"]
    # Nor does it reach into the next section.
    sample = f"## Round\n\n{GOOD}\n\n{TABLE}\n## Another round\n\n{TABLE}"
    assert problems(sample, "sample") == ["sample:11: table without a 'Provenance: …' line above it"]
    # At the start of a section it covers the section's tables (a script's report, its plans included).
    assert problems(f"## Round\n\n{GOOD}\n\n{TABLE}\nBetween the tables.\n\n{TABLE}") == []


def test_tables_in_details_count_and_code_fences_do_not() -> None:
    details = f"## Plans\n\nIntro.\n\n<details><summary>x</summary>\n\n{TABLE}</details>\n"
    assert problems(details, "sample") == ["sample:7: table without a 'Provenance: …' line above it"]
    assert problems(details.replace("<details>", f"{GOOD}\n\n<details>")) == []
    fenced = f"## Plans\n\n```\n{TABLE}```\n"
    assert tables(fenced.splitlines()) == []
    assert problems(fenced) == []


# --- what the bench scripts write -----------------------------------------------------------------


def _bench_module(name: str) -> ModuleType:
    """bench/<name>.py, imported as `name` (the scripts import one another and machine.py by name)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if name in sys.modules and getattr(sys.modules[name], "__file__", "") == str(BENCH / f"{name}.py"):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _in_git_checkout() -> bool:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode == 0
    except OSError:
        return False


needs_git = pytest.mark.skipif(not _in_git_checkout(), reason="the provenance line names the git commit")


@needs_git
def test_provenance_names_commit_date_machine_and_load() -> None:
    machine = _bench_module("machine")
    line = machine.provenance()
    assert line.startswith(PREFIX)
    assert missing(line) == [], line
    with machine.LoadWatch(interval=0.01) as load:
        during = machine.provenance(load)
    after = machine.provenance(load)
    assert missing(during) == [] and missing(after) == []
    assert "before the run" in after and "during it" in after and "after it" in after


def test_the_cpu_model_comes_from_cpuinfo(tmp_path: Path) -> None:
    machine = _bench_module("machine")
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC  7B13 64-Core Processor\n")
    assert machine.cpu_model(cpuinfo) == "AMD EPYC 7B13 64-Core Processor"
    assert machine.cpu_model(tmp_path / "missing")  # falls back on platform, never empty


def _search_results(search: ModuleType) -> list[object]:
    scenario = search.Scenario("cjk2", "2-character name", "/api/v1/customers?q=x", "search", "token")
    return [search.Result("admin", scenario, c, [10.0, 12.0, 30.0], 1.0, 0, 227) for c in (1, 8)]


@needs_git
def test_the_search_report_heads_its_section_with_a_provenance_line(tmp_path: Path) -> None:
    search = _bench_module("search")
    args = argparse.Namespace(workers=4, conn_max_age=60, customers=1_000_000, requests=100)
    info = {"server": "PostgreSQL 15", "customers": 1_000_000, "rows": {"admin": 1_000_000},
            "plans": {("admin", "张伟"): [("SELECT 1", "| not | a table |\n|---|---|")]}}
    machine = _bench_module("machine")
    with machine.LoadWatch(interval=0.01) as load:
        pass
    report = search.render(args, info, _search_results(search), 190.0, load)
    assert report.startswith(PREFIX)
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\n## PostgreSQL, 1,000,000 customers\n\n<!-- bench:postgresql:start -->\nold\n"
                   "<!-- bench:postgresql:end -->\n", encoding="utf-8")
    search.write_section(out, "postgresql", report)
    text = out.read_text(encoding="utf-8")
    assert len(tables(text.splitlines())) == 1  # the plan in its code fence is no table
    assert problems(text) == []
    assert problems(text.replace(report.splitlines()[0], "Run today")), "the checker must see the line go"


@needs_git
def test_the_followup_report_heads_its_section_with_a_provenance_line(tmp_path: Path) -> None:
    search = _bench_module("search")
    followup = _bench_module("followup")
    args = argparse.Namespace(user="rep1", workers=4, customers=1_000_000,
                              url="postgres://postgres@127.0.0.1:5432/guanxi_bench_followup")
    info = {"postgres": "PostgreSQL 15.20", "customers": 1_000_000, "contacts": 19_484_828, "size": "3978 MB",
            "rep_customers": 2_054}
    plan = [("month grid", "interactions_interaction", ["Index Scan", "Execution Time: 0.155 ms"])]
    report = followup.render(args, info, _search_results(search), plan, None, None, (0.5, 0.4, 0.3),
                             (1.5, 0.7, 0.4))
    assert report.splitlines()[2].startswith(PREFIX)
    out = tmp_path / "benchmarks.md"
    search.write_section(out, "followup", report)
    assert problems(out.read_text(encoding="utf-8")) == []
