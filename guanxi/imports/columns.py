"""Parsing of cell text shared by targets: dates, numbers, yes/no, lists, choice labels."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation

from guanxi.imports.readers import excel_serial_date, header_key

LIST_SPLIT = re.compile(r"[,，;；、\n]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.\d+)?$")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "对", "有", "√", "✓", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "不", "无", "×", "f"}


@dataclass(frozen=True)
class Column:
    """A column a target accepts: its key, its label, the header texts that name it."""

    key: str
    label: str
    aliases: frozenset[str] = field(default_factory=frozenset)
    sensitive: bool = False


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(text: str) -> dt.date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305 or an Excel serial number; None if not."""
    value = nfkc(text)
    match = _DATE.match(value) or _COMPACT_DATE.match(value)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    if _SERIAL.match(value):
        return excel_serial_date(float(value))
    return None


def parse_bool(text: str) -> bool | None:
    word = nfkc(text).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def split_list(text: str) -> list[str]:
    return [item.strip() for item in LIST_SPLIT.split(text) if item.strip()]


def label_keys(label: Any, languages: Iterable[str] = ("zh-hans", "en")) -> set[str]:
    """A lazy label's header keys in every UI language."""
    keys = set()
    for language in languages:
        with translation.override(language):
            keys.add(header_key(str(label)))
    return keys


def choice_lookup(choices: Iterable[tuple[Any, Any]], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Text → stored value for a choice field: the value itself, its labels in both languages, and
    the part before ' · ' of a label (A · key customer → A)."""
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[header_key(str(value))] = str(value)
        for key in label_keys(label):
            lookup.setdefault(key, str(value))
            if "·" in key:
                before, after = key.split("·", 1)
                lookup.setdefault(before, str(value))
                lookup.setdefault(after, str(value))
    for text, value in (extra or {}).items():
        lookup.setdefault(header_key(text), value)
    return lookup
