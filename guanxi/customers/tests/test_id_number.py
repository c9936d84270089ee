import json

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.text import is_valid_id_number, normalize_id_number
from guanxi.customers.models import AccessLog, ChangeEntry, Customer
from guanxi.customers.selectors import customer_history
from guanxi.customers.services import customer_create, customer_update
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db
VALID = "11010519491231002X"


def test_id_number_checksum_and_date() -> None:
    assert is_valid_id_number(VALID)
    assert not is_valid_id_number("110105194912310021")  # wrong check character
    assert not is_valid_id_number("11010519491331002X")  # month 13
    assert not is_valid_id_number("1101051949123100")  # too short
    assert normalize_id_number(" １１０１０５１９４９１２３１００２ｘ ") == VALID


def test_id_number_is_validated_masked_and_kept(org, make_customer) -> None:
    with pytest.raises(ValidationError) as excinfo:
        customer_create(actor=org.owner, data={"name": "张三", "id_number": "110105194912310021"})
    assert list(excinfo.value.message_dict) == ["id_number"]
    customer = make_customer("张三", id_number=VALID.lower())
    assert customer.id_number == VALID
    customer_update(actor=org.owner, customer=customer, version=1, data={"id_number": "110***********002X"})
    assert Customer.objects.get(pk=customer.pk).id_number == VALID
    with pytest.raises(ValidationError):
        customer_update(actor=org.owner, customer=customer, version=2, data={"id_number": "120***********002X"})
    rows, _ = customer_history(user=org.owner, customer=customer, field="id_number")
    assert rows[0].new_value == "110***********002X"
    assert ChangeEntry.objects.get(customer=customer, field="id_number").new_value == VALID


def test_id_number_in_api_is_masked_and_revealed_with_a_log(client, org, make_customer) -> None:
    customer = make_customer("张三", id_number=VALID)
    owner = bearer(client, org.owner)
    assert client.get(f"/api/v1/customers/{customer.pk}", headers=owner).json()["id_number"] == "110***********002X"
    denied = client.post(f"/api/v1/customers/{customer.pk}/reveal", json.dumps({"field": "id_number"}),
                         content_type="application/json", headers=owner)
    assert denied.status_code == 403
    manager = bearer(client, org.manager)
    shown = client.post(f"/api/v1/customers/{customer.pk}/reveal", json.dumps({"field": "id_number"}),
                        content_type="application/json", headers=manager)
    assert shown.json() == {"field": "id_number", "value": VALID}
    assert AccessLog.objects.filter(field="id_number", user=org.manager).count() == 1


def test_id_number_on_the_customer_page(client, org, make_customer) -> None:
    customer = make_customer("张三", id_number=VALID)
    html = login(client, org.owner).get(f"/customers/{customer.pk}/").content.decode()
    assert "110***********002X" in html and VALID not in html and "reveal-id_number" not in html
    login(client, org.manager)
    revealed = client.post(f"/customers/{customer.pk}/reveal/id_number/").content.decode()
    assert f'<span id="id_number-revealed">{VALID}</span>' in revealed
