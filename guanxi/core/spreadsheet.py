"""Files for spreadsheets: formula-safe CSV (UTF-8 with BOM) and xlsx whose cells are always text.

A cell that begins with = + - @ (or their full-width forms), a tab or a carriage return would be run
as a formula by Excel or WPS; on export such cells get a leading apostrophe, and the importer removes
it again, so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
ESCAPED_STARTS = FORMULA_STARTS | {"'"}


def escape_formula(text: str) -> str:
    """Prefix ' to text a spreadsheet would run as a formula (and to text already starting with ')."""
    if text and text[0] in ESCAPED_STARTS:
        return "'" + text
    return text


def unescape_formula(text: str) -> str:
    """Undo `escape_formula`: a leading ' before = + - @ tab CR (or ') is removed."""
    if len(text) > 1 and text[0] == "'" and text[1] in ESCAPED_STARTS:
        return text[1:]
    return text


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
            cell = WriteOnlyCell(sheet, value=xml_safe(value))
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


def xml_safe(value: str) -> str:
    """XML (and so xlsx) cannot hold control characters other than tab, newline and carriage return."""
    return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
