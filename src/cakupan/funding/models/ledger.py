"""The money trail: a double-entry ledger of accounts, transactions and entries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cakupan.funding.models.funders import Funder
from cakupan.funding.models.programs import FundingProgram


class AccountKind(models.TextChoices):
    # The program's budget as granted: the only account allowed (and expected) to be negative, because
    # it is the source every other balance came from.
    SOURCE = "source", _("Sumber anggaran")
    AVAILABLE = "available", _("Sisa anggaran")
    COMMITTED = "committed", _("Terikat (disetujui, belum dibayar)")
    PAID = "paid", _("Dibayar ke BPJS TK")
    COVERED = "covered", _("Bulan terlindungi")


class LedgerAccount(models.Model):
    program = models.ForeignKey(
        FundingProgram, verbose_name=_("program"), on_delete=models.PROTECT, related_name="accounts"
    )
    kind = models.CharField(_("jenis akun"), max_length=10, choices=AccountKind.choices)
    balance = models.BigIntegerField(_("saldo (Rp)"), default=0)

    class Meta:
        verbose_name = _("akun buku besar")
        verbose_name_plural = _("akun buku besar")
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="ledgeraccount_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind="source") | models.Q(balance__gte=0),
                name="ledgeraccount_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.kind} {self.balance}"


class TransactionKind(models.TextChoices):
    BUDGET = "budget", _("Anggaran ditetapkan/diubah")
    COMMIT = "commit", _("Dana diikat (rencana disetujui)")
    RELEASE = "release", _("Dana dilepas (ditolak BPJS TK)")
    PAYMENT = "payment", _("Pembayaran ke BPJS TK")
    RECOGNISE = "recognise", _("Bulan terlindungi diakui")


class LedgerTransaction(models.Model):
    kind = models.CharField(_("jenis"), max_length=10, choices=TransactionKind.choices)
    funder = models.ForeignKey(
        Funder, verbose_name=_("pemberi dana"), on_delete=models.PROTECT, related_name="+"
    )
    memo = models.CharField(_("keterangan"), max_length=300)
    # The business key of what caused it ("plan:12", "payment:TRX-9", "cycle:2026-11"): replaying the
    # same cause can never post twice.
    reference = models.CharField(_("referensi"), max_length=120, unique=True)
    month = models.DateField(_("bulan"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("transaksi buku besar")
        verbose_name_plural = _("transaksi buku besar")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.memo}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, verbose_name=_("transaksi"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(
        LedgerAccount, verbose_name=_("akun"), on_delete=models.PROTECT, related_name="entries"
    )
    amount = models.BigIntegerField(_("jumlah (Rp, debit positif)"))

    class Meta:
        verbose_name = _("entri buku besar")
        verbose_name_plural = _("entri buku besar")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledgerentry_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"
