import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.assets import services
from guanxi.assets.models import AssetReview, Holding, HoldingSnapshot, InsurancePolicy
from guanxi.customers.models import AccessLog
from guanxi.customers.services import family_member_create
from guanxi.testing.base import login

pytestmark = pytest.mark.django_db


def _fixtures(org, customer):
    holding = customer.test_holdings["deposit"]
    policy = services.policy_create(actor=org.owner, customer=customer, data={
        "policy_type": "life", "sum_insured": "800000", "premium": "9000"})
    review = services.review_create(actor=org.owner, customer=customer, data={"on": timezone.localdate()})
    return holding, policy, review


@pytest.mark.outsider(
    "assets:holdings", "assets:holding_add", "assets:holding_edit", "assets:holding_delete", "assets:snapshots",
    "assets:insurance", "assets:policy_add", "assets:policy_edit", "assets:policy_delete", "assets:main_earner",
    "assets:reviews", "assets:review", "assets:review_notes", "assets:review_delete",
)
def test_a_rep_of_another_team_gets_404_everywhere_and_changes_nothing(client, org, wealthy) -> None:
    holding, policy, review = _fixtures(org, wealthy)
    c, h, p, r = wealthy.pk, holding.pk, policy.pk, review.pk
    login(client, org.outsider)
    gets = [f"/assets/{c}/holdings/", f"/assets/{c}/holdings/new/", f"/assets/{c}/holdings/{h}/edit/",
            f"/assets/{c}/holdings/{h}/values/", f"/assets/{c}/insurance/", f"/assets/{c}/insurance/new/",
            f"/assets/{c}/insurance/{p}/edit/", f"/assets/{c}/reviews/", f"/assets/{c}/reviews/{r}/"]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = {
        f"/assets/{c}/holdings/": {"reveal": "1"},
        f"/assets/{c}/holdings/new/": {"asset_class": "fund", "product": "x", "amount": "1"},
        f"/assets/{c}/holdings/{h}/edit/": {"asset_class": "fund", "product": "改", "amount": "1"},
        f"/assets/{c}/holdings/{h}/delete/": {},
        f"/assets/{c}/holdings/{h}/values/": {"on": "2024-01-01", "value": "1"},
        f"/assets/{c}/insurance/": {"reveal": "1"},
        f"/assets/{c}/insurance/new/": {"policy_type": "life", "sum_insured": "1", "premium": "1"},
        f"/assets/{c}/insurance/{p}/edit/": {"policy_type": "medical"},
        f"/assets/{c}/insurance/{p}/delete/": {},
        f"/assets/{c}/insurance/main-earner/": {"main_earner_id": ""},
        f"/assets/{c}/reviews/": {"on": "2024-01-01"},
        f"/assets/{c}/reviews/{r}/": {"reveal": "1"},
        f"/assets/{c}/reviews/{r}/notes/": {"notes": "x"},
        f"/assets/{c}/reviews/{r}/delete/": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert Holding.objects.count() == 3 and HoldingSnapshot.objects.count() == 4
    assert InsurancePolicy.objects.get().policy_type == "life" and AssetReview.objects.get().notes == ""
    assert Holding.objects.get(pk=h).product == "大额存单 3年"
    assert AccessLog.objects.count() == 0


def test_pages_show_amounts_masked_to_a_role_that_may_not_reveal(client, org, wealthy) -> None:
    holding, policy, review = _fixtures(org, wealthy)
    login(client, org.owner)
    for url in (f"/assets/{wealthy.pk}/holdings/", f"/assets/{wealthy.pk}/insurance/",
                f"/assets/{wealthy.pk}/reviews/{review.pk}/", f"/assets/{wealthy.pk}/holdings/{holding.pk}/values/",
                f"/customers/{wealthy.pk}/?tab=assets", f"/customers/{wealthy.pk}/tab/assets/",
                f"/assets/{wealthy.pk}/holdings/{holding.pk}/edit/", f"/assets/{wealthy.pk}/insurance/{policy.pk}/edit/"):
        html = client.get(url).content.decode()
        assert "大额存单" in html or "Life" in html or "人寿" in html or "寿险" in html, url
        for clear in ("300,000", "300000", "120,000", "800,000", "800000", "9,000"):
            assert clear not in html, (url, clear)
        assert "asset-chart-data" not in html
    html = client.get(f"/assets/{wealthy.pk}/holdings/").content.decode()
    assert html.count("¥**,***") == 6  # three holdings and three totals
    refused = client.post(f"/assets/{wealthy.pk}/reviews/{review.pk}/", {"reveal": "1"})
    assert refused.status_code == 403 and "300,000" not in refused.content.decode()
    assert AccessLog.objects.count() == 0


def test_a_manager_reveals_amounts_and_the_reveal_is_logged(client, org, wealthy) -> None:
    _holding, _policy, review = _fixtures(org, wealthy)
    login(client, org.manager)
    masked = client.get(f"/assets/{wealthy.pk}/reviews/{review.pk}/").content.decode()
    assert 'id="reveal-amounts"' in masked and "¥300,000.00" not in masked
    response = client.post(f"/assets/{wealthy.pk}/reviews/{review.pk}/", {"reveal": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "¥300,000.00" in html and "¥420,000.00" in html and 'id="asset-chart-data"' in html
    assert 'id="chart-mix"' in html and 'id="chart-trend"' in html and "echarts.min.js" in html
    holdings = client.post(f"/assets/{wealthy.pk}/holdings/", {"reveal": "1"}).content.decode()
    assert "¥120,000.00" in holdings and "¥50,000.00" in holdings
    assert list(AccessLog.objects.order_by("id").values_list("user_id", "field", "action", "channel")) == [
        (org.manager.pk, "holdings", "reveal", "ui"), (org.manager.pk, "holdings", "reveal", "ui")]


def test_add_edit_and_remove_a_holding_through_the_pages(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.owner)
    bad = client.post(f"/assets/{customer.pk}/holdings/new/", {"asset_class": "fund", "product": "基金", "amount": "-1"})
    assert bad.status_code == 422 and Holding.objects.count() == 0
    assert "negative" in bad.content.decode() or "负" in bad.content.decode()
    ok = client.post(f"/assets/{customer.pk}/holdings/new/", {
        "asset_class": "fund", "product": "华夏成长", "amount": "5000", "is_ours": "on", "risk_level": "R3"})
    assert ok.status_code == 302
    holding = Holding.objects.get()
    assert (holding.product, holding.amount, holding.is_ours) == ("华夏成长", Decimal("5000.00"), True)
    edit = client.get(f"/assets/{customer.pk}/holdings/{holding.pk}/edit/").content.decode()
    assert "5000" not in edit  # the stored amount is not put in the form
    client.post(f"/assets/{customer.pk}/holdings/{holding.pk}/edit/", {
        "asset_class": "fund", "product": "华夏成长混合", "risk_level": "R3", "is_ours": "on"})
    holding.refresh_from_db()
    assert (holding.product, holding.amount) == ("华夏成长混合", Decimal("5000.00"))
    client.post(f"/assets/{customer.pk}/holdings/{holding.pk}/values/", {"on": "2024-03-01", "value": "4800"})
    assert HoldingSnapshot.objects.filter(holding=holding).count() == 2
    client.post(f"/assets/{customer.pk}/holdings/{holding.pk}/delete/")
    assert Holding.objects.count() == 0 and HoldingSnapshot.objects.count() == 0


def test_insurance_page_highlights_gaps_and_sets_the_main_earner(client, org, make_customer) -> None:
    customer = make_customer("李明")
    wife = family_member_create(actor=org.owner, customer=customer, data={"name": "王芳", "relation": "spouse"})
    login(client, org.owner)
    assert client.post(f"/assets/{customer.pk}/insurance/new/", {
        "policy_type": "life", "insured_member_id": str(wife.pk), "sum_insured": "1000000", "premium": "1"}
    ).status_code == 302
    html = client.get(f"/assets/{customer.pk}/insurance/").content.decode()
    assert html.count('data-gap="no_critical_illness"') == 2 and html.count('data-gap="no_life_for_earner"') == 1
    client.post(f"/assets/{customer.pk}/insurance/main-earner/", {"main_earner_id": str(wife.pk)})
    html = client.get(f"/assets/{customer.pk}/insurance/").content.decode()
    assert 'data-gap="no_life_for_earner"' not in html
    policy = InsurancePolicy.objects.get()
    client.post(f"/assets/{customer.pk}/insurance/{policy.pk}/edit/", {
        "policy_type": "life", "insured_member_id": str(wife.pk), "critical_illness": "on"})
    policy.refresh_from_db()
    assert policy.critical_illness and policy.sum_insured == Decimal("1000000.00")
    client.post(f"/assets/{customer.pk}/insurance/{policy.pk}/delete/")
    assert InsurancePolicy.objects.count() == 0


def test_reviews_page_holds_a_review_and_notes_can_be_changed(client, org, wealthy) -> None:
    login(client, org.owner)
    response = client.post(f"/assets/{wealthy.pk}/reviews/", {"on": timezone.localdate().isoformat(), "notes": "季度回顾"})
    review = AssetReview.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assets/{wealthy.pk}/reviews/{review.pk}/"
    again = client.post(f"/assets/{wealthy.pk}/reviews/", {"on": timezone.localdate().isoformat()})
    assert again.status_code == 422 and AssetReview.objects.count() == 1
    future = client.post(f"/assets/{wealthy.pk}/reviews/", {"on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()})
    assert future.status_code == 422
    client.post(f"/assets/{wealthy.pk}/reviews/{review.pk}/notes/", {"notes": "客户计划增配"})
    review.refresh_from_db()
    assert review.notes == "客户计划增配"
    listing = client.get(f"/assets/{wealthy.pk}/reviews/").content.decode()
    assert "客户计划增配" in listing
    client.post(f"/assets/{wealthy.pk}/reviews/{review.pk}/delete/")
    assert AssetReview.objects.count() == 0


def test_a_relatives_account_manager_sees_nothing_through_the_relative(client, org, make_customer) -> None:
    """The wife is a customer of the teammate; her policy on the husband's record stays with him, though
    the family member is linked to her own customer record (by the manager, who sees both)."""
    wife_record = make_customer("王芳", actor=org.teammate)
    husband = make_customer("李明")
    wife = family_member_create(actor=org.manager, customer=husband,
                                data={"name": "王芳", "relation": "spouse", "linked_customer_id": wife_record.pk})
    assert wife.linked_customer_id == wife_record.pk
    services.policy_create(actor=org.owner, customer=husband, data={
        "policy_type": "critical_illness", "insured_member_id": wife.pk, "sum_insured": "300000", "premium": "1",
        "insurer": "平安人寿"})
    login(client, org.teammate)
    assert client.get(f"/assets/{husband.pk}/insurance/").status_code == 404
    assert "平安人寿" not in client.get(f"/assets/{wife_record.pk}/insurance/").content.decode()
    assert "平安人寿" not in client.get(f"/customers/{wife_record.pk}/tab/assets/").content.decode()
    assert "平安人寿" not in client.get(f"/customers/{wife_record.pk}/").content.decode()
    login(client, org.owner)  # the husband's account manager does see it
    assert "平安人寿" in client.get(f"/assets/{husband.pk}/insurance/").content.decode()
