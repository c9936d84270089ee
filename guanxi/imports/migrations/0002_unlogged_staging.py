"""Staging tables without write-ahead log on PostgreSQL.

`imports_importrow` and `imports_resolvedrow` hold a job's rows only while it runs; every row is
written once by COPY and updated several times by the set-based checks. Logging them doubled the
disk writes of an import. After a crash PostgreSQL empties unlogged tables: a job that was running
is failed anyway and is started again from its stored file (`imports_importchunk`, still logged).
"""

from django.db import migrations

TABLES = ("imports_importrow", "imports_resolvedrow")


def _alter(logged: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")

    return run


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial")]

    operations = [migrations.RunPython(_alter(False), _alter(True))]
