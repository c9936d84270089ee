"""Indexes for the contact calendar and the due list.

- `interactions_contactsummary (customer, last_at, last_channel)`: the due list reads one summary per
  customer of the rep (~2,000), the grid one per row; with the last contact in the index those are
  index-only scans.
- `interactions_task (customer, due_on) WHERE open visit`: the due list's "planned" column and the
  routine round's check for customers that already have an open visit.
- The single-column indexes on `interactions_interaction.customer_id` and `.user_id` are dropped:
  `(customer, at)` and `(user, at)` lead with the same columns, and with the smaller index present
  PostgreSQL used it for the grid's window, reading each customer's whole history. Only the indexes
  are dropped (the state change is `db_index=False`); Django's AlterField would also drop and
  re-validate the foreign keys, a scan of every contact.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COLUMNS = ("customer_id", "user_id")


def _single_column_indexes(schema_editor, table: str, column: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [name for name, info in constraints.items()
            if info["index"] and info["columns"] == [column] and not info["unique"] and not info["primary_key"]]


def drop_indexes(apps, schema_editor):
    table = apps.get_model("interactions", "Interaction")._meta.db_table
    for column in COLUMNS:
        for name in _single_column_indexes(schema_editor, table, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    table = apps.get_model("interactions", "Interaction")._meta.db_table
    for column in COLUMNS:
        if not _single_column_indexes(schema_editor, table, column):
            schema_editor.execute(f"CREATE INDEX {schema_editor.quote_name(f'interaction_{column}_single')} "
                                  f"ON {schema_editor.quote_name(table)} ({schema_editor.quote_name(column)})")


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0012_founded_on_and_ranges'),
        ('interactions', '0002_defaults_and_digest_schedule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='interaction',
                    name='customer',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='interactions', to='customers.customer', verbose_name='customer'),
                ),
                migrations.AlterField(
                    model_name='interaction',
                    name='user',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='interactions', to=settings.AUTH_USER_MODEL, verbose_name='who'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
        migrations.AddIndex(
            model_name='contactsummary',
            index=models.Index(fields=['customer', 'last_at', 'last_channel'], name='summary_customer_last'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('done_at__isnull', True), ('kind', 'visit')), fields=['customer', 'due_on'], name='task_open_visit'),
        ),
    ]
