import json

import pytest
from django.core.exceptions import ValidationError

from guanxi.customers.models import ChangeEntry, Consent
from guanxi.customers.selectors import consent_state
from guanxi.customers.services import consent_record
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db


def test_latest_decision_per_channel_wins_and_history_is_kept(org, make_customer) -> None:
    customer = make_customer("张三")
    consent_record(actor=org.owner, customer=customer, data={"channel": "sms", "given": True, "source": "form"})
    consent_record(actor=org.owner, customer=customer, data={"channel": "sms", "given": False, "source": "call"})
    state = {s.channel: s.latest for s in consent_state(customer=customer)}
    assert state["sms"] is not None and (state["sms"].given, state["sms"].source) == (False, "call")
    assert state["email"] is None
    assert Consent.objects.count() == 2
    entries = list(ChangeEntry.objects.filter(field="consent").order_by("id").values_list("old_value", "new_value"))
    assert entries[1][0] and entries[1][1] and entries[0][0] == ""


@pytest.mark.parametrize(("data", "field"), [
    ({"channel": "fax", "given": True, "source": "form"}, "channel"),
    ({"channel": "sms", "given": "yes", "source": "form"}, "given"),
    ({"channel": "sms", "given": True, "source": "rumour"}, "source"),
])
def test_bad_consent_saves_nothing(org, make_customer, data, field) -> None:
    customer = make_customer("张三")
    with pytest.raises(ValidationError) as excinfo:
        consent_record(actor=org.owner, customer=customer, data=data)
    assert list(excinfo.value.message_dict) == [field]
    assert Consent.objects.count() == 0


def test_consent_tab_and_api(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.owner)
    html = client.post(f"/customers/{customer.pk}/consent/", {"channel": "email", "given": "yes", "source": "online"}).content.decode()
    assert 'data-channel="email"' in html and Consent.objects.get().given is True
    headers = bearer(client, org.owner)
    body = client.post(f"/api/v1/customers/{customer.pk}/consents",
                       json.dumps({"channel": "email", "given": False, "source": "call"}),
                       content_type="application/json", headers=headers)
    assert body.status_code == 201
    email = next(c for c in body.json() if c["channel"] == "email")
    assert (email["given"], email["source"], email["recorded_by"]) == (False, "call", "owner")
    listed = client.get(f"/api/v1/customers/{customer.pk}/consents", headers=headers).json()
    assert next(c for c in listed if c["channel"] == "sms")["given"] is None


@pytest.mark.outsider("GET /customers/{customer_id}/consents", "POST /customers/{customer_id}/consents",
                      "customers:consent_add")
def test_outsider_cannot_see_or_record_consent(client, org, make_customer) -> None:
    customer = make_customer("张三")
    for user in (org.outsider, org.teammate):
        headers = bearer(client, user)
        assert client.get(f"/api/v1/customers/{customer.pk}/consents", headers=headers).status_code == 404
        assert client.post(f"/api/v1/customers/{customer.pk}/consents",
                           json.dumps({"channel": "sms", "given": True, "source": "form"}),
                           content_type="application/json", headers=headers).status_code == 404
        login(client, user)
        assert client.post(f"/customers/{customer.pk}/consent/",
                           {"channel": "sms", "given": "yes", "source": "form"}).status_code == 404
    assert Consent.objects.count() == 0
