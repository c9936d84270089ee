"""The holiday table as the calendar's source, its administrator page and API, the reminders page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from guanxi.core import calendar
from guanxi.core.errors import NotPermitted
from guanxi.holidays import services
from guanxi.holidays.models import Holiday
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db
D = dt.date
FROZEN = dt.datetime(2025, 9, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


# --- the table is the source ----------------------------------------------------------------------


def test_the_migration_seeds_every_year_the_package_knows() -> None:
    import chinese_calendar

    assert Holiday.objects.count() == len(chinese_calendar.holidays) + len(chinese_calendar.workdays)
    assert set(Holiday.objects.values_list("year", flat=True).distinct()) == set(range(2004, 2027))
    assert set(Holiday.objects.values_list("source", flat=True).distinct()) == {"seeded"}
    national = Holiday.objects.get(date=D(2025, 10, 1))
    assert (national.kind, national.name) == ("holiday", "国庆节")
    assert Holiday.objects.get(date=D(2025, 9, 28)).kind == "workday"


def test_the_wrappers_read_the_table() -> None:
    assert calendar.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert calendar.is_workday(D(2025, 9, 28)) and calendar.is_workday(D(2025, 10, 11))
    assert calendar.missing_years([2026, 2027]) == [2027]
    start = dt.datetime(2025, 9, 30, 17, tzinfo=ZoneInfo("Asia/Shanghai"))
    end = calendar.add_working_hours(start, 2)
    assert end == dt.datetime(2025, 10, 9, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert calendar.working_time_between(start, end) == dt.timedelta(hours=2)


def test_an_administrators_edit_reaches_every_process(org) -> None:
    assert calendar.is_workday(D(2027, 10, 1))  # no 2027 schedule: a Friday is a working day
    services.holiday_add(actor=org.admin, date=D(2027, 10, 1), kind="holiday", name="国庆节")
    assert not calendar.is_workday(D(2027, 10, 1))
    assert calendar.missing_years([2027]) == []
    # A row written behind the services' back is not seen until a change is announced: the
    # schedule is cached, and the shared version token is what tells a process to reload.
    Holiday.objects.create(date=D(2027, 10, 4), kind="holiday", name="国庆节", year=2027)
    assert calendar.is_workday(D(2027, 10, 4))
    calendar.schedule_changed()
    assert not calendar.is_workday(D(2027, 10, 4))


def test_only_administrators_edit_the_schedule_and_a_refusal_changes_nothing(org) -> None:
    before = Holiday.objects.count()
    for user in (org.owner, org.manager, org.outsider):
        with pytest.raises(NotPermitted):
            services.holiday_add(actor=user, date=D(2027, 1, 1), kind="holiday", name="元旦")
        with pytest.raises(NotPermitted):
            services.holiday_delete(actor=user, holiday_id=Holiday.objects.get(date=D(2025, 10, 1)).pk)
    assert Holiday.objects.count() == before


@pytest.mark.parametrize(("date", "kind", "name", "field"), [
    (D(2025, 10, 1), "holiday", "国庆节", "date"),  # already in the schedule
    (D(2027, 9, 29), "workday", "国庆节", "date"),  # a Wednesday cannot be a make-up working day
    (D(2027, 10, 1), "holiday", "  ", "name"),
    (D(2027, 10, 1), "half", "国庆节", "kind"),
])
def test_bad_schedule_entries_are_refused(org, date, kind, name, field) -> None:
    before = Holiday.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.holiday_add(actor=org.admin, date=date, kind=kind, name=name)
    assert list(excinfo.value.message_dict) == [field]
    assert Holiday.objects.count() == before


# --- the administrator page -------------------------------------------------------------------------


@pytest.mark.outsider("holidays:list", "holidays:delete")
def test_non_administrators_get_403_on_the_schedule_pages_and_change_nothing(org, client: Client) -> None:
    entry = Holiday.objects.get(date=D(2025, 10, 1))
    before = Holiday.objects.count()
    for user in (org.outsider, org.owner, org.manager):
        login(client, user)
        assert client.get("/calendar/holidays/?year=2025").status_code == 403
        assert client.post("/calendar/holidays/", {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"}
                           ).status_code == 403
        assert client.post(f"/calendar/holidays/{entry.pk}/delete/").status_code == 403
    assert Holiday.objects.count() == before
    client.logout()
    assert client.get("/calendar/holidays/").status_code == 302  # to the login page


def test_an_administrator_lists_adds_and_deletes_entries(org, client: Client) -> None:
    login(client, org.admin)
    page = client.get("/calendar/holidays/?year=2025").content.decode()
    assert 'data-date="2025-10-08"' in page and 'data-date="2025-09-28"' in page and "国庆节" in page
    assert "data-schedule-missing" not in page
    response = client.post("/calendar/holidays/?year=2027", {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2027")
    added = Holiday.objects.get(date=D(2027, 10, 1))
    assert (added.source, added.created_by, added.year) == ("admin", org.admin, 2027)
    response = client.post(f"/calendar/holidays/{added.pk}/delete/")
    assert response.status_code == 302 and not Holiday.objects.filter(date=D(2027, 10, 1)).exists()


def test_the_page_warns_when_a_years_schedule_is_missing_and_shows_form_errors(org, client: Client) -> None:
    login(client, org.admin)
    page = client.get("/calendar/holidays/?year=2027").content.decode()
    assert 'data-schedule-missing="2027"' in page
    response = client.post("/calendar/holidays/", {"date": "2027-09-29", "kind": "workday", "name": "国庆节"})
    assert response.status_code == 422
    assert zh("A make-up working day falls on a Saturday or Sunday.") in response.content.decode()
    assert not Holiday.objects.filter(year=2027).exists()


# --- the API ----------------------------------------------------------------------------------------------


@pytest.mark.outsider("GET /calendar/workdays", "GET /calendar/holidays")
def test_every_signed_in_user_reads_the_calendar_and_anonymous_users_do_not(org, client: Client) -> None:
    assert client.get("/api/v1/calendar/workdays?start=2025-09-27&end=2025-10-12").status_code == 401
    assert client.get("/api/v1/calendar/holidays?year=2025").status_code == 401
    headers = bearer(client, org.outsider)
    body = client.get("/api/v1/calendar/workdays?start=2025-09-27&end=2025-10-12", headers=headers).json()
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == 16 and body["missing_years"] == []
    assert days["2025-09-28"] == {"date": "2025-09-28", "workday": True, "kind": "workday", "name": "国庆节"}
    assert days["2025-10-08"] == {"date": "2025-10-08", "workday": False, "kind": "holiday", "name": "国庆节"}
    assert days["2025-10-12"] == {"date": "2025-10-12", "workday": False, "kind": "weekend", "name": ""}
    assert days["2025-10-09"] == {"date": "2025-10-09", "workday": True, "kind": "weekday", "name": ""}
    year = client.get("/api/v1/calendar/holidays?year=2027", headers=headers).json()
    assert year == {"year": 2027, "missing": True, "entries": []}
    year = client.get("/api/v1/calendar/holidays?year=2025", headers=headers).json()
    assert not year["missing"] and {"date": "2025-10-01", "kind": "holiday", "name": "国庆节",
                                     "source": "seeded"}.items() <= year["entries"][-9].items()


@pytest.mark.outsider("POST /calendar/holidays", "DELETE /calendar/holidays/{holiday_id}")
def test_only_administrators_write_the_schedule_through_the_api(org, client: Client) -> None:
    entry = Holiday.objects.get(date=D(2025, 10, 1))
    before = Holiday.objects.count()
    for user in (org.outsider, org.manager):
        headers = bearer(client, user)
        response = client.post("/api/v1/calendar/holidays", {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"},
                               content_type="application/json", headers=headers)
        assert response.status_code == 403
        assert response.json() == {"errors": [{"field": None, "message": zh("Only an administrator may edit the holiday schedule.")}]}
        assert client.delete(f"/api/v1/calendar/holidays/{entry.pk}", headers=headers).status_code == 403
    assert Holiday.objects.count() == before
    headers = bearer(client, org.admin)
    response = client.post("/api/v1/calendar/holidays", {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"},
                           content_type="application/json", headers=headers)
    assert response.status_code == 201
    created = response.json()
    assert {k: created[k] for k in ("date", "kind", "name", "source")} == {
        "date": "2027-10-01", "kind": "holiday", "name": "国庆节", "source": "admin"}
    assert client.delete(f"/api/v1/calendar/holidays/{created['id']}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/calendar/holidays/{created['id']}", headers=headers).status_code == 404
    assert Holiday.objects.count() == before


@pytest.mark.parametrize(("method", "url", "body", "field", "message"), [
    ("get", "/api/v1/calendar/workdays?end=2025-10-01", None, "start", "This field is required."),
    ("get", "/api/v1/calendar/workdays?start=2025-13-01&end=2025-10-01", None, "start",
     "Enter a valid date (YYYY-MM-DD)."),
    ("get", "/api/v1/calendar/workdays?start=2025-10-02&end=2025-10-01", None, "end",
     "The end must not be before the start."),
    ("get", "/api/v1/calendar/holidays?year=abc", None, "year", "Enter a whole number."),
    ("get", "/api/v1/calendar/reminders?days=0", None, "days",
     ("Ensure this value is greater than or equal to %(ge)s.", {"ge": 1})),
    ("post", "/api/v1/calendar/holidays", {"date": "2027-10-01", "kind": "half", "name": "x"}, "kind", None),
    ("post", "/api/v1/calendar/holidays", {"date": "2025-10-01", "kind": "holiday", "name": "国庆节"}, "date",
     "The schedule already has an entry on this date."),
    ("post", "/api/v1/calendar/holidays", {"date": "2027-10-01", "kind": "holiday", "name": "x", "extra": 1},
     "extra", "Unknown field."),
])
def test_bad_api_input_names_the_field_in_translated_words(org, client: Client, method, url, body, field, message) -> None:
    headers = bearer(client, org.admin)
    if body is None:
        response = client.get(url, headers=headers)
    else:
        response = client.post(url, body, content_type="application/json", headers=headers)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if isinstance(message, tuple):
        assert errors[0]["message"] == zh(message[0]) % message[1]
    elif message:
        assert errors[0]["message"] == zh(message)


def test_a_range_of_more_than_366_days_is_refused(org, client: Client) -> None:
    headers = bearer(client, org.owner)
    response = client.get("/api/v1/calendar/workdays?start=2024-01-01&end=2024-12-31", headers=headers)
    assert response.status_code == 200 and len(response.json()["days"]) == 366
    response = client.get("/api/v1/calendar/workdays?start=2024-01-01&end=2025-01-01", headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "end"


# --- the reminders page and endpoint ---------------------------------------------------------------------


@time_machine.travel(FROZEN, tick=False)
@pytest.mark.outsider("calendar:reminders", "GET /calendar/reminders")
def test_reminders_show_my_customers_birthdays_and_festivals_but_not_another_teams(
    org, make_customer, client: Client
) -> None:
    customer = make_customer("张三", birthday=D(1980, 9, 27))
    login(client, org.owner)
    page = client.get("/calendar/").content.decode()
    assert "张三" in page and f"/customers/{customer.pk}/" in page and 'data-date="2025-09-27"' in page
    assert 'data-date="2025-10-01"' in page  # 国庆节 is within this week (25 Sep – 1 Oct)
    assert 'data-date="2025-10-06"' not in page  # 中秋 is not
    assert 'data-date="2025-10-06"' in client.get("/calendar/?days=30").content.decode()
    login(client, org.outsider)
    page = client.get("/calendar/?days=30").content.decode()
    assert "张三" not in page and 'data-date="2025-10-01"' in page
    api = client.get("/api/v1/calendar/reminders?days=30", headers=bearer(client, org.outsider)).json()
    assert api["start"] == "2025-09-25" and api["end"] == "2025-10-24"
    assert all(item["customer_id"] is None for item in api["items"])
    api = client.get("/api/v1/calendar/reminders?days=7", headers=bearer(client, org.owner)).json()
    assert {"on": "2025-09-27", "kind": "birthday", "customer_id": customer.pk,
            "url": f"/customers/{customer.pk}/"}.items() <= api["items"][0].items()
    assert [i["kind"] for i in api["items"]] == ["birthday", "workday", "festival"]


@time_machine.travel(dt.datetime(2026, 12, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_the_reminders_page_warns_that_next_years_schedule_is_missing(org, client: Client) -> None:
    login(client, org.owner)
    page = client.get("/calendar/?days=30").content.decode()
    assert 'data-schedule-missing="2027"' in page and 'data-schedule-missing="2026"' not in page
    partial = client.get("/calendar/?days=7", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="reminder-list">')
