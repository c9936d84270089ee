"""Order batches: derived figures against a hand-computed fixture, idempotent re-sends, returns,
and all-or-nothing per order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import ProtectedError

from guanxi.orders.batch import LineData, OrderData
from guanxi.orders.models import Category, Order, OrderLine, PurchaseSummary, StagedLine
from guanxi.orders.services import orders_resummarize, orders_upsert
from guanxi.orders.tests.helpers import SH, catalogue, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(org):
    return catalogue()


def _fixture_orders(customer):
    return [
        order("O1", customer, [("T1", "2", "50"), ("N1", "3", "20")], at=dt.datetime(2026, 3, 1, 10, 0, tzinfo=SH),
              store="sh"),
        # 00:30 in Shanghai is still the previous day in UTC: it counts as 2 March.
        order("O2", customer, [("C1", "1", "80")], at=dt.datetime(2026, 3, 2, 0, 30, tzinfo=SH), store="gz"),
        order("O3", customer, [("T1", "1", "50")], at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH), store="sh"),
        order("O4", customer, [("C1", "10", "80")], at=dt.datetime(2026, 3, 5, 9, 0, tzinfo=SH), store="gz",
              status="cancelled"),
        order("R1", customer, [("T1", "-1", "50")], at=dt.datetime(2026, 3, 6, 9, 0, tzinfo=SH), store="sh",
              kind="return", original="O1"),
    ]


def test_summary_matches_hand_computed_figures(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    outcome = orders_upsert(actor=org.owner, orders=_fixture_orders(customer))
    assert (outcome.created, outcome.updated, outcome.lines, outcome.failures) == (5, 0, 6, [])
    s = PurchaseSummary.objects.get(customer=customer)
    assert s.first_purchase_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=SH)
    assert s.last_purchase_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    assert (s.orders_count, s.purchase_days, s.returns_count) == (3, 2, 1)
    assert s.repeat_day_spend == Decimal("130.00")
    assert s.sales_amount == Decimal("290.00")
    assert s.returns_amount == Decimal("50.00")
    assert s.quantity == Decimal("6.000")
    assert s.amount == Decimal("240.00")
    assert s.margin == Decimal("94.00")
    assert s.average_order_value == Decimal("96.67")
    assert s.average_unit_price == Decimal("40.00")
    cats = Category.objects.in_bulk(field_name="code")
    assert (s.top_category_id, s.second_category_id, s.third_category_id) == (
        cats["tea"].pk, cats["drinks"].pk, cats["snacks"].pk)
    assert s.main_store_id == org.store.pk
    ret = Order.objects.get(external_id="R1")
    assert ret.original == Order.objects.get(external_id="O1")
    assert (ret.total_amount, ret.total_quantity, ret.total_cost) == (Decimal("-50.00"), Decimal("-1.000"),
                                                                     Decimal("-30.00"))


def test_resending_the_same_batch_changes_nothing(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    orders_upsert(actor=org.owner, orders=_fixture_orders(customer))
    before = list(OrderLine.objects.order_by("order__external_id", "line_no").values_list(
        "order__external_id", "line_no", "product__code", "quantity", "amount"))
    summary = PurchaseSummary.objects.values().get(customer=customer)
    again = orders_upsert(actor=org.owner, orders=_fixture_orders(customer))
    assert (again.created, again.updated, again.unchanged, again.lines, again.customers, again.failures) == (
        0, 0, 5, 6, 0, [])
    assert Order.objects.count() == 5
    assert list(OrderLine.objects.order_by("order__external_id", "line_no").values_list(
        "order__external_id", "line_no", "product__code", "quantity", "amount")) == before
    after = PurchaseSummary.objects.values().get(customer=customer)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in summary.items() if k != "updated_at"}
    assert not StagedLine.objects.exists()


def test_a_resent_order_updates_status_and_lines(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    orders_upsert(actor=org.owner, orders=[order("O1", customer, [("T1", "2", "50"), ("N1", "1", "20")])])
    orders_upsert(actor=org.owner, orders=[order("O1", customer, [("C1", "1", "80")], status="shipped")])
    o = Order.objects.get()
    assert (o.status, o.line_count, o.total_amount) == ("shipped", 1, Decimal("80.00"))
    assert list(o.lines.values_list("product__code", "line_no")) == [("C1", 1)]
    assert PurchaseSummary.objects.get(customer=customer).amount == Decimal("80.00")


def test_moving_an_order_to_another_customer_refreshes_both(org, make_customer, products) -> None:
    first, second = make_customer("王芳"), make_customer("李雷")
    orders_upsert(actor=org.owner, orders=[order("O1", first, [("T1", "1", "50")]),
                                            order("O2", first, [("T1", "2", "50")])])
    orders_upsert(actor=org.owner, orders=[order("O2", second, [("T1", "2", "50")])])
    assert PurchaseSummary.objects.get(customer=first).amount == Decimal("50.00")
    assert PurchaseSummary.objects.get(customer=second).amount == Decimal("100.00")


def test_a_failed_order_is_not_applied_at_all_and_the_others_are(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    outcome = orders_upsert(actor=org.owner, orders=[
        order("GOOD", customer, [("T1", "1", "50")]),
        order("BAD", customer, [("T1", "1", "50"), ("NOPE", "1", "5")]),
        order("NOCUST", "no-such-code", [("T1", "1", "50")]),
        order("RET", customer, [("T1", "-1", "50")], kind="return", original="MISSING"),
        order("NEG", customer, [("T1", "-1", "50")]),
        order("RETPOS", customer, [("T1", "1", "50")], kind="return", original="GOOD"),
        # −1 × 50 less a discount of −100 is +50: a return may not pay the customer nothing back.
        OrderData(source="pos-shanghai", external_id="RETAMT", customer_code=customer.code, kind="return",
                  original_external_id="GOOD", ordered_at=dt.datetime(2026, 3, 1, 10, 0, tzinfo=SH),
                  lines=[LineData(product_code="T1", quantity=Decimal(-1), unit_price=Decimal(50),
                                  discount=Decimal(-100))]),
    ])
    assert outcome.created == 1
    assert [(f.external_id, f.errors) for f in outcome.failures] == [
        ("BAD", [("product_code", "No product with this code.")]),
        ("NOCUST", [("customer_code", "No customer with this code (that you may see).")]),
        ("RET", [("original_external_id",
                  "The original order of this return is not known (same source and customer, a sale).")]),
        ("NEG", [("quantity", "Quantity must be more than zero.")]),
        ("RETPOS", [("quantity", "A return's quantities must be negative.")]),
        ("RETAMT", [("amount", "A return's amounts must not be positive.")]),
    ]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["GOOD"]
    assert OrderLine.objects.count() == 1
    assert not StagedLine.objects.exists()


def test_an_order_sent_twice_in_one_call_fails_both_copies(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    outcome = orders_upsert(actor=org.owner, orders=[order("O1", customer, [("T1", "1", "50")]),
                                                     order("O2", customer, [("T1", "2", "50")]),
                                                     order("O1", customer, [("T1", "9", "50")])])
    assert [(f.index, f.errors) for f in outcome.failures] == [
        (0, [("external_id", "This order appears twice in the batch.")]),
        (2, [("external_id", "This order appears twice in the batch.")])]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["O2"]


def test_an_outsider_cannot_send_orders_for_customers_they_cannot_see(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    outcome = orders_upsert(actor=org.outsider, orders=[order("O1", customer, [("T1", "1", "50")])])
    assert outcome.created == 0 and outcome.failures[0].errors[0][0] == "customer_code"
    assert not Order.objects.exists() and not PurchaseSummary.objects.exists()


def test_an_outsider_cannot_take_over_or_return_an_order_of_a_customer_they_cannot_see(
        org, make_customer, products) -> None:
    """(source, external id) is unique across teams: re-sending another team's key with one's own
    customer must fail, not move that order; nor may a return point at another customer's sale."""
    theirs = make_customer("王芳")
    mine = make_customer("李雷", actor=org.outsider)
    orders_upsert(actor=org.owner, orders=[order("O1", theirs, [("T1", "2", "50")])])
    outcome = orders_upsert(actor=org.outsider, orders=[
        order("O1", mine, [("T1", "9", "50")]),
        order("R1", mine, [("T1", "-1", "50")], kind="return", original="O1")])
    assert [(f.external_id, f.errors[0][0]) for f in outcome.failures] == [
        ("O1", "external_id"), ("R1", "original_external_id")]
    assert outcome.failures[0].errors[0][1] == (
        "An order with this source and external id belongs to a customer you may not see.")
    stored = Order.objects.get()
    assert (stored.customer_id, stored.total_quantity) == (theirs.pk, Decimal("2.000"))
    assert not PurchaseSummary.objects.filter(customer=mine).exists()
    # The owner may re-send it; an administrator (who sees every customer) may move it.
    assert orders_upsert(actor=org.owner, orders=[order("O1", theirs, [("T1", "3", "50")])]).updated == 1
    assert orders_upsert(actor=org.admin, orders=[order("O1", mine, [("T1", "3", "50")])]).updated == 1
    assert Order.objects.get().customer_id == mine.pk


def test_a_return_must_be_of_its_original_orders_customer(org, make_customer, products) -> None:
    wang, li = make_customer("王芳"), make_customer("李雷")
    orders_upsert(actor=org.owner, orders=[order("S1", wang, [("T1", "2", "50")])])
    outcome = orders_upsert(actor=org.owner, orders=[
        order("R1", li, [("T1", "-1", "50")], kind="return", original="S1"),  # stored sale, other customer
        order("S2", wang, [("T1", "1", "50")]),
        order("R2", li, [("T1", "-1", "50")], kind="return", original="S2"),  # sale in the batch, other customer
        order("R3", wang, [("T1", "-1", "50")], kind="return", original="S2")])
    assert [(f.external_id, f.errors[0][0]) for f in outcome.failures] == [
        ("R1", "original_external_id"), ("R2", "original_external_id")]
    assert Order.objects.get(external_id="R3").original == Order.objects.get(external_id="S2")


def test_unknown_customers_can_be_created(org, products) -> None:
    outcome = orders_upsert(actor=org.owner, unknown_customers="create",
                            orders=[order("O1", "NEW-1", [("T1", "1", "50")], customer_name="赵敏")])
    assert outcome.created == 1
    o = Order.objects.select_related("customer").get()
    assert (o.customer.code, o.customer.name, o.customer.owner) == ("NEW-1", "赵敏", org.owner)


def test_full_rebuild_equals_incremental(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    orders_upsert(actor=org.owner, orders=_fixture_orders(customer))
    incremental = list(PurchaseSummary.objects.values().order_by("customer_id"))
    orders_resummarize()
    rebuilt = list(PurchaseSummary.objects.values().order_by("customer_id"))
    strip = [{k: v for k, v in row.items() if k != "updated_at"} for row in incremental]
    assert strip == [{k: v for k, v in row.items() if k != "updated_at"} for row in rebuilt]


def test_a_store_or_a_sale_that_orders_refer_to_cannot_be_deleted(org, make_customer, products) -> None:
    """Order.store and Order.original have no database constraint (ADR 0020): Django protects them."""
    customer = make_customer("王芳")
    orders_upsert(actor=org.owner, orders=_fixture_orders(customer))
    with pytest.raises(ProtectedError):
        org.store.delete()
    with pytest.raises(ProtectedError):
        Order.objects.get(external_id="O1").delete()
    assert Order.objects.filter(store=org.store).exists()
    original = Order.objects.get(external_id="R1").original
    assert original is not None and original.external_id == "O1"


def test_an_order_too_large_to_hold_fails_and_a_customer_may_exceed_one_order(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    big = [("T1", "1", "900000000000"), ("T1", "1", "900000000000")]
    outcome = orders_upsert(actor=org.owner, orders=[order("B1", customer, big),
                                                     order("B2", customer, [("T1", "1", "900000000000")]),
                                                     order("B3", customer, [("T1", "1", "900000000000")])])
    assert [(f.external_id, [field for field, _m in f.errors]) for f in outcome.failures] == [("B1", ["lines"])]
    assert "999,999,999,999" in outcome.failures[0].errors[0][1]
    assert outcome.created == 2
    assert PurchaseSummary.objects.get(customer=customer).sales_amount == Decimal("1800000000000.00")


def test_a_resent_order_is_unchanged_only_when_every_field_and_line_is(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    lines = [("T1", "1", "50"), ("N1", "1", "20")]
    first = [order("O1", customer, lines), order("O2", customer, [("T1", "1", "50")]),
             order("R1", customer, [("T1", "-1", "50")], kind="return", original="O1")]
    orders_upsert(actor=org.owner, orders=first)
    stamps = dict(Order.objects.values_list("external_id", "updated_at"))
    # The same lines in another order, same totals; the return now of O2; O2 itself as it was.
    again = orders_upsert(actor=org.owner, orders=[
        order("O1", customer, list(reversed(lines))), order("O2", customer, [("T1", "1", "50")]),
        order("R1", customer, [("T1", "-1", "50")], kind="return", original="O2")])
    assert (again.created, again.updated, again.unchanged, again.lines) == (0, 2, 1, 4)
    assert list(Order.objects.get(external_id="O1").lines.values_list("product__code", "line_no")) == [
        ("N1", 1), ("T1", 2)]
    assert Order.objects.get(external_id="R1").original == Order.objects.get(external_id="O2")
    assert Order.objects.get(external_id="O2").updated_at == stamps["O2"]
    assert Order.objects.get(external_id="O1").updated_at > stamps["O1"]


def test_a_sale_with_returns_cannot_become_a_return(org, make_customer, products) -> None:
    customer = make_customer("王芳")
    orders_upsert(actor=org.owner, orders=_fixture_orders(customer))  # R1 returns part of O1
    outcome = orders_upsert(actor=org.owner, orders=[
        order("O1", customer, [("T1", "-1", "50")], kind="return", original="O3"),
        order("O3", customer, [("T1", "-1", "50")], kind="return", original="O2")])  # O3 has no returns
    assert [(f.external_id, f.errors[0][0]) for f in outcome.failures] == [("O1", "kind")]
    assert Order.objects.get(external_id="O1").kind == "sale"
    assert Order.objects.get(external_id="R1").original == Order.objects.get(external_id="O1")
    assert Order.objects.get(external_id="O3").kind == "return"
