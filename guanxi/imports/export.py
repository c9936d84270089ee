"""Exports of customer lists to CSV and xlsx: streamed in chunks, scoped, masked as the user sees
them, protected against formula injection, and logged once per export (ExportLog)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from guanxi.accounts.models import User
from guanxi.core.spreadsheet import csv_lines as csv_lines  # the views use it from here
from guanxi.core.spreadsheet import xlsx_workbook as xlsx_workbook  # the views use it from here
from guanxi.customers.models import Customer, Tag
from guanxi.customers.selectors import CustomerFilters, customer_queryset
from guanxi.imports.customer_import import catalogue, export
from guanxi.imports.models import ExportLog

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
    columns = catalogue.catalogue()
    ExportLog.objects.create(user=user, target="customers", file_format=file_format, query=query[:2000],
                             row_count=count, masked=not may_reveal, channel=channel)
    rows = export.export_values(columns, qs.iterator(chunk_size=EXPORT_CHUNK), may_reveal=may_reveal)
    return [c.label for c in columns], rows, count
