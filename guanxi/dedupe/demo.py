"""Demo duplicates: a few customers re-entered by the same account manager, so the duplicates page
shows something. Existing demo customers are turned into copies of others (no rows are added, so
the customer count the demo promises holds); deterministic from the seed and a handful of
single-row updates, whatever the number of customers."""

from __future__ import annotations

import random

from django.db import transaction

from guanxi.core.registry import DemoContext
from guanxi.core.text import search_document, short_tokens
from guanxi.customers.models import Customer, CustomerSearch, SearchToken

PAIRS = 6
SAMPLE = 200


def _copy(original: Customer, copy: Customer, how: str) -> dict[str, object]:
    if how == "phone":
        return {"phones": [*original.phones[:1], *copy.phones[1:]]}
    if how == "name_birthday":
        return {"name": original.name, "name_sort": original.name_sort, "kind": original.kind,
                "birthday": original.birthday}
    return {"name": original.name, "name_sort": original.name_sort, "kind": original.kind,
            "address": original.address}


def _extra(customer: Customer) -> tuple[str, ...]:
    """What else the services put in the search row (shop name, licence …), where they say so."""
    from guanxi.customers import services

    searchable_extra = getattr(services, "searchable_extra", None)
    return tuple(searchable_extra(customer)) if searchable_extra is not None else ()


def generate(ctx: DemoContext) -> None:
    rng = random.Random(ctx.seed * 104729 + 3)
    customers = Customer.objects.using(ctx.using)
    with transaction.atomic(using=ctx.using):
        owners = sorted(set(customers.order_by("pk").values_list("owner_id", flat=True)[:SAMPLE]))
        made = 0
        for index in range(PAIRS):
            ctx.progress("duplicates", index, PAIRS)
            if not owners:
                break
            owner = owners[index % len(owners)]
            people = list(customers.filter(owner_id=owner, kind="person").exclude(phones=[]).exclude(birthday=None)
                          .exclude(address="").order_by("pk")[: SAMPLE // 2])
            if len(people) < 2 * PAIRS:
                continue
            original, copy = rng.sample(people, 2)
            how = ("phone", "name_birthday", "name_address")[index % 3]
            values = _copy(original, copy, how)
            customers.filter(pk=copy.pk).update(**values)
            copy.refresh_from_db(using=ctx.using)
            doc = search_document(name=copy.name, is_person=copy.is_person, code=copy.code,
                                  phones=list(copy.phones), email=copy.email, extra=_extra(copy))
            CustomerSearch.objects.using(ctx.using).filter(customer_id=copy.pk).update(doc=doc,
                                                                                       name_sort=copy.name_sort)
            SearchToken.objects.using(ctx.using).filter(customer_id=copy.pk).delete()
            SearchToken.objects.using(ctx.using).bulk_create(
                SearchToken(customer_id=copy.pk, token=t, name_sort=copy.name_sort)
                for t in sorted(short_tokens(name=copy.name, is_person=copy.is_person))
            )
            made += 1
    ctx.progress("duplicates", PAIRS, PAIRS)
    ctx.stdout(f"duplicates: {made} duplicate pairs made")
