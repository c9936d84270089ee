"""Reminders from the customer archive: birthdays (solar and lunar) of a user's customers and of
their family members, and organizations' founding anniversaries.

Registered with `registry.add_reminder_source` when `CustomersConfig.ready()` imports this module.

The date window is turned into (month, day) ranges the database filters and orders by
(`calendar.solar_day_ranges` / `lunar_day_ranges`), so only the candidates in the window leave the
database — at most `CAP` per query — and Python only settles the exact date (29 February, leap
months, 30th of a short month). A rep's query walks their own customers; an administrator's scans
the table inside the database, never in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core import calendar
from guanxi.core.registry import Reminder, registry
from guanxi.customers.choices import BirthdayCalendar, Relation
from guanxi.customers.models import Customer, FamilyMember

CAP = 200
BIRTHDAY = "birthday"
LUNAR_BIRTHDAY = "lunar_birthday"
FAMILY_BIRTHDAY = "family_birthday"
FAMILY_LUNAR_BIRTHDAY = "family_lunar_birthday"
ANNIVERSARY = "anniversary"


def _window_filter(
    ranges: list[calendar.DayRange], month_field: str, day_field: str, day_expr: Any
) -> tuple[Q, Case]:
    """A filter keeping the (month, day) pairs of the window, and its order by date in the window."""
    match = Q(pk__in=[])
    whens = []
    for r in ranges:
        pair = Q(**{month_field: r.month, f"{day_field}__gte": r.first, f"{day_field}__lte": r.last})
        match |= pair
        whens.append(When(pair, then=day_expr + Value(r.offset)))
    return match, Case(*whens, default=Value(100_000), output_field=IntegerField())


def _solar(qs: QuerySet[Any], field: str, start: dt.date, end: dt.date, values: list[str]) -> list[dict[str, Any]]:
    month, day = f"{field}_month", f"{field}_day"
    qs = qs.filter(**{f"{field}__isnull": False}).annotate(
        **{month: ExtractMonth(field), day: ExtractDay(field)}
    )
    match, order = _window_filter(calendar.solar_day_ranges(start, end), month, day, F(day))
    return list(qs.filter(match).annotate(window_order=order).order_by("window_order", "pk").values(*values)[:CAP])


def _lunar(qs: QuerySet[Any], start: dt.date, end: dt.date, values: list[str]) -> list[dict[str, Any]]:
    qs = qs.filter(
        birthday_calendar=BirthdayCalendar.LUNAR, lunar_birth_month__isnull=False, lunar_birth_day__isnull=False
    )
    match, order = _window_filter(
        calendar.lunar_day_ranges(start, end), "lunar_birth_month", "lunar_birth_day", F("lunar_birth_day")
    )
    return list(qs.filter(match).annotate(window_order=order).order_by("window_order", "pk").values(*values)[:CAP])


def _customer_url(customer_id: int, tab: str = "") -> str:
    url = reverse("customers:detail", args=[customer_id])
    return f"{url}?tab={tab}" if tab else url


def _lunar_kept(row: dict[str, Any], start: dt.date, end: dt.date) -> dt.date | None:
    kept = calendar.next_lunar_birthday(
        row["lunar_birth_month"], row["lunar_birth_day"], bool(row["lunar_birth_leap"]), start
    )
    return kept if kept <= end else None


def _customer_birthdays(customers: QuerySet[Any], start: dt.date, end: dt.date) -> list[Reminder]:
    found: list[Reminder] = []
    solar = customers.filter(birthday_calendar=BirthdayCalendar.SOLAR)
    for row in _solar(solar, "birthday", start, end, ["id", "name", "birthday"]):
        kept = calendar.next_solar_birthday(row["birthday"], start)
        if kept <= end:
            found.append(Reminder(on=kept, kind=BIRTHDAY, title=_("Birthday: %(name)s") % {"name": row["name"]},
                                  customer_id=row["id"], url=_customer_url(row["id"])))
    fields = ["id", "name", "lunar_birth_month", "lunar_birth_day", "lunar_birth_leap"]
    for row in _lunar(customers, start, end, fields):
        lunar_kept = _lunar_kept(row, start, end)
        if lunar_kept is not None:
            label = calendar.lunar_label(row["lunar_birth_month"], row["lunar_birth_day"], row["lunar_birth_leap"])
            found.append(Reminder(
                on=lunar_kept, kind=LUNAR_BIRTHDAY, customer_id=row["id"], url=_customer_url(row["id"]),
                title=_("Lunar birthday: %(name)s (%(date)s)") % {"name": row["name"], "date": label},
            ))
    return found


def _family_birthdays(
    customers: QuerySet[Any], start: dt.date, end: dt.date
) -> list[tuple[Reminder, int | None]]:
    """Birthdays of the customers' relatives, each with the relative's own customer id if linked."""
    family = FamilyMember.objects.filter(customer__in=customers.values("pk"))
    relations = dict(Relation.choices)
    common = ["id", "name", "relation", "customer_id", "customer__name", "linked_customer_id"]
    found: list[tuple[Reminder, int | None]] = []

    def describe(row: dict[str, Any]) -> dict[str, Any]:
        return {"name": row["name"], "relation": relations.get(row["relation"], row["relation"]),
                "customer": row["customer__name"]}

    solar = family.filter(birthday_calendar=BirthdayCalendar.SOLAR)
    for row in _solar(solar, "birthday", start, end, [*common, "birthday"]):
        kept = calendar.next_solar_birthday(row["birthday"], start)
        if kept <= end:
            found.append((Reminder(
                on=kept, kind=FAMILY_BIRTHDAY, customer_id=row["customer_id"],
                url=_customer_url(row["customer_id"], "family"),
                title=_("Birthday: %(name)s, %(relation)s of %(customer)s") % describe(row),
            ), row["linked_customer_id"]))
    for row in _lunar(family, start, end, [*common, "lunar_birth_month", "lunar_birth_day", "lunar_birth_leap"]):
        lunar_kept = _lunar_kept(row, start, end)
        if lunar_kept is not None:
            label = calendar.lunar_label(row["lunar_birth_month"], row["lunar_birth_day"], row["lunar_birth_leap"])
            found.append((Reminder(
                on=lunar_kept, kind=FAMILY_LUNAR_BIRTHDAY, customer_id=row["customer_id"],
                url=_customer_url(row["customer_id"], "family"),
                title=_("Lunar birthday: %(name)s, %(relation)s of %(customer)s (%(date)s)")
                % {**describe(row), "date": label},
            ), row["linked_customer_id"]))
    return found


def _anniversaries(customers: QuerySet[Any], start: dt.date, end: dt.date) -> list[Reminder]:
    found: list[Reminder] = []
    for row in _solar(customers, "founded_on", start, end, ["id", "name", "founded_on"]):
        kept = calendar.next_solar_birthday(row["founded_on"], start)
        years = kept.year - row["founded_on"].year
        if kept <= end and years > 0:
            found.append(Reminder(
                on=kept, kind=ANNIVERSARY, customer_id=row["id"], url=_customer_url(row["id"]),
                title=_("Company anniversary: %(name)s, %(years)s years") % {"name": row["name"], "years": years},
            ))
    return found


def customer_reminders(user: Any, start: dt.date, end: dt.date) -> list[Reminder]:
    """Birthdays and anniversaries of the customers `user` may see, in [start, end], by date (at most CAP)."""
    if end < start or not getattr(user, "is_authenticated", False):
        return []
    # A year's window already holds every birthday once; a longer one would need two occurrences.
    end = min(end, start + dt.timedelta(days=365))
    customers = Customer.objects.visible_to(user).active()
    own = _customer_birthdays(customers, start, end)
    # A relative who is a customer too is already reminded of by their own record.
    reminded = {(r.customer_id, r.on) for r in own}
    family = [r for r, linked in _family_birthdays(customers, start, end) if (linked, r.on) not in reminded]
    found = own + family + _anniversaries(customers, start, end)
    found.sort(key=lambda r: (r.on, r.title))
    return found[:CAP]


# Importing this module (from `CustomersConfig.ready()`) registers the source, once per process.
registry.add_reminder_source(customer_reminders)
