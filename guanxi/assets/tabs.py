"""The customer page's "Assets (资产)" tab: what the customer holds and where cover is missing,
without amounts (the asset pages reveal them, logged)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.http import HttpRequest

from guanxi.assets import selectors
from guanxi.assets.choices import AssetClass
from guanxi.customers.models import Customer


def assets_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    holdings = selectors.holdings_of(customer=customer)
    counts = Counter(h.asset_class for h in holdings)
    labels = dict(AssetClass.choices)
    reviews = selectors.reviews_of(customer=customer)
    return {
        "customer": customer,
        "holding_count": len(holdings),
        "by_class": [(str(labels[k]), counts[k]) for k in AssetClass.values if counts.get(k)],
        "maturing": selectors.maturing_soon(holdings),
        "cover": selectors.coverage(customer=customer),
        "latest_reviews": reviews[:3],
        "review_count": len(reviews),
    }
