"""Search and list latency of the customer archive, end to end over HTTP.

    # PostgreSQL, 1,000,000 customers (creates/migrates/loads the database with --setup)
    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:5432/guanxi_bench --setup
    # the same database again, without reloading it
    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:5432/guanxi_bench
    # SQLite, 100,000 customers
    .venv/bin/python bench/search.py --sqlite var/bench.sqlite3 --customers 100000 --setup

The app runs under gunicorn with DEBUG off (started and stopped by this script); the load comes
from separate worker processes with keep-alive HTTP connections, only to 127.0.0.1. Each scenario
is measured as admin (everything visible) and as rep1 (about 2,000 customers), at each concurrency.
Results (p50/p95/p99) and the EXPLAIN plans of the 2-character query are printed and written into
a marked section of docs/benchmarks.md, headed by the run's provenance line (commit, date, CPU, load
average: bench/machine.py); the rest of that file is left alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import LoadWatch, provenance  # noqa: E402 - bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PASSWORD = "guanxi-demo"
HOST = "127.0.0.1"

# (key, label, query): the query kinds of the issue. The names exist in the seed-20261123 demo data.
SEARCHES = [
    ("cjk2", "2-character name", "张伟"),
    ("cjk3", "3-character name", "张月香"),
    ("pinyin", "full pinyin", "zhangwei"),
    ("initials", "initials", "zw"),
    ("phone", "4-digit phone piece", "5678"),
    ("miss", "miss", "xqzkj"),
]
SEARCH_TARGET_MS = 100
LIST_TARGET_MS = 150


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    path: str
    kind: str  # "search" or "list"
    auth: str  # "token" or "session"


@dataclass
class Result:
    user: str
    scenario: Scenario
    concurrency: int
    latencies_ms: list[float]
    wall_s: float
    errors: int
    count: object

    def pct(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        k = (len(data) - 1) * p / 100
        lo, hi = int(k), min(int(k) + 1, len(data) - 1)
        return data[lo] + (data[hi] - data[lo]) * (k - lo)


# --- load generation (runs in worker processes) -----------------------------------------------


def _worker(port: int, path: str, headers: dict[str, str], n: int, start_at: float, out: mp.Queue) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    latencies: list[float] = []
    errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    for _ in range(n):
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
        elapsed = (time.perf_counter() - t0) * 1000
        if ok:
            latencies.append(elapsed)
        else:
            errors += 1
    conn.close()
    out.put((latencies, errors))


def run_load(port: int, path: str, headers: dict[str, str], concurrency: int, requests: int) -> tuple[list[float], float, int]:
    """`requests` GETs of `path`, split over `concurrency` processes; (latencies ms, wall s, errors)."""
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    per = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    start_at = time.time() + 0.3
    procs = [ctx.Process(target=_worker, args=(port, path, headers, n, start_at, out)) for n in per]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    wall = time.time() - start_at
    for p in procs:
        p.join()
    latencies = [x for lat, _ in results for x in lat]
    return latencies, wall, sum(e for _, e in results)


# --- HTTP helpers (driver process) ------------------------------------------------------------


def http_json(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, object]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    conn.request(method, path, body=data, headers=hdrs)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw.decode("utf-8", "replace")


def api_token(port: int, username: str) -> str:
    status, data = http_json(port, "POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})
    if status != 200 or not isinstance(data, dict) or "token" not in data:
        raise SystemExit(f"bench: could not get an API token for {username}: {status} {data!r}")
    return data["token"]


def session_cookie(port: int, username: str) -> str | None:
    """Log in through the HTML form (CSRF included); the Cookie header of the session, or None."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    html = response.read().decode("utf-8", "replace")
    cookies = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if response.status != 200 or not match or "csrftoken" not in cookies:
        return None
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)})
    conn.request("POST", "/accounts/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}",
        "Referer": f"http://{HOST}:{port}/accounts/login/",
    })
    response = conn.getresponse()
    response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    conn.close()
    if response.status not in (302, 303) or "sessionid" not in cookies:
        return None
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --- database setup and EXPLAIN (driver process, Django) --------------------------------------


def django_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env["GUANXI_DATABASE_URL"] = args.url
    env["GUANXI_DEBUG"] = "0"
    # Persistent database connections, as in a production deployment (the default, 0, opens one per request).
    env["GUANXI_DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return env


def manage(args: argparse.Namespace, *command: str) -> str:
    proc = subprocess.run([str(PYTHON), "manage.py", *command], cwd=ROOT, env=django_env(args),
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"bench: manage.py {' '.join(command)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def setup_database(args: argparse.Namespace) -> float:
    """Create (or recreate) the database, migrate, load the demo; returns the `demo` wall time in s."""
    if args.sqlite:
        Path(args.sqlite).unlink(missing_ok=True)
    else:
        import psycopg

        parsed = urllib.parse.urlparse(args.url)
        name = parsed.path.lstrip("/")
        if not re.fullmatch(r"guanxi_bench\w*", name):
            raise SystemExit("bench: --setup only (re)creates databases named guanxi_bench*")
        admin_url = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    manage(args, "migrate", "-v0")
    manage(args, "createcachetable")
    t0 = time.monotonic()
    out = manage(args, "demo", "--customers", str(args.customers), "--seed", str(args.seed))
    elapsed = time.monotonic() - t0
    print(out)
    return elapsed


def prepare(args: argparse.Namespace) -> dict[str, object]:
    """Deep cursors and EXPLAIN plans, computed in this process with Django (not measured)."""
    os.environ.update(django_env(args))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.accounts.models import User
    from guanxi.core.pagination import encode_cursor
    from guanxi.customers.models import Customer
    from guanxi.customers.selectors import CustomerFilters, customer_page

    info: dict[str, object] = {"vendor": connection.vendor, "cursors": {}, "plans": {}, "rows": {}}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('work_mem')")
            version, shared_buffers, work_mem = cursor.fetchone()
            info["server"] = f"{version.split(' on ')[0]}, shared_buffers {shared_buffers}, work_mem {work_mem}"
        else:
            cursor.execute("SELECT sqlite_version()")
            info["server"] = f"SQLite {cursor.fetchone()[0]}"
    info["customers"] = Customer.objects.count()
    for username in args.users:
        user = User.objects.get(username=username)
        qs = Customer.objects.visible_to(user).active().order_by("name_sort", "pk")
        n = qs.count()
        info["rows"][username] = n
        value, pk = qs.values_list("name_sort", "pk")[n // 2]
        info["cursors"][username] = (encode_cursor(value, pk, "next"), n // 2)
        for key, _, q in SEARCHES:
            if key != "cjk2":
                continue
            with CaptureQueriesContext(connection) as captured:
                customer_page(user=user, filters=CustomerFilters(q=q))
            plans = []
            for query in captured.captured_queries:
                sql = query["sql"]
                if sql.startswith("EXPLAIN") or "customers_customer_tags" in sql.split(" FROM ")[1][:40]:
                    continue
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    else:
                        cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    rows = cursor.fetchall()
                text = "\n".join(r[0] for r in rows) if connection.vendor == "postgresql" else "\n".join(
                    str(r[-1]) for r in rows)
                plans.append((shorten_sql(sql), text))
            info["plans"][(username, q)] = plans
    connection.close()
    return info


def shorten_sql(sql: str) -> str:
    """The SQL with the long SELECT list elided, for the report."""
    head, sep, tail = sql.partition(" FROM ")
    if len(head) > 120:
        head = head[:60] + " … "
    return head + sep + tail


# --- gunicorn ---------------------------------------------------------------------------------


def start_server(args: argparse.Namespace) -> subprocess.Popen:
    log = open(ROOT / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "-b", f"{HOST}:{args.port}", "-w", str(args.workers),
         "--access-logfile", "/dev/null", "--timeout", "120"],
        cwd=ROOT, env=django_env(args), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench: gunicorn exited; see {ROOT / 'var' / 'bench-gunicorn.log'}")
        try:
            status, _ = http_json(args.port, "GET", "/api/v1/openapi.json")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise SystemExit("bench: gunicorn did not answer within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- the benchmark ----------------------------------------------------------------------------


def scenarios(args: argparse.Namespace, username: str, info: dict[str, object]) -> list[Scenario]:
    result = [
        Scenario(key, label, "/api/v1/customers?" + urllib.parse.urlencode({"q": q, "limit": 50}), "search", "token")
        for key, label, q in SEARCHES
    ]
    cursor, depth = info["cursors"][username]  # type: ignore[index]
    result.append(Scenario("list1", "list, page 1", "/api/v1/customers?limit=50", "list", "token"))
    result.append(Scenario(
        "listdeep", f"list, deep page (row {depth:,})",
        "/api/v1/customers?" + urllib.parse.urlencode({"limit": 50, "cursor": cursor}), "list", "token",
    ))
    if args.html:
        result.append(Scenario("html-list", "HTML list page 1", "/customers/", "list", "session"))
        result.append(Scenario("html-cjk2", "HTML search 张伟", "/customers/?" + urllib.parse.urlencode({"q": "张伟"}),
                               "search", "session"))
        result.append(Scenario("html-initials", "HTML search zw",
                               "/customers/?" + urllib.parse.urlencode({"q": "zw"}), "search", "session"))
    return result


def bench(args: argparse.Namespace, info: dict[str, object]) -> list[Result]:
    results: list[Result] = []
    for username in args.users:
        token = api_token(args.port, username)
        cookie = session_cookie(args.port, username) if args.html else None
        if args.html and cookie is None:
            print(f"bench: HTML login failed for {username}; HTML scenarios skipped", file=sys.stderr)
        for scenario in scenarios(args, username, info):
            if args.scenarios and scenario.key not in args.scenarios:
                continue
            if scenario.auth == "session":
                if cookie is None:
                    continue
                headers = {"Cookie": cookie}
            else:
                headers = {"Authorization": f"Bearer {token}"}
            status, body = (http_json(args.port, "GET", scenario.path, headers=headers) if scenario.auth == "token"
                            else (200, None))
            if status != 200:
                raise SystemExit(f"bench: {scenario.path} as {username} answered {status}: {str(body)[:300]}")
            count = body.get("count") if isinstance(body, dict) else "–"
            if isinstance(body, dict) and body.get("count_exact") is False:
                count = f"~{count:,}" if isinstance(count, int) else count
            # warm-up: every worker process of gunicorn sees the query once or twice
            run_load(args.port, scenario.path, headers, min(args.workers, 4), args.workers * 2)
            for concurrency in args.concurrency:
                n = args.requests * (2 if concurrency > 1 else 1)
                latencies, wall, errors = run_load(args.port, scenario.path, headers, concurrency, n)
                result = Result(username, scenario, concurrency, latencies, wall, errors, count)
                results.append(result)
                print(f"{username:6} {scenario.label:34} c={concurrency:<2} n={len(latencies):4} "
                      f"p50={result.pct(50):7.1f} p95={result.pct(95):7.1f} p99={result.pct(99):7.1f} ms "
                      f"{len(latencies) / wall:6.1f} req/s errors={errors} count={count}", flush=True)
    return results


def render(args: argparse.Namespace, info: dict[str, object], results: list[Result], demo_s: float | None,
           load: LoadWatch | None = None) -> str:
    lines = [provenance(load), "", f"Run {time.strftime('%Y-%m-%d %H:%M')} · {info['server']} · {info['customers']:,} customers · "
             f"gunicorn {args.workers} sync workers, GUANXI_DB_CONN_MAX_AGE={args.conn_max_age} · Python {platform.python_version()} · "
             f"{os.cpu_count()} CPU cores (server, database and load generator share them)", ""]
    if demo_s is not None:
        lines += [f"`guanxi demo --customers {args.customers:,}` (fresh migrated database): **{demo_s:.0f} s**.", ""]
    lines += [f"Requests per cell: {args.requests} at concurrency 1, {args.requests * 2} above; latency is per "
              "request as the client sees it (queueing included). Targets at concurrency 8: search p95 ≤ "
              f"{SEARCH_TARGET_MS} ms, list p95 ≤ {LIST_TARGET_MS} ms.", ""]
    lines += ["| user (visible rows) | scenario | matches | conc. | p50 ms | p95 ms | p99 ms | req/s | errors | target |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        target = SEARCH_TARGET_MS if r.scenario.kind == "search" else LIST_TARGET_MS
        verdict = ""
        if r.concurrency == 8:
            verdict = "✅ met" if r.pct(95) <= target and not r.errors else "❌ **missed**"
        count = f"{r.count:,}" if isinstance(r.count, int) else r.count
        lines.append(
            f"| {r.user} ({info['rows'][r.user]:,}) | {r.scenario.label} | {count} | {r.concurrency} | "  # type: ignore[index]
            f"{r.pct(50):.1f} | {r.pct(95):.1f} | {r.pct(99):.1f} | {len(r.latencies_ms) / r.wall_s:.0f} | "
            f"{r.errors} | {verdict} |")
    lines += ["", "EXPLAIN of the 2-character query (`q=张伟`), per user: every statement `customer_page` runs "
              "except the tag prefetch.", ""]
    for (username, q), plans in info["plans"].items():  # type: ignore[union-attr]
        lines += [f"<details><summary>{username}, q={q}</summary>", ""]
        for sql, plan in plans:
            lines += ["```sql", sql, "```", "```", plan, "```", ""]
        lines += ["</details>", ""]
    return "\n".join(lines)


def write_section(path: Path, section: str, body: str) -> None:
    start, end = f"<!-- bench:{section}:start -->", f"<!-- bench:{section}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--database-url", help="postgres://… of a guanxi_bench* database")
    target.add_argument("--sqlite", help="path of a SQLite file")
    parser.add_argument("--setup", action="store_true", help="(re)create, migrate and load the database first")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (4 PostgreSQL, 2 SQLite)")
    parser.add_argument("--requests", type=int, default=100, help="requests per cell at concurrency 1 (x2 above)")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--users", default="admin,rep1")
    parser.add_argument("--conn-max-age", type=int, default=60, help="GUANXI_DB_CONN_MAX_AGE for gunicorn")
    parser.add_argument("--html", action="store_true", help="also measure the HTML list (session login)")
    parser.add_argument("--scenarios", default="", help="only these scenario keys (cjk2,pinyin,list1,html-list …)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--section", default=None, help="section of --out to replace (default: postgresql/sqlite)")
    args = parser.parse_args()
    args.url = f"sqlite:///{Path(args.sqlite).resolve()}" if args.sqlite else args.database_url
    args.workers = args.workers or (2 if args.sqlite else 4)
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.users = args.users.split(",")
    args.scenarios = [k for k in args.scenarios.split(",") if k]
    args.section = args.section or ("sqlite" if args.sqlite else "postgresql")
    if not shutil.which(str(GUNICORN)):
        raise SystemExit(f"bench: {GUNICORN} not found")
    (ROOT / "var").mkdir(exist_ok=True)

    load = LoadWatch()  # from before the setup: the load average before the run is the machine's own
    demo_s = setup_database(args) if args.setup else None
    info = prepare(args)
    server = start_server(args)
    try:
        results = bench(args, info)
    finally:
        stop_server(server)
        load.stop()
    report = render(args, info, results, demo_s, load)
    write_section(Path(args.out), args.section, report)
    print(f"\nwritten to {args.out} (section {args.section})")


if __name__ == "__main__":
    main()
