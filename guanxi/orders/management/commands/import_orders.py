"""`guanxi import_orders FILE [--unknown-customers reject|create] [--apply-valid-only] [--user USERNAME]`.

Imports order lines (one row per line, orders grouped by source and external id) with the same
checks as `POST /api/v1/orders/bulk`. Exit code 0 when the file was applied, 1 when nothing was.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanxi.imports.readers import ReadError
from guanxi.orders.choices import UnknownCustomers
from guanxi.orders.importing import ImportFileError, import_file


class Command(BaseCommand):
    help = "Import order lines from a file (xlsx, xls, ods or csv)."
    # A data load, not a deployment step: the system checks import every URL module (the analytics API
    # brings numpy and scipy), a second of start-up that `guanxi check` and `migrate` already cover.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--unknown-customers", choices=UnknownCustomers.values, default=UnknownCustomers.REJECT,
                            help="reject orders of unknown customer codes (default) or create the customers")
        parser.add_argument("--apply-valid-only", action="store_true",
                            help="apply the valid orders even if some rows are invalid (they are listed)")
        parser.add_argument("--user", default="", help="import as this user (default: the first superuser)")
        parser.add_argument("--errors", type=Path, help="write the invalid rows (line, field, message) to this CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        from guanxi.accounts.models import User

        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        users = User.objects.filter(is_active=True)
        user = (users.filter(username=options["user"]) if options["user"] else
                users.filter(is_superuser=True).order_by("pk")).first()
        if user is None:
            raise CommandError("no such active user; pass --user USERNAME")
        started = time.monotonic()
        try:
            result = import_file(actor=user, path=path, unknown_customers=options["unknown_customers"],
                                 apply_valid_only=options["apply_valid_only"],
                                 error_limit=1_000_000 if options.get("errors") else 50)
        except (ImportFileError, ReadError) as failed:
            raise CommandError(failed.message) from failed
        seconds = time.monotonic() - started
        for line, field, message in result.errors[:50]:
            self.stderr.write(f"line {line}: {field}: {message}")
        if result.error_count > min(50, len(result.errors)):
            self.stderr.write(f"… and {result.error_count - min(50, len(result.errors))} more errors")
        if result.error_count and options.get("errors"):
            with options["errors"].open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["line", "field", "message"])
                writer.writerows(result.errors)
        o = result.outcome
        self.stdout.write(
            f"lines {result.rows:,}, invalid {result.error_count:,}, orders created {o.created:,}, "
            f"updated {o.updated:,}, unchanged {o.unchanged:,}, failed {len(o.failures):,}, lines applied {o.lines:,}, "
            f"summaries {o.customers:,} in {seconds:.1f} s ({result.rows / max(seconds, 1e-9):,.0f} lines/s"
            f"{', streamed' if result.fast_path else ''})")
        if not result.applied:
            raise CommandError("nothing was applied: some rows are invalid "
                               "(use --apply-valid-only to apply the valid orders)")
