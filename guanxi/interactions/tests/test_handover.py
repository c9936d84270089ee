"""The customer handover: the owner moves with its ledger, and the follow-up (open tasks, upcoming
appointments), registered by this app as a handover source, moves with it."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import NotPermitted
from guanxi.customers.handover import customer_handover
from guanxi.customers.models import ChangeEntry, Customer
from guanxi.interactions import services as followup
from guanxi.interactions.models import Appointment, Task
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


# --- handover -------------------------------------------------------------------------------------------------


def test_handover_moves_the_owner_and_the_followup(org, make_customer) -> None:
    first = make_customer("张三")
    second = make_customer("李四")
    today = timezone.localdate()
    open_task = followup.task_create(actor=org.owner, data={"title": "回访", "due_on": today, "customer_id": first.pk})
    done_task = followup.task_create(actor=org.owner, data={"title": "已办", "due_on": today, "customer_id": first.pk})
    followup.task_set_done(actor=org.owner, task=done_task, done=True)
    appointment = followup.appointment_plan(actor=org.owner, customer=second,
                                            data={"due_on": today + dt.timedelta(days=1)})
    result = customer_handover(actor=org.manager, customer_ids=[first.pk, second.pk], to_owner=org.teammate)
    assert (result.customers, result.moved) == (2, {"followup": 3})  # open task, the visit's task, appointment
    assert set(Customer.objects.filter(pk__in=[first.pk, second.pk]).values_list("owner__username", flat=True)) == {
        "teammate"}
    assert Task.objects.get(pk=open_task.pk).owner == org.teammate
    assert Task.objects.get(pk=done_task.pk).owner == org.owner
    assert Appointment.objects.get(pk=appointment.pk).owner == org.teammate
    entries = list(ChangeEntry.objects.filter(field="owner", old_value="owner").values_list("customer_id", "new_value"))
    assert sorted(entries) == sorted([(first.pk, "teammate"), (second.pk, "teammate")])
    assert Customer.objects.get(pk=first.pk).version == first.version + 1


def test_handover_publishes_owners_moved(org, make_customer, django_capture_on_commit_callbacks) -> None:
    from guanxi.core import events

    first, second = make_customer("张三"), make_customer("李四")
    seen: list[events.OwnersMoved] = []
    with events.override():
        events.subscribe(events.OwnersMoved, seen.append, name="test.owners_moved")
        with django_capture_on_commit_callbacks(execute=True):
            customer_handover(actor=org.manager, customer_ids=[first.pk, second.pk], to_owner=org.teammate)
        from guanxi.core import outbox

        outbox.deliver_due()
    assert [(sorted(e.customer_ids), e.owner_id) for e in seen] == [
        (sorted([first.pk, second.pk]), org.teammate.pk)]


def test_handover_refuses_reps_and_customers_out_of_scope(org, make_customer) -> None:
    mine = make_customer("张三")
    theirs = make_customer("王五", actor=org.outsider)
    with pytest.raises(NotPermitted):
        customer_handover(actor=org.owner, customer_ids=[mine.pk], to_owner=org.teammate)
    with pytest.raises(ValidationError) as excinfo:
        customer_handover(actor=org.manager, customer_ids=[mine.pk, theirs.pk], to_owner=org.teammate)
    assert list(excinfo.value.message_dict) == ["customer_ids"]
    with pytest.raises(ValidationError) as excinfo:
        customer_handover(actor=org.manager, customer_ids=[mine.pk], to_owner=org.outsider)
    assert list(excinfo.value.message_dict) == ["to_owner"]
    assert Customer.objects.get(pk=mine.pk).owner == org.owner


def test_handover_from_the_page_and_the_api(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.manager)
    assert 'id="handover-form"' in client.get(f"/customers/{customer.pk}/").content.decode()
    response = client.post("/customers/handover/", {"customer_ids": str(customer.pk), "to_owner": org.teammate.pk,
                                                    "next": f"/customers/{customer.pk}/"}, follow=True)
    assert response.status_code == 200 and "移交" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).owner == org.teammate
    headers = bearer(client, org.manager)
    body = client.post("/api/v1/customer-handovers", json.dumps({"customer_ids": [customer.pk],
                                                                 "to_owner_id": org.owner.pk}),
                       content_type="application/json", headers=headers)
    assert body.status_code == 200 and body.json() == {"customers": 1, "moved": {"followup": 0}}
    assert Customer.objects.get(pk=customer.pk).owner == org.owner
    bad = client.post("/api/v1/customer-handovers", json.dumps({"customer_ids": [], "to_owner_id": org.owner.pk}),
                      content_type="application/json", headers=headers)
    assert bad.status_code == 422


@pytest.mark.outsider("customers:handover", "POST /customer-handovers")
def test_outsider_cannot_hand_over(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.owner)
    assert 'id="handover-form"' not in client.get(f"/customers/{customer.pk}/").content.decode()
    for user in (org.outsider, org.owner):
        login(client, user)
        response = client.post("/customers/handover/", {"customer_ids": str(customer.pk),
                                                        "to_owner": org.teammate.pk})
        assert response.status_code == 403
        headers = bearer(client, user)
        api = client.post("/api/v1/customer-handovers", json.dumps({"customer_ids": [customer.pk],
                                                                    "to_owner_id": org.teammate.pk}),
                          content_type="application/json", headers=headers)
        assert api.status_code == 403
    assert Customer.objects.get(pk=customer.pk).owner == org.owner
