"""The holiday schedule, taken over from `core` by state only: the table `core_holiday`, created and
seeded by core's migrations 0002 and 0003, keeps its name and its rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0003_seed_holidays"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Holiday",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("date", models.DateField(unique=True, verbose_name="date")),
                        ("kind", models.CharField(choices=[("holiday", "Day off"), ("workday", "Make-up working day")], max_length=10, verbose_name="kind")),
                        ("name", models.CharField(help_text="e.g. 国庆节", max_length=100, verbose_name="holiday")),
                        ("year", models.PositiveSmallIntegerField(db_index=True, editable=False, verbose_name="year")),
                        ("source", models.CharField(choices=[("seeded", "chinesecalendar package"), ("admin", "Administrator")], default="admin", max_length=10, verbose_name="source")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="added by")),
                    ],
                    options={
                        "verbose_name": "holiday schedule entry",
                        "verbose_name_plural": "holiday schedule",
                        "ordering": ["date"],
                        "db_table": "core_holiday",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
