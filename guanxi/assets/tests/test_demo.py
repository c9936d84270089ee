import pytest

from guanxi.assets.models import AssetReview, AssetReviewLine, Holding, HoldingSnapshot, InsurancePolicy
from guanxi.core.registry import DemoContext, registry
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)


def _run(seed: int) -> DemoContext:
    ctx = DemoContext(seed=seed, customers=400, stdout=lambda _line: None)
    for generator in registry.demo_generators:
        if generator.name in ("organization", "customers", "assets"):
            generator.run(ctx)
    return ctx


def _fingerprint() -> list[tuple]:
    return list(Holding.objects.order_by("id").values_list("customer__code", "asset_class", "product", "amount",
                                                           "matures_on"))


def test_demo_holdings_are_deterministic_and_consistent() -> None:
    _run(7)
    first = _fingerprint()
    people = Customer.objects.filter(kind="person").count()
    holders = Holding.objects.values("customer").distinct().count()
    assert 0.04 * people <= holders <= 0.2 * people
    assert HoldingSnapshot.objects.count() == 4 * Holding.objects.count()
    for holding in Holding.objects.all()[:50]:
        newest = HoldingSnapshot.objects.filter(holding=holding).order_by("-on", "-id").first()
        assert newest is not None and newest.value == holding.amount
    reviews = AssetReview.objects.values("customer").distinct().count()
    assert reviews == holders and AssetReview.objects.count() <= 2 * holders
    for review in AssetReview.objects.all()[:30]:
        lines = list(AssetReviewLine.objects.filter(review=review))
        assert review.total_assets == sum(ln.value for ln in lines if ln.asset_class != "loan")
    assert InsurancePolicy.objects.exists()
    for model in (AssetReviewLine, AssetReview, HoldingSnapshot, Holding, InsurancePolicy):
        model.objects.all().delete()
    assets = next(g for g in registry.demo_generators if g.name == "assets")
    assets.run(DemoContext(seed=7, customers=400, stdout=lambda _line: None))
    assert _fingerprint() == first  # same seed, same customers: the same holdings
