from django.db import migrations


def _fillfactor(percent):
    """On PostgreSQL, leave room in every page so that BPJS TK's answer rewrites each enrolment row in
    place (a HOT update: status, KPJ and reason are not indexed) instead of adding a version to every
    index. Applies to pages written from now on."""

    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE funding_enrolmentrow SET (fillfactor = {percent})")

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0006_native_month_and_kpj_checks"),
    ]

    operations = [
        migrations.RunPython(_fillfactor(50), _fillfactor(100)),
    ]
