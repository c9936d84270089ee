"""Follow-up latency at scale: the contact calendar's month grid and the due list, end to end over HTTP.

    # once: a database with 1,000,000 demo customers (about 4 minutes), then 20,000,000 contacts
    .venv/bin/python bench/followup.py --database-url postgres://postgres@127.0.0.1:5432/guanxi_bench_followup --setup --load
    # measure again without reloading
    .venv/bin/python bench/followup.py --database-url postgres://postgres@127.0.0.1:5432/guanxi_bench_followup

Same protocol as bench/search.py (whose helpers it uses): gunicorn with DEBUG off, started and
stopped by this script, the load from separate processes over keep-alive connections, p50/p95/p99
at concurrency 1 and 8. The user is rep1 (about 2,000 customers; the demo gives each rep 2,000).
The data generator writes the contacts with COPY into their table with its secondary indexes and
foreign keys dropped, rebuilds them, and fills the per-customer last-contact summary from the same
pass (the services keep it current afterwards). Results go into a marked section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search  # noqa: E402  - the shared protocol: gunicorn, load workers, logins, report section
from machine import LoadWatch, provenance  # noqa: E402  - the provenance line of the report

ROOT = search.ROOT
TARGET_MS = 200
CHANNELS = "TTTTTVVVMEESWWO"  # calls most often, then visits; a realistic mix
NOTES = ["电话回访，客户对新品感兴趣", "上门拜访，检查陈列和库存", "微信沟通订货数量", "发送新品目录", "客户未接电话",
         "面谈续约事宜", "节日问候短信", "询问上次订货的使用情况", "", ""]
OUTCOMES = ["reached", "reached", "no_answer", "interested", "", ""]


def _django(args: argparse.Namespace) -> None:
    os.environ.update(search.django_env(args))
    import django

    django.setup()


def _public_url(url: str) -> str:
    parsed = urllib.parse.urlparse(url)
    host = parsed.hostname or ""
    user = f"{parsed.username}@" if parsed.username else ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{user}{host}{port}{parsed.path}"


def load_contacts(args: argparse.Namespace) -> dict[str, float]:
    """COPY `args.contacts` contacts spread over every customer and the last 730 days."""
    _django(args)
    from django.db import connection, transaction
    from django.utils import timezone

    from guanxi.customers.demo import _bulk_load

    rng = random.Random(args.seed)
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, owner_id FROM customers_customer ORDER BY id")
        customers = cursor.fetchall()
    per_customer = args.contacts / len(customers)
    today = timezone.localdate()
    days = [(today - dt.timedelta(days=n)).isoformat() for n in range(1, 731)]
    moments = [f"{h:02d}:{m:02d}:00+08" for h in range(8, 20) for m in range(0, 60, 7)]
    tables = ["interactions_interaction", "interactions_contactsummary"]
    written = 0
    with transaction.atomic(), _bulk_load(connection, tables):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE interactions_interaction, interactions_contactsummary CASCADE")
            next_id = 1
            summary_lines: list[str] = []
            with cursor.cursor.copy(
                "COPY interactions_interaction (id, customer_id, user_id, channel, direction, at, duration_minutes, "
                "notes, outcome, next_step, next_step_on, next_task_id, created_by_id, created_at) FROM STDIN"
            ) as copy:
                buffer: list[str] = []
                for customer_id, owner_id in customers:
                    n = int(rng.uniform(0.25, 1.75) * per_customer + 0.5)
                    if written + n > args.contacts:
                        n = args.contacts - written
                    last_key = ""
                    last_channel = ""
                    last_visit = ""
                    for _ in range(n):
                        at = f"{rng.choice(days)} {rng.choice(moments)}"
                        channel = rng.choice(CHANNELS)
                        buffer.append(f"{next_id}\t{customer_id}\t{owner_id}\t{channel}\tout\t{at}\t\\N\t"
                                      f"{rng.choice(NOTES)}\t{rng.choice(OUTCOMES)}\t\t\\N\t\\N\t\\N\t{at}\n")
                        next_id += 1
                        if at > last_key:
                            last_key, last_channel = at, channel
                        if channel in "VM" and at > last_visit:
                            last_visit = at
                    written += n
                    if n:
                        summary_lines.append(f"{customer_id}\t{last_key}\t{last_channel}\t{last_visit or chr(92) + 'N'}\t{n}\n")
                    if len(buffer) >= 200_000:
                        copy.write("".join(buffer))
                        buffer.clear()
                        if written % 2_000_000 < 200_000:
                            print(f"  {written:,} contacts ({time.monotonic() - t0:.0f} s)", flush=True)
                copy.write("".join(buffer))
            timings["copy_contacts_s"] = time.monotonic() - t0
            with cursor.cursor.copy("COPY interactions_contactsummary (customer_id, last_at, last_channel, "
                                    "last_visit_at, contacts) FROM STDIN") as copy:
                for start in range(0, len(summary_lines), 100_000):
                    copy.write("".join(summary_lines[start:start + 100_000]))
            cursor.execute("SELECT setval(pg_get_serial_sequence('interactions_interaction', 'id'), %s)", [next_id])
        t1 = time.monotonic()
        print(f"  {written:,} contacts written; rebuilding indexes and foreign keys", flush=True)
    timings["rebuild_indexes_s"] = time.monotonic() - t1
    t2 = time.monotonic()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    timings["vacuum_analyze_s"] = time.monotonic() - t2
    timings["contacts"] = written
    print(f"load: {timings}", flush=True)
    return timings


def prepare(args: argparse.Namespace) -> dict[str, object]:
    """Counts and the rep measured (computed with Django in this process, not measured)."""
    _django(args)
    from django.db import connection

    from guanxi.accounts.models import User
    from guanxi.customers.models import Customer

    rep = User.objects.get(username=args.user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'interactions_interaction'")
        contacts = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('interactions_interaction'))")
        size = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    return {"customers": Customer.objects.count(), "rep_customers": Customer.objects.filter(owner=rep).count(),
            "contacts": contacts, "size": size, "postgres": version}


def plans(args: argparse.Namespace) -> list[tuple[str, str, list[str]]]:
    """EXPLAIN (ANALYZE, BUFFERS) of every query the two selectors run for the rep (after the load, warm)."""
    _django(args)
    from django.db import connection

    from guanxi.accounts.models import User
    from guanxi.interactions import selectors

    rep = User.objects.get(username=args.user)
    found: list[tuple[str, str, list[str]]] = []
    cases = [
        ("month grid", lambda: selectors.contact_grid(user=rep, rep=rep, start=dt.date.today().replace(day=1),
                                                     span="month")),
        ("due list (page of 100)", lambda: selectors.due_page(user=rep, rep=rep, limit=100)),
    ]
    for label, run in cases:
        captured: list[tuple[str, Any]] = []

        def capture(execute, sql, params, many, context, captured=captured):  # type: ignore[no-untyped-def]
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            run()
        with connection.cursor() as cursor:
            for sql, params in captured:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                # The page's ids make lines thousands of characters long: keep their count only.
                lines = [re.sub(r"'\{([\d,]+)\}'", lambda m: f"'{{…{m.group(1).count(',') + 1} ids…}}'", row[0])
                         for row in cursor.fetchall()]
                table = re.search(r'FROM "(\w+)"', sql)
                found.append((label, table.group(1) if table else "?", lines))
    return found


def render(args: argparse.Namespace, info: dict[str, Any], results: list[search.Result],
           explained: list[tuple[str, str, list[str]]], demo_s: float | None, timings: dict[str, float] | None,
           load_before: tuple[float, float, float], load_after: tuple[float, float, float],
           load: LoadWatch | None = None) -> str:
    """The marked section of docs/benchmarks.md: heading, provenance line, setting, table, plans."""
    lines = [
        "## Follow-up: contact calendar and due list (PostgreSQL)", "", provenance(load), "",
        f"{info['postgres']} · {info['customers']:,} customers · about {info['contacts']:,} contacts "
        f"({info['size']} with indexes) · {args.user} owns {info['rep_customers']:,} customers · gunicorn "
        f"{args.workers} sync workers · Python {platform.python_version()} · {os.cpu_count()} CPUs. "
        f"Target: p95 ≤ {TARGET_MS} ms at concurrency 8. Load average (1 min) before / after: "
        f"{load_before[0]:.1f} / {load_after[0]:.1f}{' — other sessions were using these CPUs' if max(load_before[0], load_after[0]) > 1 else ''}.",
        "",
        f"Reproduce: `.venv/bin/python bench/followup.py --database-url {_public_url(args.url)}` "
        f"(add `--setup --load` to rebuild the data, about 10 minutes).", "",
    ]
    if demo_s is not None:
        lines += [f"`guanxi demo --customers {args.customers}` took {demo_s:.0f} s.", ""]
    if timings is not None:
        lines += [f"Loading {int(timings['contacts']):,} contacts with COPY took {timings['copy_contacts_s']:.0f} s, "
                  f"rebuilding indexes and foreign keys {timings['rebuild_indexes_s']:.0f} s, VACUUM ANALYZE "
                  f"{timings['vacuum_analyze_s']:.0f} s.", ""]
    lines += ["| scenario | concurrency | requests | p50 ms | p95 ms | p99 ms | errors | p95 within target |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        ok = "yes" if r.pct(95) <= TARGET_MS else "**no**"
        lines.append(f"| {r.scenario.label} | {r.concurrency} | {len(r.latencies_ms)} | {r.pct(50):.1f} | "
                     f"{r.pct(95):.1f} | {r.pct(99):.1f} | {r.errors} | {ok if r.concurrency == 8 else ''} |")
    for label, table, plan in explained:
        execution = next((line for line in plan if line.startswith("Execution Time")), "")
        lines += ["", f"<details><summary>{label}: {table} — {execution.lower()}</summary>", "", "```",
                  *plan, "```", "</details>"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgres://… of a guanxi_bench* database")
    parser.add_argument("--setup", action="store_true", help="(re)create, migrate and load 1M demo customers first")
    parser.add_argument("--load", action="store_true", help="(re)load the contacts")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=20_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--user", default="rep1")
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=100, help="requests per cell at concurrency 1 (x2 above)")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--conn-max-age", type=int, default=60)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    args.url = args.database_url
    args.sqlite = None
    if not re.fullmatch(r"guanxi_bench\w*", urllib.parse.urlparse(args.url).path.lstrip("/")):
        raise SystemExit("bench: only databases named guanxi_bench* are used")
    concurrency = [int(c) for c in args.concurrency.split(",")]
    (ROOT / "var").mkdir(exist_ok=True)
    load = LoadWatch()  # from before the setup: the load average before the run is the machine's own
    demo_s = search.setup_database(args) if args.setup else None
    timings = load_contacts(args) if args.load else None
    info = prepare(args)
    month = dt.date.today().replace(day=1).isoformat()
    load_before = os.getloadavg()
    server = search.start_server(args)
    results: list[search.Result] = []
    try:
        token = search.api_token(args.port, args.user)
        cookie = search.session_cookie(args.port, args.user)
        cases = [
            search.Scenario("grid-api", "month grid, API (50 customers)",
                            f"/api/v1/contact-calendar?span=month&start={month}&limit=50", "api", "token"),
            search.Scenario("grid-html", "month grid, page (50 customers)",
                            f"/follow-up/calendar/?span=month&start={month}", "html", "session"),
            search.Scenario("due-api", "due list, API", "/api/v1/due-visits", "api", "token"),
            search.Scenario("due-html", "due list, page", "/follow-up/due/", "html", "session"),
        ]
        for case in cases:
            headers = {"Authorization": f"Bearer {token}"} if case.auth == "token" else {"Cookie": cookie or ""}
            # Warm every worker (at concurrency 2 some of the 4 could still be cold when concurrency 8
            # starts: their first request, with Django's lazy set-up, landed in the first scenario's p99).
            search.run_load(args.port, case.path, headers, 8, 32)
            for c in concurrency:
                n = args.requests * (2 if c > 1 else 1)
                latencies, wall, errors = search.run_load(args.port, case.path, headers, c, n)
                result = search.Result(args.user, case, c, latencies, wall, errors, None)
                results.append(result)
                print(f"{case.label:34} c={c:<2} n={len(latencies):4} p50={result.pct(50):7.1f} "
                      f"p95={result.pct(95):7.1f} p99={result.pct(99):7.1f} ms  errors={errors}", flush=True)
    finally:
        search.stop_server(server)
    load_after = os.getloadavg()
    load.stop()
    explained = plans(args)
    report = render(args, info, results, explained, demo_s, timings, load_before, load_after, load)
    search.write_section(Path(args.out), "followup", report)
    print(f"\nwritten to {args.out} (section followup)")


if __name__ == "__main__":
    main()
