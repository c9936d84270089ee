"""File import of order lines: CSV (UTF-8 and GB18030) and xlsx, all-or-nothing, idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from guanxi.orders.batch import purchase_day
from guanxi.orders.importing import import_file, parse_row, parse_when
from guanxi.orders.models import Order, OrderLine, PurchaseSummary
from guanxi.orders.tests.helpers import SH, catalogue

pytestmark = pytest.mark.django_db

HEADER = "来源,订单号,客户编号,门店,渠道,状态,类型,下单时间,原订单号,商品编码,数量,单价,折扣\n"


@pytest.fixture
def people(org, make_customer):
    catalogue()
    return make_customer("王芳", code="C001"), make_customer("李雷", code="C002")


def _csv(tmp_path: Path, body: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + body).encode(encoding))
    return path


GOOD = ("pos,A1,C001,sh,门店,已付款,销售,2026-03-01 10:00,,T1,2,50,0\n"
        "pos,A1,C001,sh,门店,已付款,销售,2026-03-01 10:00,,N1,1,20,5\n"
        "pos,A2,C002,,online,shipped,sale,2026-03-02T00:30:00+08:00,,C1,1,80,\n"
        "pos,R1,C001,sh,门店,已送达,退货,2026/3/3 9:00,A1,T1,-1,50,0\n")


def test_a_file_is_imported_and_a_second_run_changes_nothing(org, people, tmp_path) -> None:
    path = _csv(tmp_path, GOOD)
    first = import_file(actor=org.admin, path=path)
    assert (first.applied, first.rows, first.error_count, first.outcome.created, first.outcome.lines) == (
        True, 4, 0, 3, 4)
    assert first.fast_path == (connection.vendor == "postgresql")  # streamed with COPY there
    a1 = Order.objects.get(external_id="A1")
    assert (a1.total_amount, a1.status, a1.store_id, a1.line_count) == (Decimal("115.00"), "paid", org.store.pk, 2)
    assert Order.objects.get(external_id="R1").original == a1
    assert Order.objects.get(external_id="A2").ordered_on == dt.date(2026, 3, 2)
    summary = PurchaseSummary.objects.values().get(customer=people[0])
    second = import_file(actor=org.admin, path=path)
    assert (second.outcome.created, second.outcome.updated, second.outcome.unchanged) == (0, 0, 3)
    assert Order.objects.count() == 3 and OrderLine.objects.count() == 4
    again = PurchaseSummary.objects.values().get(customer=people[0])
    assert {k: v for k, v in again.items() if k != "updated_at"} == {
        k: v for k, v in summary.items() if k != "updated_at"}
    assert summary["amount"] == Decimal("65.00") and summary["returns_count"] == 1


def test_gb18030_files_are_read(org, people, tmp_path) -> None:
    result = import_file(actor=org.admin, path=_csv(tmp_path, GOOD, "gb18030"))
    assert result.applied and result.outcome.created == 3


def test_one_bad_row_applies_nothing_unless_asked(org, people, tmp_path) -> None:
    path = _csv(tmp_path, GOOD + "pos,B1,C002,,门店,已付款,销售,2026-02-30 10:00,,T1,1,50,0\n"
                                 "pos,B2,C002,,门店,已付款,销售,2026-03-01,,T1,x,50,0\n"
                                 "pos,B3,C999,,门店,已付款,销售,2026-03-01,,T1,1,50,0\n")
    result = import_file(actor=org.admin, path=path)
    assert not result.applied and not Order.objects.exists() and not PurchaseSummary.objects.exists()
    assert result.errors == [(6, "ordered_at", "Enter a date and time like 2026-03-01 10:00 (China time unless a "
                                                "zone is given)."),
                             (7, "quantity", "Enter a number."),
                             (8, "customer_code", "No customer with this code (that you may see).")]
    partial = import_file(actor=org.admin, path=path, apply_valid_only=True)
    assert partial.applied and sorted(Order.objects.values_list("external_id", flat=True)) == ["A1", "A2", "R1"]
    assert [f.external_id for f in partial.outcome.failures] == ["B1", "B2", "B3"]


def test_lines_of_one_order_must_agree(org, people, tmp_path) -> None:
    path = _csv(tmp_path, "pos,A1,C001,sh,门店,已付款,销售,2026-03-01 10:00,,T1,2,50,0\n"
                          "pos,A1,C002,sh,门店,已付款,销售,2026-03-01 10:00,,N1,1,20,0\n")
    result = import_file(actor=org.admin, path=path)
    assert not result.applied and [e[1] for e in result.errors] == ["lines", "lines"]


def test_unknown_customers_can_be_created(org, people, tmp_path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("source,external_id,customer_code,customer_name,ordered_at,product_code,quantity,unit_price\n"
                    "pos,N1,NEW9,赵敏,2026-03-01,T1,1,50\n", encoding="utf-8")
    assert not import_file(actor=org.admin, path=path).applied
    result = import_file(actor=org.admin, path=path, unknown_customers="create")
    assert result.applied and Order.objects.get().customer.name == "赵敏"


def test_xlsx_files_are_read(org, people, tmp_path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["订单导入"])  # a title row above the header
    for row in (HEADER + GOOD).splitlines():
        sheet.append(row.split(","))
    path = tmp_path / "orders.xlsx"
    book.save(path)
    result = import_file(actor=org.admin, path=path)
    assert result.applied and result.outcome.created == 3 and result.errors == []


def test_the_command_reports_and_fails_without_applying(org, people, tmp_path, capsys) -> None:
    org.admin.is_superuser = True
    org.admin.save()
    path = _csv(tmp_path, "pos,B2,C002,,门店,已付款,销售,2026-03-01,,T1,x,50,0\n")
    with pytest.raises(CommandError, match="nothing was applied"):
        call_command("import_orders", str(path))
    assert "line 2: quantity: Enter a number." in capsys.readouterr().err
    call_command("import_orders", str(_csv(tmp_path, GOOD)))
    assert "orders created 3" in capsys.readouterr().out


def test_times_are_read_as_china_time_unless_zoned() -> None:
    assert parse_when("2026-03-01 00:30") == dt.datetime(2026, 3, 1, 0, 30, tzinfo=SH)
    assert parse_when("2026-03-01T00:30:00Z") == dt.datetime(2026, 3, 1, 0, 30, tzinfo=dt.UTC)
    assert parse_when("2026-03-01 00:30-05:00") == dt.datetime(2026, 3, 1, 5, 30, tzinfo=dt.UTC)
    assert parse_when("2026-02-29") is None and parse_when("yesterday") is None


def test_guanxi_import_orders_is_the_same_command(org, people, tmp_path, capsys) -> None:
    org.admin.is_superuser = True
    org.admin.save()
    with pytest.raises(CommandError, match="nothing was applied"):
        call_command("import", "orders", str(_csv(tmp_path, "pos,B2,C002,,门店,已付款,销售,2026-03-01,,T1,x,50,0\n")))
    call_command("import", "orders", str(_csv(tmp_path, GOOD)), "--unknown-customers", "reject")
    assert "orders created 3" in capsys.readouterr().out


TIMES = ["2026-03-01", "2026/03/01", "2026-03-01 10:00", "2026-03-01 10:00:59", "2026-03-01T23:59",
         "2026-03-01T00:00:00", "2026/12/31 23:59:59", "2024-02-29 12:00:00", "2026-3-1 9:00", "2026/3/1",
         "2026-03-01T10:00:00Z", "2026-03-01 10:00:00+05:30", "2026-03-01 10:00:00.250", "2026-02-30 10:00",
         "2000-02-29 08:00", "1900-02-29", "2100-02-29", "2026-04-31", "2026-04-30 23:59:59", "2026-11-31",
         "2026-03-01 23:30:00-01:00", "2026-03-01 07:59:59Z", "0001-01-01 00:00", "1899-12-31 23:59", "1900-01-01 00:00",
         "2999-12-31 23:59:59-05:00", "3000-01-01",
         "2023-02-29", "2026-13-01", "2026-00-10", "2026-03-01 24:00", "2026-03-01 10:60:00", "2026-03-01 10:00:60",
         "2026-03-01  10:00", "0000-01-01", "2026-03-01 1:00", "2026.03.01", "2026-03-01 10"]


NUMBERS = ["1", "12.5", "3.125", "99999999999", "99999999999.999", "0.001", "07", "-1", "1.2345", "1e3", "+2",
           ".5", "5.", "1,000", "１", "0x10", "--1", "1-", "100000000000", "999999999999.50", "NaN", "1 000"]


def test_every_number_form_reads_as_the_python_reader_reads_it(org, people, tmp_path) -> None:
    # On PostgreSQL a number cell is checked by its form (NUMBER_SHAPES), elsewhere by QUANTITY_RE and
    # MONEY_RE (parse_row): both must accept and refuse the same cells, and read the same values.
    rows = [(f"Q{n}", text, "50", "0") for n, text in enumerate(NUMBERS)]
    rows += [(f"D{n}", "1", "5000", text) for n, text in enumerate(NUMBERS)]
    rows += [(f"P{n}", "1", text, "0") for n, text in enumerate(NUMBERS)]
    body = "".join(f'pos,{key},C001,sh,门店,已付款,销售,2026-03-01,,T1,"{q}","{price}","{discount}"\n'
                   for key, q, price, discount in rows)
    result = import_file(actor=org.admin, path=_csv(tmp_path, body), apply_valid_only=True)
    read = {o.external_id: o for o in Order.objects.prefetch_related("lines")}
    for key, q, price, discount in rows:
        staged, error = parse_row({"source": "pos", "external_id": key, "customer_code": "C001",
                                   "ordered_at": "2026-03-01", "product_code": "T1", "quantity": q,
                                   "unit_price": price, "discount": discount})
        assert (key in read) == (error is None), (key, q, price, discount)
        if error is None:
            line = read[key].lines.get()
            assert (line.quantity, line.unit_price, line.discount, line.amount) == (
                staged["quantity"], staged["unit_price"], staged["discount"], staged["amount"]), key
    assert result.error_count == len(rows) - len(read)
    assert 0 < len(read) < len(rows)


def test_every_time_form_reads_as_parse_when_reads_it(org, people, tmp_path) -> None:
    # On PostgreSQL the fixed-width forms take a positional fast path and the rest the regular
    # expression: both must agree with the Python reader, which SQLite uses.
    body = "".join(f"pos,T{n},C001,sh,门店,已付款,销售,{text},,T1,1,50,0\n" for n, text in enumerate(TIMES))
    result = import_file(actor=org.admin, path=_csv(tmp_path, body), apply_valid_only=True)
    read = {external_id: (at, on) for external_id, at, on in
            Order.objects.values_list("external_id", "ordered_at", "ordered_on")}
    for n, text in enumerate(TIMES):
        expected = parse_when(text)
        assert read.get(f"T{n}") == ((expected, purchase_day(expected)) if expected else None), text
    assert result.error_count == sum(parse_when(t) is None for t in TIMES)


@pytest.mark.django_db(transaction=True)
def test_a_large_file_leaves_the_staging_tables_vacuumed(org, people, tmp_path, monkeypatch) -> None:
    from guanxi.orders import importing
    from guanxi.orders.models import StagedLine

    monkeypatch.setattr(importing, "VACUUM_AFTER", 3)
    result = import_file(actor=org.admin, path=_csv(tmp_path, GOOD))
    assert result.applied and not StagedLine.objects.exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s",
                           [StagedLine._meta.db_table])
            assert cursor.fetchone()[0] >= 1


def _raw_tables() -> int:
    """How many raw-cell tables of parallel imports exist (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'order_import_raw%%'")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_parsed_on_two_connections_with_the_same_result(org, people, tmp_path, monkeypatch) -> None:
    from guanxi.orders import importing
    from guanxi.orders.models import DirtyCustomer, StagedLine

    if connection.vendor != "postgresql":
        pytest.skip("the parallel parse streams the file with PostgreSQL's COPY")
    # Errors in both halves of the file: a bad time in the first, an unknown product in the second.
    body = GOOD + ("pos,B1,C001,sh,门店,已付款,销售,2026-02-30 10:00,,T1,1,50,0\n"
                   "pos,B2,C002,sh,门店,已付款,销售,2026-03-04 10:00,,T1,1,50,0\n"
                   "pos,B2,C002,sh,门店,已付款,销售,2026-03-04 10:00,,N1,2,20,0\n"
                   "pos,B3,C002,sh,门店,已付款,销售,2026-03-05 10:00,,ZZ,1,50,0\n")
    serial = import_file(actor=org.admin, path=_csv(tmp_path, body), apply_valid_only=True)
    applied = sorted(Order.objects.values_list("external_id", "total_amount", "line_count"))
    summaries = sorted(PurchaseSummary.objects.values_list("customer_id", "orders_count", "amount", "purchase_days"))
    Order.objects.filter(kind="return").delete()
    Order.objects.all().delete()
    PurchaseSummary.objects.all().delete()

    monkeypatch.setattr(importing, "PARALLEL_PARSE_FROM", 0)
    parallel = import_file(actor=org.admin, path=_csv(tmp_path, body), apply_valid_only=True)
    assert (parallel.rows, parallel.error_count, parallel.errors) == (serial.rows, serial.error_count, serial.errors)
    assert [line for line, _f, _m in parallel.errors] == [6, 9]  # file lines, header counted
    assert (parallel.outcome.created, parallel.outcome.lines) == (serial.outcome.created, serial.outcome.lines)
    assert sorted(Order.objects.values_list("external_id", "total_amount", "line_count")) == applied
    assert sorted(PurchaseSummary.objects.values_list(
        "customer_id", "orders_count", "amount", "purchase_days")) == summaries
    # Nothing is left behind: neither the staged rows the parse committed, the dirty-customer marks
    # nor the raw table.
    assert not StagedLine.objects.exists() and not DirtyCustomer.objects.exists()
    assert _raw_tables() == 0


@pytest.mark.django_db(transaction=True)
def test_a_parallel_parse_that_fails_leaves_nothing_behind(org, people, tmp_path, monkeypatch) -> None:
    from guanxi.orders import batch, importing
    from guanxi.orders.models import StagedLine

    if connection.vendor != "postgresql":
        pytest.skip("the parallel parse streams the file with PostgreSQL's COPY")
    monkeypatch.setattr(importing, "PARALLEL_PARSE_FROM", 0)

    def broken_apply(batch: str):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(batch, "apply_valid_orders", broken_apply)  # the module importing calls as `batches`
    with pytest.raises(RuntimeError):
        import_file(actor=org.admin, path=_csv(tmp_path, GOOD))
    assert not StagedLine.objects.exists() and not Order.objects.exists()
    assert _raw_tables() == 0


def test_a_file_splits_for_the_parallel_parse_only_where_a_record_ends(tmp_path) -> None:
    import csv
    import io

    from guanxi.orders.importing import split_point

    # Names with quotes and line breaks around the middle of the file: a break inside quotes is not a
    # record's end.
    records = [["source", "external_id", "customer_name"]]
    records += [["pos", f"A{n}", f'王"{n}"\n第二行\r\n"' if n % 3 else "李雷"] for n in range(200)]
    path = tmp_path / "split.csv"
    for pad in range(0, 120, 3):  # the middle falls at every kind of place
        text = io.StringIO()
        csv.writer(text).writerows([*records[:1], ["pos", "x" * pad, ""], *records[1:]])
        content = text.getvalue().encode("utf-8")
        path.write_bytes(content)
        point = split_point(path)
        assert 0 < point < len(content)
        whole = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
        parts = (list(csv.reader(io.StringIO(content[:point].decode("utf-8"), newline="")))
                 + list(csv.reader(io.StringIO(content[point:].decode("utf-8"), newline=""))))
        assert parts == whole
    path.write_bytes(b"source,external_id,customer_name\n")  # no record starts after the middle
    assert split_point(path) == 0


@pytest.mark.django_db(transaction=True)
def test_a_large_import_empties_staging_but_keeps_another_batchs_rows(org, people, tmp_path, monkeypatch) -> None:
    from guanxi.orders import batch as batches
    from guanxi.orders import importing
    from guanxi.orders.models import StagedLine

    if connection.vendor != "postgresql":
        pytest.skip("the parallel parse streams the file with PostgreSQL's COPY")
    monkeypatch.setattr(importing, "PARALLEL_PARSE_FROM", 0)
    truncated = []
    monkeypatch.setattr(batches, "vacuum_staging", lambda: truncated.append(False))
    assert import_file(actor=org.admin, path=_csv(tmp_path, GOOD)).applied
    assert truncated == [] and not StagedLine.objects.exists()  # emptied by TRUNCATE, nothing to vacuum
    # Another batch's staged row (an API call that has committed its parse) is kept.
    other = StagedLine.objects.create(
        batch="other", line=1, source="api", external_id="X1", channel="store", kind="sale", status="paid",
        ordered_at=dt.datetime(2026, 3, 1, tzinfo=SH), ordered_on=dt.date(2026, 3, 1), product_code="T1",
        quantity=1, unit_price=1, discount=0, amount=1)
    assert import_file(actor=org.admin, path=_csv(tmp_path, GOOD)).outcome.unchanged == 3
    assert truncated == [False]
    assert list(StagedLine.objects.values_list("pk", flat=True)) == [other.pk]
    other.delete()
