"""Demo contact people (联系人): one to three per organization customer, from their own random stream
(so adding them left every customer's data, and the demo's determinism hash, unchanged)."""

from __future__ import annotations

import json
import random
import time

from django.db import connections, transaction
from django.utils import timezone

from guanxi.core.bulk import Model, TableWriter, bulk_load
from guanxi.core.registry import DemoContext
from guanxi.customers.choices import BirthdayCalendar, BuyingRole, Kind
from guanxi.customers.demo import SURNAMES, NameInfoCache, _person_name, _phone

TITLES = ["店长", "老板", "采购经理", "财务主管", "店员", "区域经理", "技术负责人"]
ROLE_OF_TITLE = {"店长": BuyingRole.DECISION_MAKER, "老板": BuyingRole.DECISION_MAKER,
                 "采购经理": BuyingRole.PURCHASING, "财务主管": BuyingRole.FINANCE, "店员": BuyingRole.USER,
                 "区域经理": BuyingRole.DECISION_MAKER, "技术负责人": BuyingRole.TECHNICAL}
NOTES = ["", "", "", "周一上午进货", "喜欢微信沟通", "月底对账", "不喜欢电话推销"]
COLUMNS = ["customer_id", "name", "title", "role", "phones", "email", "notes", "search_doc", "version", "created_at",
           "updated_at", "birthday", "birthday_calendar", "lunar_birth_month", "lunar_birth_day", "lunar_birth_leap"]
PROGRESS_EVERY = 5_000


def generate(ctx: DemoContext) -> None:
    from guanxi.customers.models import Contact, Customer

    started = time.monotonic()
    rng = random.Random(ctx.seed * 15485863 + 5)
    surnames = [s for s, _w in SURNAMES]
    weights: list[float] = []
    total = 0.0
    for _s, weight in SURNAMES:
        total += weight
        weights.append(total)
    made = 0
    names = NameInfoCache()
    now = timezone.now()
    organizations = Customer.objects.using(ctx.using).filter(kind=Kind.ORGANIZATION)
    count = organizations.count()
    ctx.progress("contacts", 0, count)
    tables: dict[Model, list[str]] = {Contact: COLUMNS}
    with transaction.atomic(using=ctx.using):
        ids = organizations.order_by("id").values_list("id", flat=True).iterator(chunk_size=20000)
        loading = bulk_load(connections[ctx.using], [Contact._meta.db_table], defer=ctx.defer, label="contacts")
        with loading, TableWriter(ctx.using, tables) as writer:
            for done, customer_id in enumerate(ids, start=1):
                for title in rng.sample(TITLES, rng.choice((1, 1, 2, 3))):
                    name, _gender = _person_name(rng, surnames, weights)
                    phones = [_phone(rng)]
                    doc = names.document(names.get(name, True), code="", phones=phones, email="")
                    writer.add(Contact, (
                        customer_id, name, title, ROLE_OF_TITLE[title].value, json.dumps(phones), "", rng.choice(NOTES),
                        doc, 1, now, now, None, BirthdayCalendar.SOLAR.value, None, None, False,
                    ))
                    made += 1
                if done % PROGRESS_EVERY == 0:
                    ctx.progress("contacts", done, count)
            writer.flush()
            writer.reset_sequences()
            ctx.progress("contacts", count, count, "rebuilding indexes" if ctx.defer is None else "committing")
    ctx.stdout(f"contacts: {made:,} contact people loaded in {time.monotonic() - started:.1f} s")
