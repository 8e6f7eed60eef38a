from django.db import migrations, models


def date_what_was_paid(apps, schema_editor):
    """Months paid before this field existed get the date of the plan's last payment: the earliest date
    that certainly had paid them (which payment paid which month was not kept)."""
    FundedMonth = apps.get_model("funding", "FundedMonth")
    PlanLine = apps.get_model("funding", "PlanLine")
    Invoice = apps.get_model("funding", "Invoice")
    Payment = apps.get_model("funding", "Payment")
    fm, pl = FundedMonth._meta.db_table, PlanLine._meta.db_table
    invoice, payment = Invoice._meta.db_table, Payment._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {fm} SET paid_on = (SELECT MAX(p.paid_on) FROM {payment} p "
            f"JOIN {invoice} i ON i.id = p.invoice_id JOIN {pl} l ON l.plan_id = i.plan_id "
            f"WHERE l.id = {fm}.line_id) WHERE paid AND paid_on IS NULL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0007_enrolmentrow_fillfactor"),
    ]

    operations = [
        migrations.AddField(
            model_name="fundedmonth",
            name="paid_on",
            field=models.DateField(blank=True, null=True, verbose_name="tanggal dibayar"),
        ),
        migrations.RunPython(date_what_was_paid, migrations.RunPython.noop),
    ]
