"""The double-entry ledger: every money movement is one transaction whose entries sum to zero.

Accounts per program: `source` (the grant, negative by the budget), `available`, `committed`, `paid` and
`covered`. Money only flows along budget → available → committed → paid → covered (and back from
committed to available when BPJS TK rejects a row). The database refuses a negative balance on every
account but `source`, so a budget can never go below zero whatever the code path; callers lock the
accounts (in primary-key order) and check first so the person gets a clear message instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F

from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.funding.models import (
    AccountKind,
    FundingProgram,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)

__all__ = ["accounts_create", "accounts_locked", "balances", "post"]


def accounts_create(program: FundingProgram) -> dict[str, LedgerAccount]:
    return {
        kind: LedgerAccount.objects.create(program=program, kind=kind, balance=0)
        for kind in AccountKind.values
    }


def accounts_locked(program_ids: Iterable[int]) -> dict[tuple[int, str], LedgerAccount]:
    """Lock every account of these programs, in primary-key order (the one fixed lock order)."""
    rows = LedgerAccount.objects.select_for_update().filter(program_id__in=list(program_ids)).order_by("pk")
    return {(account.program_id, account.kind): account for account in rows}


def balances(program: FundingProgram) -> dict[str, int]:
    return dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))


def post(
    *,
    kind: str,
    funder_id: int,
    reference: str,
    memo: str,
    month: dt.date,
    entries: list[tuple[LedgerAccount, int]],
    actor=None,
) -> LedgerTransaction:
    """Post one balanced transaction. Entries are (account, signed amount); zero amounts are dropped."""
    entries = [(account, int(amount)) for account, amount in entries if amount]
    if not entries:
        raise DomainError("ledger_empty", "Transaksi tanpa jumlah tidak dicatat.")
    if sum(amount for _, amount in entries) != 0:
        # A programming mistake, never user input: refuse rather than unbalance the books.
        raise DomainError("ledger_unbalanced", "Transaksi tidak seimbang: debit dan kredit harus sama.")
    for account, amount in entries:
        if account.kind != AccountKind.SOURCE and account.balance + amount < 0:
            raise DomainError(
                "budget_insufficient",
                f"Sisa dana tidak cukup: akun {account.get_kind_display().lower()} program "
                f"#{account.program_id} bersaldo {rupiah(account.balance)}, dibutuhkan {rupiah(-amount)}.",
            )
    try:
        with transaction.atomic():
            record = LedgerTransaction.objects.create(
                kind=kind,
                funder_id=funder_id,
                reference=reference,
                memo=memo[:300],
                month=month,
                created_by=actor,
            )
            LedgerEntry.objects.bulk_create(
                LedgerEntry(transaction=record, account=account, amount=amount) for account, amount in entries
            )
            for account, amount in entries:
                LedgerAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
                account.balance += amount
    except IntegrityError as error:
        raise DomainError(
            "ledger_refused",
            "Transaksi ditolak oleh basis data (referensi ganda atau saldo menjadi negatif).",
        ) from error
    return record
