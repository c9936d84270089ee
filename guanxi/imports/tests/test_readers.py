import datetime as dt
from pathlib import Path

import pytest

from guanxi.imports.columns import parse_date
from guanxi.imports.readers import detect_encoding, detect_header, escape_formula, iter_rows, unescape_formula
from guanxi.imports.services import auto_mapping, job_preview
from guanxi.imports.tests.helpers import csv_bytes, run, upload, xlsx_bytes

TITLE_ROW = ["2024年客户名单"]
HEADER = ["客户编码", "姓名", "手机", "出生日期"]


def test_gb18030_csv_with_a_title_row(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(csv_bytes([TITLE_ROW, HEADER, ["K1", "张三", "13812341234", "1990-01-02"]], "gbk"))
    assert detect_encoding(path) == "gb18030"
    rows = list(iter_rows(path, file_format="csv", encoding="gb18030"))
    assert rows[1] == HEADER
    assert detect_header(rows, {"客户编码": "code", "姓名": "name", "手机": "phones"}) == 1


def test_bom_utf8_and_strict_utf8(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + csv_bytes([HEADER]))
    plain = tmp_path / "plain.csv"
    plain.write_bytes(csv_bytes([HEADER]))
    assert detect_encoding(bom) == "utf-8-sig"
    assert detect_encoding(plain) == "utf-8"
    assert next(iter_rows(bom, file_format="csv", encoding="utf-8-sig")) == HEADER


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-05", dt.date(2024, 3, 5)), ("2024/3/5", dt.date(2024, 3, 5)), ("2024年3月5日", dt.date(2024, 3, 5)),
    ("２０２４年３月５日", dt.date(2024, 3, 5)), ("45356", dt.date(2024, 3, 5)), ("20240305", dt.date(2024, 3, 5)),
    ("2024-02-30", None), ("soon", None),
])
def test_dates(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_formula_escaping_round_trips() -> None:
    for value in ["=1+1", "+86 138", "-5", "@x", "\tx", "\rx", "＝1", "＋1", "－1", "＠1", "'=x", "'a", "plain", ""]:
        escaped = escape_formula(value)
        assert not escaped or escaped[0] not in "=+-@\t\r＝＋－＠"
        assert unescape_formula(escaped) == value
    assert escape_formula("=1+1") == "'=1+1"


@pytest.mark.django_db
def test_auto_mapping_of_chinese_and_english_headers() -> None:
    from guanxi.imports.customer_import import catalogue

    aliases = catalogue.alias_map(catalogue.catalogue())
    header = ["姓名", "手机号", "编号", "出生日期", "地址", "邮箱", "身份证号", "性别", "重要程度", "标签", "客户经理",
              "备注", "类型", "Customer name", "whatever"]
    mapping = auto_mapping(header, aliases)
    assert mapping == {"0": "name", "1": "phones", "2": "code", "3": "birthday", "4": "address", "5": "email",
                       "6": "id_number", "7": "gender", "8": "importance", "9": "tags", "10": "owner", "11": "notes",
                       "12": "kind"}


@pytest.mark.django_db
def test_xlsx_with_merged_title_serial_dates_full_width_and_blank_rows(org) -> None:
    from guanxi.customers.models import Customer

    content = xlsx_bytes([["客户名单（合并标题）", None, None, None], HEADER,
                          ["K1", "张三", "＋86 １３８ １２３４ １２３４", 32874],
                          [None, None, None, None],
                          ["K2", "李四", 13912341234, dt.datetime(1991, 2, 3)]], merge_title=True)
    job = upload(org.owner, content, "名单.xlsx")
    assert (job.file_format, job.header_row) == ("xlsx", 2)
    assert job.mapping == {"0": "code", "1": "name", "2": "phones", "3": "birthday"}
    preview = job_preview(job=job)
    assert [r.line for r in preview.rows] == [3, 5]
    job = run(org.owner, content, "名单.xlsx")
    assert (job.state, job.created_count) == ("done", 2)
    zhang, li = Customer.objects.get(code="K1"), Customer.objects.get(code="K2")
    assert (zhang.phones, zhang.birthday) == (["13812341234"], dt.date(1990, 1, 1))
    assert (li.phones, li.birthday) == (["13912341234"], dt.date(1991, 2, 3))


@pytest.mark.django_db
def test_preview_shows_cell_errors_and_encoding_override(org) -> None:
    from guanxi.imports import services

    job = upload(org.owner, csv_bytes([TITLE_ROW, HEADER, ["K1", "张三", "123", "x"]], "gbk"), "g.csv")
    assert (job.encoding, job.header_row) == ("gb18030", 2)
    preview = job_preview(job=job)
    cells = dict(zip([c[2] for c in preview.columns], preview.rows[0].cells, strict=True))
    assert cells["phones"][1] and cells["birthday"][1] and not cells["name"][1]
    services.job_configure(actor=org.owner, job=job, settings_in=services.JobSettings(
        encoding="utf-8", header_row=2, mapping=job.mapping))
    assert job_preview(job=job).error
