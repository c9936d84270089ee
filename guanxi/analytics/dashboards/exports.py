"""The dashboards' exports: slug → the table built for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from guanxi.analytics.dashboards.basket import basket_figures, basket_tables
from guanxi.analytics.dashboards.composition import (
    COMPOSITION_TITLES,
    composition_figures,
    composition_tables,
)
from guanxi.analytics.dashboards.fit import fit_figures, fit_tables
from guanxi.analytics.dashboards.lifecycle import lifecycle_figures, lifecycle_tables
from guanxi.analytics.dashboards.rfm import (
    cluster_rows,
    clusters_table,
    rfm_figures,
    rfm_tables,
    segment_rows,
    segments_table,
)
from guanxi.analytics.dashboards.scope import TOP_FRACTION, visible_metrics
from guanxi.analytics.dashboards.tables import Table
from guanxi.analytics.dashboards.value import (
    ParetoFigures,
    ValueFigures,
    churn_rows,
    clv_buckets,
    pareto,
    value_tables,
)

if TYPE_CHECKING:
    from guanxi.accounts.models import User


# Export slug → (the figures it needs, the tables built from them).
EXPORTS: dict[str, Callable[[User], Table]] = {
    "rfm": lambda user: rfm_tables(rfm_figures(user))["rfm"],
    "segments": lambda user: segments_table(segment_rows(user)),
    "clusters": lambda user: clusters_table(cluster_rows(user, visible_metrics(user).count())),
    "stages": lambda user: lifecycle_tables(lifecycle_figures(user))["stages"],
    "movements": lambda user: lifecycle_tables(lifecycle_figures(user))["movements"],
    "decline": lambda user: lifecycle_tables(lifecycle_figures(user))["decline"],
    "clv": lambda user: value_tables(ValueFigures(0, 0, 0, clv_buckets(user), [], pareto_empty()))["clv"],
    "churn": lambda user: value_tables(ValueFigures(0, 0, 0, [], churn_rows(user, limit=1000), pareto_empty()))[
        "churn"],
    "pareto": lambda user: value_tables(ValueFigures(0, 0, 0, [], [], pareto(user)))["pareto"],
    **{name: (lambda user, name=name: composition_tables(composition_figures(user))[name])  # type: ignore[misc]  # the default binds the loop variable
       for name in COMPOSITION_TITLES},
    "pairs": lambda user: basket_tables(basket_figures(user))["pairs"],
    "fit_tracking": lambda user: fit_tables(fit_figures(user))["fit_tracking"],
    "fit_holdout": lambda user: fit_tables(fit_figures(user))["fit_holdout"],
}


def pareto_empty() -> ParetoFigures:
    return ParetoFigures(customers=0, total=0.0, top_fraction=TOP_FRACTION, top_customers=0, top_share=0.0,
                         gini=0.0, lorenz=[])


def export_table(user: User, name: str) -> Table | None:
    build = EXPORTS.get(name)
    return build(user) if build is not None else None
