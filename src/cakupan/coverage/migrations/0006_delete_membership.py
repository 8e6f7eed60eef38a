# Membership now lives in the registry (registry 0007); only Django's state forgets it here.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0005_aggregates_for_delta_updates"),
        ("registry", "0007_membership"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Membership")]),
    ]
