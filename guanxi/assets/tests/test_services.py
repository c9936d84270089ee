import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.assets import selectors, services
from guanxi.assets.models import AssetReview, Holding, HoldingSnapshot, InsurancePolicy
from guanxi.core.registry import registry
from guanxi.customers.models import AccessLog, ChangeEntry
from guanxi.customers.services import family_member_create

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def test_a_holding_starts_its_value_history_and_the_ledger_says_so_without_the_amount(org, make_customer) -> None:
    customer = make_customer("张三")
    holding = services.holding_create(actor=org.owner, customer=customer, data={
        "asset_class": "wealth", "product": "稳健理财 180天", "amount": "¥1,234.5"})
    assert holding.amount == Decimal("1234.50")
    assert list(HoldingSnapshot.objects.values_list("on", "value")) == [(timezone.localdate(), Decimal("1234.50"))]
    entry = ChangeEntry.objects.get(customer=customer, field="holding")
    assert "稳健理财" in entry.new_value and "1234" not in entry.new_value and "1,234" not in entry.new_value


def test_the_largest_amount_reads_back_exactly_and_a_larger_one_is_refused(org, make_customer) -> None:
    # Found by schemathesis: 99,999,999,999,999.99 was accepted and SQLite gave back 10^14, which the
    # decimal field could no longer read (a 500 on every page of that holding).
    customer = make_customer("张三")
    holding = services.holding_create(actor=org.owner, customer=customer, data={
        "asset_class": "property", "product": "房产", "amount": "999999999999.99"})
    assert Holding.objects.get(pk=holding.pk).amount == Decimal("999999999999.99")
    assert [s.value for s in selectors.snapshots_of(holding=holding)] == [Decimal("999999999999.99")]
    with pytest.raises(ValidationError) as excinfo:
        services.holding_create(actor=org.owner, customer=customer, data={
            "asset_class": "property", "product": "房产", "amount": "1000000000000"})
    assert "amount" in excinfo.value.message_dict


@pytest.mark.parametrize(("data", "field"), [
    ({"asset_class": "crypto", "product": "x", "amount": "1"}, "asset_class"),
    ({"asset_class": "fund", "product": " ", "amount": "1"}, "product"),
    ({"asset_class": "fund", "product": "x", "amount": "-5"}, "amount"),
    ({"asset_class": "fund", "product": "x", "amount": "abc"}, "amount"),
    ({"asset_class": "fund", "product": "x", "amount": "1.234"}, "amount"),
    ({"asset_class": "fund", "product": "x", "amount": "NaN"}, "amount"),
    ({"asset_class": "fund", "product": "x", "amount": "1e20"}, "amount"),
    ({"asset_class": "fund", "product": "x"}, "amount"),
    ({"asset_class": "fund", "product": "x", "amount": "1", "risk_level": "R9"}, "risk_level"),
    ({"asset_class": "fund", "product": "x", "amount": "1", "start_on": dt.date(2999, 1, 1)}, "start_on"),
    ({"asset_class": "fund", "product": "x", "amount": "1", "start_on": dt.date(2024, 1, 2),
      "matures_on": dt.date(2024, 1, 1)}, "matures_on"),
    ({"asset_class": "fund", "product": "a\x00b", "amount": "1"}, "product"),
])
def test_bad_holding_input_names_the_field_and_saves_nothing(org, make_customer, data, field) -> None:
    customer = make_customer("张三")
    with pytest.raises(ValidationError) as excinfo:
        services.holding_create(actor=org.owner, customer=customer, data=data)
    assert list(excinfo.value.message_dict) == [field]
    assert Holding.objects.count() == 0 and HoldingSnapshot.objects.count() == 0


def test_snapshots_are_appended_and_only_the_newest_sets_the_amount(org, wealthy) -> None:
    fund = wealthy.test_holdings["fund"]
    before = HoldingSnapshot.objects.filter(holding=fund).count()
    services.snapshot_record(actor=org.owner, holding=fund, data={"on": timezone.localdate() - dt.timedelta(days=30),
                                                                  "value": "110000"})
    fund.refresh_from_db()
    assert fund.amount == Decimal("120000.00")  # the older value joined the history only
    assert HoldingSnapshot.objects.filter(holding=fund).count() == before + 1
    services.holding_update(actor=org.owner, holding=fund, data={"amount": "125000"})
    fund.refresh_from_db()
    assert fund.amount == Decimal("125000.00")
    assert list(HoldingSnapshot.objects.filter(holding=fund).order_by("on", "id").values_list("value", flat=True)) == [
        Decimal("100000.00"), Decimal("110000.00"), Decimal("120000.00"), Decimal("125000.00")]
    with pytest.raises(ValidationError) as excinfo:
        services.snapshot_record(actor=org.owner, holding=fund, data={"on": dt.date(2999, 1, 1), "value": "1"})
    assert list(excinfo.value.message_dict) == ["on"]
    assert HoldingSnapshot.objects.filter(holding=fund).count() == before + 2


def test_a_review_freezes_values_on_its_date_and_compares_with_the_last_one(org, wealthy) -> None:
    today = timezone.localdate()
    first = services.review_create(actor=org.owner, customer=wealthy, data={"on": today - dt.timedelta(days=60)})
    assert (first.total_assets, first.total_loans) == (Decimal("400000.00"), Decimal("50000.00"))
    services.holding_delete(actor=org.owner, holding=wealthy.test_holdings["loan"])
    services.holding_create(actor=org.owner, customer=wealthy, data={
        "asset_class": "stock", "product": "贵州茅台", "amount": "80000"})
    second = services.review_create(actor=org.owner, customer=wealthy, data={"on": today, "notes": "增配股票"})
    assert (second.total_assets, second.total_loans) == (Decimal("500000.00"), Decimal("0"))
    detail = selectors.review_detail(review=second)
    assert detail.previous == first and detail.change_assets == Decimal("100000.00")
    rows = {(ln.product, ln.status): (ln.value, ln.change) for ln in detail.lines}
    assert rows == {
        ("大额存单 3年", "kept"): (Decimal("300000.00"), Decimal("0.00")),
        ("易方达蓝筹精选", "kept"): (Decimal("120000.00"), Decimal("20000.00")),
        ("贵州茅台", "new"): (Decimal("80000.00"), Decimal("80000.00")),
        ("住房按揭贷款", "gone"): (Decimal("0"), Decimal("-50000.00")),
    }
    assert [(m.asset_class, m.share) for m in detail.mix] == [
        ("deposit", Decimal("60.0")), ("fund", Decimal("24.0")), ("stock", Decimal("16.0"))]
    assert [(p.on, p.total_assets, p.net_assets) for p in detail.trend] == [
        (first.on, Decimal("400000.00"), Decimal("350000.00")), (today, Decimal("500000.00"), Decimal("500000.00"))]
    # the first review still says what was discussed then
    assert selectors.review_detail(review=first).review.total_assets == Decimal("400000.00")
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(actor=org.owner, customer=wealthy, data={"on": today})
    assert list(excinfo.value.message_dict) == ["on"]
    with pytest.raises(ValidationError):
        services.review_create(actor=org.owner, customer=wealthy, data={"on": today + dt.timedelta(days=1)})
    assert AssetReview.objects.count() == 2


def test_coverage_gaps_across_the_family(org, make_customer) -> None:
    customer = make_customer("李明")
    wife = family_member_create(actor=org.owner, customer=customer, data={"name": "王芳", "relation": "spouse"})
    child = family_member_create(actor=org.owner, customer=customer, data={"name": "李小明", "relation": "child"})
    services.policy_create(actor=org.owner, customer=customer, data={
        "policy_type": "critical_illness", "sum_insured": "500000", "premium": "8000"})
    services.policy_create(actor=org.owner, customer=customer, data={
        "policy_type": "life", "insured_member_id": wife.pk, "sum_insured": "1000000", "premium": "12000",
        "critical_illness": True})
    cover = selectors.coverage(customer=customer)
    gaps = {(p.name, kind) for p in cover.people for kind in p.gap_kinds}
    assert gaps == {("李明", "no_life_for_earner"), ("李小明", "no_critical_illness")}
    services.main_earner_set(actor=org.owner, customer=customer, member_id=wife.pk)
    cover = selectors.coverage(customer=customer)
    assert {(p.name, kind) for p in cover.people for kind in p.gap_kinds} == {("李小明", "no_critical_illness")}
    assert cover.main_earner_id == wife.pk
    assert child.pk not in {p.insured_member_id for p in InsurancePolicy.objects.all()}


def test_a_policy_insures_only_this_customers_family(org, make_customer) -> None:
    customer = make_customer("李明")
    other = make_customer("赵六")
    stranger = family_member_create(actor=org.owner, customer=other, data={"name": "赵妻", "relation": "spouse"})
    bad_inputs: list[services.PolicyInput] = [
        {"policy_type": "life", "insured_member_id": stranger.pk, "sum_insured": "1", "premium": "1"},
        {"policy_type": "life", "sum_insured": "1", "premium": "1", "term_years": "0"},
        {"policy_type": "pet", "sum_insured": "1", "premium": "1"}]
    for bad in bad_inputs:
        with pytest.raises(ValidationError) as excinfo:
            services.policy_create(actor=org.owner, customer=customer, data=bad)
        assert len(excinfo.value.message_dict) == 1
    with pytest.raises(ValidationError):
        services.main_earner_set(actor=org.owner, customer=customer, member_id=stranger.pk)
    assert InsurancePolicy.objects.count() == 0


def test_the_reveal_is_logged_and_refused_to_roles_that_may_not(org, wealthy) -> None:
    from guanxi.core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        services.holdings_reveal(actor=org.owner, customer=wealthy)
    assert AccessLog.objects.count() == 0
    services.holdings_reveal(actor=org.manager, customer=wealthy)
    assert list(AccessLog.objects.values_list("user_id", "customer_id", "field", "action")) == [
        (org.manager.pk, wealthy.pk, "holdings", "reveal")]
    values = registry.sensitive_fields["holdings"].reveal(wealthy)
    assert "存款 · 大额存单 3年 · ¥300,000.00" in values or "Deposit · 大额存单 3年 · ¥300,000.00" in values


def test_maturities_are_reminders_for_the_customers_the_user_sees(org, wealthy) -> None:
    today = timezone.localdate()
    mine = selectors.maturity_reminders(org.owner, today, today + dt.timedelta(days=13))
    assert [(r.on, r.kind, r.customer_id) for r in mine] == [(today + dt.timedelta(days=10), "maturity", wealthy.pk)]
    assert "大额存单 3年" in mine[0].title and "300" not in mine[0].title
    assert mine[0].url == f"/assets/{wealthy.pk}/holdings/"
    assert selectors.maturity_reminders(org.outsider, today, today + dt.timedelta(days=13)) == []
    # 30 days ahead of the maturity a notice lands in the digest, so the renewal can be prepared
    ahead = selectors.maturity_reminders(org.owner, today - dt.timedelta(days=20), today - dt.timedelta(days=20))
    assert [(r.on, r.kind) for r in ahead] == [(today - dt.timedelta(days=20), "maturity_notice")]
    in_registry = registry.reminders(org.owner, today + dt.timedelta(days=10), today + dt.timedelta(days=10))
    assert "maturity" in {r.kind for r in in_registry}
