"""Deterministic demo catalogue and orders for the demo customers, written with COPY on PostgreSQL.

About seven customers in ten bought something: one to a dozen orders over the last two years, one
to three lines each, a few returns. Everything random comes from `random.Random(seed)`, so the same
seed gives the same orders. The purchase summaries are then built in one set-based statement.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from guanxi.core.bulk import Model, TableWriter, bulk_load
from guanxi.core.registry import DemoContext
from guanxi.orders.models import Order, OrderLine

PROGRESS_EVERY = 10_000
CATEGORIES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("tobacco", "烟草", [("cigarette", "卷烟"), ("cigar", "雪茄")]),
    ("drinks", "酒水饮料", [("baijiu", "白酒"), ("tea", "茶叶"), ("soft", "饮料")]),
    ("food", "食品", [("snack", "休闲零食"), ("grain", "粮油"), ("dairy", "乳品")]),
    ("daily", "日用百货", [("clean", "清洁用品"), ("paper", "纸品")]),
    ("books", "图书文具", [("book", "图书"), ("stationery", "文具")]),
    ("coffee", "咖啡", [("beans", "咖啡豆"), ("cups", "现制饮品")]),
]
PRODUCT_WORDS = {
    "cigarette": ["中华", "玉溪", "芙蓉王", "黄鹤楼", "云烟"], "cigar": ["王冠", "长城"],
    "baijiu": ["茅台", "五粮液", "汾酒", "洋河"], "tea": ["龙井", "铁观音", "普洱", "碧螺春"],
    "soft": ["矿泉水", "可乐", "凉茶", "果汁"], "snack": ["坚果", "薯片", "饼干", "牛肉干"],
    "grain": ["大米", "花生油", "面粉"], "dairy": ["牛奶", "酸奶"], "clean": ["洗衣液", "洗洁精"],
    "paper": ["抽纸", "卷纸"], "book": ["小说", "童书", "教辅"], "stationery": ["笔记本", "中性笔"],
    "beans": ["意式拼配", "云南小粒"], "cups": ["拿铁", "美式", "摩卡"],
}
SPECS = ["", "小", "中", "大", "500g", "1kg", "6瓶装", "礼盒"]
# The planted pair (bought together): these two products are never picked at random, only added
# together to about one order in forty, so the analytics' bought-together table must rank them top by
# lift (the proof). Codes are stable for the tests.
PAIR = (("D-pair-mooncake", "月饼礼盒", 19800, 12000), ("D-pair-teaset", "茶具套装", 26800, 15000))
PAIR_SHARE = 0.025
COLOURS = ["", "", "红", "蓝", "黑", "白"]


def _catalogue(rng: random.Random, using: str) -> list[tuple[int, int, int]]:
    """Categories and products; returns (product id, list price in fen, cost in fen)."""
    from guanxi.orders.models import Category, Product

    products: list[Product] = []
    for code, name, children in CATEGORIES:
        top, _ = Category.objects.using(using).get_or_create(code=f"demo-{code}", defaults={"name": name})
        for child_code, child_name in children:
            child, _ = Category.objects.using(using).get_or_create(
                code=f"demo-{child_code}", defaults={"name": child_name, "parent": top})
            for word in PRODUCT_WORDS[child_code]:
                for variant in range(rng.randint(1, 3)):
                    price = rng.choice([5, 8, 12, 18, 25, 38, 58, 88, 128, 298, 498, 1499]) * 100
                    price += rng.choice([0, 0, 50, 90])
                    cost = price * rng.randint(55, 85) // 100
                    products.append(Product(
                        code=f"D-{child_code}-{word}-{variant}"[:50], name=f"{word}{SPECS[variant % len(SPECS)]}",
                        category=child, spec=rng.choice(SPECS), colour=rng.choice(COLOURS),
                        unit=rng.choice(["件", "盒", "瓶", "包", "杯"]),
                        list_price=Decimal(price) / 100, cost=Decimal(cost) / 100))
    gifts, _ = Category.objects.using(using).get_or_create(code="demo-gift", defaults={"name": "节日礼品"})
    for code, name, price, cost in PAIR:
        products.append(Product(code=code, name=name, category=gifts, unit="套", list_price=Decimal(price) / 100,
                                cost=Decimal(cost) / 100))
    existing = set(Product.objects.using(using).values_list("code", flat=True))
    Product.objects.using(using).bulk_create([p for p in products if p.code not in existing])
    return [(pk, int(price * 100), int(cost * 100)) for pk, price, cost in
            Product.objects.using(using).filter(code__startswith="D-").exclude(code__startswith="D-pair-")
            .order_by("code").values_list("pk", "list_price", "cost")]


def _pair(using: str) -> list[tuple[int, int, int]]:
    from guanxi.orders.models import Product

    by_code = {code: (pk, int(price * 100), int(cost * 100)) for code, pk, price, cost in
               Product.objects.using(using).filter(code__in=[code for code, *_ in PAIR])
               .values_list("code", "pk", "list_price", "cost")}
    return [by_code[code] for code, *_ in PAIR]


@cache
def _money(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


ORDER_COLUMNS = ["id", "customer_id", "store_id", "channel", "source", "external_id", "kind", "original_id",
                 "ordered_at", "ordered_on", "status", "line_count", "total_quantity", "total_discount",
                 "total_amount", "total_cost", "created_at", "updated_at"]
LINE_COLUMNS = ["order_id", "line_no", "product_id", "quantity", "unit_price", "discount", "amount", "unit_cost"]
ORDERS = Order._meta.db_table
LINES = OrderLine._meta.db_table
TABLES: dict[Model, list[str]] = {Order: ORDER_COLUMNS, OrderLine: LINE_COLUMNS}
CHANNELS = ["store"] * 6 + ["online"] * 3 + ["phone", "distributor"]


def generate(ctx: DemoContext) -> None:
    from guanxi.customers.models import Customer
    from guanxi.orders import summary

    started = time.monotonic()
    rng = random.Random(ctx.seed * 2_000_003 + 29)
    now = timezone.now().replace(microsecond=0)
    total = Customer.objects.using(ctx.using).filter(archived_at__isnull=True).count()
    ctx.progress("orders", 0, total)
    with transaction.atomic(using=ctx.using):
        products = _catalogue(rng, ctx.using)
        pair = _pair(ctx.using)
        loading = bulk_load(connections[ctx.using], [ORDERS, LINES], defer=ctx.defer, label="orders")
        with loading, TableWriter(ctx.using, TABLES) as writer:
            orders, lines = _write_orders(ctx, writer, rng, products, pair, now, total)
            ctx.progress("orders", total, total, "writing the last rows")
            writer.flush()
            writer.reset_sequences()
            if writer.is_pg:
                with writer.connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {ORDERS}")
                    cursor.execute(f"ANALYZE {LINES}")
            ctx.stdout(f"orders: {orders:,} orders, {lines:,} lines ({time.monotonic() - started:.0f} s)")
            ctx.progress("orders", total, total, "purchase summaries")
            summaries = summary.rebuild_all()
            ctx.progress("orders", total, total, "rebuilding indexes" if ctx.defer is None else "committing")
    ctx.stdout(f"orders: {summaries:,} purchase summaries, done in {time.monotonic() - started:.1f} s")


def _write_orders(ctx: DemoContext, writer: TableWriter, rng: random.Random, products: list[tuple[int, int, int]],
                  pair: list[tuple[int, int, int]], now: dt.datetime, total: int) -> tuple[int, int]:
    """Every customer's orders and lines, customers in id order; returns (orders, lines)."""
    from guanxi.customers.models import Customer
    from guanxi.orders.batch import PURCHASE_DAY_TZ

    stamp = now.isoformat() if writer.is_pg else now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    order_id = (Order.objects.using(ctx.using).order_by("-id").values_list("id", flat=True).first() or 0)
    orders = lines = 0
    customers = (Customer.objects.using(ctx.using).filter(archived_at__isnull=True).order_by("pk")
                 .values_list("pk", "store_id").iterator(chunk_size=20000))
    for done, (customer_id, home_store) in enumerate(customers, start=1):
        if done % PROGRESS_EVERY == 0:
            ctx.progress("orders", done, total)
        if rng.random() < 0.3:
            continue
        count = min(12, 1 + int(rng.expovariate(0.45)))
        for _ in range(count):
            order_id += 1
            at = now - dt.timedelta(seconds=rng.randrange(5 * 60, 730 * 86400))
            age_days = (now - at).days
            status = ("delivered" if age_days > 7 else rng.choice(["placed", "paid", "shipped", "delivered"]))
            if rng.random() < 0.02:
                status = "cancelled"
            channel = rng.choice(CHANNELS)
            store = home_store if channel == "store" else None
            picked = [rng.choice(products) for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))]
            if rng.random() < PAIR_SHARE:
                picked += pair
            totals = [0, 0, 0, 0]  # quantity, discount, amount, cost (fen; quantity in units)
            order_lines = []
            for number, (product_id, price, cost) in enumerate(picked, start=1):
                quantity = rng.choice([1, 1, 1, 2, 2, 3, 5])
                discount = (price * quantity) // 20 if rng.random() < 0.2 else 0
                amount = price * quantity - discount
                totals[0] += quantity
                totals[1] += discount
                totals[2] += amount
                totals[3] += cost * quantity
                order_lines.append((order_id, number, product_id, quantity, _money(price), _money(discount),
                                    _money(amount), _money(cost)))
            _add_order(writer, order_id, customer_id, store, channel, "sale", None, at, status, order_lines,
                       totals, stamp, PURCHASE_DAY_TZ)
            orders += 1
            lines += len(order_lines)
            if status == "delivered" and rng.random() < 0.03:
                # A return of the first line, a few days later.
                original = order_id
                order_id += 1
                first = order_lines[0]
                product_id, qty, price_text, cost_text = first[2], first[3], first[4], first[7]
                price_fen = int(Decimal(price_text) * 100)
                cost_fen = int(Decimal(cost_text) * 100)
                back = [(order_id, 1, product_id, -qty, price_text, "0.00", _money(-price_fen * qty), cost_text)]
                _add_order(writer, order_id, customer_id, store, channel, "return", original,
                           min(now, at + dt.timedelta(days=rng.randint(1, 7))), "delivered", back,
                           [-qty, 0, -price_fen * qty, -cost_fen * qty], stamp, PURCHASE_DAY_TZ)
                orders += 1
                lines += 1
    return orders, lines


def _add_order(writer: TableWriter, order_id: int, customer_id: int, store: int | None, channel: str, kind: str,
               original: int | None, at: dt.datetime, status: str, lines: list[tuple[Any, ...]],
               totals: list[int], stamp: str, tz: Any) -> None:
    when = at.isoformat() if writer.is_pg else at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    writer.add(Order, (
        order_id, customer_id, store, channel, "pos-demo", f"D{order_id:09d}", kind, original, when,
        at.astimezone(tz).date().isoformat(), status, len(lines), totals[0], _money(totals[1]), _money(totals[2]),
        _money(totals[3]), stamp, stamp))
    for line in lines:
        writer.add(OrderLine, line)
