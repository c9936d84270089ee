"""Which sections of docs/benchmarks.md were measured before the last change to the code they time.

    .venv/bin/python bench/stale.py            # the stale sections; exit status 1 when there are any
    .venv/bin/python bench/stale.py --all      # every section that names a commit, stale or not

A section is a heading and the text up to the next heading. It names the commits of its
`Provenance:` lines (bench/machine.py writes them; the newest commit named counts); the code it
measures comes from the first heading, its own or one above it, that AREAS_OF_SECTIONS maps. The
section is stale when a commit that touched that code (`git log -1 -- <paths>`) is not contained in
the commit named (`git merge-base --is-ancestor`). Not run in CI: it needs the history, and a stale
table is a reason to re-measure, not a failure of the change.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"

# The code each benchmark times, as git pathspecs.
AREAS: dict[str, tuple[str, ...]] = {
    "search and list": (
        "guanxi/customers/selectors.py", "guanxi/customers/api.py", "guanxi/customers/views.py",
        "guanxi/customers/rows.py", "guanxi/customers/templates/customers", "guanxi/core/registry.py",
        ":(glob)guanxi/*/tabs.py",
    ),
    "demo": (":(glob)guanxi/*/demo*.py", "guanxi/core/management/commands/demo.py"),
    "orders": ("guanxi/orders", ":(exclude)guanxi/orders/tests"),
    "customer import": ("guanxi/imports", ":(exclude)guanxi/imports/tests"),
    "follow-up": ("guanxi/interactions", ":(exclude)guanxi/interactions/tests"),
    "analytics": ("guanxi/analytics", ":(exclude)guanxi/analytics/tests"),
}
# Heading (a regular expression, matched at its start) → the areas its sections measure.
AREAS_OF_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"Issue 16", ("search and list", "orders")),
    (r"PostgreSQL, 1,000,000 customers|SQLite, 100,000 customers", ("search and list", "demo")),
    (r"Demo", ("demo",)),
    (r"Customer import", ("customer import",)),
    (r"Follow-up", ("follow-up",)),
    (r"Orders", ("orders",)),
    (r"Analytics", ("analytics",)),
)
HEADING = re.compile(r"^(#{2,6})\s+(.*?)\s*$")
COMMIT = re.compile(r"\bcommits?\s+([0-9a-f]{7,40})\b")


@dataclass
class Section:
    line: int  # 1-based line of its heading
    titles: list[str]  # its heading, then the headings above it, nearest first
    commits: list[str]  # as written in its provenance lines


def git(*args: str) -> str | None:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def sections(text: str) -> list[Section]:
    found: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, title) of the headings above
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        heading = HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            stack = [(lvl, title) for lvl, title in stack if lvl < level] + [(level, heading.group(2))]
            found.append(Section(number, [title for _, title in reversed(stack)], []))
        elif line.startswith("Provenance:") and found:
            found[-1].commits += COMMIT.findall(line)
    return found


def areas(section: Section) -> tuple[str, ...]:
    for title in section.titles:
        for pattern, named in AREAS_OF_SECTIONS:
            if re.match(pattern, title):
                return named
    return ()


def newest(commits: list[str]) -> tuple[str, str] | None:
    """(full hash, abbreviation as written) of the most recent of `commits` that git knows."""
    known = []
    for short in dict.fromkeys(commits):
        stamp = git("show", "-s", "--format=%H %ct", f"{short}^{{commit}}")
        if stamp:
            full, seconds = stamp.split()
            known.append((int(seconds), full, short))
    return max(known)[1:] if known else None


def describe(commit: str, width: int = 100) -> str:
    """`1a2b3c4 2026-12-07 subject…`, cut to `width` characters."""
    text = git("show", "-s", "--format=%h %cs %s", commit) or commit
    return text if len(text) <= width else text[:width - 1] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doc", default=str(DOC), help="the benchmarks document")
    parser.add_argument("--all", action="store_true", help="also list the sections that are up to date")
    args = parser.parse_args()
    if git("rev-parse", "HEAD") is None:
        print("stale: not in a git checkout", file=sys.stderr)
        return 2
    doc = Path(args.doc)
    stale = 0
    for section in sections(doc.read_text(encoding="utf-8")):
        named = areas(section)
        if not section.commits or not named:
            continue
        where = f"{doc.name}:{section.line} {section.titles[0]}"
        measured = newest(section.commits)
        if measured is None:
            print(f"{where}\n    names no commit this checkout knows: {', '.join(section.commits)}")
            stale += 1
            continue
        full, short = measured
        changes = []
        for area in named:
            last = git("log", "-1", "--format=%H", "HEAD", "--", *AREAS[area])
            if last and git("merge-base", "--is-ancestor", last, full) is None:
                changes.append(f"{area}: last changed in {describe(last)}")
        if changes:
            stale += 1
            print(f"{where}\n    measured at {describe(short)}\n    " + "\n    ".join(changes))
        elif args.all:
            print(f"{where}\n    measured at {describe(short)}: up to date ({', '.join(named)})")
    if stale:
        print(f"\n{stale} section(s) measured before the last change to their code: re-run their benchmark.")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
