import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from guanxi.core.errors import NotPermitted
from guanxi.core.registry import Reminder, registry
from guanxi.interactions import selectors, services
from guanxi.interactions.models import (
    Appointment,
    AppointmentEvent,
    ContactSummary,
    Interaction,
    ReminderDigest,
    Task,
    VisitCycle,
)

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=TZ)


@time_machine.travel(dt.datetime(2026, 3, 18, 12, 0, tzinfo=TZ), tick=False)
def test_logging_keeps_the_summary_and_a_next_step_becomes_a_task(org, make_customer) -> None:
    customer = make_customer("张三")
    first = services.interaction_log(actor=org.owner, customer=customer, data={
        "channel": "T", "at": at(10), "notes": "询问新品", "next_step": "送样品", "next_step_on": dt.date(2026, 3, 20)})
    services.interaction_log(actor=org.owner, customer=customer, data={"channel": "V", "at": at(12)})
    services.interaction_log(actor=org.owner, customer=customer, data={"channel": "E", "at": at(5)})
    summary = ContactSummary.objects.get(customer=customer)
    assert (summary.last_at, summary.last_channel, summary.last_visit_at, summary.contacts) == (at(12), "V", at(12), 3)
    task = Task.objects.get()
    assert (task.title, task.due_on, task.owner, task.customer) == ("送样品", dt.date(2026, 3, 20), org.owner, customer)
    assert first.next_task == task
    services.interaction_delete(actor=org.owner, interaction=Interaction.objects.get(channel="V"))
    summary.refresh_from_db()
    assert (summary.last_at, summary.last_channel, summary.last_visit_at, summary.contacts) == (at(10), "T", None, 2)


@time_machine.travel(dt.datetime(2026, 3, 18, 12, 0, tzinfo=TZ), tick=False)
@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, "channel", "This field is required."),
    ({"channel": "X"}, "channel", "Select a valid choice: E, M, O, S, T, V, W."),
    ({"channel": "T", "at": at(19)}, "at", "A contact cannot be logged in the future; plan it as a task instead."),
    ({"channel": "T", "duration_minutes": 5000}, "duration_minutes", "Enter between 0 and 1440 minutes."),
    ({"channel": "T", "next_step": "回电"}, "next_step_on", "Give the next step a date."),
    ({"channel": "T", "at": at(10), "next_step_on": dt.date(2026, 3, 1)}, "next_step_on",
     "The next step cannot be before the contact."),
    ({"channel": "T", "notes": "a\x00b"}, "notes", "Null characters are not allowed."),
    ({"channel": "T", "user_id": 999_999}, "user_id", "Choose a colleague you may assign work to."),
])
def test_bad_contact_input_names_the_field_and_saves_nothing(org, make_customer, data, field, message) -> None:
    customer = make_customer("张三")
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.interaction_log(actor=org.owner, customer=customer, data=data)
    assert excinfo.value.message_dict[field] == [message]
    assert Interaction.objects.count() == 0 and Task.objects.count() == 0 and ContactSummary.objects.count() == 0


def test_errors_are_translated(org, make_customer) -> None:
    customer = make_customer("张三")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        services.interaction_log(actor=org.owner, customer=customer, data={"channel": "T", "duration_minutes": "x"})
    assert list(excinfo.value.message_dict) == ["duration_minutes"]
    assert excinfo.value.message_dict["duration_minutes"] == [translation.gettext("Enter a whole number.")]
    with translation.override("zh-hans"):
        assert translation.gettext("This field is required.") != "This field is required."


def test_a_rep_cannot_log_for_an_archived_customer_or_remove_a_colleagues_contact(org, make_customer) -> None:
    from guanxi.customers.services import customer_archive

    customer = make_customer("张三")
    logged = services.interaction_log(actor=org.manager, customer=customer, data={"channel": "T"})
    with pytest.raises(NotPermitted):
        services.interaction_delete(actor=org.owner, interaction=logged)
    assert Interaction.objects.count() == 1
    customer_archive(actor=org.owner, customer=customer)
    customer.refresh_from_db()
    with pytest.raises(NotPermitted):
        services.interaction_log(actor=org.owner, customer=customer, data={"channel": "T"})
    assert Interaction.objects.count() == 1


def test_task_validation_and_scope(org, make_customer) -> None:
    theirs = make_customer("李四", actor=org.outsider)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.task_create(actor=org.owner, data={"title": " ", "due_on": "2026-13-01", "customer_id": theirs.pk,
                                                    "priority": 9, "owner_id": org.outsider.pk})
    assert excinfo.value.message_dict == {
        "title": ["This field is required."], "due_on": ["Enter a valid date (YYYY-MM-DD)."],
        "priority": ["Select a valid choice: 1, 2, 3."], "owner_id": ["Choose a colleague you may assign work to."],
        "customer_id": ["Choose a customer you may see."],
    }
    assert Task.objects.count() == 0
    task = services.task_create(actor=org.manager, data={"title": "周报", "due_on": dt.date(2026, 3, 20),
                                                         "owner_id": org.owner.pk, "priority": 1})
    assert (task.owner, task.priority, task.created_by) == (org.owner, 1, org.manager)


@time_machine.travel(dt.datetime(2026, 3, 18, 9, 0, tzinfo=TZ), tick=False)  # a Wednesday
def test_moving_a_card_sets_its_date_and_order(org) -> None:
    today = dt.date(2026, 3, 18)
    a = services.task_create(actor=org.owner, data={"title": "a", "due_on": today})
    b = services.task_create(actor=org.owner, data={"title": "b", "due_on": today + dt.timedelta(days=1)})
    services.task_move(actor=org.owner, task=a, column="tomorrow", order=[a.pk, b.pk], today=today)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.due_on, a.position, b.position) == (dt.date(2026, 3, 19), 1, 2)
    services.task_move(actor=org.owner, task=a, column="week", order=[a.pk], today=today)
    a.refresh_from_db()
    assert a.due_on == dt.date(2026, 3, 20)  # the next working day after tomorrow
    with pytest.raises(ValidationError):
        services.task_move(actor=org.owner, task=a, column="someday", order=[], today=today)
    board = selectors.weekly_board(user=org.owner, owner=org.owner, today=today)
    assert [(key, [t.title for t in cards]) for key, _label, cards in board.columns] == [
        ("today", []), ("tomorrow", ["b"]), ("week", ["a"])]


@time_machine.travel(dt.datetime(2026, 3, 18, 9, 0, tzinfo=TZ), tick=False)
def test_appointment_life_and_its_rates(org, make_customer) -> None:
    customer = make_customer("张三")
    planned = services.appointment_plan(actor=org.owner, customer=customer, data={"due_on": dt.date(2026, 3, 20)})
    assert planned.task.kind == "visit" and planned.status == "planned"
    confirmed = services.appointment_act(actor=org.owner, appointment=planned, action="confirm")
    assert confirmed.status == "confirmed" and confirmed.confirmed_at is not None
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.appointment_act(actor=org.owner, appointment=confirmed, action="reschedule")
    assert excinfo.value.message_dict == {"new_on": ["This field is required."]}
    moved = services.appointment_act(actor=org.owner, appointment=confirmed, action="reschedule",
                                     new_on=dt.date(2026, 3, 23), note="客户出差")
    assert (moved.planned_on, moved.rescheduled_count, moved.task.due_on) == (dt.date(2026, 3, 23), 1, dt.date(2026, 3, 23))
    missed = services.appointment_act(actor=org.owner, appointment=moved, action="no_show")
    assert missed.status == "no_show" and missed.task.done_at is not None
    with pytest.raises(NotPermitted):
        services.appointment_act(actor=org.owner, appointment=missed, action="confirm")
    assert list(AppointmentEvent.objects.values_list("action", flat=True)) == ["confirm", "reschedule", "no_show"]
    other = services.appointment_plan(actor=org.owner, customer=customer, data={"due_on": dt.date(2026, 3, 25)})
    services.appointment_act(actor=org.owner, appointment=other, action="cancel")
    stats = selectors.visit_stats(user=org.owner, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    row = stats.rows[0]
    assert (row.appointments, row.rate("confirm"), row.rate("reschedule"), row.rate("no_show"), row.rate("cancel")) == (
        2, 0.5, 0.5, 0.5, 0.5)


@time_machine.travel(dt.datetime(2026, 3, 31, 12, 0, tzinfo=TZ), tick=False)
def test_visit_statistics_per_rep_and_month_against_target(org, make_customer) -> None:
    customer = make_customer("张三")
    for day, channel in [(2, "V"), (3, "M"), (4, "T"), (5, "V")]:
        services.interaction_log(actor=org.owner, customer=customer, data={"channel": channel, "at": at(day)})
    services.interaction_log(actor=org.teammate, customer=make_customer("李四", actor=org.teammate),
                             data={"channel": "V", "at": at(6)})
    services.visit_target_set(actor=org.manager, user_id=org.owner.pk, visits_per_month=9)
    stats = selectors.visit_stats(user=org.manager, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    by_rep = {r.rep: r for r in stats.rows}
    assert (by_rep["owner"].visits, by_rep["owner"].contacts, by_rep["owner"].target) == (3, 4, 9)
    assert by_rep["owner"].by_channel == {"V": 2, "M": 1, "T": 1}
    assert (by_rep["teammate"].visits, by_rep["teammate"].target) == (1, 20)
    assert stats.totals.visits == 4
    mine = selectors.visit_stats(user=org.owner, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert [r.rep for r in mine.rows] == ["owner"]
    weekly = selectors.visit_stats(user=org.owner, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), bucket="week")
    assert [(r.period, r.visits) for r in weekly.rows] == [(dt.date(2026, 3, 2), 3)]
    with pytest.raises(ValidationError):
        services.visit_target_set(actor=org.manager, user_id=org.outsider.pk, visits_per_month=5)


@time_machine.travel(dt.datetime(2026, 3, 18, 12, 0, tzinfo=TZ), tick=False)
def test_due_list_orders_by_importance_then_days_overdue(org, make_customer) -> None:
    services.visit_cycle_set(actor=org.admin, importance="B", days=10)
    a_late = make_customer("甲", importance="A")
    b_later = make_customer("乙", importance="B")
    b_late = make_customer("丙", importance="B")
    fresh = make_customer("丁", importance="A")
    own_cycle = make_customer("戊", importance="C", kind="organization", visit_cycle_days=3)
    for customer, day in [(a_late, 1), (b_later, 1), (b_late, 6), (fresh, 17), (own_cycle, 14)]:
        services.interaction_log(actor=org.owner, customer=customer, data={"channel": "T", "at": at(day)})
    rows = selectors.due_rows(user=org.owner, rep=org.owner)
    assert [(r.name, r.days_overdue) for r in rows] == [("甲", 3), ("乙", 7), ("丙", 2), ("戊", 1)]
    assert selectors.due_rows(user=org.outsider, rep=org.outsider) == []
    with pytest.raises(ValidationError):
        services.visit_cycle_set(actor=org.admin, importance="A", days=0)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied for a non-administrator
        services.visit_cycle_set(actor=org.manager, importance="A", days=5)
    assert VisitCycle.objects.get(importance="A").days == 14


@time_machine.travel(dt.datetime(2026, 3, 16, 8, 0, tzinfo=TZ), tick=False)  # a Monday
def test_round_plan_spreads_due_visits_over_working_days(org, make_customer) -> None:
    customers = [make_customer(f"客户{n}", importance="A") for n in range(7)]
    for customer in customers:
        services.interaction_log(actor=org.owner, customer=customer, data={"channel": "T", "at": at(1)})
    plan = selectors.round_plan(user=org.owner, rep=org.owner, start=dt.date(2026, 3, 16), end=dt.date(2026, 3, 22))
    assert [(d.day, len(d.rows)) for d in plan] == [(dt.date(2026, 3, 16), 2), (dt.date(2026, 3, 17), 2),
                                                     (dt.date(2026, 3, 18), 2), (dt.date(2026, 3, 19), 1)]
    created = services.round_plan_create(actor=org.owner, rep=org.owner,
                                         plan=[(r.customer_id, d.day) for d in plan for r in d.rows])
    assert len(created) == 7 and Appointment.objects.count() == 7
    again = services.round_plan_create(actor=org.owner, rep=org.owner,
                                       plan=[(r.customer_id, d.day) for d in plan for r in d.rows])
    assert again == [] and Task.objects.filter(kind="visit").count() == 7
    assert selectors.round_plan(user=org.owner, rep=org.owner, start=dt.date(2026, 3, 16),
                                end=dt.date(2026, 3, 22)) == []


@pytest.fixture
def birthday_source():
    def source(user, start, end):
        day = dt.date(2026, 3, 20)
        return [Reminder(on=day, kind="birthday", title=f"{user.username} 客户生日")] if start <= day <= end else []

    with registry.override(reminder_sources=[*registry.reminder_sources, source]):
        yield


def test_a_reminder_becomes_one_task_and_the_digest_is_prepared(org, birthday_source) -> None:
    digest = services.digest_prepare(user=org.owner, on=dt.date(2026, 3, 18))
    item = next(i for i in digest.items if i["kind"] == "birthday")
    assert item["title"] == "owner 客户生日"
    task = services.reminder_to_task(actor=org.owner, on=dt.date(2026, 3, 20), key=item["key"])
    assert (task.kind, task.due_on, task.title) == ("greeting", dt.date(2026, 3, 20), "owner 客户生日")
    assert services.reminder_to_task(actor=org.owner, on=dt.date(2026, 3, 20), key=item["key"]) == task
    with pytest.raises(ValidationError):  # another user's reminder key is not theirs
        services.reminder_to_task(actor=org.teammate, on=dt.date(2026, 3, 20), key=item["key"])
    assert Task.objects.count() == 1
    assert services.digest_prepare_all(on=dt.date(2026, 3, 18)) == 5
    assert services.digest_prepare_all(on=dt.date(2026, 3, 18)) == 5
    assert ReminderDigest.objects.count() == 5


def test_the_daily_digest_job_is_scheduled_once() -> None:
    from django_q.models import Schedule

    from guanxi.interactions.tasks import DIGEST_SCHEDULE, prepare_digests

    schedule = Schedule.objects.get(name=DIGEST_SCHEDULE)
    assert (schedule.func, schedule.schedule_type) == ("guanxi.interactions.tasks.prepare_digests", "D")
    assert prepare_digests() == 0


@time_machine.travel(dt.datetime(2026, 3, 18, 12, 0, tzinfo=TZ), tick=False)
def test_contact_grid_and_timeline(org, make_customer) -> None:
    zhang = make_customer("张三", importance="A")
    li = make_customer("李四", importance="C")
    services.interaction_log(actor=org.owner, customer=zhang, data={"channel": "T", "at": at(2, 9), "notes": "报价"})
    services.interaction_log(actor=org.owner, customer=zhang, data={"channel": "V", "at": at(2, 15)})
    services.interaction_log(actor=org.owner, customer=li, data={"channel": "E", "at": at(17)})
    services.task_create(actor=org.owner, data={"title": "回访", "due_on": dt.date(2026, 3, 19), "customer_id": zhang.pk})
    grid = selectors.contact_grid(user=org.owner, rep=org.owner, start=dt.date(2026, 3, 18), span="month")
    assert len(grid.days) == 31
    rows = {r.customer.name: r for r in grid.rows}
    assert rows["张三"].cells[1] == [("T", "报价"), ("V", "")] and rows["张三"].overdue
    assert rows["李四"].cells[16] == [("E", "")] and not rows["李四"].overdue
    week = selectors.contact_grid(user=org.owner, rep=org.owner, start=dt.date(2026, 3, 18), span="week", limit=1)
    assert [d.day for d in week.days] == list(range(16, 23)) and len(week.rows) == 1 and week.next_cursor
    assert selectors.contact_grid(user=org.outsider, rep=org.outsider, start=dt.date(2026, 3, 18)).rows == []
    entries = registry.timeline(zhang, org.owner, None, 10)
    assert [e.kind for e in entries if e.kind != "created"][:3] == ["task-todo", "contact-V", "contact-T"]
    older = registry.timeline(zhang, org.owner, at(2, 15), 10)
    assert [e.kind for e in older][0] == "contact-T"
    assert timezone.localdate() == dt.date(2026, 3, 18)


def test_a_merge_moves_contacts_and_recomputes_the_survivors_summary(org, make_customer) -> None:
    survivor = make_customer("张三")
    merged = make_customer("张三丰")
    services.interaction_log(actor=org.owner, customer=survivor, data={"channel": "T", "at": at(1)})
    services.interaction_log(actor=org.owner, customer=merged, data={"channel": "V", "at": at(3)})
    services.summary_merge(merged.pk, survivor.pk)
    summary = ContactSummary.objects.get()
    assert (summary.customer_id, summary.last_channel, summary.last_visit_at, summary.contacts) == (
        survivor.pk, "V", at(3), 2)


@time_machine.travel(dt.datetime(2026, 3, 18, 12, 0, tzinfo=TZ), tick=False)
def test_due_list_is_computed_paged_and_counted_in_the_database(org, make_customer) -> None:
    never = make_customer("从未联系", importance="C")
    Customer = type(never)
    Customer.objects.filter(pk=never.pk).update(created_at=at(1) - dt.timedelta(days=120))
    late_night = make_customer("深夜", importance="A")
    # 00:30 on 4 March in China is still 3 March in UTC: the due date counts from the local day.
    services.interaction_log(actor=org.owner, customer=late_night,
                             data={"channel": "T", "at": dt.datetime(2026, 3, 4, 0, 30, tzinfo=TZ)})
    zero_cycle = make_customer("零周期", importance="B")
    Customer.objects.filter(pk=zero_cycle.pk).update(visit_cycle_days=0)  # as an import may leave it: the default
    services.interaction_log(actor=org.owner, customer=zero_cycle, data={"channel": "T", "at": at(2) - dt.timedelta(days=30)})
    archived = make_customer("已归档", importance="A")
    Customer.objects.filter(pk=archived.pk).update(archived_at=at(1))
    services.task_create(actor=org.owner, data={"title": "拜访", "kind": "visit", "due_on": dt.date(2026, 3, 25),
                                                "customer_id": late_night.pk})
    services.task_create(actor=org.owner, data={"title": "再拜访", "kind": "visit", "due_on": dt.date(2026, 3, 21),
                                                "customer_id": late_night.pk})
    rows = selectors.due_rows(user=org.owner, rep=org.owner)
    assert [(r.name, r.cycle, r.due_on, r.days_overdue, r.planned_on) for r in rows] == [
        ("深夜", 14, dt.date(2026, 3, 18), 0, dt.date(2026, 3, 21)),
        ("零周期", 30, dt.date(2026, 3, 2), 16, None),
        ("从未联系", 90, dt.date(2026, 1, 30), 47, None),
    ]
    first = selectors.due_page(user=org.owner, rep=org.owner, limit=2)
    assert [r.name for r in first.rows] == ["深夜", "零周期"] and first.total == 3
    rest = selectors.due_page(user=org.owner, rep=org.owner, offset=2, limit=2)
    assert [r.name for r in rest.rows] == ["从未联系"] and rest.total == 3
    beyond = selectors.due_page(user=org.owner, rep=org.owner, offset=10, limit=2)
    assert beyond.rows == [] and beyond.total == 3
    ahead = selectors.due_rows(user=org.owner, rep=org.owner, today=dt.date(2026, 3, 17), horizon_days=1)
    assert [(r.name, r.days_overdue) for r in ahead][:1] == [("深夜", -1)]
    assert selectors.due_page(user=org.outsider, rep=org.outsider).total == 0


def test_the_due_list_and_the_grid_take_a_fixed_number_of_queries(org, make_customer,
                                                                  django_assert_num_queries) -> None:
    def counted(n: int) -> None:
        for i in range(n):
            customer = make_customer(f"客户{n}-{i}", importance="A")
            services.interaction_log(actor=org.owner, customer=customer,
                                     data={"channel": "V", "at": timezone.now() - dt.timedelta(days=20 + i)})
            services.task_create(actor=org.owner, data={"title": "拜访", "kind": "visit", "customer_id": customer.pk,
                                                        "due_on": timezone.localdate() + dt.timedelta(days=1)})
        with django_assert_num_queries(3):  # visit cycles, the page with its total, its planned visits
            page = selectors.due_page(user=org.owner, rep=org.owner, limit=50)
        assert page.total >= n and all(r.planned_on for r in page.rows)
        with django_assert_num_queries(4):  # the customers, their summaries, their contacts, visit cycles
            grid = selectors.contact_grid(user=org.owner, rep=org.owner, start=timezone.localdate(), span="month")
        assert len(grid.rows) == page.total

    counted(2)
    counted(8)
