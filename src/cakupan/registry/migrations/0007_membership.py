# Membership moves from coverage (a read model) to the registry, which owns it: the table is kept as it
# is (state only), then renamed in 0008.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_import_error_code"),
        ("coverage", "0005_aggregates_for_delta_updates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Membership",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kpj", models.CharField(max_length=11, unique=True, verbose_name="nomor KPJ")),
                        (
                            "segment",
                            models.CharField(
                                choices=[("PU", "Penerima upah (PU)"), ("BPU", "Bukan penerima upah (BPU)")],
                                max_length=3,
                                verbose_name="segmen",
                            ),
                        ),
                        ("jkk", models.BooleanField(default=True, verbose_name="JKK")),
                        ("jkm", models.BooleanField(default=True, verbose_name="JKM")),
                        ("jht", models.BooleanField(default=False, verbose_name="JHT")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("aktif", "Aktif"),
                                    ("menunggak", "Menunggak"),
                                    ("nonaktif", "Nonaktif"),
                                ],
                                db_index=True,
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "paid_through",
                            models.DateField(
                                help_text="Hari pertama bulan terakhir",
                                verbose_name="iuran lunas sampai bulan",
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("roster", "Sinkronisasi data BPJS TK"),
                                    ("enrolment", "Pendaftaran melalui Cakupan"),
                                    ("synthetic", "Data sintetis (demo)"),
                                ],
                                max_length=10,
                                verbose_name="sumber",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="dibuat")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="diperbarui")),
                        (
                            "worker",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="memberships",
                                to="registry.worker",
                                verbose_name="pekerja",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "kepesertaan",
                        "verbose_name_plural": "kepesertaan",
                        "db_table": "coverage_membership",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("kpj__regex", "^[0-9]{11}$")),
                                name="membership_kpj_11_digits",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("jkk", True), ("jkm", True)),
                                name="membership_jkk_jkm_mandatory",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("paid_through__day", 1)),
                                name="membership_paid_through_first_of_month",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
