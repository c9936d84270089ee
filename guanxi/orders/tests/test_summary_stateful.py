"""Random batches, re-sends, returns, status changes and merges; after every step the incrementally
maintained purchase summaries equal a recompute from the order lines done independently in Python."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from guanxi.customers.models import Customer
from guanxi.orders.batch import LineData, OrderData
from guanxi.orders.importing import import_file
from guanxi.orders.models import Order, OrderLine, PurchaseSummary
from guanxi.orders.services import orders_upsert
from guanxi.orders.tests.helpers import SH, catalogue
from guanxi.orders.tests.reference import actual_summaries, expected_summaries

pytestmark = pytest.mark.django_db

EXTERNAL_IDS = [f"E{i}" for i in range(8)]
PRODUCTS = ["T1", "C1", "N1"]
# Around Shanghai midnight (16:00 UTC) on three days, so UTC and China days differ.
MOMENTS = [dt.datetime(2026, 3, d, h, m, tzinfo=SH) for d in (1, 2, 3) for h, m in ((0, 10), (9, 0), (23, 50))]


@pytest.mark.parametrize("path", ["chosen", "indexed"])
def test_incremental_summary_equals_full_recompute(org, make_customer, tmp_path, path, monkeypatch) -> None:
    from django.db import connection

    from guanxi.orders import summary

    if path == "indexed":
        if connection.vendor != "postgresql":
            pytest.skip("only PostgreSQL walks the indexes in a form of its own")
        # Every batch refresh walks the indexes (in these small tables it would otherwise hash).
        monkeypatch.setattr(summary, "INDEXED_UP_TO", float("inf"))
    catalogue()
    made = iter(range(10_000))

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # A sale with returns may since have been re-sent as a return itself, so returns refer to
            # returns: unlink every original (PROTECT) before deleting.
            Order.objects.exclude(original=None).update(original=None)
            OrderLine.objects.all().delete()
            Order.objects.all().delete()
            PurchaseSummary.objects.all().delete()
            self.customers = [make_customer(f"客户{next(made)}", actor=org.admin) for _ in range(3)]
            self.sent: dict[str, OrderData] = {}

        def _active(self) -> list[Customer]:
            return [c for c in Customer.objects.filter(pk__in=[c.pk for c in self.customers], archived_at__isnull=True)]

        def _order(self, data: Any, ext: str, kind: str = "sale", original: str = "") -> OrderData:
            customers = self._active()
            customer = data.draw(st.sampled_from(customers)).code if data.draw(st.integers(0, 9)) else "unknown"
            sign = -1 if kind == "return" else 1
            lines = [LineData(product_code=data.draw(st.sampled_from(PRODUCTS)),
                              quantity=Decimal(sign * data.draw(st.integers(1, 4))),
                              unit_price=Decimal(data.draw(st.sampled_from(["9.99", "20", "50", "0.10"]))),
                              discount=Decimal(sign * data.draw(st.sampled_from([0, 0, 1]))))
                     for _ in range(data.draw(st.integers(1, 3)))]
            return OrderData(source="pos", external_id=ext, customer_code=customer, lines=lines,
                             ordered_at=data.draw(st.sampled_from(MOMENTS)), kind=kind, original_external_id=original,
                             store_code=data.draw(st.sampled_from(["", "sh", "gz"])),
                             status=data.draw(st.sampled_from(["placed", "paid", "delivered", "cancelled"])))

        def _send(self, orders: list[OrderData]) -> None:
            outcome = orders_upsert(actor=org.admin, orders=orders)
            failed = {(f.source, f.external_id) for f in outcome.failures}
            for o in orders:
                if (o.source, o.external_id) not in failed:
                    self.sent[o.external_id] = o

        @rule(data=st.data())
        def send_batch(self, data: Any) -> None:
            ids = data.draw(st.lists(st.sampled_from(EXTERNAL_IDS), min_size=1, max_size=4, unique=True))
            self._send([self._order(data, ext) for ext in ids])

        @rule(data=st.data())
        def import_a_file(self, data: Any) -> None:
            ids = data.draw(st.lists(st.sampled_from(EXTERNAL_IDS), min_size=1, max_size=3, unique=True))
            orders = [self._order(data, ext) for ext in ids]
            rows = ["source,external_id,customer_code,store_code,status,ordered_at,product_code,quantity,"
                    "unit_price,discount"]
            rows += [f"{o.source},{o.external_id},{o.customer_code},{o.store_code},{o.status},"
                     f"{o.ordered_at.isoformat()},{li.product_code},{li.quantity},{li.unit_price},{li.discount}"
                     for o in orders for li in o.lines]
            path = tmp_path / "orders.csv"
            path.write_text("\n".join(rows) + "\n", encoding="utf-8")
            result = import_file(actor=org.admin, path=path, apply_valid_only=True)
            failed = {f.external_id for f in result.outcome.failures}
            self.sent.update({o.external_id: o for o in orders if o.external_id not in failed})

        @rule(data=st.data())
        def send_a_return(self, data: Any) -> None:
            sales = [e for e, o in self.sent.items() if o.kind == "sale"]
            if not sales:
                return
            free = [e for e in EXTERNAL_IDS if e not in self.sent] or EXTERNAL_IDS
            ext = data.draw(st.sampled_from(free))
            original = data.draw(st.sampled_from(sales))
            sent = self._order(data, ext, kind="return", original=original)
            if data.draw(st.integers(0, 4)):
                # Mostly the original's customer, as a return must have (else the return fails).
                sent.customer_code = self.sent[original].customer_code
            self._send([sent])

        @rule(data=st.data())
        def resend_with_new_status(self, data: Any) -> None:
            if not self.sent:
                return
            ext = data.draw(st.sampled_from(sorted(self.sent)))
            before = self.sent[ext]
            status = data.draw(st.sampled_from(["paid", "shipped", "delivered", "cancelled"]))
            self._send([OrderData(**{**before.__dict__, "status": status})])

        @rule(data=st.data())
        def merge_two_customers(self, data: Any) -> None:
            from guanxi.dedupe.services import customers_merge

            active = self._active()
            if len(active) < 2:
                return
            survivor, merged = data.draw(st.permutations(active))[:2]
            customers_merge(actor=org.admin, survivor=survivor, merged=[merged],
                            versions={survivor.pk: survivor.version, merged.pk: merged.version}, choices={})

        @invariant()
        def summary_equals_recompute(self) -> None:
            # The incremental refresh of each batch (walking the indexes when `path` is "indexed"),
            # then the rebuild of every customer at once (the path of large files): both must agree
            # with the Python reference.
            expected = expected_summaries()
            for label in ("incremental", "rebuilt"):
                if label == "rebuilt":
                    summary.rebuild_all()
                actual = actual_summaries()
                assert sorted(actual) == sorted(expected), label
                diff = [(c, k, actual[c][k], v) for c, row in expected.items() for k, v in row.items()
                        if actual[c][k] != v]
                assert diff == [], label

    run_state_machine_as_test(Machine, settings=settings(
        max_examples=20, stateful_step_count=8, deadline=None, database=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
