"""Demo holdings: about one person customer in ten holds a few products (here and at other banks),
with quarterly value snapshots and one or two asset reviews; some have insurance policies.

Deterministic from `ctx.seed` (one `random.Random`, customers walked in id order) and fast at a
million customers: ids are assigned here, rows go in with COPY on PostgreSQL and batched
`executemany` elsewhere, and nothing is read back per customer.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from guanxi.assets.models import AssetReview, AssetReviewLine, Holding, HoldingSnapshot, InsurancePolicy
from guanxi.core.bulk import Model, TableWriter, bulk_load
from guanxi.core.registry import DemoContext
from guanxi.customers.models import Customer, FamilyMember

SHARE = 0.10
CUSTOMER_CHUNK = 5000
QUARTER = 91
# (asset class, products, amount range in yuan, has a maturity, risk levels)
PRODUCTS: list[tuple[str, list[str], tuple[int, int], bool, list[str]]] = [
    ("deposit", ["定期存款 1年", "大额存单 3年", "通知存款", "活期存款"], (20_000, 800_000), True, ["R1"]),
    ("wealth", ["稳健理财 180天", "固收+ 理财 1号", "朝朝盈 现金管理"], (50_000, 1_000_000), True, ["R2", "R3"]),
    ("fund", ["易方达蓝筹精选", "招商中证白酒指数", "华夏成长混合", "南方货币A"], (10_000, 500_000), False,
     ["R3", "R4"]),
    ("bond", ["储蓄国债 2024年第5期", "地方政府债 3年"], (50_000, 300_000), True, ["R1", "R2"]),
    ("stock", ["贵州茅台 600519", "中国平安 601318", "宁德时代 300750"], (10_000, 600_000), False, ["R5"]),
    ("insurance", ["终身寿险（现金价值）", "年金保险（现金价值）"], (20_000, 300_000), False, ["R1"]),
    ("property", ["住宅 两居室", "商铺"], (1_000_000, 6_000_000), False, [""]),
    ("loan", ["住房按揭贷款", "消费贷款"], (50_000, 2_000_000), True, [""]),
    ("other", ["黄金积存"], (5_000, 200_000), False, [""]),
]
CLASS_WEIGHTS = [30, 18, 20, 6, 8, 6, 6, 5, 1]
OTHER_BANKS = ["工商银行", "建设银行", "农业银行", "招商银行", "平安银行", "兴业银行"]
INSURERS = ["中国人寿", "平安人寿", "太平洋人寿", "泰康人寿", "新华保险"]
NOTES = ["客户关注收益稳定，下季度到期后考虑续作。", "建议增配固收类产品，降低股票仓位。",
         "子女明年上大学，预留教育金。", "家庭保障不足，下次面谈介绍重疾险。"]

HOLDING_COLUMNS = ["id", "customer_id", "asset_class", "product", "institution", "is_ours", "amount", "start_on",
                   "matures_on", "risk_level", "notes", "created_by_id", "created_at", "updated_at"]
TABLES: dict[Model, list[str]] = {
    Holding: HOLDING_COLUMNS,
    HoldingSnapshot: ["holding_id", "on", "value", "recorded_by_id", "created_at"],
    AssetReview: ["id", "customer_id", "on", "notes", "total_assets", "total_loans", "created_by_id",
                           "created_at"],
    AssetReviewLine: ["review_id", "holding_id", "asset_class", "product", "institution", "is_ours",
                               "risk_level", "start_on", "matures_on", "value"],
    InsurancePolicy: ["customer_id", "insured_member_id", "policy_type", "insurer", "product",
                               "sum_insured", "premium", "term_years", "starts_on", "critical_illness", "notes",
                               "created_at"],
}


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high)).quantize(Decimal("1")) + Decimal(rng.randrange(0, 100)) / 100


def generate(ctx: DemoContext) -> None:
    started = time.monotonic()
    rng = random.Random(ctx.seed * 65537 + 11)
    today = timezone.localdate()
    now = timezone.now()
    db = ctx.using
    counts = {"customers": 0, "holdings": 0, "reviews": 0}
    people = Customer.objects.using(db).filter(kind="person")
    total = people.count()
    ctx.progress("assets", 0, total)
    with transaction.atomic(using=db):
        holding_id = Holding.objects.using(db).order_by("-id").values_list("id", flat=True).first() or 0
        review_id = AssetReview.objects.using(db).order_by("-id").values_list("id", flat=True).first() or 0
        # Every spouse at once (one scan; the last one of a customer, as before), not a query per chunk.
        spouses = dict(FamilyMember.objects.using(db).filter(relation="spouse").order_by("customer_id", "id")
                       .values_list("customer_id", "id"))
        rows = people.order_by("id").values_list("id", "owner_id")
        tables = [model._meta.db_table for model in TABLES]
        loading = bulk_load(connections[db], tables, defer=ctx.defer, label="assets")
        with loading, TableWriter(db, TABLES, flush_together=True) as writer:
            last = done = 0
            while True:
                chunk = list(rows.filter(id__gt=last)[:CUSTOMER_CHUNK])
                if not chunk:
                    break
                last = chunk[-1][0]
                done += len(chunk)
                chosen = [(cid, owner) for cid, owner in chunk if rng.random() < SHARE]
                for customer_id, owner_id in chosen:
                    counts["customers"] += 1
                    holding_id, review_id = _customer_rows(
                        writer, rng, customer_id, owner_id, spouses.get(customer_id), holding_id, review_id, today,
                        now, counts,
                    )
                ctx.progress("assets", done, total)
            writer.flush()
            if writer.is_pg:
                with writer.connection.cursor() as cursor:
                    for table in writer.table_names():
                        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"COALESCE((SELECT MAX(id) FROM {table}), 1))")
            ctx.progress("assets", total, total, "rebuilding indexes" if ctx.defer is None else "committing")
    ctx.stdout(f"assets: {counts['holdings']:,} holdings of {counts['customers']:,} customers, "
               f"{counts['reviews']:,} reviews in {time.monotonic() - started:.1f} s")


def _customer_rows(
    writer: TableWriter, rng: random.Random, customer_id: int, owner_id: int, spouse_id: int | None, holding_id: int,
    review_id: int, today: dt.date, now: dt.datetime, counts: dict[str, int],
) -> tuple[int, int]:
    """One customer's holdings with four quarterly values, one or two reviews and some policies."""
    review_quarters = [2, 1] if rng.random() < 0.5 else [1]
    held: list[tuple[int, tuple[Any, ...], list[Decimal]]] = []
    for _n in range(rng.randint(2, 5)):
        asset_class, products, (low, high), matures, risks = rng.choices(PRODUCTS, weights=CLASS_WEIGHTS)[0]
        holding_id += 1
        ours = rng.random() < 0.7
        start = today - dt.timedelta(days=rng.randrange(400, 2500))
        matures_on = today + dt.timedelta(days=rng.randrange(1, 720)) if matures else None
        values = [_money(rng, low, high)]
        for _q in range(3):  # oldest first: each quarter moves a few percent
            values.append((values[-1] * Decimal(1 + rng.uniform(-0.06, 0.09))).quantize(Decimal("0.01")))
        row = (asset_class, rng.choice(products), "" if ours else rng.choice(OTHER_BANKS), ours, rng.choice(risks),
               start, matures_on)
        writer.add(Holding, (holding_id, customer_id, row[0], row[1], row[2], ours, values[-1], start,
                                      matures_on, row[4], "", owner_id, now, now))
        for quarter, value in zip((3, 2, 1, 0), values, strict=True):
            writer.add(HoldingSnapshot, (holding_id, today - dt.timedelta(days=QUARTER * quarter), value,
                                                  owner_id, now))
        held.append((holding_id, row, values))
        counts["holdings"] += 1
    for quarter in review_quarters:
        review_id += 1
        counts["reviews"] += 1
        index = 3 - quarter
        assets = sum((v[index] for _h, r, v in held if r[0] != "loan"), Decimal(0))
        loans = sum((v[index] for _h, r, v in held if r[0] == "loan"), Decimal(0))
        writer.add(AssetReview, (review_id, customer_id, today - dt.timedelta(days=QUARTER * quarter),
                                          rng.choice(NOTES), assets, loans, owner_id, now))
        for hid, row, values in held:
            writer.add(AssetReviewLine, (review_id, hid, row[0], row[1], row[2], row[3], row[4], row[5],
                                                  row[6], values[index]))
    insured = [None] + ([spouse_id] if spouse_id and rng.random() < 0.5 else [])
    for member in insured:
        if rng.random() < 0.6:
            kind = rng.choice(["life", "critical_illness", "medical", "accident"])
            writer.add(InsurancePolicy, (
                customer_id, member, kind, rng.choice(INSURERS), "", _money(rng, 100_000, 1_000_000),
                _money(rng, 2_000, 20_000), rng.choice([None, 10, 20, 30]), today - dt.timedelta(days=rng.randrange(100, 3000)),
                kind == "critical_illness", "", now,
            ))
    return holding_id, review_id
