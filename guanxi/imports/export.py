"""Exports of customer lists to CSV and xlsx: streamed in chunks, scoped, masked as the user sees
them, protected against formula injection, and logged once per export (ExportLog)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from django.db.models import Prefetch, QuerySet

from guanxi.accounts.models import User
from guanxi.customers.models import Customer, Tag
from guanxi.customers.selectors import CustomerFilters, customer_queryset
from guanxi.imports import customers as customer_target
from guanxi.imports.models import ExportLog
from guanxi.imports.readers import escape_formula

EXPORT_CHUNK = 2000
FORMATS = ("csv", "xlsx")


def export_queryset(*, user: User, filters: CustomerFilters) -> QuerySet[Customer]:
    """The customers of the list the user filtered: `visible_to` through `customer_queryset`."""
    return (customer_queryset(user=user, filters=filters).select_related("owner", "department", "store")
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name"))).order_by("name_sort", "id"))


def export_rows(*, user: User, filters: CustomerFilters, file_format: str, query: str, channel: str
                ) -> tuple[list[str], Iterator[list[str]], int]:
    """Header, rows (lazily, in chunks) and count; logs the export once with its count."""
    qs = export_queryset(user=user, filters=filters)
    count = qs.count()
    may_reveal = user.may_reveal_sensitive
    columns = customer_target.catalogue()
    ExportLog.objects.create(user=user, target="customers", file_format=file_format, query=query[:2000],
                             row_count=count, masked=not may_reveal, channel=channel)
    rows = customer_target.export_values(columns, qs.iterator(chunk_size=EXPORT_CHUNK), may_reveal=may_reveal)
    return [c.label for c in columns], rows, count


def csv_lines(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """UTF-8 with BOM (Excel on Chinese Windows reads it right); every cell formula-escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([escape_formula(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def xlsx_workbook(title: str, header: list[str], rows: Iterable[list[str]]) -> IO[bytes]:
    """A write-only workbook whose every cell is a string cell: '=1+1' stays text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cells(values: list[str]) -> list[WriteOnlyCell]:
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_xlsx_safe(value))
            cell.data_type = "s"
            out.append(cell)
        return out

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def _xlsx_safe(value: str) -> str:
    # XML cannot hold control characters other than tab, newline and carriage return.
    return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
