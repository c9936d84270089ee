"""The ``analytics fit-file`` command on small generated files (no database needed)."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guanxi.analytics.compute import fit_bgnbd, fit_gamma_gamma, summarize_transactions
from guanxi.analytics.compute.simulate import simulate_transactions
from guanxi.analytics.fitfile import parse_date


def _write_csv(path: Path, encoding: str = "utf-8") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tx = simulate_transactions(
        400, bgnbd_per_day=(1.5, 40.0, 1.0, 6.0), gamma_gamma=(4.0, 5.0, 80.0),
        start_day=19_500, until_day=19_900, seed=3,
    )
    ids = np.array([f"客户{c:04d}" for c in tx.customer])
    dates = tx.day.astype("datetime64[D]")
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["会员", "日期", "金额", "门店"])
        for i, (cust, day, amount) in enumerate(zip(ids, dates, tx.amount, strict=True)):
            text = str(day) if i % 3 else str(day).replace("-", "/")
            writer.writerow([cust, text, f"{amount:.2f}", "上海"])
    return ids, dates, np.round(tx.amount, 2)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("analytics", "fit-file", *args, stdout=out)
    return out.getvalue()


def test_fit_file_json_matches_the_compute_api(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    ids, dates, amounts = _write_csv(path, encoding="utf-8-sig")
    out_path = tmp_path / "scores.csv"
    doc = json.loads(_run(str(path), "--customer-col", "会员", "--date-col", "日期", "--amount-col", "金额",
                          "--json", "--out", str(out_path)))
    assert list(doc) == ["customers", "bgnbd", "gamma_gamma"]
    assert list(doc["bgnbd"]) == ["r", "alpha", "a", "b", "ll"]
    assert list(doc["gamma_gamma"]) == ["p", "q", "v", "ll"]

    summary = summarize_transactions(ids, dates, amounts)
    bg = fit_bgnbd(summary.frequency, summary.recency, summary.T)
    gg = fit_gamma_gamma(summary.frequency, summary.monetary)
    assert doc["customers"] == summary.n_customers == 400
    for name, value in bg.params.items():
        assert doc["bgnbd"][name] == pytest.approx(value, rel=1e-9)
    assert doc["bgnbd"]["ll"] == pytest.approx(bg.log_likelihood, rel=1e-9)
    for name, value in gg.params.items():
        assert doc["gamma_gamma"][name] == pytest.approx(value, rel=1e-9)

    with out_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 400
    assert list(rows[0]) == [
        "customer", "frequency", "recency", "T", "monetary", "p_alive", "expected_purchases_30d",
        "expected_purchases_90d", "expected_purchases_365d", "expected_spend", "clv", "r_score", "f_score",
        "m_score", "rfm_segment", "stage",
    ]
    assert rows[0]["customer"] == "客户0000"
    assert {row["stage"] for row in rows} <= {"exploration", "development", "stable", "decline"}


def test_whitespace_file_with_positions_weeks_and_until(tmp_path: Path) -> None:
    path = tmp_path / "cdnow.txt"
    path.write_text(
        " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n 00004 0001 19970802  1   14.96\n"
        " 00021 0002 19970101  3   63.34\n 00021 0002 19970113  1   11.77\n 00050 0003 19970101  1   6.79\n"
        " 00071 0004 19970101  1   13.97\n 00071 0004 19980101  1   13.97\n",
        encoding="utf-8",
    )
    out_path = tmp_path / "s.csv"
    doc = json.loads(_run(str(path), "--customer-col", "2", "--date-col", "3", "--amount-col", "5",
                          "--until", "1997-09-30", "--unit", "week", "--json", "--out", str(out_path)))
    assert doc["customers"] == 4
    with out_path.open(encoding="utf-8-sig") as handle:
        rows = {row["customer"]: row for row in csv.DictReader(handle)}
    assert rows["0001"]["frequency"] == "2"
    assert float(rows["0001"]["recency"]) == pytest.approx(213 / 7)
    assert float(rows["0001"]["T"]) == pytest.approx(272 / 7)
    assert float(rows["0001"]["monetary"]) == pytest.approx((29.73 + 14.96) / 2)
    assert rows["0004"]["frequency"] == "0"  # the 1998 purchase is after --until
    # Four customers give a degenerate fit (a, b in the millions); predictions must stay finite.
    assert all(np.isfinite(float(row[col])) for row in rows.values() for col in ("expected_purchases_365d", "clv"))


def test_gb18030_file_and_human_output(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    _write_csv(path, encoding="gb18030")
    text = _run(str(path), "--customer-col", "会员", "--date-col", "日期", "--amount-col", "金额")
    assert text.startswith("customers: 400 (time unit: day)")
    assert "BG/NBD: r=" in text and "Gamma-Gamma: p=" in text


def test_unknown_column_is_a_command_error(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    _write_csv(path)
    with pytest.raises(CommandError, match="unknown column 'customer_id'"):
        _run(str(path), "--customer-col", "customer_id", "--date-col", "日期", "--amount-col", "金额")


def test_bad_values_and_missing_file_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("c,d,a\nx,2024-01-01,10\nx,2024-02-30,5\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 3: cannot parse date '2024-02-30' in column 'd'"):
        _run(str(path), "--customer-col", "c", "--date-col", "d", "--amount-col", "a")
    path.write_text("c,d,a\nx,2024-01-01,10\ny,2024-01-02,ten\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 3: cannot parse amount 'ten' in column 'a'"):
        _run(str(path), "--customer-col", "c", "--date-col", "d", "--amount-col", "a")
    with pytest.raises(CommandError, match="file not found"):
        _run(str(tmp_path / "missing.csv"), "--customer-col", "c", "--date-col", "d", "--amount-col", "a")
    path.write_text("c,d,a\nx,2024-01-01,10\n", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot fit the models"):
        _run(str(path), "--customer-col", "c", "--date-col", "d", "--amount-col", "a")


def test_date_formats() -> None:
    assert [str(parse_date(s)) for s in ("2024-03-05", "2024/3/5", "20240305", "2024.3.5", "2024年3月5日",
                                          "2024-03-05 10:30:00")] == ["2024-03-05"] * 6
    assert parse_date("2024-13-01") is None and parse_date("05/03/2024") is None
