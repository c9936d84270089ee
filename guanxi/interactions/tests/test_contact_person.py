"""Interactions and tasks can name one of the customer's contact people (联系人)."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.customers.contact_services import contact_create, contact_delete
from guanxi.interactions import services
from guanxi.interactions.models import Interaction, Task
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(org, make_customer):
    shop = make_customer("华联超市", kind="organization")
    other = make_customer("联华超市", kind="organization")
    lina = contact_create(actor=org.owner, customer=shop, data={"name": "李娜"})
    wang = contact_create(actor=org.owner, customer=other, data={"name": "王强"})
    return shop, other, lina, wang


def test_an_interaction_names_a_contact_of_its_customer_only(org, shops) -> None:
    shop, _other, lina, wang = shops
    logged = services.interaction_log(actor=org.owner, customer=shop, data={"channel": "T", "contact_id": lina.pk})
    assert logged.contact == lina
    with pytest.raises(ValidationError) as excinfo:
        services.interaction_log(actor=org.owner, customer=shop, data={"channel": "T", "contact_id": wang.pk})
    assert excinfo.value.message_dict == {"contact_id": ["请选择该客户的联系人。"]}
    assert Interaction.objects.count() == 1
    # Removing the contact keeps the interaction, without the contact.
    contact_delete(actor=org.owner, contact=lina)
    assert Interaction.objects.get().contact_id is None


def test_a_task_names_a_contact_of_its_customer_only(org, shops) -> None:
    shop, other, lina, wang = shops
    today = timezone.localdate()
    task = services.task_create(actor=org.owner, data={"title": "对账", "due_on": today, "customer_id": shop.pk,
                                                       "contact_id": lina.pk})
    assert task.contact == lina
    with pytest.raises(ValidationError) as excinfo:
        services.task_create(actor=org.owner, data={"title": "对账", "due_on": today, "contact_id": lina.pk})
    assert list(excinfo.value.message_dict) == ["contact_id"]
    with pytest.raises(ValidationError):
        services.task_update(actor=org.owner, task=task, data={"contact_id": wang.pk})
    # Moving the task to another customer drops a contact that is not theirs.
    with pytest.raises(ValidationError):
        services.task_update(actor=org.owner, task=task, data={"customer_id": other.pk})
    task = services.task_update(actor=org.owner, task=task, data={"customer_id": other.pk, "contact_id": wang.pk})
    assert (task.customer_id, task.contact_id) == (other.pk, wang.pk)
    task = services.task_update(actor=org.owner, task=task, data={"contact_id": None})
    assert Task.objects.get(pk=task.pk).contact_id is None


def test_contact_in_the_log_form_and_the_api(client, org, shops) -> None:
    shop, _other, lina, wang = shops
    login(client, org.owner)
    html = client.get(f"/customers/{shop.pk}/tab/followup/").content.decode()
    assert 'name="contact_id"' in html and f'value="{lina.pk}"' in html and "王强" not in html
    response = client.post(f"/follow-up/log/{shop.pk}/", {"channel": "T", "contact_id": lina.pk})
    assert response.status_code == 200 and Interaction.objects.get().contact_id == lina.pk
    bad = client.post(f"/follow-up/log/{shop.pk}/", {"channel": "T", "contact_id": wang.pk})
    assert bad.status_code == 422 and Interaction.objects.count() == 1
    headers = bearer(client, org.owner)
    body = client.post("/api/v1/interactions", json.dumps({"customer_id": shop.pk, "channel": "V",
                                                           "contact_id": lina.pk}),
                       content_type="application/json", headers=headers)
    assert body.status_code == 201 and body.json()["contact_id"] == lina.pk
    refused = client.post("/api/v1/interactions", json.dumps({"customer_id": shop.pk, "channel": "V",
                                                              "contact_id": wang.pk}),
                          content_type="application/json", headers=headers)
    assert refused.status_code == 422
    task = client.post("/api/v1/tasks", json.dumps({"title": "对账", "due_on": dt.date.today().isoformat(),
                                                    "customer_id": shop.pk, "contact_id": lina.pk}),
                       content_type="application/json", headers=headers)
    assert task.status_code == 201 and task.json()["contact_id"] == lina.pk
    cleared = client.patch(f"/api/v1/tasks/{task.json()['id']}", json.dumps({"contact_id": None}),
                           content_type="application/json", headers=headers)
    assert cleared.status_code == 200 and cleared.json()["contact_id"] is None
