"""Analytics runs against the database: a full run on demo-like data, the atomic swap, stage changes,
degenerate data, calibration with a hold-out, and the `guanxi analytics run` command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from guanxi.analytics import services
from guanxi.analytics.choices import SEGMENT_STRATEGY, STAGE_STRATEGY, RunState, Segment, Stage
from guanxi.analytics.compute.lifecycle import STAGES
from guanxi.analytics.compute.rfm import SEGMENTS
from guanxi.analytics.models import AnalyticsRun, Cluster, CustomerMetrics, ProductPair, StageChange
from guanxi.analytics.tests.test_db_data import PLANTED_PAIR, build
from guanxi.orders.batch import LineData, OrderData
from guanxi.orders.models import Product, PurchaseSummary
from guanxi.orders.services import orders_upsert
from guanxi.testing.base import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(org, make_customer):
    return build(org, make_customer)


def _buyers() -> int:
    return PurchaseSummary.objects.filter(purchase_days__gt=0).count()


def test_choices_match_the_compute_keys() -> None:
    assert set(Segment.values) == {s.key for s in SEGMENTS} == set(SEGMENT_STRATEGY)
    assert set(Stage.values) == set(STAGES) == set(STAGE_STRATEGY)


def test_a_run_scores_every_buyer_and_becomes_current(shop) -> None:
    run = services.run_now(actor=None)
    assert run.state == RunState.DONE and run.error == "" and run.progress == 100 and run.is_current
    buyers = _buyers()
    assert buyers == 64
    assert CustomerMetrics.objects.count() == buyers
    assert CustomerMetrics.objects.filter(run=run).count() == buyers
    assert run.fitted["customers"] == buyers
    assert set(run.fitted["bgnbd"]) >= {"r", "alpha", "a", "b", "ll"} and run.fitted["bgnbd"]["ll"] < 0
    assert set(run.fitted["gamma_gamma"]) >= {"p", "q", "v", "ll"}
    once = PurchaseSummary.objects.filter(purchase_days=1).count()
    assert run.fitted["gg_excluded"] == once  # customers without repeat purchases are left out
    assert run.parameters["source"] == "summary" and run.parameters["until"] == services.local_today().isoformat()
    # Every buyer's first stage is recorded, with a blank "from".
    assert StageChange.objects.filter(run=run, from_stage="").count() == buyers == run.diagnostics["stage_changes"]
    assert sum(Cluster.objects.filter(run=run).values_list("size", flat=True)) == buyers
    assert Cluster.objects.filter(run=run).count() == run.diagnostics["clusters"]["k"] >= 1
    m = CustomerMetrics.objects.order_by("customer_id").first()
    assert m is not None and 1 <= m.r_score <= 5 and 0 <= m.p_alive <= 1 and m.segment in Segment.values
    summary = PurchaseSummary.objects.get(customer_id=m.customer_id)
    assert m.frequency == summary.purchase_days and m.monetary == summary.amount
    assert m.stage_since == services.local_today()
    assert set(run.diagnostics["timings"]) == {"extract", "score", "cluster", "basket", "write"}


def test_the_planted_pair_is_the_top_pair_by_lift(shop) -> None:
    """test_db_data plants GRIND + FILTER: bought together in 14 orders and apart only once."""
    run = services.run_now(actor=None)
    top = ProductPair.objects.filter(run=run).order_by("-lift", "-together").select_related("product", "other")[:2]
    assert {(p.product.code, p.other.code) for p in top} == {PLANTED_PAIR, PLANTED_PAIR[::-1]}
    grind_to_filter = ProductPair.objects.get(run=run, product__code="GRIND", other__code="FILTER")
    assert grind_to_filter.together == 14 and grind_to_filter.confidence == 1.0
    filter_to_grind = ProductPair.objects.get(run=run, product__code="FILTER", other__code="GRIND")
    assert filter_to_grind.confidence == pytest.approx(14 / 15)


def test_a_second_run_records_only_stage_changes_and_keeps_stage_since(shop) -> None:
    first = services.run_now(actor=None)
    moved = CustomerMetrics.objects.order_by("customer_id").first()
    assert moved is not None
    real_stage = moved.stage
    fake = next(s for s in Stage.values if s != real_stage)
    long_ago = dt.date(2020, 1, 1)
    CustomerMetrics.objects.filter(pk=moved.pk).update(stage=fake, stage_since=long_ago)
    CustomerMetrics.objects.exclude(pk=moved.pk).update(stage_since=long_ago)
    second = services.run_now(actor=None)
    assert second.state == RunState.DONE and second.is_current
    first.refresh_from_db()
    assert not first.is_current
    changes = list(StageChange.objects.filter(run=second))
    assert [(c.customer_id, c.from_stage, c.to_stage) for c in changes] == [(moved.customer_id, fake, real_stage)]
    assert CustomerMetrics.objects.get(pk=moved.pk).stage_since == services.local_today()
    assert not CustomerMetrics.objects.exclude(pk=moved.pk).exclude(stage_since=long_ago).exists()


def test_a_failed_run_leaves_the_previous_metrics_live(shop, monkeypatch) -> None:
    first = services.run_now(actor=None)
    before = list(CustomerMetrics.objects.order_by("pk").values_list("pk", "run_id", "clv"))

    def broken(run, pairs):  # fails after the metrics were replaced, inside the swap transaction
        assert CustomerMetrics.objects.filter(run=run).count() == len(before)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_write_pairs", broken)
    second = services.run_now(actor=None)
    assert second.state == RunState.FAILED and "disk full" in second.error and not second.is_current
    assert list(CustomerMetrics.objects.order_by("pk").values_list("pk", "run_id", "clv")) == before
    assert AnalyticsRun.objects.get(is_current=True) == first
    assert not StageChange.objects.filter(run=second).exists() and not Cluster.objects.filter(run=second).exists()


def test_run_job_is_safe_to_call_twice(shop) -> None:
    run = services.run_create(actor=None, trigger="nightly")
    assert services.run_job(run.pk) is not None
    assert services.run_job(run.pk) is None
    assert AnalyticsRun.objects.get(pk=run.pk).state == RunState.DONE


def test_enqueue_returns_the_active_run_instead_of_a_second(org, django_capture_on_commit_callbacks, monkeypatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr(services, "enqueue", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_enqueue(actor=org.manager, trigger="ui")
    again = services.run_enqueue(actor=org.admin, trigger="api")
    assert again == first and queued == [first.pk] and AnalyticsRun.objects.count() == 1


def test_a_rep_cannot_start_a_run(org) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.run_enqueue(actor=org.owner, trigger="ui")
    assert not AnalyticsRun.objects.exists()


def test_nightly_task_runs_once(shop) -> None:
    from guanxi.analytics.tasks import nightly_run

    assert nightly_run() == RunState.DONE
    assert AnalyticsRun.objects.get().trigger == "nightly"


# --- Degenerate data ----------------------------------------------------------------------------------


def test_no_orders_gives_a_done_run_without_metrics(org, make_customer) -> None:
    make_customer("没买过")
    run = services.run_now(actor=None)
    assert run.state == RunState.DONE, run.error
    assert run.fitted == {"customers": 0, "bgnbd": None, "gamma_gamma": None, "gg_excluded": 0}
    assert not CustomerMetrics.objects.exists() and run.is_current


def _buy(org, customer, n: int, days_ago: int, code: str = "X1", price: str = "10") -> None:
    Product.objects.get_or_create(code=code, defaults={"name": code, "list_price": Decimal(price)})
    orders_upsert(actor=org.admin, orders=[OrderData(
        source="t", external_id=f"{customer.pk}-{n}", customer_code=customer.code,
        ordered_at=timezone.now() - dt.timedelta(days=days_ago),
        lines=[LineData(product_code=code, quantity=Decimal(1), unit_price=Decimal(price))])])


def test_one_customer_with_one_order(org, make_customer) -> None:
    _buy(org, make_customer("独苗"), 1, 3)
    run = services.run_now(actor=None)
    assert run.state == RunState.DONE, run.error
    assert run.fitted["customers"] == 1 and run.fitted["gamma_gamma"] is None and run.fitted["gg_excluded"] == 1
    m = CustomerMetrics.objects.get()
    assert m.clv is None and m.value_at_risk is None and m.expected_spend is None and m.stage == Stage.EXPLORATION


def test_nobody_with_repeat_purchases(org, make_customer) -> None:
    for i in range(5):
        _buy(org, make_customer(f"单次{i}"), 1, 10 + 30 * i)
    run = services.run_now(actor=None)
    assert run.state == RunState.DONE, run.error
    assert run.fitted["gamma_gamma"] is None and CustomerMetrics.objects.filter(clv__isnull=True).count() == 5
    assert CustomerMetrics.objects.filter(frequency=1).count() == 5


# --- Calibration and hold-out -------------------------------------------------------------------------


def test_calibration_with_a_holdout_reads_orders(shop) -> None:
    until = services.local_today() - dt.timedelta(days=120)
    run = services.run_now(actor=None, request=services.RunRequest(until=until, holdout_days=90, unit="week"))
    assert run.state == RunState.DONE, run.error
    assert run.parameters["source"] == "orders" and run.parameters["until"] == until.isoformat()
    holdout = run.diagnostics["holdout"]
    assert holdout["days"] == 90 and len(holdout["predicted"]) == len(holdout["actual"]) == 8
    assert sum(holdout["customers"]) == run.fitted["customers"] == CustomerMetrics.objects.count()
    assert run.fitted["customers"] < _buyers()  # only customers who had bought by `until`


@pytest.mark.outsider("analytics:dashboard")
def test_calibration_runs_record_the_tracking_plot_shown_to_administrators(client, org, shop) -> None:
    """Expected vs actual repeat purchases over time: weekly points to the hold-out's end, the actual
    curve counting every repeat purchase day of the calibration customers, the expected one rising."""
    until = services.local_today() - dt.timedelta(days=120)
    run = services.run_now(actor=None, request=services.RunRequest(until=until, holdout_days=90, unit="week"))
    tracking = run.diagnostics["tracking"]
    dates = [dt.date.fromisoformat(d) for d in tracking["dates"]]
    assert dates == sorted(dates) and dates[-1] == until + dt.timedelta(days=90)
    assert tracking["calibration_end"] == until.isoformat()
    assert tracking["actual"] == sorted(tracking["actual"]) and tracking["expected"] == sorted(tracking["expected"])
    # By the calibration end the model, fitted on these purchases, expects about as many as happened.
    at_end = max(i for i, d in enumerate(dates) if d <= until)
    assert tracking["actual"][at_end] > 0
    assert tracking["expected"][at_end] == pytest.approx(tracking["actual"][at_end], rel=0.5)
    nightly = services.run_now(actor=None)
    assert "tracking" not in nightly.diagnostics  # the summary path has no purchase history
    login(client, org.admin)
    page = client.get(reverse("analytics:dashboard")).content.decode()
    assert 'id="model-fit"' in page and 'data-chart="fit-tracking"' in page and 'data-chart="fit-holdout"' in page
    export = client.get(reverse("analytics:export", args=["fit_tracking", "csv"]))
    assert len(b"".join(export.streaming_content).decode("utf-8-sig").splitlines()) == len(dates) + 1
    for user in (org.owner, org.outsider):  # the fit covers every customer: administrators only
        login(client, user)
        assert 'id="model-fit"' not in client.get(reverse("analytics:dashboard")).content.decode()
        rows = b"".join(client.get(reverse("analytics:export", args=["fit_tracking", "csv"])).streaming_content)
        assert len(rows.decode("utf-8-sig").splitlines()) == 1  # the header only


def test_calibration_matches_the_summary_path_on_the_same_day(shop) -> None:
    """Both paths read the same purchase days: same scores for `until` = today."""
    nightly = services.run_now(actor=None)
    a = {m.pk: (m.frequency, m.recency_days, m.monetary) for m in CustomerMetrics.objects.all()}
    calibrated = services.run_now(actor=None, request=services.RunRequest(until=services.local_today()))
    b = {m.pk: (m.frequency, m.recency_days, m.monetary) for m in CustomerMetrics.objects.all()}
    assert a == b
    assert calibrated.fitted["bgnbd"]["r"] == pytest.approx(nightly.fitted["bgnbd"]["r"], rel=1e-6)


@pytest.mark.parametrize(("request_kwargs", "field"), [
    ({"until": dt.date(2999, 1, 1)}, "until"),
    ({"until": dt.date(1900, 1, 1)}, "until"),
    ({"holdout_days": -1}, "holdout_days"),
    ({"holdout_days": 99999}, "holdout_days"),
    ({"unit": "month"}, "unit"),
])
def test_run_requests_are_validated(org, request_kwargs, field) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.run_create(actor=org.admin, trigger="api", request=services.RunRequest(**request_kwargs))
    assert field in caught.value.message_dict
    assert not AnalyticsRun.objects.exists()


# --- The command ---------------------------------------------------------------------------------------


def test_command_runs_and_prints_a_summary(shop) -> None:
    out = StringIO()
    call_command("analytics", "run", stdout=out)
    text = out.getvalue()
    assert "done" in text and "customers: 64" in text and "BG/NBD: r=" in text
    assert AnalyticsRun.objects.get().trigger == "command"


def test_pareto_nbd_is_an_option_of_runs(client, org, shop, settings) -> None:
    out = StringIO()
    call_command("analytics", "run", "--model", "paretonbd", stdout=out)
    assert "Pareto/NBD: r=" in out.getvalue()
    run = AnalyticsRun.objects.get()
    assert run.state == RunState.DONE, run.error
    assert run.parameters["model"] == "paretonbd" and run.fitted["model"] == "paretonbd"
    assert set(run.fitted["paretonbd"]) >= {"r", "alpha", "s", "beta", "ll"} and "bgnbd" not in run.fitted
    assert all(0 <= p <= 1 for p in CustomerMetrics.objects.values_list("p_alive", flat=True))
    settings.GUANXI_ANALYTICS_MODEL = "paretonbd"
    assert services.run_now(actor=None).fitted["model"] == "paretonbd"
    login(client, org.admin)
    assert "Pareto/NBD" in client.get(reverse("analytics:dashboard")).content.decode()
    with pytest.raises(ValidationError):
        services.run_create(actor=None, trigger="command", request=services.RunRequest(model="lifetimes"))


def test_command_refuses_a_future_until(org) -> None:
    with pytest.raises(CommandError, match="--until"):
        call_command("analytics", "run", "--until", "2999-01-01", stdout=StringIO())


def test_command_fails_when_the_run_fails(shop, monkeypatch) -> None:
    monkeypatch.setattr(services, "_pairs", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(CommandError, match="boom"):
        call_command("analytics", "run", stdout=StringIO())
    assert AnalyticsRun.objects.get().state == RunState.FAILED
