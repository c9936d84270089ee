"""Reading spreadsheets and CSV files row by row, as text, with flat memory.

Encodings are decided in a fixed order: a byte-order mark, then strict UTF-8 over the whole file,
then strict GB18030 (a superset of GBK and GB2312, what Excel on Chinese Windows writes), and only
then charset-normalizer's guess. The user can override the choice in the preview.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from guanxi.core.spreadsheet import escape_formula as escape_formula  # re-exported
from guanxi.core.spreadsheet import unescape_formula as unescape_formula  # re-exported
from guanxi.imports.choices import FileFormat

SAMPLE_BYTES = 256 * 1024
SCAN_BYTES = 1024 * 1024
HEADER_SCAN_ROWS = 15
ENCODINGS = ["utf-8-sig", "utf-8", "gb18030", "big5", "utf-16", "latin-1"]
# Characters a spreadsheet treats as the start of a formula, half- and full-width, plus the quote
# itself so that a value starting with a quote also survives a round trip.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class ReadError(Exception):
    """The file cannot be read as the chosen format or encoding; `message` is translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def detect_format(name: str, head: bytes) -> str:
    """csv, xlsx, xls or ods, by the file's first bytes (the name only breaks the zip tie)."""
    if head.startswith(b"PK\x03\x04"):
        return FileFormat.ODS if name.lower().endswith(".ods") else FileFormat.XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return FileFormat.XLS
    return FileFormat.CSV


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(SCAN_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """BOM → strict UTF-8 → strict GB18030 → charset-normalizer's best guess (or GB18030)."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _decodes(path, "gb18030"):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    return best.encoding if best is not None else "gb18030"


def sheet_names(path: Path, file_format: str) -> list[str]:
    """The sheets of a workbook; a file that only looks like one (any zip) is a ReadError."""
    try:
        return _sheet_names(path, file_format)
    except ReadError:
        raise
    except Exception as error:  # openpyxl and calamine raise many kinds on a damaged file
        raise ReadError(_("The file cannot be read as %(format)s.") % {"format": file_format}) from error


def _sheet_names(path: Path, file_format: str) -> list[str]:
    if file_format == FileFormat.XLSX:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            return list(workbook.sheetnames)
        finally:
            workbook.close()
    if file_format in (FileFormat.XLS, FileFormat.ODS):
        from python_calamine import CalamineWorkbook

        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    return []


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without '.0', dates as YYYY-MM-DD, times dropped when midnight."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Dialect(csv.excel):
    pass


def _sniff_dialect(sample: str) -> type[csv.Dialect]:
    """Excel's CSV with the delimiter the first line uses most (comma, semicolon, tab or bar).

    csv.Sniffer guesses quoting too, and guesses wrong on quoted cells holding newlines.
    """
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in ",;\t|"}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    return type("Sniffed", (_Dialect,), {"delimiter": delimiter if counts[delimiter] else ","})


def _csv_rows(path: Path, encoding: str) -> Iterator[list[str]]:
    with path.open("r", encoding=encoding, errors="strict", newline="") as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        dialect = _sniff_dialect(sample)
        reader = csv.reader(handle, dialect)
        for row in reader:
            yield [unescape_formula(cell) for cell in row]


def _xlsx_rows(path: Path, sheet: str) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = workbook[sheet] if sheet and sheet in workbook.sheetnames else workbook.worksheets[0]
        for values in worksheet.iter_rows(values_only=True):
            yield [cell_text(v) for v in values]
    finally:
        workbook.close()


def _calamine_rows(path: Path, sheet: str) -> Iterator[list[str]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    name = sheet if sheet in workbook.sheet_names else workbook.sheet_names[0]
    for values in workbook.get_sheet_by_name(name).iter_rows():
        yield [cell_text(v) for v in values]


def iter_rows(path: Path, *, file_format: str, sheet: str = "", encoding: str = "") -> Iterator[list[str]]:
    """Every row of the sheet (or CSV file) as a list of strings, blank rows included."""
    try:
        if file_format == FileFormat.CSV:
            yield from _csv_rows(path, encoding or detect_encoding(path))
        elif file_format == FileFormat.XLSX:
            yield from _xlsx_rows(path, sheet)
        else:
            yield from _calamine_rows(path, sheet)
    except UnicodeDecodeError as exc:
        from django.utils.translation import gettext as _

        raise ReadError(_("The file is not valid %(encoding)s text; choose another encoding.")
                        % {"encoding": encoding}) from exc
    except (LookupError, csv.Error, OSError, ValueError, KeyError) as exc:
        from django.utils.translation import gettext as _

        if isinstance(exc, LookupError) and not isinstance(exc, KeyError):
            raise ReadError(_("Unknown encoding: %(encoding)s") % {"encoding": encoding}) from exc
        raise ReadError(_("The file cannot be read as %(format)s.") % {"format": file_format}) from exc
    except Exception as exc:  # noqa: BLE001 - zip, xml and calamine errors have no common base
        from django.utils.translation import gettext as _

        raise ReadError(_("The file cannot be read as %(format)s.") % {"format": file_format}) from exc


def is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def header_key(text: str) -> str:
    """A header as matched against aliases: NFKC, lower case, no spaces, no *, :, or brackets."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "*:：()（）[]【】")


def detect_header(rows: list[list[str]], aliases: dict[str, str]) -> int:
    """Index of the header among the first rows: the row naming the most known columns.

    A title row above the header (often a merged cell) names one thing; the header names many.
    Without any known name, the first row with the most non-empty cells wins.
    """
    best, best_score = 0, (-1, -1)
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = [header_key(c) for c in row if c.strip()]
        known = sum(1 for t in texts if t in aliases)
        score = (known, len(texts))
        if score > best_score:
            best, best_score = index, score
    return best


def excel_serial_date(number: float) -> dt.date | None:
    """An Excel serial day number (1900 system) as a date, for plausible values only."""
    if not 1 <= number < 2958466:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def text_stream(data: bytes, encoding: str) -> io.StringIO:
    return io.StringIO(data.decode(encoding))
