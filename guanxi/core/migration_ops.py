"""Migration operations that only apply on one database vendor (e.g. PostgreSQL trigram indexes)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


class RunSQLOn(migrations.RunSQL):
    """RunSQL that is a no-op on other database vendors."""

    def __init__(self, vendor: str, sql: str, reverse_sql: str, **kwargs: Any) -> None:
        super().__init__(sql, reverse_sql, **kwargs)
        self.vendor = vendor

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)
