"""Merge, erase and export must reach every row that references a customer.

The relations are enumerated from `Customer._meta.related_objects` (plus many-to-many tables and
registry references), so a table added by a later app appears here by itself — and this test fails
until it has a row maker below and merge, erase and export handle it.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from guanxi.analytics.models import AnalyticsRun, CustomerMetrics, StageChange
from guanxi.assets.models import AssetReview, CoverageSettings, Holding, InsurancePolicy
from guanxi.customers.models import (
    AccessLog,
    ChangeEntry,
    Consent,
    Contact,
    Customer,
    CustomerSearch,
    FamilyMember,
    Referral,
    SearchToken,
    Tag,
)
from guanxi.dedupe.models import MergeRecord
from guanxi.dedupe.relations import Link, customer_links, unknown_references
from guanxi.dedupe.services import customers_merge
from guanxi.interactions import services as followup
from guanxi.interactions.models import ContactSummary
from guanxi.orders.models import Order, PurchaseSummary
from guanxi.privacy.models import PrivacyRequest
from guanxi.privacy.services import customer_erase, personal_data_export

pytestmark = pytest.mark.django_db

NAME = "欧阳锋华"
PHONE = "13812345678"
TODAY = dt.date(2026, 1, 5)

# label → (customer the row points at, another customer, org) → the row. The row should carry the
# customer's name in its text where it has text, so the erasure check can see it disappear.
RowMaker = Callable[[Customer, Customer, Any], models.Model | None]
ROW_MAKERS: dict[str, RowMaker] = {
    "analytics.CustomerMetrics.customer": lambda c, o, org: CustomerMetrics.objects.create(
        customer=c, run=AnalyticsRun.objects.create(trigger="command", state="done"), recency_days=1, frequency=1,
        monetary=10, r_score=3, f_score=3, m_score=3, segment="general_value", p_alive=1.0, expected_30=0.1,
        expected_90=0.3, expected_365=1.0, stage="exploration", stage_since=TODAY),
    "analytics.StageChange.customer": lambda c, o, org: StageChange.objects.create(
        run=AnalyticsRun.objects.create(trigger="command", state="done"), customer=c, to_stage="exploration",
        at=timezone.now()),
    "assets.AssetReview.customer": lambda c, o, org: AssetReview.objects.create(customer=c, on=TODAY, notes=c.name),
    "assets.CoverageSettings.customer": lambda c, o, org: CoverageSettings.objects.create(customer=c),
    "assets.Holding.customer": lambda c, o, org: Holding.objects.create(
        customer=c, asset_class="fund", product="基金", amount=1000, notes=c.name),
    "assets.InsurancePolicy.customer": lambda c, o, org: InsurancePolicy.objects.create(
        customer=c, policy_type="life", sum_insured=1, premium=1, notes=c.name),
    "customers.AccessLog.customer": lambda c, o, org: AccessLog.objects.create(
        user=org.admin, customer=c, field="phones", channel="ui"),
    "customers.ChangeEntry.customer": lambda c, o, org: ChangeEntry.objects.create(
        customer=c, field="name", old_value=c.name, new_value=c.name, channel="ui", batch=uuid.uuid4()),
    "customers.Consent.customer": lambda c, o, org: Consent.objects.create(
        customer=c, channel="sms", given=True, source="form", notes=c.name),
    # Written directly: the relation test's customers are people, and the service keeps contacts to
    # organizations; merge, erase and export treat the row the same either way.
    "customers.Contact.customer": lambda c, o, org: Contact.objects.create(
        customer=c, name=c.name + "的助理", phones=[PHONE], email="ouyang@example.com", notes=c.name,
        search_doc=f"{c.name}|{PHONE}"),
    "customers.CustomerSearch.customer": lambda c, o, org: CustomerSearch.objects.get(customer=c),
    "customers.Customer_tags.customer": lambda c, o, org: _tag(c),
    "customers.FamilyMember.customer": lambda c, o, org: FamilyMember.objects.create(
        customer=c, name=c.name + "之妻", relation="spouse", notes=c.name),
    "customers.FamilyMember.linked_customer": lambda c, o, org: FamilyMember.objects.create(
        customer=o, name="亲属", relation="sibling", linked_customer=c),
    "customers.Referral.referrer": lambda c, o, org: Referral.objects.create(
        referrer=c, referred=o, referred_on=TODAY, notes=c.name),
    "customers.Referral.referred": lambda c, o, org: Referral.objects.create(
        referrer=o, referred=c, referred_on=TODAY, notes=c.name),
    "customers.SearchToken.customer": lambda c, o, org: SearchToken.objects.filter(customer=c).first(),
    "dedupe.MergeRecord.survivor": lambda c, o, org: MergeRecord.objects.create(
        survivor=c, merged=o, actor=org.admin, channel="ui", chosen={"name": {"from": o.pk, "value": c.name}},
        merged_snapshot={"name": c.name, "phones": [PHONE]}),
    "dedupe.MergeRecord.merged": lambda c, o, org: MergeRecord.objects.create(
        survivor=o, merged=c, actor=org.admin, channel="ui", merged_snapshot={"name": c.name}),
    "interactions.Interaction.customer": lambda c, o, org: followup.interaction_log(
        actor=org.admin, customer=c, data={"channel": "T", "notes": c.name}),
    "interactions.ContactSummary.customer": lambda c, o, org: followup.interaction_log(
        actor=org.admin, customer=c, data={"channel": "T"}) and ContactSummary.objects.get(customer=c),
    "interactions.Task.customer": lambda c, o, org: followup.task_create(
        actor=org.admin, data={"title": c.name, "due_on": TODAY, "customer_id": c.pk}),
    "interactions.Appointment.customer": lambda c, o, org: followup.appointment_plan(
        actor=org.admin, customer=c, data={"due_on": dt.date.today() + dt.timedelta(days=1)}),
    "privacy.PrivacyRequest.customer": lambda c, o, org: PrivacyRequest.objects.create(
        customer=c, kind="export", reason="ticket 42", done_by=org.admin, channel="ui"),
    "orders.Order.customer": lambda c, o, org: _order(c, org),
    "orders.PurchaseSummary.customer": lambda c, o, org: _order(c, org) and PurchaseSummary.objects.get(customer=c),
}


def _order(customer: Customer, org: Any) -> models.Model:
    from guanxi.orders.batch import LineData, OrderData
    from guanxi.orders.models import Product
    from guanxi.orders.services import orders_upsert

    product, _ = Product.objects.get_or_create(code="REL-1", defaults={"name": "关系测试商品"})
    external_id = f"rel-{customer.pk}"
    orders_upsert(actor=org.admin, orders=[OrderData(
        source="relations", external_id=external_id, customer_code=customer.code,
        ordered_at=dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC),
        lines=[LineData(product_code="REL-1", quantity=1, unit_price=10)])])  # type: ignore[arg-type]
    return Order.objects.get(source="relations", external_id=external_id)


def _tag(customer: Customer) -> models.Model:
    tag, _ = Tag.objects.get_or_create(name="关系测试")
    customer.tags.add(tag)
    return Customer.tags.through.objects.get(customer=customer, tag=tag)


def _make_rows(target: Customer, other: Customer, org: Any) -> list[tuple[Link, models.Model]]:
    rows = []
    for link in customer_links():
        maker = ROW_MAKERS.get(link.label)
        assert maker is not None, f"no row maker for {link.label}; add one to ROW_MAKERS in {__name__}"
        row = maker(target, other, org)
        assert row is not None and _points_at(row, link) == target.pk, (
            f"the row maker for {link.label} must make a row pointing at the given customer")
        rows.append((link, row))
    return rows


def _points_at(row: models.Model, link: Link) -> Any:
    f: Any = row._meta.get_field(link.field)
    return getattr(row, f.attname)


def _pk(row: models.Model) -> Any:
    return getattr(row, row._meta.pk.attname)


def _fresh(row: models.Model) -> models.Model | None:
    return type(row)._base_manager.filter(pk=_pk(row)).first()


@pytest.fixture
def people(org, make_customer):
    target = make_customer(NAME, phones=[PHONE], email="ouyang@example.com", address="滨江路 8 号", notes="喜欢茶",
                           birthday=dt.date(1975, 6, 1))
    other = make_customer("李四", phones=["13900001111"])
    survivor = make_customer(NAME, phones=["13700001111"])
    return target, other, survivor


def test_every_relation_has_a_row_maker() -> None:
    missing = [link.label for link in customer_links() if link.label not in ROW_MAKERS]
    assert missing == [], "no row maker for " + ", ".join(missing) + "; add one"
    stale = set(ROW_MAKERS) - {link.label for link in customer_links()}
    assert stale == set(), f"row makers for relations that no longer exist: {sorted(stale)}"


def test_registered_references_that_are_not_foreign_keys_have_every_hook() -> None:
    for reference in unknown_references():
        name = f"{reference.model._meta.label}.{reference.field}"
        assert reference.export is not None, f"{name}: a non-FK reference needs an export hook"
        assert reference.erase is not None, f"{name}: a non-FK reference needs an erase hook"
        assert reference.on_merge == "move" or reference.merge is not None, f"{name}: needs a merge hook"


def test_merge_moves_or_handles_every_relation(org, people) -> None:
    loser, other, survivor = people
    rows = _make_rows(loser, other, org)
    customers_merge(actor=org.admin, survivor=survivor, merged=[loser],
                    versions={survivor.pk: survivor.version, loser.pk: Customer.objects.get(pk=loser.pk).version},
                    choices={})
    for link, row in rows:
        fresh = _fresh(row)
        reference = link.merge_reference
        if reference is None:
            assert fresh is not None, f"merge lost the {link.label} row"
            assert _points_at(fresh, link) == survivor.pk, (
                f"merge did not move the {link.label} row to the survivor")
        elif reference.on_merge == "delete":
            assert fresh is None, f"merge should have deleted the {link.label} row"
        else:
            assert fresh is not None, f"the {link.label} row is kept by its merge hook but was lost"


def test_export_contains_every_relation(org, people) -> None:
    target, other, _survivor = people
    rows = _make_rows(target, other, org)
    document = personal_data_export(actor=org.admin, customer=Customer.objects.get(pk=target.pk))
    assert document["customer"]["name"] == NAME and document["customer"]["phones"] == [PHONE]
    for link, row in rows:
        pk: Any = row._meta.pk
        # A composite key (search tokens) is exported as its columns.
        names = ([f.attname for f in pk.fields] if isinstance(pk, models.CompositePrimaryKey)  # type: ignore[union-attr]
                 else [pk.attname])
        exported = {r.get(names[0]) if len(names) == 1 else tuple(r.get(n) for n in names)
                    for label, items in document["related"].items()
                    if label.startswith(link.model._meta.label + ".") for r in items}
        assert _pk(row) in exported, f"export misses the {link.label} row"


def _personal_text(obj: models.Model) -> list[str]:
    found = []
    for f in obj._meta.concrete_fields:
        value = str(getattr(obj, f.attname))
        if NAME in value or PHONE in value or "ouyang@example.com" in value:
            found.append(f.name)
    return found


def test_erase_removes_or_anonymizes_every_relation(org, people) -> None:
    target, other, _survivor = people
    rows = _make_rows(target, other, org)
    customer = Customer.objects.get(pk=target.pk)
    customer_erase(actor=org.admin, customer=customer, confirm_name=NAME, reason="客户要求删除")
    for link, row in rows:
        fresh = _fresh(row)
        if fresh is None:
            continue  # deleted
        if _points_at(fresh, link) != target.pk:
            continue  # unlinked
        assert _personal_text(fresh) == [], f"erase left personal data in the {link.label} row"
    erased = Customer.objects.get(pk=target.pk)
    assert _personal_text(erased) == []
    assert not FamilyMember.objects.filter(customer=erased).exists()
    assert not Contact.objects.filter(customer=erased).exists()
    assert FamilyMember.objects.get(customer=other).linked_customer_id is None

