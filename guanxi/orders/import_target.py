"""The order-line target of the import engine: a POS or ERP file through the wizard (or the API),
one row per line, orders grouped by (source, external id).

The engine stages the file into `ImportRow` as it does for customers: each row is parsed by
`importing.parse_row` (the rules of `guanxi import orders`), so the preview shows the same per-cell
errors. The file-wide checks and the apply are the orders app's own (`orders.batch`, shared with the
bulk API): the staged rows are copied with one `INSERT … SELECT` into a batch of `StagedLine`s,
checked there, and the errors copied back to the job's rows and `RowError`s.

The check runs when the file is read; the apply, which may come days later ("apply valid rows only"),
stages the valid rows again and checks them again in its own transaction, because customers, products
and orders may have changed since. Rows that fail only then are marked like any other invalid row;
without "apply valid rows only" nothing is applied and the job waits in review again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import connection, transaction
from django.db.models import Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.accounts.models import User
from guanxi.core.db import json_sql
from guanxi.customers.choices import Channel
from guanxi.customers.models import Customer
from guanxi.imports.columns import Column, label_keys
from guanxi.imports.models import ImportJob, ImportRow, RowError
from guanxi.imports.readers import header_key
from guanxi.imports.targets import Applied, Count, OptionErrors, Progress
from guanxi.orders import batch as batches
from guanxi.orders import importing
from guanxi.orders.choices import UnknownCustomers
from guanxi.orders.models import StagedLine
from guanxi.orders.services import create_unknown_customers

LABELS: dict[str, Any] = {
    "source": gettext_lazy("Source system"),
    "external_id": gettext_lazy("Order number"),
    "customer_code": gettext_lazy("Customer code"),
    "customer_name": gettext_lazy("Customer name"),
    "store_code": gettext_lazy("Store code"),
    "channel": gettext_lazy("Sales channel"),
    "kind": gettext_lazy("Kind (sale or return)"),
    "status": gettext_lazy("Order status"),
    "ordered_at": gettext_lazy("Ordered at"),
    "original_external_id": gettext_lazy("Original order number"),
    "product_code": gettext_lazy("Product code"),
    "quantity": gettext_lazy("Quantity"),
    "unit_price": gettext_lazy("Unit price"),
    "discount": gettext_lazy("Discount"),
    "amount": gettext_lazy("Amount"),
}
# A staged line of a row the parser already refused: it fails its order, its own errors are in RowError.
REFUSED = "_row"
TEXT_FIELDS = ("source", "external_id", "customer_code", "customer_name", "store_code", "channel", "kind",
               "status", "original_external_id", "product_code")
NUMBER_FIELDS = ("quantity", "unit_price", "discount", "amount")


class Cleaned:
    """One parsed line: staged values (JSON-ready, times as the database stores them) and its error."""

    __slots__ = ("code", "data", "errors", "phone")

    def __init__(self, data: dict[str, Any], errors: dict[str, list[str]], code: str) -> None:
        self.data = data
        self.errors = errors
        self.code = code
        self.phone = ""


class LineCleaner:
    """`importing.parse_row` for the engine: the same rules as the command and the SQL fast path."""

    def __init__(self, actor: User) -> None:
        self.actor = actor

    def clean(self, cells: dict[str, str]) -> Cleaned:
        staged, error = importing.parse_row(cells)
        data = {name: staged[name] for name in TEXT_FIELDS}
        data.update({name: str(staged[name]) for name in NUMBER_FIELDS})
        data["ordered_at"] = _utc_text(staged["ordered_at"])
        data["ordered_on"] = staged["ordered_on"].isoformat()
        return Cleaned(data, {error[0]: [error[1]]} if error else {}, staged["customer_code"])


def _utc_text(at: dt.datetime) -> str:
    """UTC without a zone, as Django stores a datetime on SQLite (PostgreSQL reads it with `+00`)."""
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


class OrderLineTarget:
    """Order lines from a point-of-sale or ERP file."""

    key = "orders"
    label = gettext_lazy("Order lines")
    order = 20
    counts = (Count("created", gettext_lazy("Orders created")), Count("updated", gettext_lazy("Orders updated")),
              Count("unchanged", gettext_lazy("Orders unchanged")))

    def catalogue(self) -> list[Column]:
        return [Column(key=key, label=str(LABELS[key]),
                       aliases=frozenset(label_keys(LABELS[key]) | {header_key(n) for n in names}))
                for key, names in importing.COLUMNS.items()]

    def alias_map(self, columns: list[Column]) -> dict[str, str]:
        """The command's header names first (客户 is a customer's name there), then the labels."""
        found = dict(importing.ALIASES)
        for column in columns:
            for alias in sorted(column.aliases):
                found.setdefault(alias, column.key)
        return found

    def required(self) -> tuple[str, ...]:
        return tuple(importing.REQUIRED)

    def row_cleaner(self, actor: User) -> LineCleaner:
        return LineCleaner(actor)

    def option_fields(self) -> dict[str, forms.Field]:
        return {"unknown_customers": forms.ChoiceField(
            label=gettext_lazy("Customer codes nobody has yet"), choices=UnknownCustomers.choices,
            help_text=gettext_lazy("Create: a customer with that code and name, managed by you."))}

    def options_of(self, job: ImportJob) -> dict[str, Any]:
        return {"unknown_customers": _unknown_customers(job)}

    def set_options(self, job: ImportJob, values: dict[str, Any], errors: OptionErrors) -> None:
        choice = values.get("unknown_customers") or _unknown_customers(job)
        if choice not in UnknownCustomers.values:
            errors.add("unknown_customers", _("Select a valid choice."))
            return
        job.options = {**job.options, "unknown_customers": choice}

    def check(self, job: ImportJob) -> None:
        batch = batches.new_batch()
        with transaction.atomic():
            try:
                rows = _stage(job, batch, valid_only=False)
                if _unknown_customers(job) == UnknownCustomers.CREATE:
                    _assume_created(batch)
                _check(job, batch, rows)
                _mark_invalid(job, batch)
            finally:
                batches.discard(batch)

    def apply(self, job: ImportJob, *, progress: Progress) -> Applied:
        batch = batches.new_batch()
        late: list[tuple[int, str, str]] = []
        try:
            with transaction.atomic():
                rows = _stage(job, batch, valid_only=True)
                progress(rows // 3)
                if _unknown_customers(job) == UnknownCustomers.CREATE:
                    create_unknown_customers(actor=job.user, batch=batch, channel=Channel.IMPORT)
                _check(job, batch, rows)
                progress(2 * rows // 3)
                late = _errors(batch)
                if late and not job.apply_valid_only:
                    raise _Refused
                outcome = batches.apply_valid_orders(batch)
                _mark_invalid(job, batch)
                batches.discard(batch)
        except _Refused:
            # Rolled back, the customers it created too; the rows that failed now wait for the user.
            with transaction.atomic():
                _mark_lines(job, late)
            return Applied(review=True)
        progress(rows)
        return Applied(created=outcome.created, updated=outcome.updated, unchanged=outcome.unchanged)


class _Refused(Exception):
    """Rows failed while applying and the user wants all or nothing: roll the apply back."""


def _unknown_customers(job: ImportJob) -> str:
    return str(job.options.get("unknown_customers") or UnknownCustomers.REJECT)


def _stage(job: ImportJob, batch: str, *, valid_only: bool) -> int:
    """Copy the job's staged rows into a batch of order lines, in one `INSERT … SELECT`."""
    postgres = connection.vendor == "postgresql"

    def value(name: str) -> str:
        text = json_sql("r.data", (name,))
        if not postgres or name in TEXT_FIELDS:
            return text  # SQLite takes text into NUMERIC and datetime columns, as the ORM writes them
        if name == "ordered_at":
            return f"CAST({text} || '+00' AS timestamptz)"
        return f"CAST({text} AS {StagedLine._meta.get_field(name).db_type(connection)})"

    names = [*TEXT_FIELDS, *NUMBER_FIELDS, "ordered_at", "ordered_on"]
    columns = ["batch", "line", "group_no", "customer_id", "store_id", "product_id", "unit_cost", "error_field",
               "error", *names]
    sql = (
        f"INSERT INTO {StagedLine._meta.db_table} ({', '.join(columns)}) "
        f"SELECT %s, r.line, 0, NULL, NULL, NULL, 0, "
        f"CASE WHEN r.valid THEN '' ELSE %s END, CASE WHEN r.valid THEN '' ELSE %s END, "
        f"{', '.join(value(n) for n in names)} "
        f"FROM {ImportRow._meta.db_table} r WHERE r.job_id = %s{' AND r.valid = %s' if valid_only else ''}"
    )
    params: list[Any] = [batch, REFUSED, REFUSED, job.pk, *([True] if valid_only else [])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = int(cursor.rowcount)
    batches.analyze_staging(rows)
    return rows


def _assume_created(batch: str) -> None:
    """For the check only: a code no customer has would be created when applied, so it is no error.
    The same codes `create_unknown_customers` creates (any customer's code counts, not only visible
    ones: a rep cannot create a second customer with another rep's code)."""
    StagedLine.objects.filter(batch=batch, error="", customer_id__isnull=True).exclude(customer_code="").exclude(
        customer_code__in=Subquery(Customer.objects.values("code"))).update(customer_id=-1)


def _check(job: ImportJob, batch: str, rows: int) -> None:
    batches.check(batch, actor=job.user, rows=rows, several_orders_per_key=False)


def _errors(batch: str) -> list[tuple[int, str, str]]:
    """Lines that failed in this batch (not the rows the parser refused before)."""
    return [(int(line), f, m) for line, f, m in StagedLine.objects.filter(batch=batch).exclude(error="").exclude(
        error_field=REFUSED).order_by("line").values_list("line", "error_field", "error")]


def _mark_invalid(job: ImportJob, batch: str) -> None:
    """Copy the batch's errors to the job: the rows become invalid, each gets its error."""
    failed = StagedLine.objects.filter(batch=batch).exclude(error="").exclude(error_field=REFUSED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RowError._meta.db_table} (job_id, line, field, message) "
            f"SELECT %s, s.line, s.error_field, s.error FROM {StagedLine._meta.db_table} s "
            "WHERE s.batch = %s AND s.error <> '' AND s.error_field <> %s",
            [job.pk, batch, REFUSED])
    ImportRow.objects.filter(job=job, valid=True, line__in=Subquery(failed.values("line"))).update(valid=False)


def _mark_lines(job: ImportJob, lines: list[tuple[int, str, str]]) -> None:
    RowError.objects.bulk_create([RowError(job=job, line=line, field=f, message=m) for line, f, m in lines],
                                 batch_size=2000)
    numbers = sorted({line for line, _f, _m in lines})
    for start in range(0, len(numbers), 2000):
        ImportRow.objects.filter(job=job, line__in=numbers[start:start + 2000]).update(valid=False)


TARGET = OrderLineTarget()  # registered by OrdersConfig.ready()
