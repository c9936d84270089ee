"""Customer import speed and memory: a generated CSV through `guanxi import customers`, on PostgreSQL.

    .venv/bin/python bench/imports.py --rows 100000
    .venv/bin/python bench/imports.py --rows 1000000
    .venv/bin/python bench/imports.py --rows 100000 --database-url postgres://postgres@127.0.0.1:5432/guanxi_bench_imports

Each run (re)creates the database, migrates it, creates one administrator, writes the CSV (GB18030,
a title row above the header, as Excel on Chinese Windows saves it) and runs the import command in a
child process: wall time from `resource`-measured child start to exit, peak memory as the child's
maximum resident set size. Then it runs the same file again (every row unchanged: the idempotent
re-run). Targets: 100,000 rows in ≤ 30 s; peak memory at 1,000,000 rows ≤ 1.2 × that at 100,000.
The load average before and after each import is printed too: on a shared machine it explains most
of the spread between runs. Last comes the provenance line (commit, date, CPU, load average before,
during and after the whole run; bench/machine.py) that heads the numbers' table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import LoadWatch, provenance  # noqa: E402 - bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/guanxi_bench_imports"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["客户名单（导出）"])
        writer.writerow(["客户编码", "姓名", "手机", "生日", "地址", "重要程度", "性别", "标签", "备注"])
        for n in range(rows):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            phone = f"+86 13{(n * 7919) % 10**9:09d}"
            birthday = f"{rng.randrange(1950, 2005)}/{rng.randrange(1, 13)}/{rng.randrange(1, 29)}"
            writer.writerow([f"B{n:08d}", name, phone, birthday, f"人民路{rng.randrange(1, 999)}号",
                             rng.choice("ABC"), rng.choice(["男", "女", ""]), rng.choice(["", "VIP", "老客户"]), ""])


def _psql(url: str, sql: str) -> None:
    parsed = urlparse(url)
    subprocess.run(["psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U",
                    parsed.username or "postgres", "-d", "postgres", "-c", sql], check=True, capture_output=True)


def guanxi(url: str, *args: str) -> tuple[float, float, str]:
    """Run `guanxi …` in a child; (seconds, peak MiB of the child, output)."""
    env = {**os.environ, "GUANXI_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([str(PYTHON), "-m", "guanxi.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"guanxi {' '.join(args)} failed")
    return elapsed, max(peak, before) / 1024, done.stdout


def _load() -> str:
    return "/".join(f"{n:.1f}" for n in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--no-rerun", action="store_true", help="skip the second (all unchanged) run")
    args = parser.parse_args()
    watch = LoadWatch()
    name = urlparse(args.database_url).path.lstrip("/")
    _psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}"')
    _psql(args.database_url, f'CREATE DATABASE "{name}"')
    guanxi(args.database_url, "migrate", "-v", "0")
    env = {**os.environ, "GUANXI_DATABASE_URL": args.database_url, "DJANGO_SUPERUSER_PASSWORD": "bench-pass-123"}
    subprocess.run([str(PYTHON), "-m", "guanxi.cli", "createsuperuser", "--noinput", "--username", "bench",
                    "--email", "bench@example.com"], cwd=ROOT, env=env, check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"customers-{args.rows}.csv"
        generate(path, args.rows)
        size = path.stat().st_size / 1024 / 1024
        before = _load()
        first, first_peak, out = guanxi(args.database_url, "import", "customers", str(path), "--user", "bench")
        print(out.strip().splitlines()[-1])
        print(f"rows {args.rows:,} · file {size:.1f} MiB · import {first:.1f} s (peak RSS {first_peak:.0f} MiB) · "
              f"load average {before} → {_load()}", flush=True)
        if args.no_rerun:
            watch.stop()
            print(f"\n{provenance(watch)}")
            return
        before = _load()
        again, again_peak, out = guanxi(args.database_url, "import", "customers", str(path), "--user", "bench")
        print(out.strip().splitlines()[-1])
    print(f"rows {args.rows:,} · file {size:.1f} MiB · import {first:.1f} s (peak RSS {first_peak:.0f} MiB) · "
          f"re-run {again:.1f} s (peak RSS {again_peak:.0f} MiB) · load average {before} → {_load()}")
    watch.stop()
    print(f"\n{provenance(watch)}")


if __name__ == "__main__":
    main()
