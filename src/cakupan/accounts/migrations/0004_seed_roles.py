from django.db import migrations


def seed(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from cakupan.accounts.roles import roles_sync

    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    roles_sync(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("registry", "0002_syntheticrun"),
        ("coverage", "0002_regioncoverage"),
        ("regions", "0002_load_reference_data"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
