from django.db import migrations


def seed(apps, schema_editor):
    from cakupan.accounts.roles import roles_seed

    roles_seed(apps)


class Migration(migrations.Migration):
    """The groups' model permissions were a second authorization table beside accounts.authorization."""

    dependencies = [("accounts", "0004_seed_roles")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
