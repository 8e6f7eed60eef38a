from django.db import migrations


def seed(apps, schema_editor):
    # Only the missing templates are created: the earlier ones keep their versions.
    from cakupan.messaging.seed import seed_templates

    seed_templates(apps.get_model("messaging", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_seed_sertakan_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
