import pytest
from django.http import Http404

from guanxi.customers.models import Customer
from guanxi.customers.selectors import CustomerFilters, customer_get, customer_page


@pytest.fixture
def book(org, make_customer):
    return {
        "owner": make_customer("张三", actor=org.owner),
        "teammate": make_customer("李四", actor=org.teammate),
        "outsider": make_customer("王五", actor=org.outsider),
    }


def visible(user) -> set[str]:
    return set(Customer.objects.visible_to(user).values_list("name", flat=True))


def test_rep_sees_own_customers_only(org, book) -> None:
    assert visible(org.owner) == {"张三"}
    assert visible(org.teammate) == {"李四"}


def test_manager_sees_the_department_tree(org, book) -> None:
    # the team (sales-1) sits below the manager's department (sales)
    assert visible(org.manager) == {"张三", "李四"}


def test_admin_sees_all(org, book) -> None:
    assert visible(org.admin) == {"张三", "李四", "王五"}


def test_outsider_gets_404_for_someone_elses_customer(org, book) -> None:
    with pytest.raises(Http404):
        customer_get(user=org.outsider, customer_id=book["owner"].pk)
    with pytest.raises(Http404):
        customer_get(user=org.teammate, customer_id=book["owner"].pk)
    assert customer_get(user=org.manager, customer_id=book["owner"].pk) == book["owner"]


def test_search_never_leaves_the_scope(org, book) -> None:
    page = customer_page(user=org.outsider, filters=CustomerFilters(q="zs"))
    assert page.items == []


def test_inactive_user_sees_nothing(org, book) -> None:
    org.admin.is_active = False
    assert visible(org.admin) == set()
