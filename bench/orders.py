"""Order intake speed on PostgreSQL: a generated file through `guanxi import_orders`, then the bulk API.

    .venv/bin/python bench/orders.py --customers 1000000 --lines 10000000
    .venv/bin/python bench/orders.py --customers 100000 --lines 1000000 --api-orders 50000

Each run (re)creates the database, migrates it, creates one administrator, inserts the customers
(set-based, a few columns: the import only needs codes), 20 stores and 1,000 products, writes the
CSV (UTF-8, one row per order line, orders of 1–5 lines) and runs the import command in a child
process. Then it imports the same file again (every order re-sent: the idempotent re-run). Last, it
starts gunicorn (DEBUG off) and a separate load process posts `--api-orders` new orders in calls of
10,000 to `POST /api/v1/orders/bulk` from `--clients` parallel connections.
Targets: ≥ 100,000 lines/s for the import; ≥ 5,000 orders/s through the API.

With `--floor`, it last measures what no import can beat on this machine: every stored order and line
copied out, the tables emptied, and the rows written back by binary COPY in one transaction (their
indexes kept, the customer key checked at the commit), with no parsing, no checks and no summaries;
then the summaries of every customer rebuilt from them.

Last it prints the provenance line (commit, date, CPU, load average before, during and after the run;
bench/machine.py) that heads the numbers' table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import LoadWatch, provenance  # noqa: E402 - bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/guanxi_bench_orders"
PORT = 8765
START = dt.datetime(2025, 12, 1)
STATUSES = ["paid"] * 6 + ["delivered"] * 3 + ["placed"]


def _psql(url: str, sql: str, database: str = "postgres") -> str:
    parsed = urlparse(url)
    done = subprocess.run(["psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U",
                           parsed.username or "postgres", "-d", database, "-tAc", sql],
                          check=True, capture_output=True, text=True)
    return done.stdout.strip()


def guanxi(url: str, *args: str) -> tuple[float, str]:
    env = {**os.environ, "GUANXI_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    started = time.perf_counter()
    done = subprocess.run([str(PYTHON), "-m", "guanxi.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"guanxi {' '.join(args)} failed")
    return time.perf_counter() - started, done.stdout


def seed_database(url: str, customers: int) -> None:
    """Customers, stores, categories and products, set-based in SQL (seconds for a million customers)."""
    name = urlparse(url).path.lstrip("/")
    owner = _psql(url, "SELECT id FROM accounts_user WHERE username = 'bench'", name)
    # Every NOT NULL column without a database default gets a neutral value of its type.
    columns = _psql(url, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
                    "'customers_customer' AND is_nullable = 'NO' AND column_default IS NULL", name)
    values = {"id": "n", "code": "'C' || lpad(n::text, 8, '0')", "name": "'客户' || n", "name_sort": "'kehu' || n",
              "owner_id": owner, "kind": "'person'", "importance": "'B'", "version": "1",
              "birthday_calendar": "'solar'", "phones": "'[]'::jsonb"}
    defaults = {"boolean": "false", "integer": "0", "bigint": "0", "smallint": "0", "jsonb": "'{}'::jsonb",
                "timestamp with time zone": "now()", "date": "current_date"}
    select = []
    names = []
    for row in columns.splitlines():
        column, kind = row.split("|")
        names.append(column)
        select.append(values.get(column, defaults.get(kind, "''")))
    _psql(url, f"INSERT INTO customers_customer ({', '.join(names)}) SELECT {', '.join(select)} "
          f"FROM generate_series(1, {customers}) n", name)
    _psql(url, "SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), "
          "(SELECT max(id) FROM customers_customer))", name)
    _psql(url, "INSERT INTO accounts_region (code, name) VALUES ('east', '华东')", name)
    _psql(url, "INSERT INTO accounts_department (code, name, sort_order) VALUES ('bench', '门店部', 0)", name)
    _psql(url, "INSERT INTO accounts_store (code, name, region_id, department_id, address) SELECT 's' || n, "
          "'门店' || n, (SELECT id FROM accounts_region), (SELECT id FROM accounts_department), '' "
          "FROM generate_series(1, 20) n", name)
    _psql(url, "INSERT INTO orders_category (code, name) SELECT 'cat' || n, '品类' || n FROM generate_series(1, 20) n",
          name)
    _psql(url, "INSERT INTO orders_product (code, name, category_id, spec, colour, unit, list_price, cost, active, "
          "version) SELECT 'P' || n, '商品' || n, (SELECT min(id) FROM orders_category) + n % 20, '', '', '件', "
          "10 + n % 90, 6 + n % 50, true, 1 FROM generate_series(1, 1000) n", name)
    _psql(url, "ANALYZE", name)


def write_file(path: Path, customers: int, lines: int, seed: int = 11) -> int:
    rng = random.Random(seed)
    written = orders = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("source,external_id,customer_code,store_code,channel,status,ordered_at,product_code,quantity,"
                  "unit_price,discount\n")
        buffer = []
        while written < lines:
            orders += 1
            customer = rng.randrange(1, customers + 1)
            # A time to the second over a year, as a point-of-sale export has it (almost every order's
            # own): a file of few distinct times would let PostgreSQL cache the parsing of each.
            at = START + dt.timedelta(seconds=rng.randrange(365 * 86400))
            head = (f"pos-bench,O{orders:09d},C{customer:08d},s{orders % 20 + 1},store,{STATUSES[orders % 10]},"
                    f"{at:%Y-%m-%d %H:%M:%S},")
            for _ in range(min(rng.randint(1, 5), lines - written)):
                product = rng.randrange(1, 1001)
                buffer.append(f"{head}P{product},{rng.randint(1, 4)},{10 + product % 90},0\n")
                written += 1
            if len(buffer) >= 100_000:
                out.write("".join(buffer))
                buffer.clear()
        out.write("".join(buffer))
    return orders


def _api_payload(start: int, count: int, customers: int, rng: random.Random) -> bytes:
    orders = []
    for n in range(start, start + count):
        orders.append({
            "source": "api-bench", "external_id": f"A{n:09d}", "customer_code": f"C{rng.randrange(1, customers + 1):08d}",
            "store_code": f"s{n % 20 + 1}", "status": STATUSES[n % 10], "ordered_at": "2026-05-01T10:00:00+08:00",
            "lines": [{"product_code": f"P{rng.randrange(1, 1001)}", "quantity": "2", "unit_price": "19.90"}
                      for _ in range(rng.randint(1, 3))],
        })
    return json.dumps({"orders": orders}).encode()


def load(token: str, total: int, per_call: int, clients: int, customers: int) -> None:
    """The load process: posts the orders and prints orders/s (run as a separate process)."""
    rng = random.Random(5)
    payloads = [_api_payload(start, per_call, customers, rng) for start in range(0, total, per_call)]

    def post(body: bytes) -> tuple[int, float]:
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/orders/bulk", data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as response:
            result = json.loads(response.read())
        if result["failed"]:
            raise SystemExit(f"{len(result['failed'])} orders failed: {result['failed'][:3]}")
        return result["created"], time.perf_counter() - started

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(post, payloads))
    elapsed = time.perf_counter() - started
    created = sum(c for c, _ in results)
    slowest = max(s for _, s in results)
    print(f"api: {created:,} orders in {elapsed:.1f} s = {created / elapsed:,.0f} orders/s "
          f"({clients} clients, {per_call:,} per call, slowest call {slowest:.1f} s, "
          f"{sum(len(p) for p in payloads) / len(payloads) / 1e6:.1f} MB per call)")


def api_bench(url: str, customers: int, total: int, clients: int, workers: int = 2) -> None:
    env = {**os.environ, "GUANXI_DATABASE_URL": url, "GUANXI_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings"}
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", str(workers), "-b",
                               f"127.0.0.1:{PORT}", "--timeout", "600"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        body = json.dumps({"username": "bench", "password": "bench-pass-123"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/auth/token", data=body,
                                         headers={"Content-Type": "application/json"})
        token = json.loads(urllib.request.urlopen(request).read())["token"]
        subprocess.run([str(PYTHON), __file__, "--load", token, "--api-orders", str(total), "--clients",
                        str(clients), "--customers", str(customers)], check=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def floor(url: str) -> None:
    """Write every stored order and line back with binary COPY in one transaction, then rebuild the
    summaries: the least time any import of these rows, checked or not, could take here."""
    import psycopg

    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(url) as conn:
        dumps = {table: Path(tmp) / f"{table}.bin" for table in ("orders_order", "orders_orderline")}
        for table, path in dumps.items():
            with path.open("wb") as out, conn.cursor().copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                for chunk in copy:
                    out.write(chunk)
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM orders_orderline")
            lines = cursor.fetchone()[0]
            cursor.execute("TRUNCATE orders_orderline, orders_order, orders_purchasesummary")
        conn.commit()
        conn.execute("CHECKPOINT")
        conn.commit()
        started = time.perf_counter()
        for table, path in dumps.items():
            with path.open("rb") as data, conn.cursor().copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
        copied = time.perf_counter() - started
        conn.commit()
        written = time.perf_counter() - started
    print(f"floor: {lines:,} lines and their orders written back by binary COPY in {written:.1f} s "
          f"({copied:.1f} s COPY, {written - copied:.1f} s commit) = {lines / written:,.0f} lines/s")
    _seconds, out = guanxi(url, "shell", "-c", REBUILD)
    customers, seconds = out.split()[-2:]
    print(f"floor: the summaries of {int(customers):,} customers rebuilt in {float(seconds):.1f} s; with the "
          f"copy, {lines / (written + float(seconds)):,.0f} lines/s")


REBUILD = """
import time
from django.db import transaction
from guanxi.orders.summary import rebuild_all
started = time.perf_counter()
with transaction.atomic():
    customers = rebuild_all()
print(customers, time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--api-orders", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-rerun", action="store_true", help="import the file once, not twice")
    parser.add_argument("--floor", action="store_true",
                        help="last, time writing the stored rows back with no parse, checks or summaries")
    parser.add_argument("--load", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load(args.load, args.api_orders, 10_000, args.clients, args.customers)
        return
    watch = LoadWatch()
    name = urlparse(args.database_url).path.lstrip("/")
    _psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"')
    _psql(args.database_url, f'CREATE DATABASE "{name}"')
    guanxi(args.database_url, "migrate", "-v", "0")
    env = {**os.environ, "GUANXI_DATABASE_URL": args.database_url, "DJANGO_SUPERUSER_PASSWORD": "bench-pass-123"}
    subprocess.run([str(PYTHON), "-m", "guanxi.cli", "createsuperuser", "--noinput", "--username", "bench",
                    "--email", "bench@example.com"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    seed_database(args.database_url, args.customers)
    print(f"seed: {args.customers:,} customers, 1,000 products in {time.perf_counter() - started:.1f} s")
    if not args.skip_import:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"orders-{args.lines}.csv"
            started = time.perf_counter()
            orders = write_file(path, args.customers, args.lines)
            print(f"file: {args.lines:,} lines, {orders:,} orders, {path.stat().st_size / 2**20:,.0f} MiB "
                  f"written in {time.perf_counter() - started:.1f} s")
            for label in ("import",) if args.skip_rerun else ("import", "re-run"):
                seconds, out = guanxi(args.database_url, "import_orders", str(path), "--user", "bench")
                print(f"{label}: {seconds:.1f} s wall = {args.lines / seconds:,.0f} lines/s · "
                      f"{out.strip().splitlines()[-1]}")
    if args.api_orders:
        api_bench(args.database_url, args.customers, args.api_orders, args.clients, args.workers)
    if args.floor:
        floor(args.database_url)
    watch.stop()
    # The line that heads these numbers' table in docs/benchmarks.md.
    print(f"\n{provenance(watch)}")


if __name__ == "__main__":
    main()
