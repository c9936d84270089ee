"""`core.calendar.due_at` on the seeded holiday table: office hours, weekends, holidays and 调休."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_office_hours
from guanxi.core.calendar import due_at

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day: int, month: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(("start", "hours", "due"), [
    (at(16, 9, 11), 2, at(16, 9, 14, 30)),     # the lunch break 12:00–13:30 does not count
    (at(12, 9, 17), 3, at(15, 9, 11)),         # Friday 17:00: one hour, then Monday 09:00 + 2 h
    (at(13, 9, 10), 1, at(15, 9, 10)),         # from a Saturday: counted from Monday's first session
    (at(30, 9, 16), 4, at(9, 10, 11)),         # 国庆 1–8 October off: Tuesday's 2 h, then Thursday the 9th
    (at(10, 10, 17), 2, at(11, 10, 10)),       # Saturday 11 October is a make-up working day (调休)
    (at(26, 9, 17), 1.5, at(28, 9, 9, 30)),    # so is Sunday 28 September
])
def test_hours_of_office_time(start: dt.datetime, hours: float, due: dt.datetime) -> None:
    assert due_at(start, hours=hours) == due


@pytest.mark.parametrize(("start", "days", "due"), [
    (at(12, 9, 10), 1, at(15, 9, 18)),         # Friday → the next working day is Monday
    (at(26, 9, 10), 2, at(29, 9, 18)),         # Sunday 28 September (调休) counts, then Monday
    (at(30, 9, 9), 1, at(9, 10, 18)),          # over 国庆
    (at(10, 10, 20), 1, at(11, 10, 18)),       # to the make-up Saturday
])
def test_working_days(start: dt.datetime, days: int, due: dt.datetime) -> None:
    assert due_at(start, days=days) == due


def test_the_result_is_in_the_projects_time_zone() -> None:
    start = dt.datetime(2025, 9, 12, 9, 0, tzinfo=dt.UTC)  # Friday 17:00 in Shanghai
    due = due_at(start, hours=3)
    assert due == at(15, 9, 11) and due.tzinfo == SH


def test_office_hours_come_from_the_setting(settings) -> None:
    settings.GUANXI_OFFICE_HOURS = "08:00-17:00"
    assert due_at(at(12, 9, 16), hours=2) == at(15, 9, 9)
    assert due_at(at(12, 9, 16), days=1) == at(15, 9, 17)


@pytest.mark.parametrize("kwargs", [{}, {"hours": 1, "days": 1}, {"hours": 0}, {"days": -1}])
def test_exactly_one_positive_limit(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        due_at(at(12, 9, 10), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["9-12", "09:00-12:00,11:00-18:00", "13:00-12:00", "09:00"])
def test_a_malformed_office_hours_setting_fails_loudly(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("GUANXI_OFFICE_HOURS", value)
    with pytest.raises(ImproperlyConfigured, match="GUANXI_OFFICE_HOURS"):
        env_office_hours("GUANXI_OFFICE_HOURS", "09:00-18:00")


def test_a_good_office_hours_setting_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANXI_OFFICE_HOURS", " 08:30-12:00,13:00-17:30 ")
    assert env_office_hours("GUANXI_OFFICE_HOURS", "09:00-18:00") == "08:30-12:00,13:00-17:30"
    monkeypatch.delenv("GUANXI_OFFICE_HOURS")
    assert env_office_hours("GUANXI_OFFICE_HOURS", "09:00-18:00") == "09:00-18:00"
