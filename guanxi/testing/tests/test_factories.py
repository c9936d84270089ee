from typing import Any

import pytest

from guanxi.customers.models import Customer
from guanxi.testing.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_customer_factory_goes_through_the_service() -> None:
    rep: Any = UserFactory(username="rep9")  # factory_boy types the call as the factory, not a User
    customer = CustomerFactory(actor=rep, name="欧阳修", phones=["13812341234"])
    assert isinstance(customer, Customer)
    assert customer.owner == rep and customer.department == rep.department
    assert customer.search.doc.startswith("欧阳修|ouyangxiu|oyx|")
    assert rep.check_password("test-pass-123")
    assert CustomerFactory.build(name="x") == {"name": "x", "kind": "person", "importance": "B"}
