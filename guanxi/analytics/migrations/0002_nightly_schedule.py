"""The nightly analytics run (created once, by name), after the orders of the day are in."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "analytics-nightly-run"


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Schedule.objects.using(schema_editor.connection.alias).get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "guanxi.analytics.tasks.nightly_run",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(2, 30))),
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.using(schema_editor.connection.alias).filter(
        name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
