from django.db import migrations

from guanxi.core.migration_ops import RunSQLOn


class Migration(migrations.Migration):
    """PostgreSQL: a finer histogram on the search line.

    With the default statistics target the planner guessed `doc LIKE '%5678%'` at 1% of a million
    rows (it matched 1,221) and answered with a sequential scan of every customer: 200 ms instead of
    13 ms. A 1,000-bucket histogram keeps its guesses within a small factor.
    """

    dependencies = [("customers", "0003_search_token_sort_key")]
    operations = [
        RunSQLOn(
            "postgresql",
            "ALTER TABLE customers_customersearch ALTER COLUMN doc SET STATISTICS 1000",
            "ALTER TABLE customers_customersearch ALTER COLUMN doc SET STATISTICS -1",
        ),
    ]
