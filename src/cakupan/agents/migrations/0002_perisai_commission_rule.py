from django.db import migrations
import datetime as dt


def seed(apps, schema_editor):
    CommissionRule = apps.get_model("agents", "CommissionRule")
    CommissionRule.objects.get_or_create(
        valid_from=dt.date(2018, 1, 1),
        defaults={
            "rate_bp": 750,
            "bonus_threshold": 50,
            "bonus_amount": 500_000,
            "institution_share_bp": 1000,
            "removal_months": 3,
            "source": "jamsostek-rules §8 (Perisai): Kompas 11 Des 2018, Media Indonesia, Antara; keyakinan sedang",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
