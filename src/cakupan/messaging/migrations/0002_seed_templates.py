"""Version 1 of each Bahasa template (cakupan.messaging.seed)."""

from django.db import migrations


def seed(apps, schema_editor):
    from cakupan.messaging.seed import seed_templates

    seed_templates(apps.get_model("messaging", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
