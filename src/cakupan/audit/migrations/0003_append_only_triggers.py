from django.db import migrations


def install(apps, schema_editor):
    from cakupan.audit.append_only import install_statements

    for statement in install_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    from cakupan.audit.append_only import uninstall_statements

    for statement in uninstall_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    """UPDATE, DELETE and TRUNCATE of the audit tables are refused by the database (audit.append_only)."""

    dependencies = [("audit", "0002_actor_kept_rowchange_alert")]

    operations = [migrations.RunPython(install, uninstall)]
