"""Funding: who pays (funders), what they fund (programs), whom they fund (plans, funded worker-months),
and the money trail (a double-entry ledger, invoices, payments, enrolment batches for BPJS TK).

Invariants the database itself enforces, so no code path can break them:
* a worker-month is funded at most once (`FundedMonth` UNIQUE(worker, month));
* no ledger account other than a program's budget source goes below zero (CHECK on the balance);
* a payment's external reference is recorded once (UNIQUE), a desa has at most one Dana Desa funder.
"""

from __future__ import annotations

from cakupan.funding.models.funders import (
    FUNDING_SOURCE_OF_KIND,
    Funder,
    FunderKind,
    FunderOfficer,
    FunderQuerySet,
    MustahikVerification,
)
from cakupan.funding.models.ledger import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from cakupan.funding.models.money import (
    BatchStatus,
    CycleRun,
    EnrolmentBatch,
    EnrolmentRow,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    RowStatus,
)
from cakupan.funding.models.plans import (
    AllocationPlan,
    FundedMonth,
    PlanKind,
    PlanLine,
    PlanStatus,
)
from cakupan.funding.models.programs import (
    AllocationPolicy,
    FundingProgram,
    FundingProgramQuerySet,
    ProgramStatus,
)

__all__ = [
    "FUNDING_SOURCE_OF_KIND",
    "AccountKind",
    "AllocationPlan",
    "AllocationPolicy",
    "BatchStatus",
    "CycleRun",
    "EnrolmentBatch",
    "EnrolmentRow",
    "FundedMonth",
    "Funder",
    "FunderKind",
    "FunderOfficer",
    "FunderQuerySet",
    "FundingProgram",
    "FundingProgramQuerySet",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransaction",
    "MustahikVerification",
    "Payment",
    "PlanKind",
    "PlanLine",
    "PlanStatus",
    "ProgramStatus",
    "RowStatus",
    "TransactionKind",
]
