# The moved table takes the registry's name (a rename: no data is copied).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_membership"),
    ]

    operations = [
        migrations.AlterModelTable(
            name="membership",
            table=None,
        ),
    ]
