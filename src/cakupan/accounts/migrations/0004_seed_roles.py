from django.db import migrations


def seed(apps, schema_editor):
    from cakupan.accounts.roles import roles_seed

    roles_seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("registry", "0002_syntheticrun"),
        ("coverage", "0002_regioncoverage"),
        ("regions", "0002_load_reference_data"),
        ("audit", "0001_initial"),
        ("approvals", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
