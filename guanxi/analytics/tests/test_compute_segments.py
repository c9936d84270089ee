"""RFM scores and segments, 80/20 concentration, lifecycle stages and k-means clustering."""

from __future__ import annotations

import numpy as np
import pytest

from guanxi.analytics.compute.clustering import cluster_customers, customer_features, kmeans, silhouette_score
from guanxi.analytics.compute.concentration import composition, value_concentration
from guanxi.analytics.compute.lifecycle import LifecycleRules, lifecycle_stage, purchase_rates, stage_names
from guanxi.analytics.compute.rfm import SEGMENT_BY_KEY, SEGMENTS, quintile_scores, rfm_scores


def test_quintile_scores_distinct_and_tied() -> None:
    assert quintile_scores(np.arange(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores([5, 1, 4, 2, 3]).tolist() == [5, 1, 4, 2, 3]
    assert quintile_scores([1, 1, 1, 1, 5]).tolist() == [2, 2, 2, 2, 5]
    assert quintile_scores([7, 7, 7]).tolist() == [3, 3, 3]
    assert quintile_scores([]).tolist() == []


def test_all_equal_frequencies_do_not_break_rfm() -> None:
    scores = rfm_scores([1, 2, 3, 4, 5], [2, 2, 2, 2, 2], [10, 20, 30, 40, 50])
    assert scores.f_score.tolist() == [3, 3, 3, 3, 3]
    assert scores.r_score.tolist() == [5, 4, 3, 2, 1]
    assert scores.segment_keys.tolist() == [
        "general_development", "general_development", "general_winback", "important_winback",
        "important_winback",
    ]
    assert scores.rfm_code.tolist() == ["531", "432", "333", "234", "135"]


def test_segment_table_is_complete() -> None:
    codes = {segment.code: segment for segment in SEGMENTS}
    assert len(codes) == 8
    assert codes["HHH"].key == "important_value" and codes["HHH"].name_zh == "重要价值客户"
    assert codes["HLH"].key == "important_development" and codes["HLH"].name_zh == "重要发展客户"
    assert codes["LHH"].key == "important_retention" and codes["LHH"].name_zh == "重要保持客户"
    assert codes["LLH"].key == "important_winback" and codes["LLH"].name_zh == "重要挽留客户"
    assert codes["HHL"].key == "general_value" and codes["HHL"].name_zh == "一般价值客户"
    assert codes["HLL"].key == "general_development" and codes["HLL"].name_zh == "一般发展客户"
    assert codes["LHL"].key == "general_retention" and codes["LHL"].name_zh == "一般保持客户"
    assert codes["LLL"].key == "general_winback" and codes["LLL"].name_zh == "一般挽留客户"
    assert all(segment.strategy_zh and segment.strategy_en for segment in SEGMENTS)
    assert SEGMENT_BY_KEY["important_value"].code == "HHH"


def test_value_concentration_and_composition() -> None:
    c = value_concentration(np.arange(1, 11, dtype=float), points=3)
    assert c.n_top == 2
    assert c.top_share == pytest.approx(19 / 55)
    assert c.lorenz_value.tolist() == pytest.approx([0.0, 15 / 55, 1.0])
    assert c.gini == pytest.approx(0.3)
    assert value_concentration([0, 0, 0, 0, 100]).top_share == pytest.approx(1.0)
    assert value_concentration([5, 5, 5, 5, 5]).gini == pytest.approx(0.0)

    comp = composition(np.array(["b", "a", "b", "c"]), np.array([1.0, 2.0, 3.0, 4.0]))
    assert comp.groups.tolist() == ["a", "b", "c"]
    assert comp.counts.tolist() == [1, 2, 1]
    assert comp.count_share.tolist() == [0.25, 0.5, 0.25]
    assert comp.value_share.tolist() == pytest.approx([0.2, 0.4, 0.4])


def test_lifecycle_rules() -> None:
    # customers: new, one-purchase, low P(alive), silent too long, stable, development (rate grew)
    age = np.array([30, 400, 400, 400, 700, 700])
    purchase_days = np.array([3, 1, 10, 10, 36, 30])
    since_last = np.array([5, 300, 10, 100, 7, 5])
    span = np.array([25, 0, 390, 300, 693, 695])
    p_alive = np.array([0.9, 1.0, 0.3, 0.9, 0.95, 0.95])
    recent = np.array([3, 1, 3, 0, 9, 20])
    recent_rate, before_rate = purchase_rates(age, purchase_days, recent)
    stage = lifecycle_stage(age, purchase_days, since_last, span, p_alive, recent_rate, before_rate)
    assert stage_names(stage).tolist() == [
        "exploration", "exploration", "decline", "decline", "stable", "development",
    ]
    relaxed = lifecycle_stage(age, purchase_days, since_last, span, p_alive, recent_rate, before_rate,
                              LifecycleRules(new_days=10, decline_p_alive=0.2))
    assert stage_names(relaxed)[[0, 2]].tolist() == ["development", "development"]


def test_kmeans_finds_separated_groups_and_describes_them() -> None:
    rng = np.random.default_rng(0)
    recency = np.concatenate([rng.uniform(1, 10, 300), rng.uniform(300, 400, 300)])
    frequency = np.concatenate([rng.uniform(20, 30, 300), rng.uniform(1, 2, 300)])
    spend = np.concatenate([rng.uniform(50, 60, 300), rng.uniform(1000, 1200, 300)])
    result = cluster_customers(customer_features(recency, frequency, spend), k_range=range(2, 6), seed=1)
    assert result.k == 2
    assert sorted(result.sizes.tolist()) == [300, 300]
    assert len(set(result.labels[:300].tolist())) == 1 and len(set(result.labels[300:].tolist())) == 1
    first = result.labels[0]
    assert result.descriptions_en[first] == "high frequency, low spend, recent"
    assert result.descriptions_zh[first] == "高频、低消费、近期活跃"
    assert result.descriptions_en[1 - first] == "low frequency, high spend, lapsed"
    assert result.silhouette[2] > 0.8

    labels, centers = kmeans(np.array([[0.0], [0.1], [10.0], [10.1]]), 2, seed=0)
    assert sorted(centers[:, 0].round(2).tolist()) == [0.05, 10.05]
    assert silhouette_score(np.array([[0.0], [1.0], [10.0], [11.0]]), np.array([0, 0, 1, 1])) == pytest.approx(
        np.mean([1 - 1 / 10.5, 1 - 1 / 9.5, 1 - 1 / 9.5, 1 - 1 / 10.5])
    )


def test_clustering_with_identical_customers_returns_one_cluster() -> None:
    result = cluster_customers(customer_features(np.ones(10), np.ones(10), np.ones(10)))
    assert result.k == 1 and result.labels.tolist() == [0] * 10
