import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.customers.models import AccessLog, Customer, SearchToken
from guanxi.customers.services import (
    customer_archive,
    customer_create,
    customer_restore,
    customer_reveal,
    customer_update,
)


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_create_fills_defaults_and_generates_code(org, make_customer) -> None:
    customer = make_customer("张三", phones=["+86 138-1234 5678"], tags=["VIP", "VIP", "老客户"])
    assert customer.code == f"C{customer.pk:08d}"
    assert customer.owner == org.owner
    assert customer.department == org.team
    assert customer.phones == ["13812345678"]
    assert sorted(t.name for t in customer.tags.all()) == ["VIP", "老客户"]
    assert customer.name_sort == "zhang san 张三"
    assert customer.search.doc == f"张三|zhangsan|zs|{customer.code.lower()}|13812345678"
    assert set(SearchToken.objects.filter(customer=customer).values_list("token", flat=True)) == {
        "张", "三", "张三", "z", "zh", "zs"
    }


def test_lunar_birthday_is_derived_from_the_solar_date(make_customer) -> None:
    customer = make_customer("李四", birthday=dt.date(1990, 2, 14), birthday_calendar="lunar")
    assert (customer.lunar_birth_month, customer.lunar_birth_day, customer.lunar_birth_leap) == (1, 19, False)
    leap = make_customer("王五", birthday=dt.date(2020, 5, 23), birthday_calendar="lunar")  # 闰四月初一
    assert (leap.lunar_birth_month, leap.lunar_birth_day, leap.lunar_birth_leap) == (4, 1, True)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "张三", "phones": ["12345"]}, "phones"),
        ({"name": "张三", "phones": ["138****1234"]}, "phones"),
        ({"name": "张三", "email": "not-an-email"}, "email"),
        ({"name": "张三", "notes": "长" * 10_000}, "notes"),
        ({"name": "张\x00三"}, "name"),
        ({"name": "张三", "code": "bad code!"}, "code"),
        ({"name": "张三", "importance": "Z"}, "importance"),
        ({"name": "张三", "birthday": dt.date(2999, 1, 1)}, "birthday"),
        ({"name": "张三", "birthday_calendar": "lunar"}, "birthday"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(org, data, field) -> None:
    with pytest.raises(ValidationError) as excinfo:
        customer_create(actor=org.owner, data=data)
    assert list(_errors(excinfo)) == [field]
    assert Customer.objects.count() == 0


def test_duplicate_code_is_refused(org, make_customer) -> None:
    make_customer("张三", code="SH-001")
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        make_customer("李四", code="SH-001")
    assert _errors(excinfo) == {"code": ["Customer code SH-001 is already in use."]}
    assert Customer.objects.count() == 1


def test_unknown_or_invisible_owner_is_refused(org) -> None:
    with pytest.raises(ValidationError) as excinfo:
        customer_create(actor=org.owner, data={"name": "张三", "owner_id": 999_999})
    assert list(_errors(excinfo)) == ["owner"]
    with pytest.raises(ValidationError):
        customer_create(actor=org.owner, data={"name": "张三", "owner_id": org.teammate.pk})
    # a manager may hand a customer to anyone in the department tree
    customer = customer_create(actor=org.manager, data={"name": "张三", "owner_id": org.teammate.pk})
    assert customer.owner == org.teammate
    assert Customer.objects.count() == 1


def test_store_outside_scope_is_refused(org) -> None:
    with pytest.raises(ValidationError) as excinfo:
        customer_create(actor=org.owner, data={"name": "张三", "store_id": org.other_store.pk})
    assert list(_errors(excinfo)) == ["store"]


def test_update_with_stale_version_is_refused_and_changes_nothing(org, make_customer) -> None:
    customer = make_customer("张三")
    first = Customer.objects.get(pk=customer.pk)
    second = Customer.objects.get(pk=customer.pk)
    customer_update(actor=org.owner, customer=first, version=1, data={"name": "张三丰"})
    with pytest.raises(ConflictError):
        customer_update(actor=org.owner, customer=second, version=1, data={"name": "张无忌"})
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.name, fresh.version) == ("张三丰", 2)
    assert fresh.search.doc.startswith("张三丰|zhangsanfeng|zsf|")


def test_masked_phone_from_the_form_keeps_the_stored_number(org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234", "13912345678"])
    customer_update(
        actor=org.owner, customer=customer, version=1, data={"phones": ["138****1234", "13700001111"]}
    )
    assert Customer.objects.get(pk=customer.pk).phones == ["13812341234", "13700001111"]


def test_archive_and_restore(org, make_customer) -> None:
    customer = make_customer("张三")
    customer_archive(actor=org.owner, customer=customer)
    assert Customer.objects.active().count() == 0
    with pytest.raises(NotPermitted):
        customer_restore(actor=org.owner, customer=customer)
    with pytest.raises(NotPermitted):
        customer_update(actor=org.owner, customer=customer, version=customer.version, data={"name": "x"})
    customer_restore(actor=org.admin, customer=customer)
    assert Customer.objects.active().count() == 1


def test_reveal_requires_permission_and_is_logged(org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    with pytest.raises(NotPermitted):
        customer_reveal(actor=org.owner, customer=customer, field_name="phones")
    assert AccessLog.objects.count() == 0
    assert customer_reveal(actor=org.manager, customer=customer, field_name="phones") == ["13812341234"]
    log = AccessLog.objects.get()
    assert (log.user, log.customer, log.field, log.action) == (org.manager, customer, "phones", "reveal")
    with pytest.raises(ValidationError):
        customer_reveal(actor=org.manager, customer=customer, field_name="salary")
    assert AccessLog.objects.count() == 1
