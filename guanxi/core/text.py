"""Text normalisation and pinyin search keys.

Chinese names are searched by characters, full pinyin (`zhangsan`), pinyin initials (`zs`) and
phone fragments. Everything here is pure and deterministic so the demo generator, the services
and the benchmarks build exactly the same keys.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

# Compound surnames are one unit: 欧阳修 is 欧阳 + 修, never 欧 + 阳修.
COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "ou yang", "司马": "si ma", "上官": "shang guan", "诸葛": "zhu ge", "东方": "dong fang",
    "皇甫": "huang fu", "尉迟": "yu chi", "公孙": "gong sun", "慕容": "mu rong", "长孙": "zhang sun",
    "宇文": "yu wen", "司徒": "si tu", "夏侯": "xia hou", "轩辕": "xuan yuan", "令狐": "ling hu",
    "端木": "duan mu", "澹台": "tan tai", "南宫": "nan gong", "西门": "xi men", "百里": "bai li",
    "呼延": "hu yan", "万俟": "mo qi", "单于": "chan yu", "钟离": "zhong li", "闻人": "wen ren",
}

# Surnames whose reading differs from the character's everyday reading.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "仇": "qiu", "解": "xie", "区": "ou", "朴": "piao", "查": "zha",
    "盖": "ge", "尉": "yu", "乐": "yue", "缪": "miao", "覃": "qin", "翟": "zhai", "眭": "sui",
    "种": "chong", "繁": "po", "洗": "xian", "冼": "xian", "员": "yun", "秘": "bi", "能": "nai",
    "句": "gou", "召": "shao", "阚": "kan", "莘": "shen", "祭": "zhai", "折": "she", "朝": "chao",
    "长": "chang", "重": "chong", "传": "chuan", "柏": "bai", "郇": "huan", "隗": "wei",
    "宓": "mi", "都": "du",
    "贲": "ben", "蕃": "pi", "藉": "ji", "禚": "zhuo", "乜": "nie", "啜": "chuai",
}

PHONE_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_SEPARATOR = "|"


def normalize(text: str) -> str:
    """Full-width → half-width (NFKC), lower case, trimmed, inner whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def normalize_query(text: str) -> str:
    """A search query as the index stores it: NFKC, lower case, no spaces or separators."""
    return _SPACES.sub("", normalize(text)).replace(_SEPARATOR, "")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0x20000 <= code <= 0x2FFFF or 0xF900 <= code <= 0xFAFF


@lru_cache(maxsize=65536)
def char_readings(char: str) -> tuple[str, ...]:
    """The everyday reading of one character first; non-Chinese characters read as themselves."""
    if not is_cjk(char):
        return (char.lower(),)
    return (pinyin(char, style=Style.NORMAL, heteronym=False)[0][0],)


def split_person_name(name: str) -> tuple[str, str]:
    """Split a Chinese person name into (surname, given name); compound surnames stay whole."""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _syllables(text: str) -> list[str]:
    return [char_readings(ch)[0] for ch in text if not ch.isspace()]


@dataclass(frozen=True)
class NameKeys:
    """Search keys of a name: full pinyin and initials for each reading, plus a sort key."""

    full: tuple[str, ...]
    initials: tuple[str, ...]
    sort_key: str


@lru_cache(maxsize=4096)
def _org_syllables(name: str) -> tuple[str, ...]:
    # Organisation names are phrases, so pypinyin's phrase dictionary reads them better.
    return tuple(part.lower() for chunk in lazy_pinyin(name, errors="default") for part in chunk.split())


def name_keys(name: str, *, is_person: bool) -> NameKeys:
    """Pinyin keys for a customer name.

    People are indexed by the everyday reading and by the surname reading of their surname
    (单 dan → shan); organisations only by the everyday reading of the whole phrase.
    """
    clean = normalize(name)
    if not clean:
        return NameKeys(full=(), initials=(), sort_key="")
    variants: list[list[str]] = []
    if is_person and is_cjk(clean[0]):
        surname, given = split_person_name(clean)
        given_syllables = _syllables(given)
        everyday = _syllables(surname) + given_syllables
        if surname in COMPOUND_SURNAMES:
            surname_reading = COMPOUND_SURNAMES[surname].split()
        elif surname in SURNAME_READINGS:
            surname_reading = [SURNAME_READINGS[surname]]
        else:
            surname_reading = _syllables(surname)
        preferred = surname_reading + given_syllables
        variants.append(preferred)
        if "".join(everyday) != "".join(preferred):
            variants.append(everyday)
    else:
        variants.append(list(_org_syllables(clean)) if any(is_cjk(c) for c in clean) else clean.split())
    full = tuple(dict.fromkeys("".join(v) for v in variants))
    initials = tuple(dict.fromkeys("".join(s[0] for s in v if s) for v in variants))
    sort_key = " ".join(variants[0]) + " " + clean
    return NameKeys(full=full, initials=initials, sort_key=sort_key[:200])


def phone_digits(raw: str) -> str:
    """Digits of a phone number as typed: full-width digits, spaces, dashes and +86 accepted."""
    text = unicodedata.normalize("NFKC", raw).strip()
    digits = "".join(PHONE_DIGITS.findall(text))
    if text.startswith("+86") or (text.startswith("0086") and len(digits) > 11):
        digits = digits[2:] if text.startswith("+86") else digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


_PHONE_SHAPE = re.compile(r"^[\d\s\-+()（）]+$")


def looks_like_phone_input(raw: str) -> bool:
    return bool(_PHONE_SHAPE.match(unicodedata.normalize("NFKC", raw).strip()))


def mask_digits(value: str) -> str:
    """Mask the middle of a phone or account number: 13812341234 → 138****1234."""
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) >= 7:
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    return "*" * len(value)


def search_document(
    *, name: str, is_person: bool, code: str, phones: list[str], email: str = "", extra: tuple[str, ...] = ()
) -> str:
    """One lower-case line holding everything a search box may match by substring.

    `extra` holds further searchable text: a shop name, a licence number, searchable custom fields.
    """
    keys = name_keys(name, is_person=is_person)
    parts = [normalize_query(name), *keys.full, *keys.initials, normalize_query(code), *phones]
    if email:
        parts.append(normalize_query(email))
    parts.extend(normalize_query(text)[:200] for text in extra if text)
    return _SEPARATOR.join(p for p in dict.fromkeys(parts) if p)


def short_tokens(*, name: str, is_person: bool, keys: NameKeys | None = None) -> set[str]:
    """Exact-match tokens for one- and two-character queries, which trigram indexes cannot serve.

    Name unigrams and bigrams, and the first one and two letters of every full pinyin and
    initials reading. `keys`: the name's `name_keys`, when the caller has them already.
    """
    clean = normalize_query(name)
    if keys is None:
        keys = name_keys(name, is_person=is_person)
    tokens: set[str] = set()
    for i, ch in enumerate(clean):
        if is_cjk(ch):
            tokens.add(ch)
            if i + 1 < len(clean):
                tokens.add(clean[i : i + 2])
    for reading in (*keys.full, *keys.initials):
        tokens.add(reading[:1])
        tokens.add(reading[:2])
    return {t for t in tokens if t}


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalize_id_number(raw: str) -> str:
    """A mainland resident ID number as stored: half-width, no spaces, check letter upper case."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw)).upper()


def is_valid_id_number(value: str) -> bool:
    """18-character mainland resident ID (GB 11643): digits, a real birth date, the ISO 7064 check."""
    import datetime as dt

    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not dt.date(1900, 1, 1) <= born <= dt.date.today():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]
