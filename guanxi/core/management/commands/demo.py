"""`guanxi demo --customers N --seed S`: fill an empty database with deterministic demo data."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from guanxi.core.bulk import Background
from guanxi.core.progress import ProgressBar
from guanxi.core.registry import DemoContext, registry


class Command(BaseCommand):
    help = "Load deterministic demo data (organization, users, customers …) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=2000, help="number of customers (default 2000)")
        parser.add_argument("--seed", type=int, default=20261123, help="random seed; same seed, same data")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when data already exists")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["customers"]
        if count < 0 or count > 50_000_000:
            raise CommandError("--customers must be between 0 and 50,000,000")
        using: str = options["database"]
        if get_user_model()._default_manager.using(using).exists():
            if options["if_empty"]:
                self.stdout.write("demo: the database already has data; nothing loaded")
                return
            raise CommandError("the database already has users; demo data goes into an empty database only")
        out = self.stdout
        bar = ProgressBar(lambda text: out.write(text, ending=""), tty=out.isatty(), flush=out.flush)
        # On PostgreSQL a generator's index rebuild runs on a second connection while the next
        # generators run: the server builds indexes on one core while Python makes rows on the other.
        background = Background() if connections[using].vendor == "postgresql" else None
        ctx = DemoContext(seed=options["seed"], customers=count, using=using, stdout=bar.message,
                          on_progress=bar.update, defer=background)
        started = time.monotonic()
        try:
            for generator in registry.demo_generators:
                t0 = time.monotonic()
                generator.run(ctx)
                bar.finish(generator.name, f"demo: {generator.name} done in {time.monotonic() - t0:.1f} s")
        finally:
            if background is not None:
                # Never leave a rebuild running behind a failed generator; its own error comes second.
                t0 = time.monotonic()
                bar.update("background", 0, 0, f"waiting for {background.pending()} index rebuild(s)")
                jobs = background.wait()
                bar.finish("background", f"demo: waited {time.monotonic() - t0:.1f} s for the background rebuilds ("
                           + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in jobs) + ")")
        if connections[using].vendor == "postgresql":
            t0 = time.monotonic()
            bar.update("statistics", 0, 1, "ANALYZE")
            with connections[using].cursor() as cursor:
                cursor.execute("ANALYZE")
            bar.finish("statistics", f"demo: statistics (ANALYZE) done in {time.monotonic() - t0:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"demo: loaded in {time.monotonic() - started:.1f} s"))
        self.stdout.write("demo accounts (password guanxi-demo): admin, manager, rep1, rep2")
