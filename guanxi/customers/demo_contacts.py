"""Demo contact people (联系人): one to three per organization customer, from their own random stream
(so adding them left every customer's data, and the demo's determinism hash, unchanged)."""

from __future__ import annotations

import random
import time

from django.db import transaction

from guanxi.core.registry import DemoContext
from guanxi.core.text import search_document
from guanxi.customers.choices import BirthdayCalendar, BuyingRole, Kind
from guanxi.customers.demo import SURNAMES, _person_name, _phone

TITLES = ["店长", "老板", "采购经理", "财务主管", "店员", "区域经理", "技术负责人"]
ROLE_OF_TITLE = {"店长": BuyingRole.DECISION_MAKER, "老板": BuyingRole.DECISION_MAKER,
                 "采购经理": BuyingRole.PURCHASING, "财务主管": BuyingRole.FINANCE, "店员": BuyingRole.USER,
                 "区域经理": BuyingRole.DECISION_MAKER, "技术负责人": BuyingRole.TECHNICAL}
NOTES = ["", "", "", "周一上午进货", "喜欢微信沟通", "月底对账", "不喜欢电话推销"]


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
    with transaction.atomic(using=ctx.using):
        organizations = (Customer.objects.using(ctx.using).filter(kind=Kind.ORGANIZATION).order_by("id")
                         .values_list("id", flat=True).iterator(chunk_size=5000))
        batch: list[Contact] = []
        for customer_id in organizations:
            for title in rng.sample(TITLES, rng.choice((1, 1, 2, 3))):
                name, _gender = _person_name(rng, surnames, weights)
                phones = [_phone(rng)]
                contact = Contact(customer_id=customer_id, name=name, title=title, role=ROLE_OF_TITLE[title],
                                  phones=phones, notes=rng.choice(NOTES), birthday_calendar=BirthdayCalendar.SOLAR,
                                  search_doc=search_document(name=name, is_person=True, code="", phones=phones))
                batch.append(contact)
            if len(batch) >= 5000:
                Contact.objects.using(ctx.using).bulk_create(batch)
                made += len(batch)
                batch = []
        Contact.objects.using(ctx.using).bulk_create(batch)
        made += len(batch)
    ctx.stdout(f"contacts: {made:,} contact people loaded in {time.monotonic() - started:.1f} s")
