"""The purchase summary computed the slow, obvious way in Python from the order lines: the
stateful test compares the incremental SQL against it."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from guanxi.orders.batch import PURCHASE_DAY_TZ
from guanxi.orders.models import Order, PurchaseSummary

CENT = Decimal("0.01")


def expected_summaries() -> dict[int, dict[str, Any]]:
    by_customer: dict[int, list[Order]] = defaultdict(list)
    for order in Order.objects.exclude(status="cancelled").prefetch_related("lines__product"):
        by_customer[order.customer_id].append(order)
    out = {}
    for customer_id, orders in by_customer.items():
        sales = [o for o in orders if o.kind == "sale"]
        returns = [o for o in orders if o.kind == "return"]
        lines = [(o, li) for o in orders for li in o.lines.all()]

        def amount(o: Order) -> Decimal:
            return sum((li.amount for li in o.lines.all()), Decimal(0))

        days = sorted({o.ordered_at.astimezone(PURCHASE_DAY_TZ).date() for o in sales})
        quantity = sum((li.quantity for _o, li in lines), Decimal(0))
        net = sum((li.amount for _o, li in lines), Decimal(0))
        sales_amount = sum((amount(o) for o in sales), Decimal(0))
        by_category: dict[int, Decimal] = defaultdict(Decimal)
        for _o, li in lines:
            if li.product.category_id is not None:
                by_category[li.product.category_id] += li.amount
        ranked = sorted(((-v, k) for k, v in by_category.items() if v > 0))
        stores: dict[int, list[Decimal]] = defaultdict(list)
        for o in sales:
            if o.store_id is not None:
                stores[o.store_id].append(amount(o))
        main = sorted(stores, key=lambda s: (-len(stores[s]), -sum(stores[s]), s))
        top = [k for _v, k in ranked[:3]] + [None, None, None]
        out[customer_id] = {
            "first_purchase_at": min((o.ordered_at for o in sales), default=None),
            "last_purchase_at": max((o.ordered_at for o in sales), default=None),
            "orders_count": len(sales),
            "purchase_days": len(days),
            "repeat_day_spend": sum((amount(o) for o in sales
                                     if o.ordered_at.astimezone(PURCHASE_DAY_TZ).date() > days[0]), Decimal(0))
            if days else Decimal(0),
            "sales_amount": sales_amount,
            "returns_count": len(returns),
            "returns_amount": -sum((amount(o) for o in returns), Decimal(0)),
            "quantity": quantity,
            "amount": net,
            "margin": (net - sum((li.quantity * li.unit_cost for _o, li in lines), Decimal(0))).quantize(CENT),
            "average_order_value": (sales_amount / len(sales)).quantize(CENT, ROUND_HALF_UP) if sales else None,
            "average_unit_price": (net / quantity).quantize(CENT, ROUND_HALF_UP) if quantity > 0 else None,
            "top_category_id": top[0], "second_category_id": top[1], "third_category_id": top[2],
            "main_store_id": main[0] if main else None,
        }
    return out


def actual_summaries() -> dict[int, dict[str, Any]]:
    fields = ["first_purchase_at", "last_purchase_at", "orders_count", "purchase_days", "repeat_day_spend",
              "sales_amount", "returns_count", "returns_amount", "quantity", "amount", "margin",
              "average_order_value", "average_unit_price", "top_category_id", "second_category_id",
              "third_category_id", "main_store_id"]
    return {row["customer_id"]: {f: row[f] for f in fields}
            for row in PurchaseSummary.objects.values("customer_id", *fields)}
