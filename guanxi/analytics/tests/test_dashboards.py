"""The dashboards: figures on a small hand-built run, scoping (a rep sees only own customers), exports,
the empty state, starting a run, and an outsider test for every page and API route."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from guanxi.analytics.dashboards.basket import basket_figures
from guanxi.analytics.dashboards.composition import composition_figures
from guanxi.analytics.dashboards.exports import EXPORTS
from guanxi.analytics.dashboards.lifecycle import lifecycle_figures
from guanxi.analytics.dashboards.overview import overview_figures
from guanxi.analytics.dashboards.rfm import rfm_figures
from guanxi.analytics.dashboards.run import run_info
from guanxi.analytics.dashboards.scope import MOVEMENT_WEEKS
from guanxi.analytics.dashboards.value import nice_edges, value_figures
from guanxi.analytics.models import AnalyticsRun, Cluster, CustomerMetrics, ProductPair, StageChange
from guanxi.orders.services import orders_upsert
from guanxi.orders.tests.helpers import SH, catalogue, order
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db

FITTED = {"customers": 4, "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "ll": -9582.4},
          "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44, "ll": -4000.0}, "gg_excluded": 1}


def _metrics(run: AnalyticsRun, customer: Any, *, r: int, f: int, m: int, segment: str, stage: str,
             monetary: str, clv: float, p_alive: float, cluster: int) -> CustomerMetrics:
    return CustomerMetrics.objects.create(
        customer=customer, run=run, recency_days=(6 - r) * 30, frequency=f, monetary=Decimal(monetary),
        r_score=r, f_score=f, m_score=m, segment=segment, p_alive=p_alive, expected_30=0.1, expected_90=0.3,
        expected_365=1.0, expected_spend=100.0, clv=clv, value_at_risk=round(clv * (1 - p_alive), 2), stage=stage,
        stage_since=dt.date(2026, 1, 1), cluster=cluster,
    )


@pytest.fixture(autouse=True)
def english(org: Any) -> Any:
    """Tests read English labels: pages follow the user's language, selectors the active one."""
    from guanxi.accounts.models import User

    User.objects.update(language="en")
    with translation.override("en"):
        yield


@pytest.fixture
def scored(org: Any, make_customer: Any) -> dict[str, Any]:
    """Three customers of the owner and one of the outsider, scored by one current run."""
    run = AnalyticsRun.objects.create(state="done", trigger="command", is_current=True, progress=100,
                                      started_at=timezone.now(), finished_at=timezone.now(), fitted=FITTED)
    a = make_customer("王芳")
    b = make_customer("李雷")
    c = make_customer("韩梅梅")
    d = make_customer("赵六", actor=org.outsider)
    _metrics(run, a, r=5, f=5, m=5, segment="important_value", stage="stable", monetary="1000", clv=5000.0,
             p_alive=0.9, cluster=0)
    _metrics(run, b, r=1, f=1, m=1, segment="general_winback", stage="decline", monetary="100", clv=200.0,
             p_alive=0.2, cluster=1)
    _metrics(run, c, r=5, f=1, m=4, segment="important_development", stage="exploration", monetary="400",
             clv=1200.0, p_alive=0.95, cluster=0)
    _metrics(run, d, r=5, f=5, m=5, segment="important_value", stage="stable", monetary="9000", clv=50000.0,
             p_alive=0.2, cluster=1)
    now = timezone.now()
    StageChange.objects.create(run=run, customer=b, from_stage="development", to_stage="decline", at=now)
    StageChange.objects.create(run=run, customer=d, from_stage="stable", to_stage="decline", at=now)
    Cluster.objects.create(run=run, number=0, size=2, description_en="recent, high spend",
                           description_zh="近期活跃、高消费",
                           centroid={"recency_days": 5.0, "frequency": 3.0, "monetary": 700.0, "clv": 3100.0})
    Cluster.objects.create(run=run, number=1, size=2, description_en="lapsed", description_zh="久未购买",
                           centroid={"recency_days": 150.0, "frequency": 1.0, "monetary": 100.0, "clv": 200.0})
    products = catalogue()
    ProductPair.objects.create(run=run, product=products["tea"], other=products["nuts"], together=7, support=0.07,
                               confidence=0.5, lift=5.0)
    ProductPair.objects.create(run=run, product=products["nuts"], other=products["tea"], together=7, support=0.07,
                               confidence=0.7, lift=5.0)
    today = timezone.localdate()
    at = dt.datetime.combine(today - dt.timedelta(days=10), dt.time(10), tzinfo=SH)
    orders_upsert(actor=org.admin, orders=[
        *[order(f"A{i}", a, [("T1", "2", "50"), ("C1", "1", "80")], at=at, store="sh") for i in range(3)],
        order("A9", a, [("N1", "1", "20")], at=at),
        order("D1", d, [("N1", "5", "20")], at=at, store="gz"),
    ])
    return {"run": run, "a": a, "b": b, "c": c, "d": d, "products": products}


# --- figures ----------------------------------------------------------------------------------------------


def test_rfm_grid_and_segments_cover_the_reps_customers_only(org: Any, scored: dict[str, Any]) -> None:
    figures = rfm_figures(org.owner)
    assert figures.customers == 3
    cells = {(c.r_score, c.f_score): (c.customers, c.average_monetary) for c in figures.cells}
    assert len(cells) == 25
    assert cells[(5, 5)] == (1, 1000.0) and cells[(1, 1)] == (1, 100.0) and cells[(5, 1)] == (1, 400.0)
    assert cells[(3, 3)] == (0, None)
    segments = {s.key: s for s in figures.segments}
    assert len(segments) == 8
    assert (segments["important_value"].customers, segments["important_value"].monetary) == (1, 1000.0)
    assert segments["important_value"].share == pytest.approx(1 / 3)
    assert segments["important_value"].strategy.startswith("Most valuable customers")
    assert segments["general_value"].customers == 0 and segments["general_value"].average_monetary is None
    assert [(c.number, c.customers, c.description) for c in figures.clusters] == [
        (0, 2, "recent, high spend"), (1, 1, "lapsed")]

    outsider = rfm_figures(org.outsider)
    assert outsider.customers == 1
    assert {(c.r_score, c.f_score): c.customers for c in outsider.cells}[(5, 5)] == 1
    assert {s.key: s.monetary for s in outsider.segments}["important_value"] == 9000.0


def test_lifecycle_counts_stages_and_this_weeks_moves_into_decline(org: Any, scored: dict[str, Any]) -> None:
    figures = lifecycle_figures(org.owner)
    assert [(s.key, s.customers) for s in figures.stages] == [
        ("exploration", 1), ("development", 0), ("stable", 1), ("decline", 1)]
    assert [(m.name, m.from_stage, m.to_stage, m.clv) for m in figures.moved_into_decline] == [
        ("李雷", "Development", "Decline", 200.0)]
    assert len(figures.weeks) == MOVEMENT_WEEKS
    assert figures.weeks[-1].week == figures.week_start and figures.weeks[-1].decline == 1
    assert sum(w.decline for w in figures.weeks[:-1]) == 0
    assert [m.name for m in lifecycle_figures(org.outsider).moved_into_decline] == ["赵六"]


def test_value_ranks_churn_risk_and_computes_the_pareto_share(org: Any, scored: dict[str, Any]) -> None:
    figures = value_figures(org.owner)
    assert (figures.customers, figures.clv_total, figures.value_at_risk_total) == (3, 6400.0, 720.0)
    assert [(c.name, c.value_at_risk) for c in figures.churn] == [("王芳", 500.0), ("李雷", 160.0), ("韩梅梅", 60.0)]
    assert figures.churn[0].owner == "owner" and figures.churn[0].segment == "Important value"
    # Net spend 1000, 400, 100: the top 20% (one customer of three) holds 1000 / 1500.
    p = figures.pareto
    assert (p.customers, p.top_customers, p.total) == (3, 1, 1500.0)
    assert p.top_share == pytest.approx(2 / 3)
    assert p.lorenz[0].value == 0.0 and p.lorenz[-1].value == pytest.approx(1.0) and len(p.lorenz) == 21
    assert sum(b.customers for b in figures.buckets) == 3
    assert figures.buckets[0].low == 0.0 and figures.buckets[-1].high is not None and figures.buckets[-1].high >= 5000
    assert [c.name for c in value_figures(org.outsider).churn] == ["赵六"]


def test_clv_buckets_have_round_edges_between_the_lowest_and_highest_value() -> None:
    assert nice_edges(730, 10) == [0.0, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000]
    assert nice_edges(4_600, 10, 900) == [0.0, 1_000, 1_500, 2_000, 3_000, 5_000]
    assert nice_edges(45_000, 4) == [0.0, 15_000, 20_000, 30_000, 50_000]
    assert nice_edges(0, 10) == [0.0]


def test_composition_sums_net_sales_of_visible_customers(org: Any, scored: dict[str, Any]) -> None:
    figures = composition_figures(org.owner)
    # Three orders of 2 × 50 + 80 and one of 20, all by 王芳 (importance B).
    assert (figures.customers, figures.amount) == (1, 560.0)
    assert [(r.key, r.customers, r.amount, r.amount_share) for r in figures.importance] == [("B", 1, 560.0, 1.0)]
    assert [(r.label, r.amount) for r in figures.category] == [("茶", 300.0), ("饮品", 240.0), ("零食", 20.0)]
    assert [(r.label, r.amount) for r in figures.store] == [("上海店", 540.0), ("No store (online, phone …)", 20.0)]
    assert [(r.label, r.amount) for r in figures.region] == [("华东区", 540.0), ("No store (online, phone …)", 20.0)]
    outsider = composition_figures(org.outsider)
    assert outsider.amount == 100.0 and [r.label for r in outsider.store] == ["广州店"]


def test_basket_uses_the_run_for_administrators_and_visible_orders_for_others(org: Any,
                                                                             scored: dict[str, Any]) -> None:
    admin = basket_figures(org.admin)
    assert admin.scope == "all"
    assert [(p.product, p.other, p.confidence, p.lift) for p in admin.pairs] == [("坚果", "龙井", 0.7, 5.0)]
    rep = basket_figures(org.owner)
    # Four orders: three with tea and coffee, one with nuts. Lift = 3 × 4 / (3 × 3).
    assert rep.scope == "visible" and rep.orders == 4
    assert [(p.together, p.support, p.confidence) for p in rep.pairs] == [(3, 0.75, 1.0)]
    assert rep.pairs[0].lift == pytest.approx(4 / 3)
    assert {rep.pairs[0].product, rep.pairs[0].other} == {"龙井", "咖啡豆"}
    assert basket_figures(org.outsider).pairs == []


def test_run_info_shows_fitted_parameters_and_the_fit_size_to_administrators(org: Any,
                                                                             scored: dict[str, Any]) -> None:
    admin = run_info(scored["run"], user=org.admin)
    assert admin is not None and admin.customers_fitted == 4 and admin.gg_excluded == 1
    assert admin.bgnbd == FITTED["bgnbd"]
    rep = run_info(scored["run"], user=org.owner)
    assert rep is not None and rep.customers_fitted is None and rep.bgnbd == FITTED["bgnbd"]


def test_the_dashboards_are_empty_before_the_first_run(org: Any, make_customer: Any) -> None:
    make_customer("王芳")
    overview = overview_figures(org.owner)
    assert (overview.run, overview.customers, overview.clv_total) == (None, 0, 0.0)
    assert value_figures(org.owner).pareto.lorenz == [] and value_figures(org.owner).buckets == []
    assert basket_figures(org.admin).pairs == [] and basket_figures(org.owner).pairs == []


# --- pages ------------------------------------------------------------------------------------------------

PAGES = ["analytics:dashboard", "analytics:rfm", "analytics:lifecycle", "analytics:value", "analytics:composition",
         "analytics:basket"]


@pytest.mark.outsider(*PAGES)
def test_every_page_shows_the_reps_figures_and_none_of_the_outsiders(client: Any, org: Any,
                                                                   scored: dict[str, Any]) -> None:
    login(client, org.owner)
    pages = {name: client.get(reverse(name)) for name in PAGES}
    assert all(r.status_code == 200 for r in pages.values())
    text = {name: r.content.decode() for name, r in pages.items()}
    assert 'data-figure="customers">3<' in text["analytics:dashboard"]
    assert "analytics-charts" in text["analytics:dashboard"] and "echarts.min.js" in text["analytics:dashboard"]
    assert "Run now" not in text["analytics:dashboard"]  # reps do not start runs
    assert "Most valuable customers" in text["analytics:rfm"] and 'data-table="rfm"' in text["analytics:rfm"]
    assert "李雷" in text["analytics:lifecycle"] and "李雷" in text["analytics:value"]
    assert "¥560.00" in text["analytics:composition"] and "上海店" in text["analytics:composition"]
    assert "咖啡豆" in text["analytics:basket"]
    assert all("赵六" not in page and "广州店" not in page and "坚果" not in text["analytics:basket"]
               for page in text.values())

    login(client, org.outsider)
    outsider = {name: client.get(reverse(name)).content.decode() for name in PAGES}
    assert all(name not in page for page in outsider.values() for name in ("王芳", "李雷", "韩梅梅", "上海店", "咖啡豆"))
    assert "赵六" in outsider["analytics:value"]


def test_a_manager_sees_the_run_button_and_the_fitted_parameters(client: Any, org: Any,
                                                                 scored: dict[str, Any]) -> None:
    login(client, org.manager)
    page = client.get(reverse("analytics:dashboard")).content.decode()
    assert 'id="run-now"' in page and "r = 0.2430" in page
    assert "Customers in the fit" not in page  # the whole organization's count: administrators only
    login(client, org.admin)
    assert "Customers in the fit" in client.get(reverse("analytics:dashboard")).content.decode()


def test_pages_show_the_empty_state_before_the_first_run(client: Any, org: Any) -> None:
    login(client, org.manager)
    page = client.get(reverse("analytics:dashboard")).content.decode()
    assert 'id="analytics-empty"' in page and "guanxi analytics run" in page and "Run now" in page
    assert "analytics-charts" not in page
    login(client, org.owner)
    page = client.get(reverse("analytics:rfm")).content.decode()
    assert 'id="analytics-empty"' in page and "Ask a manager" in page
    # Composition needs no run: it reads the orders.
    assert 'id="analytics-empty"' not in client.get(reverse("analytics:composition")).content.decode()


@pytest.mark.outsider("analytics:export")
def test_exports_hold_the_tables_of_the_users_scope(client: Any, org: Any, scored: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    login(client, org.owner)
    response = client.get(reverse("analytics:export", args=["churn", "csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("\ufeffCustomer,Customer code,Account manager")
    assert lines[1].startswith("王芳,") and ",90.0%," in lines[1] and ",5000.00,500.00," in lines[1]
    assert len(lines) == 4 and "赵六" not in text

    response = client.get(reverse("analytics:export", args=["segments", "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Segment", "Customers", "Share"]
    assert rows[1][:4] == ["Important value", "1", "33.3%", "1000.00"]

    for table in EXPORTS:
        assert client.get(reverse("analytics:export", args=[table, "csv"])).status_code == 200, table
    assert client.get(reverse("analytics:export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("analytics:export", args=["churn", "pdf"])).status_code == 404

    login(client, org.outsider)
    text = b"".join(client.get(reverse("analytics:export", args=["churn", "csv"])).streaming_content).decode()
    assert "王芳" not in text and "赵六" in text
    pairs = b"".join(client.get(reverse("analytics:export", args=["pairs", "csv"])).streaming_content).decode()
    assert "咖啡豆" not in pairs and "坚果" not in pairs


@pytest.mark.outsider("analytics:run_now", "analytics:run_status")
def test_only_managers_start_a_run_and_its_progress_polls(client: Any, org: Any, scored: dict[str, Any]) -> None:
    login(client, org.outsider)
    assert client.post(reverse("analytics:run_now")).status_code == 403
    login(client, org.owner)
    assert client.post(reverse("analytics:run_now")).status_code == 403
    assert AnalyticsRun.objects.count() == 1  # nothing queued by a refused request

    login(client, org.manager)
    response = client.post(reverse("analytics:run_now"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    queued = AnalyticsRun.objects.exclude(pk=scored["run"].pk).get()
    assert (queued.state, queued.trigger, queued.requested_by) == ("queued", "ui", org.manager)
    assert 'hx-trigger="every 2s"' in response.content.decode()
    assert client.post(reverse("analytics:run_now")).status_code == 302  # a second click: the same run
    assert AnalyticsRun.objects.count() == 2
    page = client.get(reverse("analytics:dashboard")).content.decode()
    assert 'id="run-progress-card"' in page and 'id="run-now" disabled' in page

    status = client.get(reverse("analytics:run_status", args=[queued.pk]))
    assert status.status_code == 200 and "HX-Refresh" not in status
    AnalyticsRun.objects.filter(pk=queued.pk).update(state="done", progress=100)
    status = client.get(reverse("analytics:run_status", args=[queued.pk]))
    assert status["HX-Refresh"] == "true" and "every 2s" not in status.content.decode()
    # The status of a run says nothing about customers; an outsider sees only its state.
    login(client, org.outsider)
    status = client.get(reverse("analytics:run_status", args=[queued.pk])).content.decode()
    assert "王芳" not in status and "owner" not in status
    assert client.get(reverse("analytics:run_status", args=[999_999])).status_code == 404


# --- API --------------------------------------------------------------------------------------------------

ROUTES = ["overview", "rfm", "lifecycle", "value", "composition", "basket"]


@pytest.mark.outsider(*[f"GET /analytics/dashboards/{name}" for name in ROUTES])
def test_the_api_returns_the_same_scoped_figures(client: Any, org: Any, scored: dict[str, Any]) -> None:
    headers = bearer(client, org.owner)
    got = {name: client.get(f"/api/v1/analytics/dashboards/{name}", headers=headers) for name in ROUTES}
    assert {name: r.status_code for name, r in got.items()} == dict.fromkeys(ROUTES, 200)
    body = {name: r.json() for name, r in got.items()}
    assert body["overview"]["customers"] == 3 and body["overview"]["run"]["bgnbd"]["r"] == 0.243
    assert body["overview"]["run"]["customers_fitted"] is None
    assert body["rfm"]["customers"] == 3 and len(body["rfm"]["cells"]) == 25
    assert [m["name"] for m in body["lifecycle"]["moved_into_decline"]] == ["李雷"]
    assert [c["name"] for c in body["value"]["churn"]] == ["王芳", "李雷", "韩梅梅"]
    assert body["value"]["pareto"]["top_share"] == pytest.approx(2 / 3)
    assert body["composition"]["amount"] == 560.0
    assert body["basket"]["scope"] == "visible" and body["basket"]["pairs"][0]["together"] == 3
    limited = client.get("/api/v1/analytics/dashboards/value?limit=1", headers=headers).json()
    assert [c["name"] for c in limited["churn"]] == ["王芳"]
    for bad in ("0", "501", "x", "1e9"):
        assert client.get(f"/api/v1/analytics/dashboards/value?limit={bad}", headers=headers).status_code == 422
    # A first run puts customers in a stage without a previous one (the fuzzer found this as a 500).
    StageChange.objects.create(run=scored["run"], customer=scored["c"], from_stage="", to_stage="decline",
                               at=timezone.now())
    moved = client.get("/api/v1/analytics/dashboards/lifecycle", headers=headers).json()["moved_into_decline"]
    # Labels come in the user's language (Chinese by default for a token client).
    assert sorted((m["name"], m["from_stage"] in ("Development", "发展期") if m["from_stage"] else None)
                  for m in moved) == [("李雷", True), ("韩梅梅", None)]

    headers = bearer(client, org.outsider)
    outsider = {name: client.get(f"/api/v1/analytics/dashboards/{name}", headers=headers).json() for name in ROUTES}
    dumped = str(outsider)
    assert all(name not in dumped for name in ("王芳", "李雷", "韩梅梅", "上海店", "咖啡豆"))
    assert outsider["rfm"]["customers"] == 1 and outsider["basket"]["pairs"] == []


def test_the_api_needs_a_login(client: Any, org: Any) -> None:
    assert client.get("/api/v1/analytics/dashboards/overview").status_code == 401



@pytest.mark.parametrize("name", PAGES)
def test_pages_run_a_fixed_number_of_queries(client: Any, org: Any, scored: dict[str, Any], name: str,
                                             django_assert_max_num_queries: Any) -> None:
    login(client, org.admin)
    client.get(reverse(name))  # warm the session and the current-run lookups
    with django_assert_max_num_queries(QUERY_BUDGET[name]):
        assert client.get(reverse(name)).status_code == 200


# Session, user, the current and latest run, then the page's aggregates (the overview: also the model fit
# of a calibration run): none grows with the customers.
QUERY_BUDGET = {"analytics:dashboard": 11, "analytics:rfm": 10, "analytics:lifecycle": 8, "analytics:value": 10,
                "analytics:composition": 11, "analytics:basket": 7}
