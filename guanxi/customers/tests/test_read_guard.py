"""The customer list and search at 10,000 customers read what guanxi/customers/tests/read_guard.json
pins: queries per request, their scans and (PostgreSQL) estimated rows read. See
guanxi/testing/read_guard.py for the rules;

    GUANXI_UPDATE_READ_GUARD=1 .venv/bin/python -m pytest guanxi/customers/tests/test_read_guard.py

rewrites the pinned reads of the database it runs on (once more with GUANXI_DATABASE_URL for
PostgreSQL). The demo data is loaded once for the module and flushed after it (the rows the
migrations seeded are put back); the module's tests stay on one xdist worker (`make test`
distributes by group).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test import Client

from guanxi.accounts.demo import DEMO_PASSWORD
from guanxi.accounts.models import User
from guanxi.accounts.services import api_token_create
from guanxi.core.pagination import encode_cursor
from guanxi.core.registry import DemoContext, ListColumn, registry
from guanxi.customers.models import Customer, Tag
from guanxi.customers.schemas import CustomerOut
from guanxi.testing import read_guard
from guanxi.testing.read_guard import Reading, assert_reads, check_reads, read_request

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("read_guard")]

CUSTOMERS = 10_000
DEMO_SEED = 20261123  # `guanxi demo`'s default: the data the benchmarks and `make run` show
USERS = ("admin", "rep1")  # all 10,000 customers; rep1's own (about 2,000 at this size: 5 reps)
# The names exist at the demo's default seed (20261123): 张伟 once, zhangwei 6, zw 33, 5678 15 for
# admin; rep1 has none of the first two, so those take the no-match path.
API_SEARCHES = ("张伟", "zhangwei", "zw", "5678")
HTML_SEARCHES = ("张伟", "zw")
PURCHASE_SORT = "-net_spend"  # a purchase column, as users sort the list
PAGE = 50
# The scenarios the guard's own tests break on purpose.
LISTS = ("api admin list page 1", "html admin list", "html rep1 list")
# The lists that show the registered columns (the API returns the customer's own fields only).
COLUMN_LISTS = ("html admin list", "html rep1 list")


@dataclass(frozen=True)
class Demo:
    tokens: dict[str, str]  # username → bearer token
    deep: dict[str, str]  # username → cursor of the row half-way down their list


@dataclass(frozen=True)
class Scenario:
    user: str
    auth: str  # "token" (the API, as clients call it) or "session" (the HTML pages)
    url: str


# Demo generators that add nothing the customer list or search reads; skipped to keep the load short.
SKIPPED_GENERATORS = {
    "contacts": "contact people, found by their own search (/contacts), not in the customer list",
    "assets": "asset holdings, shown on the customer page only",
    "duplicates": "six duplicate pairs for the dedupe queue",
    "digests": "the reminder digests of the home page",
}


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Demo]:
    """The demo's data at 10,000 customers (the generators `guanxi demo` runs, but for those the list
    does not read), ANALYZEd on PostgreSQL as `guanxi demo` does; loaded and committed once, then
    flushed, and the migrations' rows put back."""
    assert set(SKIPPED_GENERATORS) <= {g.name for g in registry.demo_generators}
    with django_db_blocker.unblock():
        # What the migrations seeded (holidays, schedules, content types): the tests after this
        # module on the same worker expect it, as after any test (Django's serialized rollback).
        seeded = connection.creation.serialize_db_to_string()
    try:
        with django_db_blocker.unblock():
            loaded = _load()
        yield loaded
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0, reset_sequences=False,
                         inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(seeded)
            read_guard.forget_table_sizes()


def _load() -> Demo:
    ctx = DemoContext(seed=DEMO_SEED, customers=CUSTOMERS, stdout=lambda line: None)
    for generator in registry.demo_generators:
        if generator.name not in SKIPPED_GENERATORS:
            generator.run(ctx)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM too: whether autovacuum has set the visibility map yet decided between an
            # index-only scan and a full scan of a rep's 2,000 of 10,000 customers (a flaky plan).
            # Earlier tests of the same worker leave dead entries in these indexes (rolled-back
            # rows); a bloated index priced a rep's 2,000-row index scan above a full scan in CI.
            for table in ("customers_customer", "customers_searchtoken", "customers_customersearch",
                          "customers_customer_tags", "orders_purchasesummary", "analytics_customermetrics",
                          "interactions_contactsummary"):
                cursor.execute(f"REINDEX TABLE {table}")
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    read_guard.forget_table_sizes()
    tokens: dict[str, str] = {}
    deep: dict[str, str] = {}
    for username in USERS:
        token = api_token_create(username=username, password=DEMO_PASSWORD)
        assert token is not None
        tokens[username] = token
        user = User.objects.get(username=username)
        rows = Customer.objects.visible_to(user).active().order_by("name_sort", "pk")
        value, pk = rows.values_list("name_sort", "pk")[rows.count() // 2]
        deep[username] = encode_cursor(value, pk, "next")
    return Demo(tokens=tokens, deep=deep)


def scenarios(demo: Demo) -> dict[str, Scenario]:
    """Every request the guard pins, by name."""
    def api(**query: object) -> str:
        return "/api/v1/customers?" + urllib.parse.urlencode({"limit": PAGE, **query})

    def html(**query: object) -> str:
        return "/customers/" + (f"?{urllib.parse.urlencode(query)}" if query else "")

    found: dict[str, Scenario] = {}
    for user in USERS:
        found[f"api {user} list page 1"] = Scenario(user, "token", api())
        found[f"api {user} list deep page"] = Scenario(user, "token", api(cursor=demo.deep[user]))
        for q in API_SEARCHES:
            found[f"api {user} search {q}"] = Scenario(user, "token", api(q=q))
        found[f"api {user} sort {PURCHASE_SORT}"] = Scenario(user, "token", api(sort=PURCHASE_SORT))
        found[f"html {user} list"] = Scenario(user, "session", html())
        for q in HTML_SEARCHES:
            found[f"html {user} search {q}"] = Scenario(user, "session", html(q=q))
        found[f"html {user} sort {PURCHASE_SORT}"] = Scenario(user, "session", html(sort=PURCHASE_SORT))
    # Every sortable column the apps registered (purchase figures, analytics), descending as users
    # look for their best customers; a column added later is measured, and missing from the baseline.
    for name in registry.list_sort_names():
        if name.startswith("-"):
            found.setdefault(f"api admin sort {name}", Scenario("admin", "token", api(sort=name)))
    return found


def measure(demo: Demo, wanted: Mapping[str, Scenario]) -> dict[str, Reading]:
    """Each scenario once to warm caches (content types, custom fields, the token's last use), then read."""
    clients: dict[tuple[str, str], Client] = {}
    for user in USERS:
        session = Client()
        session.force_login(User.objects.get(username=user))
        clients[(user, "session")] = session
        clients[(user, "token")] = Client(headers={"Authorization": f"Bearer {demo.tokens[user]}"})
    readings: dict[str, Reading] = {}
    for name, scenario in wanted.items():
        client = clients[(scenario.user, scenario.auth)]
        assert client.get(scenario.url).status_code == 200, f"{name}: GET {scenario.url}"
        readings[name] = read_request(client, scenario.url)
    return readings


def pinned(readings: Mapping[str, Reading]) -> dict[str, Any]:
    """Readings as a baseline, the way GUANXI_UPDATE_READ_GUARD writes them."""
    return {name: reading.to_json() for name, reading in readings.items()}


def test_list_and_search_read_what_the_baseline_pins(demo: Demo) -> None:
    assert_reads("customers", measure(demo, scenarios(demo)))


def _subset(demo: Demo) -> dict[str, Scenario]:
    every = scenarios(demo)
    return {name: every[name] for name in LISTS}


def test_the_guard_fails_on_a_query_per_row(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list column whose cell reads the database, and an API row that does: 50 queries more."""
    clean = measure(demo, _subset(demo))
    assert check_reads(connection, measure(demo, _subset(demo)), pinned(clean)) == []

    def tag_count(row: Any) -> str:
        return str(Tag.objects.filter(customers=row).count())  # one query per row: what the guard is for

    original = CustomerOut.from_customer

    def from_customer(customer: Customer) -> dict[str, Any]:
        Tag.objects.filter(customers=customer).exists()
        return original(customer)

    probe = ListColumn(key="guard_probe", label="probe", value=tag_count)
    monkeypatch.setattr(CustomerOut, "from_customer", staticmethod(from_customer))
    with registry.override(list_columns=[*registry.list_columns, probe]):
        problems = check_reads(connection, measure(demo, _subset(demo)), pinned(clean))
    for name in LISTS:
        before = len(clean[name].queries)
        assert any(p.startswith(f"{name}: {before + PAGE} queries, the baseline says {before} ")
                   for p in problems), (name, problems)
    assert len(problems) == len(LISTS), problems


def test_the_guard_fails_on_a_new_full_scan(demo: Demo) -> None:
    """A list column annotated with "another customer at the same address" (customers.address has
    no index): the query count stays, the list query now scans the customer table for every row."""
    clean = measure(demo, _subset(demo))

    def with_neighbour(qs: Any) -> Any:
        same = Customer.objects.filter(address=OuterRef("address")).exclude(pk=OuterRef("pk")).values("pk")[:1]
        return qs.annotate(guard_neighbour=Subquery(same))

    probe = ListColumn(key="guard_probe", label="probe", value=lambda row: "", annotate=with_neighbour,
                       reads=("guard_neighbour",))
    with registry.override(list_columns=[*registry.list_columns, probe]):
        faulty = measure(demo, _subset(demo))
    problems = check_reads(connection, faulty, pinned(clean))
    table = Customer._meta.db_table
    for name in COLUMN_LISTS:
        assert len(faulty[name].queries) == len(clean[name].queries), name
        assert any(p.startswith(f"{name}: query ") and f"now scans {table} in full" in p for p in problems), (
            name, problems)
        if connection.vendor == "postgresql":
            assert any(p.startswith(f"{name}: query ") and "reads an estimated" in p for p in problems), (
                name, problems)


def test_the_guard_ignores_a_baseline_it_matches_and_names_what_is_missing() -> None:
    """The comparison alone: equal readings pass; a scenario missing from either side is named."""
    read = read_guard.QueryRead(statement="SELECT", table="t", scans=("SEARCH t USING INDEX i (a=?)",))
    reading = Reading(url="/x", queries=[read])
    assert check_reads(connection, {"s": reading}, pinned({"s": reading})) == []
    assert check_reads(connection, {"new": reading}, {}) == [
        f"new: not in the baseline (run with {read_guard.UPDATE_ENV}=1 to add it)"]


def test_rows_read_follow_the_planner_rule() -> None:
    """A Limit over an index walk reads what it keeps; a Limit over a Sort reads everything sorted;
    the inner side of a nested loop reads once per outer row; a Seq Scan reads the whole table."""
    sizes = {"big": 10_000}.__getitem__
    walk = {"Node Type": "Limit", "Plan Rows": 51, "Plans": [
        {"Node Type": "Index Scan", "Relation Name": "big", "Index Name": "big_name", "Plan Rows": 10_000,
         "Parent Relationship": "Outer"}]}
    assert read_guard.pg_read("SELECT", "big", walk, sizes).rows == 51
    sort = {"Node Type": "Limit", "Plan Rows": 51, "Plans": [
        {"Node Type": "Sort", "Plan Rows": 2_000, "Parent Relationship": "Outer", "Plans": [
            {"Node Type": "Seq Scan", "Relation Name": "big", "Plan Rows": 2_000, "Parent Relationship": "Outer"}]}]}
    read = read_guard.pg_read("SELECT", "big", sort, sizes)
    assert (read.rows, read.scans) == (10_000, ("Seq Scan on big",))
    assert read_guard.full_scan_tables(read.scans) == ["big"]
    loop = {"Node Type": "Nested Loop", "Plan Rows": 50, "Plans": [
        {"Node Type": "Index Scan", "Relation Name": "big", "Index Name": "big_pk", "Plan Rows": 50,
         "Parent Relationship": "Outer"},
        {"Node Type": "Index Scan", "Relation Name": "small", "Index Name": "small_pk", "Plan Rows": 2,
         "Parent Relationship": "Inner"}]}
    assert read_guard.pg_read("SELECT", "big", loop, sizes).rows == 50 + 50 * 2


def test_sqlite_aliases_resolve_to_their_tables() -> None:
    """Django calls the table of every subquery U0: each plan line gets the table its index belongs
    to, or the one its alias has left; a plain SCAN of a shared alias counts as a full scan of it."""
    sql = ('SELECT "c"."id", (SELECT U0."at" FROM "contact" U0 WHERE U0."cid" = "c"."id") FROM "c" '
           'WHERE "c"."id" IN (SELECT U0."cid" FROM "search" U0 WHERE U0."doc" LIKE %s)')
    lines = ["SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", "LIST SUBQUERY 2", "SCAN U0",
             "CORRELATED SCALAR SUBQUERY 1", "SEARCH U0 USING INDEX contact_cid (cid=?)"]
    read = read_guard.sqlite_read("SELECT", "c", sql, lines, {"contact_cid": "contact"})
    assert read.scans == ("SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", "SCAN search",
                          "SEARCH contact USING INDEX contact_cid (cid=?)")
    assert read_guard.full_scan_tables(read.scans) == ["search"]
    assert read_guard.main_table(sql) == "c"
