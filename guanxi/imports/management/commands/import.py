"""`guanxi import customers FILE [--mapping NAME] [--apply-valid-only] [--user USERNAME] [--mode …]`
and `guanxi import orders FILE [--unknown-customers reject|create] [--apply-valid-only] [--user …]`.

Runs the same engine as the wizard, synchronously. Exit code 0 when rows were applied (or the file
changed nothing because everything was already there), 1 when nothing was applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanxi.imports import selectors, services
from guanxi.imports.choices import JobState, Mode, Source


class Command(BaseCommand):
    help = "Import a file (xlsx, xls or csv) into the archive, as the wizard does."
    # A data load, not a deployment step: the system checks import every URL module (the analytics API
    # brings numpy and scipy), a second of start-up that `guanxi check` and `migrate` already cover.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["customers", "orders"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", default="", help="a saved mapping's name")
        parser.add_argument("--apply-valid-only", action="store_true",
                            help="apply the valid rows even if some are invalid (they are listed)")
        parser.add_argument("--user", default="", help="import as this user (default: the first superuser)")
        parser.add_argument("--mode", choices=Mode.values, default=Mode.BOTH)
        parser.add_argument("--errors", type=Path, help="write the invalid rows to this CSV file")
        parser.add_argument("--unknown-customers", choices=["reject", "create"], default="reject",
                            help="orders: reject orders of unknown customers, or create the customers")

    def handle(self, *args: Any, **options: Any) -> None:
        from guanxi.accounts.models import User

        path: Path = options["file"]
        if options["target"] == "orders":
            # Order lines go through the orders app's own set-based loader (staging + COPY).
            from django.core.management import call_command

            extra = ["--apply-valid-only"] if options["apply_valid_only"] else []
            extra += ["--user", options["user"]] if options["user"] else []
            extra += ["--errors", str(options["errors"])] if options.get("errors") else []
            call_command("import_orders", str(path), "--unknown-customers", options["unknown_customers"], *extra,
                         stdout=self.stdout._out, stderr=self.stderr._out)
            return
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        users = User.objects.filter(is_active=True)
        user = (users.filter(username=options["user"]) if options["user"] else
                users.filter(is_superuser=True).order_by("pk")).first()
        if user is None:
            raise CommandError("no such active user; pass --user USERNAME")
        try:
            with path.open("rb") as handle:
                job = services.job_create(actor=user, upload=File(handle, name=path.name), target=options["target"],
                                          source=Source.CLI)
            if options["mapping"]:
                job = services.mapping_apply(job=job, name=options["mapping"])
            services.job_configure(actor=user, job=job, settings_in=services.JobSettings(
                sheet=job.sheet, encoding=job.encoding, header_row=job.header_row, mapping=job.mapping,
                mode=options["mode"], apply_valid_only=options["apply_valid_only"],
            ))
        except ValidationError as invalid:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in invalid.message_dict.items())) from invalid
        self.stdout.write(f"import {job.pk}: {path.name}, header on row {job.header_row}, "
                          f"columns {', '.join(job.mapping.values()) or '—'}")
        job = services.job_run_now(actor=user, job=job)
        errors, count = selectors.job_errors(job=job, limit=50)
        for error in errors:
            self.stderr.write(f"line {error.line}: {error.field}: {error.message}")
        if count > len(errors):
            self.stderr.write(f"… and {count - len(errors)} more errors")
        if count and options.get("errors"):
            with options["errors"].open("w", encoding="utf-8", newline="") as out:
                out.writelines(selectors.error_file_csv(job=job))
        self.stdout.write(f"rows {job.total_rows}, invalid {job.invalid_rows}, created {job.created_count}, "
                          f"updated {job.updated_count}, unchanged {job.unchanged_count}")
        if job.state != JobState.DONE:
            raise CommandError(job.message or "nothing was applied: some rows are invalid "
                               "(use --apply-valid-only to apply the valid ones)")
