import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.registry import Reminder, registry
from guanxi.interactions import services
from guanxi.interactions.models import Appointment, Interaction, Task
from guanxi.testing.base import bearer

pytestmark = pytest.mark.django_db


def test_contacts_tasks_and_appointments_through_the_api(client, org, make_customer) -> None:
    customer = make_customer("张三", importance="A")
    auth = bearer(client, org.owner)
    created = client.post("/api/v1/interactions", {
        "customer_id": customer.pk, "channel": "V", "notes": "上门", "next_step": "送样品",
        "next_step_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
    }, content_type="application/json", headers=auth)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["channel"] == "V" and body["next_task_id"] == Task.objects.get().pk
    listed = client.get("/api/v1/interactions", {"customer_id": customer.pk}, headers=auth).json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]
    assert client.get(f"/api/v1/interactions/{body['id']}", headers=auth).json()["notes"] == "上门"
    tasks = client.get("/api/v1/tasks", headers=auth).json()
    assert [t["title"] for t in tasks] == ["送样品"]
    task_id = tasks[0]["id"]
    patched = client.patch(f"/api/v1/tasks/{task_id}", {"done": True, "priority": 1}, content_type="application/json",
                           headers=auth).json()
    assert patched["done"] is True and patched["priority"] == 1
    moved = client.post(f"/api/v1/tasks/{task_id}/move", {"column": "today", "order": [task_id]},
                        content_type="application/json", headers=auth).json()
    assert moved["due_on"] == timezone.localdate().isoformat()
    new = client.post("/api/v1/tasks", {"title": "电话", "due_on": timezone.localdate().isoformat()},
                      content_type="application/json", headers=auth)
    assert new.status_code == 201
    assert client.get(f"/api/v1/tasks/{new.json()['id']}", headers=auth).json()["title"] == "电话"
    assert client.delete(f"/api/v1/tasks/{new.json()['id']}", headers=auth).status_code == 204
    day = timezone.localdate() + dt.timedelta(days=3)
    appointment = client.post("/api/v1/appointments", {"customer_id": customer.pk, "due_on": day.isoformat()},
                              content_type="application/json", headers=auth).json()
    assert appointment["status"] == "planned"
    assert client.get(f"/api/v1/appointments/{appointment['id']}", headers=auth).json()["planned_on"] == day.isoformat()
    acted = client.post(f"/api/v1/appointments/{appointment['id']}/events", {"action": "confirm"},
                        content_type="application/json", headers=auth).json()
    assert acted["status"] == "confirmed"
    assert [a["id"] for a in client.get("/api/v1/appointments", headers=auth).json()] == [appointment["id"]]
    grid = client.get("/api/v1/contact-calendar", {"span": "week"}, headers=auth).json()
    assert grid["customers"][0]["customer_id"] == customer.pk
    assert list(grid["customers"][0]["days"].values()) == [[{"letter": "V", "notes": "上门"}]]
    due = client.get("/api/v1/due-visits", {"horizon_days": 30}, headers=auth).json()
    assert [d["customer_id"] for d in due] == [customer.pk]
    stats = client.get("/api/v1/visit-stats", {"start": timezone.localdate().replace(day=1).isoformat(),
                                               "end": (timezone.localdate() + dt.timedelta(days=10)).isoformat()},
                       headers=auth).json()
    assert sum(r["visits"] for r in stats) == 1 and sum(r["appointments"] for r in stats) == 1
    assert client.delete(f"/api/v1/interactions/{body['id']}", headers=auth).status_code == 204
    assert Interaction.objects.count() == 0


def test_bad_input_names_the_field(client, org, make_customer) -> None:
    customer = make_customer("张三")
    auth = bearer(client, org.owner)
    response = client.post("/api/v1/interactions", {"customer_id": customer.pk, "channel": "Q", "duration_minutes": -1,
                                                    "extra": 1}, content_type="application/json", headers=auth)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"channel", "duration_minutes", "extra"}
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = client.post("/api/v1/interactions", {"customer_id": customer.pk, "channel": "T", "at": future},
                           content_type="application/json", headers=auth)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "at"
    response = client.post("/api/v1/appointments/0/events", {"action": "confirm"}, content_type="application/json",
                           headers=auth)
    assert response.status_code == 422
    response = client.get("/api/v1/visit-stats", {"start": "2026-03-01", "end": "2025-01-01"}, headers=auth)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "end"
    response = client.get("/api/v1/contact-calendar", {"cursor": "nonsense"}, headers=auth)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"
    assert Interaction.objects.count() == 0
    # Found by schemathesis: a time with a zone offset, and a date the lunar tables cannot place.
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post("/api/v1/appointments", {"customer_id": customer.pk, "due_on": tomorrow,
                                                    "due_time": "13:00:24+10:32"},
                           content_type="application/json", headers=auth)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "due_time"
    assert client.get("/api/v1/reminders", {"start": "0001-01-01", "days": 1}, headers=auth).status_code == 422
    assert Task.objects.count() == 0


def test_reminders_through_the_api(client, org) -> None:
    day = timezone.localdate() + dt.timedelta(days=1)

    def source(user, start, end):
        return [Reminder(on=day, kind="birthday", title="生日")] if start <= day <= end and user == org.owner else []

    with registry.override(reminder_sources=[*registry.reminder_sources, source]):
        auth = bearer(client, org.owner)
        found = [r for r in client.get("/api/v1/reminders", headers=auth).json() if r["kind"] == "birthday"]
        assert len(found) == 1 and found[0]["task_id"] is None
        made = client.post("/api/v1/reminders/task", {"on": day.isoformat(), "key": found[0]["key"]},
                           content_type="application/json", headers=auth)
        assert made.status_code == 201
        again = [r for r in client.get("/api/v1/reminders", headers=auth).json() if r["kind"] == "birthday"]
        assert again[0]["task_id"] == made.json()["id"]
        other = bearer(client, org.teammate)
        refused = client.post("/api/v1/reminders/task", {"on": day.isoformat(), "key": found[0]["key"]},
                              content_type="application/json", headers=other)
        assert refused.status_code == 422 and Task.objects.count() == 1


@pytest.mark.outsider(
    "GET /interactions", "POST /interactions", "GET /interactions/{interaction_id}",
    "DELETE /interactions/{interaction_id}", "GET /tasks", "POST /tasks", "GET /tasks/{task_id}",
    "PATCH /tasks/{task_id}", "POST /tasks/{task_id}/move", "DELETE /tasks/{task_id}", "GET /appointments",
    "POST /appointments", "GET /appointments/{appointment_id}", "POST /appointments/{appointment_id}/events",
    "GET /reminders", "POST /reminders/task", "GET /contact-calendar", "GET /due-visits", "GET /visit-stats",
)
def test_api_outsider_gets_404_and_nothing_changes(client, org, make_customer) -> None:
    customer = make_customer("张三")
    interaction = services.interaction_log(actor=org.owner, customer=customer, data={"channel": "T", "notes": "机密"})
    task = services.task_create(actor=org.owner, data={"title": "秘密", "due_on": timezone.localdate(),
                                                       "customer_id": customer.pk})
    appointment = services.appointment_plan(actor=org.owner, customer=customer,
                                            data={"due_on": timezone.localdate() + dt.timedelta(days=1)})
    auth = bearer(client, org.outsider)
    json = "application/json"
    assert client.get("/api/v1/interactions", headers=auth).json()["items"] == []
    assert client.get("/api/v1/interactions", {"customer_id": customer.pk}, headers=auth).json()["items"] == []
    assert client.post("/api/v1/interactions", {"customer_id": customer.pk, "channel": "T"}, content_type=json,
                       headers=auth).status_code == 404
    assert client.get(f"/api/v1/interactions/{interaction.pk}", headers=auth).status_code == 404
    assert client.delete(f"/api/v1/interactions/{interaction.pk}", headers=auth).status_code == 404
    assert client.get("/api/v1/tasks", headers=auth).json() == []
    assert client.get("/api/v1/tasks", {"owner_id": org.owner.pk}, headers=auth).status_code == 404
    assert client.post("/api/v1/tasks", {"title": "x", "due_on": "2030-01-01", "customer_id": customer.pk},
                       content_type=json, headers=auth).status_code == 422
    assert client.get(f"/api/v1/tasks/{task.pk}", headers=auth).status_code == 404
    assert client.patch(f"/api/v1/tasks/{task.pk}", {"done": True}, content_type=json, headers=auth).status_code == 404
    assert client.post(f"/api/v1/tasks/{task.pk}/move", {"column": "today"}, content_type=json,
                       headers=auth).status_code == 404
    assert client.delete(f"/api/v1/tasks/{task.pk}", headers=auth).status_code == 404
    assert client.get("/api/v1/appointments", headers=auth).json() == []
    assert client.get("/api/v1/appointments", {"owner_id": org.owner.pk}, headers=auth).status_code == 404
    assert client.post("/api/v1/appointments", {"customer_id": customer.pk, "due_on": "2030-01-01"}, content_type=json,
                       headers=auth).status_code == 404
    assert client.get(f"/api/v1/appointments/{appointment.pk}", headers=auth).status_code == 404
    assert client.post(f"/api/v1/appointments/{appointment.pk}/events", {"action": "cancel"}, content_type=json,
                       headers=auth).status_code == 404
    assert "张三" not in client.get("/api/v1/reminders", headers=auth).content.decode()
    assert client.post("/api/v1/reminders/task", {"on": "2026-01-01", "key": "reminder:x"}, content_type=json,
                       headers=auth).status_code == 422
    assert client.get("/api/v1/contact-calendar", headers=auth).json()["customers"] == []
    assert client.get("/api/v1/contact-calendar", {"rep_id": org.owner.pk}, headers=auth).status_code == 404
    assert client.get("/api/v1/due-visits", headers=auth).json() == []
    assert client.get("/api/v1/due-visits", {"rep_id": org.owner.pk}, headers=auth).status_code == 404
    stats = client.get("/api/v1/visit-stats", {"start": "2020-01-01", "end": "2021-12-31"}, headers=auth)
    assert stats.status_code == 200 and "owner" not in stats.content.decode()
    assert client.get("/api/v1/visit-stats", {"start": "2020-01-01", "end": "2020-12-31", "rep_id": org.owner.pk},
                      headers=auth).status_code == 404
    assert Interaction.objects.count() == 1 and Task.objects.count() == 2 and Task.objects.get(pk=task.pk).done_at is None
    assert Appointment.objects.get().status == "planned"
