"""`guanxi demo --customers N --seed S`: fill an empty database with deterministic demo data."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

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
        ctx = DemoContext(seed=options["seed"], customers=count, using=using, stdout=self.stdout.write)
        started = time.monotonic()
        for generator in registry.demo_generators:
            t0 = time.monotonic()
            generator.run(ctx)
            self.stdout.write(f"demo: {generator.name} done in {time.monotonic() - t0:.1f} s")
        if connections[using].vendor == "postgresql":
            with connections[using].cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"demo: loaded in {time.monotonic() - started:.1f} s"))
        self.stdout.write("demo accounts (password guanxi-demo): admin, manager, rep1, rep2")
