"""Version 1 of the SERTAKAN templates (cakupan.messaging.seed; the seed skips those that exist)."""

from django.db import migrations


def seed(apps, schema_editor):
    from cakupan.messaging.seed import seed_templates

    seed_templates(apps.get_model("messaging", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_purpose_sertakan")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
