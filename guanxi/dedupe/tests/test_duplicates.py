import datetime as dt
import io

import pytest
from django.core.management import call_command

from guanxi.accounts.models import User
from guanxi.customers.models import Customer
from guanxi.customers.services import customer_archive
from guanxi.dedupe.selectors import Rule, available_rules, duplicate_groups, rule_by_key
from guanxi.dedupe.tests.conftest import api_call
from guanxi.testing.base import login

pytestmark = pytest.mark.django_db


def _rule(key: str) -> Rule:
    rule = rule_by_key(key)
    assert rule is not None
    return rule


def _groups(user, rule):
    return [(g.key_text, [c.name for c in g.customers]) for g in duplicate_groups(user=user, rule=_rule(rule)).groups]


def test_each_rule_groups_in_sql(org, make_customer) -> None:
    a = make_customer("张三", phones=["13812341234", "13700000000"], birthday=dt.date(1980, 3, 5), address="人民路 1 号")
    make_customer("张三丰", phones=["13812341234"])
    make_customer("张三", birthday=dt.date(1980, 3, 5), address="人民路 1 号")
    make_customer("张三", birthday=dt.date(1981, 3, 5))
    make_customer("李四", phones=["13700000000"], address="人民路 1 号")
    assert _groups(org.owner, "phone") == [("137****0000", ["张三", "李四"]), ("138****1234", ["张三", "张三丰"])]
    assert _groups(org.owner, "name_birthday") == [("张三 · 1980-03-05", ["张三", "张三"])]
    assert _groups(org.owner, "name_address") == [("张三 · 人民路 1 号", ["张三", "张三"])]
    customer_archive(actor=org.owner, customer=a)
    assert _groups(org.owner, "phone") == []
    assert _groups(org.owner, "name_birthday") == []


def test_licence_rule_follows_the_model() -> None:
    has_licence = any(f.name == "licence_number" for f in Customer._meta.concrete_fields)
    assert ("licence" in [r.key for r in available_rules()]) is has_licence


@pytest.mark.skipif(not any(f.name == "licence_number" for f in Customer._meta.concrete_fields),
                    reason="the licence number field is not in this checkout yet")
def test_same_licence_number(org, make_customer) -> None:
    a = make_customer("金福便利店", kind="organization")
    b = make_customer("金福便利店(二店)", kind="organization")
    make_customer("鑫源超市", kind="organization")
    Customer.objects.filter(pk__in=[a.pk, b.pk]).update(licence_number="310101123456")
    assert _groups(org.owner, "licence") == [("310101123456", ["金福便利店", "金福便利店(二店)"])]


def test_groups_are_scoped_and_paged(org, make_customer) -> None:
    for i in range(3):
        make_customer("张三", phones=[f"1381234000{i}"])
        make_customer("张三", phones=[f"1381234000{i}"])
    make_customer("张三", actor=org.outsider, phones=["13812340000"])
    assert _groups(org.outsider, "phone") == []
    first = duplicate_groups(user=org.owner, rule=_rule("phone"), per_page=2)
    second = duplicate_groups(user=org.owner, rule=_rule("phone"), page=2, per_page=2)
    assert (len(first.groups), first.has_next, len(second.groups), second.has_next) == (2, True, 1, False)
    admin_groups = duplicate_groups(user=org.admin, rule=_rule("phone")).groups
    assert [len(g.customers) for g in admin_groups] == [3, 2, 2]


@pytest.mark.outsider("dedupe:list", "GET /duplicates")
def test_list_page_and_api(client, org, make_customer) -> None:
    a = make_customer("张三", phones=["13812341234"])
    b = make_customer("张三", phones=["13812341234"])
    html = login(client, org.owner).get("/duplicates/").content.decode()
    assert f'data-ids="{a.pk},{b.pk}"' in html and "138****1234" in html
    partial = client.get("/duplicates/?rule=name_address", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert f'data-ids="{a.pk},{b.pk}"' not in login(client, org.outsider).get("/duplicates/").content.decode()
    assert client.get("/duplicates/?rule=nonsense&page=-3").status_code == 200

    body = api_call(client, org.owner, "get", "/duplicates?rule=phone").json()
    assert body["groups"] == [{"key": "138****1234", "customers": [
        {"id": a.pk, "name": "张三", "code": a.code, "owner": "owner", "version": 1},
        {"id": b.pk, "name": "张三", "code": b.code, "owner": "owner", "version": 1}]}]
    assert api_call(client, org.outsider, "get", "/duplicates").json()["groups"] == []
    bad = api_call(client, org.owner, "get", "/duplicates?rule=nonsense&page=0")
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"rule", "page"}


@pytest.mark.django_db(transaction=True)
def test_demo_makes_duplicates_without_adding_customers() -> None:
    out = io.StringIO()
    call_command("demo", customers=300, seed=7, stdout=out)
    assert Customer.objects.count() == 300
    assert "duplicates: 6 duplicate pairs made" in out.getvalue()
    admin = User.objects.get(username="admin")
    found = {rule.key: duplicate_groups(user=admin, rule=rule).groups for rule in available_rules()}
    assert found["phone"] and found["name_birthday"] and found["name_address"]
