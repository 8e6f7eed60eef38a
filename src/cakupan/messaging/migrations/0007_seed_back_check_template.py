"""Version 1 of the back-check template (cakupan.messaging.seed; the seed skips those that exist)."""

from django.db import migrations


def seed(apps, schema_editor):
    from cakupan.messaging.seed import seed_templates

    seed_templates(apps.get_model("messaging", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0006_purpose_back_check")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
