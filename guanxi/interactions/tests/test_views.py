import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.registry import Reminder, registry
from guanxi.interactions import services
from guanxi.interactions.models import Appointment, ContactSummary, Interaction, Task, VisitCycle, VisitTarget
from guanxi.testing.base import login

pytestmark = pytest.mark.django_db


def _contact(org, customer, channel="T", days_ago=1, notes="", user=None):
    moment = timezone.now() - dt.timedelta(days=days_ago)
    return services.interaction_log(actor=user or org.owner, customer=customer,
                                    data={"channel": channel, "at": moment, "notes": notes})


def test_quick_add_from_the_customer_list_logs_without_a_reload(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.owner)
    listing = client.get("/customers/").content.decode()
    assert f'data-log-contact="{customer.pk}"' in listing and f"/follow-up/log/{customer.pk}/?compact=1" in listing
    form = client.get(f"/follow-up/log/{customer.pk}/?compact=1", HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="channel"' in form.content.decode()
    bad = client.post(f"/follow-up/log/{customer.pk}/?compact=1", {"channel": "T", "next_step": "回电"},
                      HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and 'data-field="next_step_on"' in bad.content.decode()
    assert Interaction.objects.count() == 0
    done = client.post(f"/follow-up/log/{customer.pk}/?compact=1", {"channel": "T", "notes": "报价"},
                       HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and "contact-logged" in done["HX-Trigger"]
    assert Interaction.objects.get().notes == "报价"
    assert ContactSummary.objects.get(customer=customer).last_channel == "T"


def test_customer_tab_logs_plans_and_pages_the_timeline(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.owner)
    page = client.get(f"/customers/{customer.pk}/?tab=followup").content.decode()
    assert 'id="followup"' in page and "Nothing has happened yet" not in page
    response = client.post(f"/follow-up/log/{customer.pk}/", {"channel": "V", "notes": "上门", "direction": "out"})
    assert response.status_code == 200 and 'id="logged-message"' in response.content.decode()
    for n in range(25):
        _contact(org, customer, days_ago=n + 2, notes=f"第{n}次")
    html = client.get(f"/customers/{customer.pk}/tab/followup/").content.decode()
    assert html.count('data-kind="') == 20 and "timeline-more" in html
    older = Interaction.objects.order_by("at")[5].at
    more = client.get(f"/follow-up/timeline/{customer.pk}/", {"before": older.isoformat()}).content.decode()
    assert more.count('data-kind="contact-') == 5 and 'data-kind="created"' not in more
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    planned = client.post(f"/follow-up/appointments/plan/{customer.pk}/", {"due_on": tomorrow.isoformat()})
    assert planned.status_code == 200 and Appointment.objects.get().planned_on == tomorrow
    past = client.post(f"/follow-up/appointments/plan/{customer.pk}/", {"due_on": "2020-01-01"})
    assert past.status_code == 422 and Appointment.objects.count() == 1
    interaction = Interaction.objects.filter(channel="V").get()
    assert client.post(f"/follow-up/contacts/{interaction.pk}/delete/").status_code == 200
    assert not Interaction.objects.filter(channel="V").exists()


def test_pages_render_for_a_rep_and_a_manager(client, org, make_customer) -> None:
    customer = make_customer("张三", importance="A")
    _contact(org, customer, "V", days_ago=40, notes="上门=拜访")
    services.task_create(actor=org.owner, data={"title": "准备样品", "due_on": timezone.localdate(), "customer_id": customer.pk})
    for user in (org.owner, org.manager):
        login(client, user)
        for url in ["/follow-up/", "/follow-up/calendar/?span=month", "/follow-up/calendar/?span=week",
                    "/follow-up/due/", "/follow-up/round/", "/follow-up/round/?span=month", "/follow-up/tasks/",
                    "/follow-up/tasks/?due=done", "/follow-up/board/", "/follow-up/board/month/",
                    "/follow-up/appointments/", "/follow-up/stats/", "/follow-up/stats/?bucket=week", "/"]:
            response = client.get(url)
            assert response.status_code == 200, url
    login(client, org.owner)
    calendar = client.get("/follow-up/calendar/", {"span": "month", "start": (timezone.localdate() - dt.timedelta(days=40)).isoformat()})
    assert 'data-letter="V"' in calendar.content.decode() and 'title="上门=拜访"' in calendar.content.decode()
    assert "data-overdue" in client.get("/follow-up/calendar/").content.decode()
    due = client.get("/follow-up/due/").content.decode()
    assert f'data-customer="{customer.pk}"' in due
    home = client.get("/").content.decode()
    assert 'data-panel="followup"' in home and "准备样品" in home
    manager_view = client.get("/follow-up/calendar/", {"rep": org.owner.pk, "span": "month"})
    assert manager_view.status_code == 200


def test_round_plan_creates_visits(client, org, make_customer) -> None:
    customer = make_customer("张三", importance="A")
    _contact(org, customer, days_ago=60)
    login(client, org.owner)
    response = client.post("/follow-up/round/?span=month")
    assert response.status_code == 302
    assert Task.objects.filter(kind="visit", customer=customer).count() == 1


def test_board_move_and_done(client, org, make_customer) -> None:
    task = services.task_create(actor=org.owner, data={"title": "回访", "due_on": timezone.localdate()})
    login(client, org.owner)
    board = client.get("/follow-up/board/").content.decode()
    assert f'id="card-{task.pk}"' in board and "Sortable.min.js" in board
    moved = client.post(f"/follow-up/tasks/{task.pk}/move/", {"column": "tomorrow", "order": [str(task.pk)]},
                        HTTP_HX_REQUEST="true")
    assert moved.status_code == 200
    task.refresh_from_db()
    assert task.due_on == timezone.localdate() + dt.timedelta(days=1)
    assert client.post(f"/follow-up/tasks/{task.pk}/move/", {"column": "never"}).status_code == 422
    done = client.post(f"/follow-up/tasks/{task.pk}/done/?view=card", {"done": "1"})
    assert done.status_code == 200 and 'data-done' in done.content.decode()
    task.refresh_from_db()
    assert task.done_at is not None
    client.post(f"/follow-up/tasks/{task.pk}/done/", {"done": "0"})
    task.refresh_from_db()
    assert task.done_at is None


def test_task_form_and_appointment_actions(client, org, make_customer) -> None:
    login(client, org.owner)
    bad = client.post("/follow-up/tasks/", {"title": "", "due_on": "", "kind": "todo", "priority": "2"})
    assert bad.status_code == 422 and 'data-field="title"' in bad.content.decode() and Task.objects.count() == 0
    ok = client.post("/follow-up/tasks/", {"title": "打电话", "due_on": timezone.localdate().isoformat(),
                                          "kind": "call", "priority": "1", "owner_id": org.owner.pk})
    assert ok.status_code == 302 and Task.objects.get().priority == 1
    customer = make_customer("张三")
    appointment = services.appointment_plan(actor=org.owner, customer=customer,
                                            data={"due_on": timezone.localdate() + dt.timedelta(days=2)})
    row = client.post(f"/follow-up/appointments/{appointment.pk}/act/", {"action": "confirm"})
    assert row.status_code == 200 and 'data-status="confirmed"' in row.content.decode()
    bad = client.post(f"/follow-up/appointments/{appointment.pk}/act/", {"action": "reschedule"})
    assert bad.status_code == 422
    assert Appointment.objects.get().status == "confirmed"
    assert "appointment-list" in client.get("/follow-up/appointments/").content.decode()


def test_stats_export_is_formula_safe_csv_with_bom(client, org, make_customer) -> None:
    customer = make_customer("张三")
    _contact(org, customer, "V", days_ago=1)
    org.owner.display_name = "=HYPERLINK(1)"
    org.owner.save()
    login(client, org.owner)
    response = client.get("/follow-up/stats/export/")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert "'=HYPERLINK(1)" in body and ",=HYPERLINK" not in body
    page = client.get("/follow-up/stats/").content.decode()
    assert "stats-chart-data" in page and "echarts.min.js" in page


def test_settings_for_administrators_and_managers(client, org) -> None:
    login(client, org.owner)
    assert client.get("/follow-up/settings/").status_code == 403
    login(client, org.manager)
    assert client.post("/follow-up/settings/", {"form": "cycle", "importance": "A", "days": "7"}).status_code == 403
    assert VisitCycle.objects.get(importance="A").days == 14
    bad = client.post("/follow-up/settings/", {"form": "target", "user_id": org.owner.pk, "visits_per_month": "-1"})
    assert bad.status_code == 422 and not VisitTarget.objects.exists()
    assert client.post("/follow-up/settings/", {"form": "target", "user_id": org.owner.pk,
                                                "visits_per_month": "9"}).status_code == 302
    assert VisitTarget.objects.get(user=org.owner).visits_per_month == 9
    login(client, org.admin)
    assert client.post("/follow-up/settings/", {"form": "cycle", "importance": "A", "days": "7"}).status_code == 302
    assert VisitCycle.objects.get(importance="A").days == 7
    assert client.post("/follow-up/settings/", {"form": "cycle", "importance": "A", "days": "0"}).status_code == 422


def test_reminder_to_task_from_the_home_panel(client, org) -> None:
    day = timezone.localdate() + dt.timedelta(days=2)

    def source(user, start, end):
        return [Reminder(on=day, kind="birthday", title="王芳生日")] if start <= day <= end else []

    with registry.override(reminder_sources=[*registry.reminder_sources, source]):
        services.digest_prepare(user=org.owner, on=timezone.localdate())
        login(client, org.owner)
        home = client.get("/").content.decode()
        assert "王芳生日" in home and "/follow-up/reminders/task/" in home
        key = services.reminder_key(source(org.owner, day, day)[0])
        response = client.post("/follow-up/reminders/task/", {"on": day.isoformat(), "key": key})
        assert response.status_code == 200 and "data-reminder-task" in response.content.decode()
        assert client.post("/follow-up/reminders/task/", {"on": "x", "key": key}).status_code == 422
        assert Task.objects.get().title == "王芳生日"


@pytest.mark.outsider(
    "interactions:log", "interactions:interaction_delete", "interactions:timeline", "interactions:calendar",
    "interactions:due", "interactions:round", "interactions:tasks", "interactions:task_done", "interactions:task_move",
    "interactions:board_week", "interactions:board_month", "interactions:appointments",
    "interactions:appointment_plan", "interactions:appointment_act", "interactions:stats", "interactions:stats_export",
    "interactions:reminder_task", "interactions:settings", "interactions:today",
)
def test_outsider_sees_nothing_and_changes_nothing(client, org, make_customer) -> None:
    customer = make_customer("张三")
    interaction = _contact(org, customer, notes="机密备注")
    task = services.task_create(actor=org.owner, data={"title": "秘密任务", "due_on": timezone.localdate(),
                                                       "customer_id": customer.pk})
    appointment = services.appointment_plan(actor=org.owner, customer=customer,
                                            data={"due_on": timezone.localdate() + dt.timedelta(days=1)})
    login(client, org.outsider)
    pk = customer.pk
    assert client.get(f"/follow-up/log/{pk}/").status_code == 404
    assert client.post(f"/follow-up/log/{pk}/", {"channel": "T"}).status_code == 404
    assert client.post(f"/follow-up/contacts/{interaction.pk}/delete/").status_code == 404
    assert client.get(f"/follow-up/timeline/{pk}/").status_code == 404
    assert client.post(f"/follow-up/tasks/{task.pk}/done/").status_code == 404
    assert client.post(f"/follow-up/tasks/{task.pk}/move/", {"column": "today"}).status_code == 404
    assert client.post(f"/follow-up/appointments/plan/{pk}/", {"due_on": "2030-01-01"}).status_code == 404
    assert client.post(f"/follow-up/appointments/{appointment.pk}/act/", {"action": "cancel"}).status_code == 404
    for url in ["/follow-up/calendar/", "/follow-up/due/", "/follow-up/round/", "/follow-up/tasks/", "/follow-up/board/",
                "/follow-up/board/month/", "/follow-up/appointments/", "/follow-up/stats/", "/follow-up/", "/"]:
        html = client.get(url).content.decode()
        assert "张三" not in html and "秘密任务" not in html and "机密备注" not in html, url
    export = b"".join(client.get("/follow-up/stats/export/").streaming_content).decode()
    assert "owner" not in export
    for url in ["/follow-up/calendar/", "/follow-up/due/", "/follow-up/board/", "/follow-up/board/month/",
                "/follow-up/round/", "/follow-up/appointments/", "/follow-up/stats/export/"]:
        assert client.get(url, {"rep": org.owner.pk}).status_code == 404, url
    assert client.post("/follow-up/round/", {}, QUERY_STRING=f"rep={org.owner.pk}").status_code == 404
    assert client.post("/follow-up/reminders/task/", {"on": "2026-03-20", "key": "reminder:x"}).status_code == 422
    assert client.get("/follow-up/settings/").status_code == 403
    assert client.post("/follow-up/settings/", {"form": "target", "user_id": org.owner.pk,
                                                "visits_per_month": "1"}).status_code == 403
    assert Interaction.objects.count() == 1 and Task.objects.get(pk=task.pk).done_at is None
    assert Appointment.objects.get().status == "planned" and not VisitTarget.objects.exists()
    assert Task.objects.count() == 2


def test_the_grid_and_due_rows_are_escaped_and_dated_like_the_template_filters(client, org, make_customer) -> None:
    import html

    from django.template import Context, Template
    from django.utils import translation

    from guanxi.interactions import fragments

    customer = make_customer('<b>"张三"</b>', importance="A")
    contact = _contact(org, customer, "V", days_ago=40, notes='<script>alert("x")</script>')
    login(client, org.owner)
    start = timezone.localdate() - dt.timedelta(days=40)
    grid = client.get("/follow-up/calendar/", {"span": "month", "start": start.isoformat()}).content.decode()
    due = client.get("/follow-up/due/").content.decode()
    for page in (grid, due):
        assert "<script>alert" not in page and '<b>"张三"</b>' not in page
        assert html.escape('<b>"张三"</b>') in page
    assert f'title="{html.escape(contact.notes)}" data-letter="V">V</abbr>' in grid
    for language in ("zh-hans", "en", "de"):
        with translation.override(language):
            dates = fragments._Dates()
            for value in (contact.at, dt.date(2026, 1, 5), dt.date(2026, 12, 25)):
                expected = Template('{{ v|date:"SHORT_DATE_FORMAT" }}').render(Context({"v": value}))
                assert dates(value) == expected, language


def test_the_due_list_pages_by_offset(client, org, make_customer) -> None:
    for n in range(3):
        _contact(org, make_customer(f"客户{n}", importance="A"), days_ago=30 + n)
    login(client, org.owner)
    from guanxi.interactions import views

    views_page, views.DUE_PAGE = views.DUE_PAGE, 2
    try:
        first = client.get("/follow-up/due/").content.decode()
        second = client.get("/follow-up/due/", {"offset": "2"}).content.decode()
        beyond = client.get("/follow-up/due/", {"offset": "9"}).content.decode()
    finally:
        views.DUE_PAGE = views_page
    assert first.count("data-customer=") == 2 and "offset=2" in first and "客户2" in first
    assert second.count("data-customer=") == 1 and "客户0" in second and "offset=0" in second
    assert beyond.count("data-customer=") == 0 and "offset=" in beyond
