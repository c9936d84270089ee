"""What a dashboard may read: the customers and metrics the user may see, the current run, and the dashboards' limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from guanxi.analytics.models import AnalyticsRun, CustomerMetrics
from guanxi.customers.models import Customer

if TYPE_CHECKING:
    from guanxi.accounts.models import User


CHURN_LIMIT = 50
PAIR_LIMIT = 50
PAIR_MIN_ORDERS = 3  # as the run's pairs: fewer orders with both say nothing
MOVEMENT_WEEKS = 8
COMPOSITION_DAYS = 365
COMPOSITION_GROUPS = 12  # categories and stores beyond these are summed as "Other"
TOP_FRACTION = 0.2
LORENZ_POINTS = 21  # every 5% of customers
CLV_BUCKETS = 10

# Words for the centroid features the clustering uses (keys of Cluster.centroid).
FEATURE_LABELS = {
    "recency_days": gettext_lazy("days since last purchase"),
    "frequency": gettext_lazy("purchase days"),
    "monetary": gettext_lazy("net spend"),
    "clv": gettext_lazy("customer lifetime value"),
}




def visible_customers(user: User) -> QuerySet[Customer]:
    """The customers a dashboard covers: visible to the user and not archived (merged-away records are)."""
    return Customer.objects.visible_to(user).active()


def visible_metrics(user: User) -> QuerySet[CustomerMetrics]:
    return CustomerMetrics.objects.filter(customer__in=visible_customers(user).values("pk"))


def current_run() -> AnalyticsRun | None:
    """The run whose metrics are live."""
    return AnalyticsRun.objects.filter(is_current=True).first()


def latest_run() -> AnalyticsRun | None:
    """The newest run of any state (to show a queued or running run's progress)."""
    return AnalyticsRun.objects.order_by("-created_at", "-id").first()


def may_start_run(user: User) -> bool:
    """Managers (department scope) and administrators start runs; a rep's scope is own customers."""
    from guanxi.analytics.services import may_run

    return may_run(user)


def share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0
