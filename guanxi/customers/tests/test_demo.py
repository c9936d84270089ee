import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guanxi.accounts.models import User
from guanxi.customers.demo import build_customers, data_hash
from guanxi.customers.models import Customer, CustomerSearch, SearchToken
from guanxi.customers.selectors import CustomerFilters, customer_page

# Recorded once; a change means the demo data changed (for example Faker was upgraded).
SEED_7_HASH = "63436e4d73bc121026b79ae0403c18bfb9fd366533ecde1ef488bad69473b148"


def test_same_seed_same_data() -> None:
    assert data_hash(seed=7, count=300) == data_hash(seed=7, count=300) == SEED_7_HASH
    assert data_hash(seed=8, count=300) != SEED_7_HASH


def test_names_are_diverse_and_realistic() -> None:
    rows = list(build_customers(seed=1, count=3000, owners=3, stores=5))
    people = [r for r in rows if r.kind == "person"]
    surnames = {r.name[0] for r in people}
    assert len(surnames) > 60
    assert len({r.name for r in people}) > 0.8 * len(people)
    top = max(("王", "李", "张"), key=lambda s: sum(r.name.startswith(s) for r in people))
    assert sum(r.name.startswith(top) for r in people) > 0.05 * len(people)
    assert any(r.lunar for r in people)
    assert any(r.kind == "organization" for r in rows)


def _db_fingerprint() -> str:
    digest = hashlib.sha256()
    for row in Customer.objects.order_by("code").values_list(
        "code", "name", "name_sort", "kind", "phones", "birthday", "lunar_birth_month", "importance",
        "owner__username", "store__code", "search__doc",
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _delete_protected_references() -> None:
    """Rows of later apps that protect customers (orders) go first, whichever apps are installed."""
    from django.db import models

    def delete(qs: models.QuerySet) -> None:
        while True:
            try:
                qs.delete()
                return
            except models.ProtectedError as error:  # e.g. a return protects its original order
                for obj in error.protected_objects:
                    delete(type(obj)._default_manager.filter(pk=obj.pk))

    for relation in Customer._meta.related_objects:
        if relation.on_delete is models.PROTECT:
            delete(relation.related_model._default_manager.all())


@pytest.mark.django_db(transaction=True)
def test_demo_command_loads_the_same_data_into_any_database() -> None:
    out = io.StringIO()
    call_command("demo", customers=200, seed=7, stdout=out)
    assert Customer.objects.count() == 200
    assert CustomerSearch.objects.count() == 200
    assert SearchToken.objects.count() > 200
    assert set(User.objects.values_list("username", flat=True)) >= {"admin", "manager", "rep1", "rep2"}
    first = _db_fingerprint()
    rep1 = User.objects.get(username="rep1")
    assert 0 < Customer.objects.visible_to(rep1).count() < 200
    name = Customer.objects.filter(kind="person").order_by("code").values_list("name", flat=True)[0]
    admin = User.objects.get(username="admin")
    assert name in [c.name for c in customer_page(user=admin, filters=CustomerFilters(q=name)).items]
    with pytest.raises(CommandError):
        call_command("demo", customers=10, stdout=io.StringIO())
    call_command("demo", customers=10, if_empty=True, stdout=io.StringIO())
    assert Customer.objects.count() == 200
    _delete_protected_references()
    Customer.objects.all().delete()
    User.objects.all().delete()
    from guanxi.accounts.models import Department, Region, Role, Store
    from guanxi.customers.models import Tag

    Store.objects.all().delete()
    Department.objects.update(head=None, parent=None)
    for model in (Department, Region, Role, Tag):
        model.objects.all().delete()
    call_command("demo", customers=200, seed=7, stdout=io.StringIO())
    assert _db_fingerprint() == first


@pytest.mark.django_db(transaction=True)
def test_demo_profiles_custom_values_and_search_rows_match_the_services() -> None:
    from guanxi.core.text import search_document
    from guanxi.customers.models import CustomField
    from guanxi.customers.profile import overdue_q
    from guanxi.customers.services import searchable_extra

    call_command("demo", customers=300, seed=7, stdout=io.StringIO())
    assert set(CustomField.objects.values_list("key", flat=True)) >= {"source", "wechat_id", "member"}
    shops = Customer.objects.filter(kind="organization").exclude(licence_number="")
    people = Customer.objects.filter(kind="person").exclude(occupation="")
    assert shops.exists() and people.exists()
    assert all(c.latitude is not None and c.bank_account.isdigit() for c in shops)
    assert Customer.objects.filter(overdue_q()).exists() and Customer.objects.exclude(overdue_q()).exists()
    assert Customer.objects.filter(custom__source="转介绍").exists()
    for customer in Customer.objects.select_related("search").order_by("id")[:120]:
        expected = search_document(name=customer.name, is_person=customer.is_person, code=customer.code,
                                   phones=list(customer.phones), email=customer.email,
                                   extra=searchable_extra(customer))
        assert customer.search.doc == expected


@pytest.mark.django_db(transaction=True)
def test_demo_organizations_have_contact_people_found_by_the_search() -> None:
    from guanxi.customers.models import Contact
    from guanxi.customers.selectors import contact_search

    call_command("demo", customers=200, seed=7, stdout=io.StringIO())
    organizations = Customer.objects.filter(kind="organization")
    assert organizations.exists()
    assert set(Contact.objects.values_list("customer_id", flat=True).distinct()) == set(
        organizations.values_list("id", flat=True))
    assert not Contact.objects.filter(customer__kind="person").exists()
    contact = Contact.objects.order_by("id").first()
    assert contact is not None and contact.role and contact.phones
    admin = User.objects.get(username="admin")
    assert contact.pk in [c.pk for c in contact_search(user=admin, q=contact.phones[0][-6:], limit=200)]


def test_the_name_helper_process_hands_out_what_the_loader_would_compute() -> None:
    from guanxi.customers.demo import NameHelper, NameInfoCache

    helper = NameHelper(seed=7, count=3000, owners=3, stores=5)
    try:
        fed = NameInfoCache(feed=helper)
        rows = [(c, fed.get(c.name, c.kind == "person"))
                for c in build_customers(seed=7, count=3000, owners=3, stores=5, names=fed)]
    finally:
        helper.close()
    plain = NameInfoCache()
    assert rows == [(c, plain.get(c.name, c.kind == "person"))
                    for c in build_customers(seed=7, count=3000, owners=3, stores=5, names=plain)]


def test_phones_json_is_what_json_dumps_writes() -> None:
    import json

    from guanxi.customers.demo import _phones_json

    for phones in [("13800000000",), ("13800000000", "13912345678")]:
        assert _phones_json(phones) == json.dumps(list(phones))
