"""Deterministic demo contacts, tasks and appointments for the demo customers.

About nine visits per rep per month (the seed's 313 visits in three months by a small team), three
times as many calls, some email, SMS and chat; a visit was usually agreed beforehand (约访), and some
appointments were moved, cancelled or missed. Everything random comes from one `random.Random` seeded
from the demo seed. Rows go in with COPY on PostgreSQL and batched inserts elsewhere; at a million
customers (500 reps) that is about 70,000 contacts, written in seconds.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from itertools import accumulate
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from guanxi.core import calendar
from guanxi.core.bulk import Model, TableWriter
from guanxi.core.registry import DemoContext
from guanxi.customers.models import Customer
from guanxi.interactions.models import (
    Appointment,
    AppointmentEvent,
    ContactSummary,
    Interaction,
    Task,
    VisitTarget,
)

HISTORY_DAYS = 91
VISITS_PER_MONTH = 9
TARGET_PER_MONTH = 12
NOTES = {
    "T": ["电话回访，客户对新品感兴趣", "电话确认下周拜访时间", "客户未接电话，稍后再打", "电话沟通节日促销活动",
          "询问上次订货的使用情况", "客户反映价格偏高，已解释"],
    "V": ["上门拜访，检查陈列和库存", "拜访门店，老板提出补货需求", "上门送货并收集意见", "拜访客户，介绍理财新产品",
          "巡回访问，店面整洁"],
    "M": ["在分行面谈，讨论资产配置", "客户来访，面谈续约事宜", "约见客户喝茶，了解家庭近况"],
    "E": ["发送新品目录", "邮件发送对账单", "邮件回复客户咨询"],
    "S": ["短信通知到货", "节日问候短信", "短信提醒还款日期"],
    "W": ["微信沟通订货数量", "微信发送活动海报", "微信回复客户问题"],
}
OUTCOMES = ["reached", "reached", "reached", "interested", "no_answer", "not_interested", "ordered"]
TABLES: dict[Model, list[str]] = {
    Task: [
        "id", "owner_id", "customer_id", "kind", "title", "notes", "priority", "start_on", "due_on", "due_time",
        "done_at", "position", "source_key", "created_by_id", "created_at", "updated_at",
    ],
    Appointment: [
        "id", "task_id", "customer_id", "owner_id", "status", "planned_on", "planned_time", "confirmed_at",
        "rescheduled_count", "created_at", "updated_at",
    ],
    AppointmentEvent: ["id", "appointment_id", "action", "at", "actor_id", "old_on", "new_on", "note"],
    Interaction: [
        "id", "customer_id", "user_id", "channel", "direction", "at", "duration_minutes", "notes", "outcome",
        "next_step", "next_step_on", "next_task_id", "created_by_id", "created_at",
    ],
    ContactSummary: ["customer_id", "last_at", "last_channel", "last_visit_at", "contacts"],
}
def _next_id(using: str, model: Any) -> int:
    return (model.objects.using(using).order_by("-id").values_list("id", flat=True).first() or 0) + 1


def _working_moment(rng: random.Random, day: dt.date, tz: Any) -> dt.datetime:
    minutes = rng.randrange(9 * 60, 18 * 60)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)), tz)


def generate(ctx: DemoContext) -> None:
    started = time.monotonic()
    rng = random.Random(ctx.seed * 1_000_003 + 17)
    reps = ctx.data["reps"]
    tz = timezone.get_default_timezone()
    now = timezone.now()
    today = timezone.localdate(now)
    schedule = calendar.load_schedule()
    history = [today - dt.timedelta(days=n) for n in range(1, HISTORY_DAYS + 1)]
    history = [d for d in history if schedule.is_workday(d)] or history
    ahead = [today + dt.timedelta(days=n) for n in range(0, 15)]
    ahead = [d for d in ahead if schedule.is_workday(d)] or ahead
    by_owner: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, owner_id, importance in (Customer.objects.using(ctx.using).filter(archived_at__isnull=True)
                                     .order_by("pk").values_list("pk", "owner_id", "importance")
                                     .iterator(chunk_size=20000)):
        by_owner[owner_id].append((pk, importance))
    weight = {"A": 4.0, "B": 2.0, "C": 1.0}
    ctx.progress("interactions", 0, len(reps))
    with transaction.atomic(using=ctx.using), TableWriter(ctx.using, TABLES) as writer:
        ids = {"task": _next_id(ctx.using, Task), "appointment": _next_id(ctx.using, Appointment),
               "event": _next_id(ctx.using, AppointmentEvent), "interaction": _next_id(ctx.using, Interaction)}
        summaries: dict[int, list[Any]] = {}
        contacts = 0
        for done, rep in enumerate(reps, start=1):
            ctx.progress("interactions", done, len(reps))
            own = by_owner.get(rep.pk)
            if not own:
                continue
            # Summed once per rep: `choices(weights=…)` would sum the 2,000 weights at every draw (the same
            # sums, so the same draws).
            cum_weights = list(accumulate(weight.get(imp, 1.0) for _pk, imp in own))
            months = HISTORY_DAYS / 30.4
            visits = max(0, round(rng.gauss(VISITS_PER_MONTH * months, 3)))
            others = {"T": visits * 3, "E": visits // 3, "S": visits // 3, "W": visits // 2}
            plan = [("V" if rng.random() < 0.8 else "M") for _ in range(visits)]
            for channel, n in others.items():
                plan += [channel] * n
            position = 0
            for channel in plan:
                customer_id = rng.choices(own, cum_weights=cum_weights)[0][0]
                at = _working_moment(rng, rng.choice(history), tz)
                in_person = channel in ("V", "M")
                if in_person and rng.random() < 0.7:
                    # Agreed beforehand: an appointment that ended in this visit (some moved once).
                    task_id, appointment_id = ids["task"], ids["appointment"]
                    ids["task"] += 1
                    ids["appointment"] += 1
                    moved = rng.random() < 0.15
                    booked = at - dt.timedelta(days=rng.randint(2, 7))
                    writer.add(Task, (
                        task_id, rep.pk, customer_id, "visit", "拜访客户", "", 2, None, at.date(), None, at, 0, "",
                        rep.pk, booked, at))
                    writer.add(Appointment, (
                        appointment_id, task_id, customer_id, rep.pk, "visited", at.date(), None,
                        booked + dt.timedelta(hours=2), 1 if moved else 0, booked, at))
                    steps = [("confirm", None)] + ([("reschedule", at.date())] if moved else []) + [("visited", None)]
                    for action, new_on in steps:
                        writer.add(AppointmentEvent, (
                            ids["event"], appointment_id, action, booked + dt.timedelta(hours=2), rep.pk,
                            at.date() - dt.timedelta(days=1) if new_on else at.date(), new_on or at.date(), ""))
                        ids["event"] += 1
                interaction_id = ids["interaction"]
                ids["interaction"] += 1
                writer.add(Interaction, (
                    interaction_id, customer_id, rep.pk, channel, "in" if rng.random() < 0.15 else "out", at,
                    rng.choice([5, 10, 15, 30, 45, 60]) if channel in ("T", "V", "M") else None,
                    rng.choice(NOTES[channel]), rng.choice(OUTCOMES) if channel in ("T", "V", "M") else "",
                    "", None, None, rep.pk, at))
                contacts += 1
                summary = summaries.get(customer_id)
                visit_at = at if in_person else None
                if summary is None:
                    summaries[customer_id] = [at, channel, visit_at, 1]
                else:
                    if at >= summary[0]:
                        summary[0], summary[1] = at, channel
                    if visit_at and (summary[2] is None or visit_at > summary[2]):
                        summary[2] = visit_at
                    summary[3] += 1
            # Appointments that did not end in a visit: cancelled or missed.
            for status, share in (("cancelled", 0.1), ("no_show", 0.05)):
                for _n in range(round(visits * share)):
                    customer_id = rng.choices(own, cum_weights=cum_weights)[0][0]
                    day = rng.choice(history)
                    booked = _working_moment(rng, day - dt.timedelta(days=3), tz)
                    task_id, appointment_id = ids["task"], ids["appointment"]
                    ids["task"] += 1
                    ids["appointment"] += 1
                    closed = _working_moment(rng, day, tz)
                    writer.add(Task, (
                        task_id, rep.pk, customer_id, "visit", "拜访客户", "", 2, None, day, None, closed, 0, "",
                        rep.pk, booked, closed))
                    writer.add(Appointment, (
                        appointment_id, task_id, customer_id, rep.pk, status, day, None, booked, 0, booked, closed))
                    action = "cancel" if status == "cancelled" else "no_show"
                    writer.add(AppointmentEvent, (
                        ids["event"], appointment_id, action, closed, rep.pk, day, day, ""))
                    ids["event"] += 1
            # Planned visits and calls for the next two weeks; some already confirmed.
            for n in range(rng.randint(4, 8)):
                customer_id = rng.choices(own, cum_weights=cum_weights)[0][0]
                day = rng.choice(ahead)
                position += 1
                task_id = ids["task"]
                ids["task"] += 1
                kind = "visit" if n % 2 == 0 else "call"
                writer.add(Task, (
                    task_id, rep.pk, customer_id, kind, "拜访客户" if kind == "visit" else "电话回访", "",
                    1 if n == 0 else 2, None, day, None, None, position, "", rep.pk, now, now))
                if kind == "visit":
                    appointment_id = ids["appointment"]
                    ids["appointment"] += 1
                    confirmed = rng.random() < 0.5
                    writer.add(Appointment, (
                        appointment_id, task_id, customer_id, rep.pk, "confirmed" if confirmed else "planned", day,
                        None, now if confirmed else None, 0, now, now))
                    if confirmed:
                        writer.add(AppointmentEvent, (
                            ids["event"], appointment_id, "confirm", now, rep.pk, day, day, ""))
                        ids["event"] += 1
        for customer_id, (last_at, channel, visit_at, count) in sorted(summaries.items()):
            writer.add(ContactSummary, (customer_id, last_at, channel, visit_at, count))
        writer.flush()
        writer.reset_sequences()
        VisitTarget.objects.using(ctx.using).bulk_create(
            [VisitTarget(user=rep, visits_per_month=TARGET_PER_MONTH) for rep in reps], batch_size=1000,
            ignore_conflicts=True)
    ctx.stdout(f"interactions: {contacts:,} contacts, {ids['appointment'] - 1:,} appointments "
               f"in {time.monotonic() - started:.1f} s")


DIGEST_THREADS = 2


def prepare_digests(ctx: DemoContext) -> None:
    """Each demo user's reminder digest for today, as the daily job would have prepared it, so the home
    page shows the week's birthdays, holidays and maturities right after `guanxi demo`. Runs after
    every generator that adds reminders (customers, assets).

    On PostgreSQL the users are shared among two threads, each on its own connection: a digest is
    mostly waiting for its queries, so the two cores serve two users at once (500 users at a
    million customers), when nothing is left uncommitted that the other threads could not see."""
    from guanxi.accounts.models import User
    from guanxi.interactions.services import digest_prepare, digest_prepare_all

    started = time.monotonic()
    on = timezone.localdate()
    main = connections[ctx.using]
    # Other threads see only committed rows: in an open transaction (a test's), one thread does it all.
    if main.vendor != "postgresql" or ctx.using != "default" or main.in_atomic_block:
        count = digest_prepare_all(on=on, progress=lambda done, total: ctx.progress("digests", done, total))
    else:
        # (A fresh demo database has no digests older than a month for `digest_prepare_all` to drop.)
        users = list(User.objects.filter(is_active=True).select_related("role").order_by("pk"))
        done = [0]
        lock = threading.Lock()

        def prepare(share: list[User]) -> None:
            try:
                for user in share:
                    digest_prepare(user=user, on=on)
                    with lock:
                        done[0] += 1
            finally:
                connections.close_all()  # this worker thread's connections

        with ThreadPoolExecutor(max_workers=DIGEST_THREADS, thread_name_prefix="demo-digest") as pool:
            futures = [pool.submit(prepare, users[n::DIGEST_THREADS]) for n in range(DIGEST_THREADS)]
            while wait(futures, timeout=0.5).not_done:
                ctx.progress("digests", done[0], len(users))
            for future in futures:
                future.result()
        count = done[0]
        ctx.progress("digests", count, len(users))
    ctx.stdout(f"digests: {count:,} users in {time.monotonic() - started:.1f} s")
