import datetime as dt

import pytest

from guanxi.core.registry import CustomerTab, DemoGenerator, Registry, Reminder, TimelineEntry, registry


def test_tabs_are_ordered_and_unique() -> None:
    reg = Registry()
    reg.add_customer_tab(CustomerTab(key="b", label="B", template="b.html", context=lambda r, c: {}, order=20))
    reg.add_customer_tab(CustomerTab(key="a", label="A", template="a.html", context=lambda r, c: {}, order=10))
    assert [t.key for t in reg.customer_tabs] == ["a", "b"]
    with pytest.raises(ValueError):
        reg.add_customer_tab(CustomerTab(key="a", label="A", template="a.html", context=lambda r, c: {}))


def test_timeline_merges_sources_newest_first() -> None:
    reg = Registry()
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    reg.add_timeline_source(lambda c, u, b, n: [TimelineEntry(at=t0, kind="a", title="old")])
    reg.add_timeline_source(lambda c, u, b, n: [TimelineEntry(at=t0 + dt.timedelta(days=1), kind="b", title="new")])
    assert [e.title for e in reg.timeline(None, None)] == ["new", "old"]
    assert [e.title for e in reg.timeline(None, None, limit=1)] == ["new"]


def test_reminders_sorted_by_date() -> None:
    reg = Registry()
    reg.add_reminder_source(lambda u, s, e: [Reminder(on=dt.date(2026, 2, 1), kind="x", title="b"),
                                             Reminder(on=dt.date(2026, 1, 1), kind="x", title="a")])
    assert [r.title for r in reg.reminders(None, dt.date(2026, 1, 1), dt.date(2026, 12, 31))] == ["a", "b"]


def test_demo_generators_run_in_order() -> None:
    reg = Registry()
    reg.add_demo_generator(DemoGenerator(name="late", order=50, run=lambda ctx: None))
    reg.add_demo_generator(DemoGenerator(name="early", order=5, run=lambda ctx: None))
    assert [g.name for g in reg.demo_generators] == ["early", "late"]


def test_installed_apps_registered_their_extensions() -> None:
    assert [t.key for t in registry.customer_tabs][:2] == ["profile", "timeline"]
    assert "phones" in registry.sensitive_fields
    assert [g.name for g in registry.demo_generators][:2] == ["organization", "customers"]


@pytest.mark.django_db
def test_registered_list_filter_and_column_reach_the_customer_list(client, org, make_customer) -> None:
    from guanxi.core.registry import ListColumn, ListFilter
    from guanxi.testing.base import login

    vip = ListFilter(key="vip", label="VIP only", choices=lambda user: [("yes", "yes")],
                     apply=lambda qs, value: qs.filter(importance="A"))
    shout = ListColumn(key="shout", label="Shout", value=lambda c: c.name + "!")
    make_customer("张三", importance="A")
    make_customer("李四", importance="C")
    login(client, org.owner)
    filters, columns = list(registry.list_filters), list(registry.list_columns)
    with registry.override(list_filters=[vip], list_columns=[shout]):
        html = client.get("/customers/", {"x_vip": "yes"}).content.decode()
        assert "张三!" in html and "李四" not in html and "VIP only" in html
        assert "李四!" in client.get("/customers/").content.decode()
    assert registry.list_filters == filters and registry.list_columns == columns


def test_override_swaps_registries_for_its_duration_only() -> None:
    def source(user, start, end):
        return [Reminder(on=start, kind="x", title="only inside")]

    before = list(registry.reminder_sources)
    with registry.override(reminder_sources=[source]) as swapped:
        assert swapped is registry and registry.reminder_sources == [source]
        assert [r.title for r in registry.reminders(None, dt.date(2026, 1, 1), dt.date(2026, 1, 1))] == ["only inside"]
    assert registry.reminder_sources == before and source not in registry.reminder_sources
    with pytest.raises(AttributeError, match="no registry named reminders"):
        with registry.override(reminders=[]):
            pass
    with pytest.raises(RuntimeError), registry.override(reminder_sources=[source]):
        raise RuntimeError("a failing test restores the registry too")
    assert registry.reminder_sources == before


@pytest.mark.django_db
def test_a_column_reading_an_annotation_nobody_adds_is_refused(client, org, make_customer) -> None:
    from guanxi.core.registry import ListColumn, MissingAnnotation
    from guanxi.testing.base import login

    # Before issue 16 the orders count read what the net spend column's annotate added, and showed
    # 0 for everyone when that column was gone. Alone, it now brings its own annotations.
    orders_count = next(c for c in registry.list_columns if c.key == "orders_count")
    assert orders_count.reads == ("purchase_orders",)
    make_customer("张三")
    login(client, org.owner)
    with registry.override(list_columns=[orders_count]):
        html = client.get("/customers/").content.decode()
    assert "张三" in html and '<td class="hide-sm">0</td>' in html
    careless = ListColumn(key="careless", label="Careless", value=lambda c: str(c.purchase_orders),
                          reads=("purchase_orders",))
    with registry.override(list_columns=[careless]), pytest.raises(MissingAnnotation, match="careless reads 'purchase_orders'"):
        client.get("/customers/")


def test_annotate_list_applies_a_shared_annotate_once() -> None:
    from django.db.models import Value

    from guanxi.core.registry import ListColumn
    from guanxi.customers.models import Customer

    calls = []

    def both(qs):
        calls.append(1)
        return qs.annotate(a=Value(1), b=Value(2))

    reg = Registry()
    columns = [ListColumn(key="a", label="A", value=str, annotate=both, reads=("a",)),
               ListColumn(key="b", label="B", value=str, annotate=both, reads=("b",))]
    qs = reg.annotate_list(Customer.objects.all(), columns)
    assert calls == [1] and set(qs.query.annotations) == {"a", "b"}
