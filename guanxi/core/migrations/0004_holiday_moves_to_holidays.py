"""The holiday schedule moved to the `holidays` app: the model leaves core's state only. The table
(`core_holiday`) and its rows stay where they are; `holidays.0001_initial` takes the model over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_seed_holidays"),
        ("holidays", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Holiday")],
            database_operations=[],
        ),
    ]
