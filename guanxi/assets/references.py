"""What the personal data export holds of a customer's holdings and reviews: every field, the value
history and the review lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from guanxi.assets.models import AssetReview, AssetReviewLine, Holding, HoldingSnapshot
from guanxi.core.db import row_dict


def export_holdings(customer_id: int) -> Iterable[dict[str, Any]]:
    holdings = list(Holding.objects.filter(customer_id=customer_id).order_by("pk"))
    history: dict[int, list[dict[str, Any]]] = {h.pk: [] for h in holdings}
    for snapshot in HoldingSnapshot.objects.filter(holding__in=holdings).order_by("holding_id", "on", "id"):
        history[snapshot.holding_id].append(row_dict(snapshot))
    return [{**row_dict(h), "snapshots": history[h.pk]} for h in holdings]


def export_reviews(customer_id: int) -> Iterable[dict[str, Any]]:
    reviews = list(AssetReview.objects.filter(customer_id=customer_id).order_by("pk"))
    lines: dict[int, list[dict[str, Any]]] = {r.pk: [] for r in reviews}
    for line in AssetReviewLine.objects.filter(review__in=reviews).order_by("review_id", "id"):
        lines[line.review_id].append(row_dict(line))
    return [{**row_dict(r), "lines": lines[r.pk]} for r in reviews]
