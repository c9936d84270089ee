"""Seed the holiday schedule from the chinesecalendar package, for every year it knows.

The data comes from the package's own tables (not from "today"), so every installation gets the
same rows. Administrators add later years when the State Council publishes them.
"""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    Holiday = apps.get_model("core", "Holiday")
    chinese = {h.value: h.chinese for h in chinese_calendar.Holiday}
    rows = [(day, "holiday", name) for day, name in chinese_calendar.holidays.items()]
    rows += [(day, "workday", name) for day, name in chinese_calendar.workdays.items()]
    existing = set(Holiday.objects.using(schema_editor.connection.alias).values_list("date", flat=True))
    Holiday.objects.using(schema_editor.connection.alias).bulk_create(
        [
            Holiday(date=day, kind=kind, name=chinese.get(name, name)[:100], year=day.year, source="seeded")
            for day, kind, name in sorted(rows)
            if day not in existing
        ],
        batch_size=500,
    )


def unseed(apps, schema_editor):
    Holiday = apps.get_model("core", "Holiday")
    Holiday.objects.using(schema_editor.connection.alias).filter(source="seeded").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_holiday")]
    operations = [migrations.RunPython(seed, unseed)]
