"""Default visit cycles per importance, and the daily digest job (created once, by name)."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

DEFAULT_CYCLES = {"A": 14, "B": 30, "C": 90}
SCHEDULE_NAME = "interactions-reminder-digest"


def forwards(apps, schema_editor):
    VisitCycle = apps.get_model("interactions", "VisitCycle")
    for importance, days in DEFAULT_CYCLES.items():
        VisitCycle.objects.using(schema_editor.connection.alias).get_or_create(
            importance=importance, defaults={"days": days})
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Schedule.objects.using(schema_editor.connection.alias).get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "guanxi.interactions.tasks.prepare_digests",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(6, 0))),
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.using(schema_editor.connection.alias).filter(
        name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
