"""``fit-file``: fit the customer models straight from a transaction file, no database involved.

Reads a CSV (comma, semicolon or tab separated; UTF-8 with or without BOM, else GB18030) or a
whitespace-separated text file like CDNOW, turns three columns into arrays, runs the compute
pipeline and writes per-customer scores. Every input problem raises :class:`FitFileError` with
the file line and column named, so the management command can report it without a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .compute.lifecycle import STAGES
from .compute.pipeline import CustomerScores, ScoringOptions, score_customers
from .compute.summary import Unit, summarize_transactions

_SEPARATED_DATE = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[ T].*)?$")
_CHINESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日")
_CURRENCY = re.compile(r"[¥￥$,\s]")


class FitFileError(Exception):
    """A problem with the input file or arguments, worded for the analyst."""


@dataclass(frozen=True)
class Table:
    """Raw text cells of a file: optional header, data rows and their 1-based line numbers."""

    header: list[str] | None
    rows: list[list[str]]
    lines: list[int]


@dataclass(frozen=True)
class Transactions:
    """The three parsed columns."""

    customer: np.ndarray
    date: np.ndarray
    amount: np.ndarray


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM is dropped) or, failing that, GB18030, the superset of GBK used in China."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FitFileError("the file is neither UTF-8 nor GB18030 text") from exc


def split_rows(text: str) -> tuple[list[list[str]], list[int]]:
    """Cells per non-empty line, the separator chosen from the first non-empty line."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise FitFileError("the file is empty")
    delimiter = next((d for d in ("\t", ",", ";") if d in first), None)
    rows: list[list[str]] = []
    numbers: list[int] = []
    if delimiter is None:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                rows.append(line.split())
                numbers.append(number)
        return rows, numbers
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line_start = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append([cell.strip() for cell in cells])
            numbers.append(line_start)
        line_start = reader.line_num + 1
    return rows, numbers


def parse_date(text: str) -> dt.date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 19970101 or 2024年3月5日 (a trailing time is ignored)."""
    value = text.strip()
    match = _SEPARATED_DATE.match(value)
    if match:
        parts = (match.group(1), match.group(3), match.group(4))
    else:
        match = _COMPACT_DATE.match(value) or _CHINESE_DATE.match(value)
        if not match:
            return None
        parts = (match.group(1), match.group(2), match.group(3))
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def parse_amount(text: str) -> float | None:
    """A finite number; currency signs, spaces and thousands separators are ignored."""
    try:
        value = float(_CURRENCY.sub("", text))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _resolve_column(spec: str, header: list[str] | None, width: int) -> int:
    """Column index from a header name or, without a matching name, a 1-based position."""
    if header is not None and spec in header:
        return header.index(spec)
    if spec.isdigit() and 1 <= int(spec) <= width:
        return int(spec) - 1
    known = ", ".join(header) if header else f"positions 1..{width}"
    raise FitFileError(f"unknown column '{spec}' (available: {known})")


def _has_header(first: list[str], specs: tuple[str, str, str]) -> bool:
    """Columns given by name need a header. When all are 1-based positions, the first row is a
    header unless its date cell already parses as a date (CDNOW-style files have no header)."""
    if not all(spec.isdigit() for spec in specs):
        return True
    date_pos = int(specs[1])
    if 1 <= date_pos <= len(first):
        return parse_date(first[date_pos - 1]) is None
    return False


def read_table(path: Path, specs: tuple[str, str, str]) -> Table:
    """Read and split the file; decide whether its first row is a header."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise FitFileError(f"file not found: {path}") from exc
    except OSError as exc:
        raise FitFileError(f"cannot read {path}: {exc.strerror}") from exc
    rows, lines = split_rows(decode(raw))
    if _has_header(rows[0], specs):
        return Table(header=rows[0], rows=rows[1:], lines=lines[1:])
    return Table(header=None, rows=rows, lines=lines)


def extract(table: Table, customer_col: str, date_col: str, amount_col: str) -> Transactions:
    """Parse the three columns, naming the first bad line and column on error."""
    if not table.rows:
        raise FitFileError("the file has no data rows")
    width = len(table.header) if table.header is not None else max(len(row) for row in table.rows)
    idx = [_resolve_column(spec, table.header, width) for spec in (customer_col, date_col, amount_col)]
    need = max(idx) + 1
    customers: list[str] = []
    date_text: list[str] = []
    amounts = np.empty(len(table.rows), dtype=np.float64)
    for i, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        if len(row) < need:
            raise FitFileError(f"line {line}: expected at least {need} columns, found {len(row)}")
        customer = row[idx[0]]
        if not customer:
            raise FitFileError(f"line {line}: empty customer in column '{customer_col}'")
        amount = parse_amount(row[idx[2]])
        if amount is None:
            raise FitFileError(f"line {line}: cannot parse amount '{row[idx[2]]}' in column '{amount_col}'")
        customers.append(customer)
        date_text.append(row[idx[1]])
        amounts[i] = amount
    return Transactions(np.array(customers), _parse_dates(date_text, table.lines, date_col), amounts)


def _parse_dates(values: list[str], lines: list[int], column: str) -> np.ndarray:
    """Parse each distinct date string once (files repeat a few thousand dates many times)."""
    uniq, inverse = np.unique(np.array(values), return_inverse=True)
    inverse = inverse.reshape(-1)
    parsed = np.empty(uniq.size, dtype="datetime64[D]")
    bad = np.zeros(uniq.size, dtype=bool)
    for j, text in enumerate(uniq):
        day = parse_date(str(text))
        if day is None:
            bad[j] = True
        else:
            parsed[j] = np.datetime64(day, "D")
    if bad.any():
        row = int(np.flatnonzero(bad[inverse])[0])
        raise FitFileError(f"line {lines[row]}: cannot parse date '{values[row]}' in column '{column}'")
    return parsed[inverse]


def parse_until(value: str | None) -> np.datetime64 | None:
    """``--until`` in any accepted date format."""
    if value is None:
        return None
    day = parse_date(value)
    if day is None:
        raise FitFileError(f"cannot parse --until date '{value}'")
    return np.datetime64(day, "D")


def fit_file(
    path: Path,
    customer_col: str,
    date_col: str,
    amount_col: str,
    *,
    until: str | None = None,
    unit: Unit = "day",
    options: ScoringOptions | None = None,
) -> CustomerScores:
    """Read, summarise and score a transaction file."""
    table = read_table(path, (customer_col, date_col, amount_col))
    tx = extract(table, customer_col, date_col, amount_col)
    end = parse_until(until)
    if end is not None and tx.date.min() > end:
        raise FitFileError(f"no transactions on or before --until {until}")
    try:
        summary = summarize_transactions(tx.customer, tx.date, tx.amount, until=end, unit=unit)
        return score_customers(summary, options)
    except ValueError as exc:
        raise FitFileError(f"cannot fit the models: {exc}") from exc


def fit_json(scores: CustomerScores) -> dict[str, object]:
    """The ``--json`` document: customer count and both models' parameters and log-likelihoods."""
    model = scores.transaction_fit
    spend = scores.spend_fit
    name = "paretonbd" if set(model.params) == {"r", "alpha", "s", "beta"} else "bgnbd"
    doc: dict[str, object] = {
        "customers": scores.summary.n_customers,
        name: {**model.params, "ll": model.log_likelihood},
        "gamma_gamma": None if spend is None else {**spend.params, "ll": spend.log_likelihood},
    }
    return doc


SCORE_COLUMNS: tuple[str, ...] = (
    "customer", "frequency", "recency", "T", "monetary", "p_alive",
    "expected_purchases_30d", "expected_purchases_90d", "expected_purchases_365d",
    "expected_spend", "clv", "r_score", "f_score", "m_score", "rfm_segment", "stage",
)


def _number(value: float) -> str:
    return "" if math.isnan(value) else format(value, ".10g")


def write_scores(scores: CustomerScores, out: Path) -> None:
    """Per-customer scores as UTF-8 CSV (with BOM so spreadsheet tools read Chinese ids correctly)."""
    s = scores.summary
    columns: list[list[str]] = [
        [str(c) for c in s.customer],
        [str(int(v)) for v in s.frequency],
        *([_number(float(v)) for v in arr] for arr in (s.recency, s.T, s.monetary, scores.p_alive)),
        *([_number(float(v)) for v in scores.expected_purchases[days]] for days in (30, 90, 365)),
        [_number(float(v)) for v in scores.expected_spend],
        [_number(float(v)) for v in scores.clv],
        *([str(int(v)) for v in arr] for arr in (scores.rfm.r_score, scores.rfm.f_score, scores.rfm.m_score)),
        [str(k) for k in scores.rfm.segment_keys],
        [STAGES[int(i)] for i in scores.stage],
    ]
    try:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(SCORE_COLUMNS)
            writer.writerows(zip(*columns, strict=True))
    except OSError as exc:
        raise FitFileError(f"cannot write {out}: {exc.strerror}") from exc
