from django.db import migrations

from guanxi.core.migration_ops import RunSQLOn


class Migration(migrations.Migration):
    """PostgreSQL: a trigram GIN index answers substring search of three characters or more."""

    dependencies = [("customers", "0001_initial")]
    operations = [
        RunSQLOn("postgresql", "CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        RunSQLOn(
            "postgresql",
            "CREATE INDEX IF NOT EXISTS customer_search_doc_trgm ON customers_customersearch "
            "USING gin (doc gin_trgm_ops)",
            "DROP INDEX IF EXISTS customer_search_doc_trgm",
        ),
    ]
