"""Staging tables hold a batch only while it runs: no need to write them to the WAL (PostgreSQL)."""

from typing import Any

from django.db import migrations


def unlogged(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE orders_stagedline SET UNLOGGED")
        schema_editor.execute("ALTER TABLE orders_dirtycustomer SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [migrations.RunPython(unlogged, migrations.RunPython.noop)]
