"""The test-time guard of "one owner per table" (guanxi/core/write_owners.py, installed by conftest.py)."""

from typing import Any

import pytest
from django.db import connection, transaction

from guanxi.customers.models import Customer, Tag
from guanxi.testing.write_owners import ALLOWED, GUANXI_ROOT, CrossAppWrite, WriteGuard, table_owners

pytestmark = pytest.mark.django_db


def _as_module(path: str, source: str) -> dict[str, Any]:
    """Run `source` as if it were the module guanxi/<path>: its frames carry that file name."""
    namespace: dict[str, Any] = {"Customer": Customer, "Tag": Tag}
    exec(compile(source, GUANXI_ROOT + path, "exec"), namespace)
    return namespace


def test_every_connection_of_the_run_has_the_guard(one_owner_per_table) -> None:
    assert one_owner_per_table in connection.execute_wrappers


def test_tables_map_to_their_app_including_through_tables() -> None:
    owners = table_owners()
    assert owners["customers_customer"] == "customers"
    assert owners["customers_customer_tags"] == "customers"
    assert owners["orders_order"] == "orders"
    assert owners["django_q_task"] == "django_q"


def test_a_write_into_another_apps_table_fails(one_owner_per_table, make_customer) -> None:
    customer = make_customer("张三")
    orders = _as_module("orders/services.py", "def touch(pk):\n    Customer.objects.filter(pk=pk).update(notes='x')\n")
    expected = r"orders/services.py \(app 'orders'\) writes 'customers_customer', owned by app 'customers'"
    with pytest.raises(CrossAppWrite, match=expected), transaction.atomic():
        orders["touch"](customer.pk)
    [found] = one_owner_per_table.violations
    assert (found.table, found.owner, found.caller, found.module) == (
        "customers_customer", "customers", "orders", "orders/services.py")
    one_owner_per_table.violations.clear()  # this test's own deliberate violation
    assert Customer.objects.get(pk=customer.pk).notes == ""


def test_the_owner_its_tests_and_cascades_may_write(one_owner_per_table, make_customer) -> None:
    customer = make_customer("张三", tags=["VIP"])
    own = _as_module("customers/services.py", "def touch(pk):\n    Customer.objects.filter(pk=pk).update(notes='y')\n")
    own["touch"](customer.pk)
    Customer.objects.filter(pk=customer.pk).update(address="z")  # a test writes what it needs
    cascade = _as_module("customers/services.py", "def drop():\n    Tag.objects.filter(name='VIP').delete()\n")
    cascade["drop"]()  # deletes customers_customer_tags rows too: the collector's cascade
    assert one_owner_per_table.violations == []
    assert Customer.objects.get(pk=customer.pk).notes == "y"


def test_tables_created_at_run_time_belong_to_their_creator() -> None:
    guard = WriteGuard(owners={})
    creator = _as_module("orders/batch.py", "def run(guard, sql):\n    guard.check(sql)\n")
    creator["run"](guard, "CREATE TEMP TABLE order_batch_groups AS SELECT 1")
    creator["run"](guard, 'UPDATE "order_batch_groups" SET same = false')
    other = _as_module("analytics/services.py", "def run(guard, sql):\n    guard.check(sql)\n")
    with pytest.raises(CrossAppWrite):
        other["run"](guard, "INSERT INTO order_batch_groups (x) VALUES (1)")
    assert [v.caller for v in guard.violations] == ["analytics"]


def test_the_allow_list_names_a_reason_for_each_entry() -> None:
    assert all(len(reason) > 40 for reason in ALLOWED.values())
    guard = WriteGuard(owners={"customers_customer": "customers"})
    walker = _as_module("dedupe/relations.py", "def run(guard, sql):\n    guard.check(sql)\n")
    walker["run"](guard, 'UPDATE "customers_customer" SET x = 1')
    assert guard.violations == []
