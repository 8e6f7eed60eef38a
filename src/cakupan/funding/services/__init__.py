"""Writes of the funding app: funders, programs, allocation plans and their approval, payments.

Enrolment batches and their acknowledgement live in `funding.enrolment`, the monthly cycle in
`funding.cycle`; all of them post money through `funding.ledger`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cakupan.core.lazy import lazy_exports

if TYPE_CHECKING:
    from cakupan.funding.services.demo import funding_demo_seed
    from cakupan.funding.services.funders import (
        funder_create,
        funder_officer_add,
        mustahik_revoke,
        mustahik_verify,
    )
    from cakupan.funding.services.payments import invoices_create, payment_record
    from cakupan.funding.services.plan_handlers import plan_month, register_handlers
    from cakupan.funding.services.plans import (
        allocation_plan_create,
        build_instance,
        common_region,
        funded_months_insert,
        plan_commit,
        plan_funders,
        plan_lines_insert,
        plan_summary,
    )
    from cakupan.funding.services.programs import program_create, program_renewal_limit_set, program_update
    from cakupan.funding.services.statements import (
        STATEMENT_MAX_BYTES,
        StatementCheck,
        bank_statement_check,
        bank_statement_import,
        bank_statement_store,
    )

# Loaded on first use: the app registers its approval handlers at start-up, and building plans needs
# Polars, NumPy and the allocation solver, which no other command does.
__getattr__ = lazy_exports(
    __name__,
    {
        "demo": ("funding_demo_seed",),
        "funders": ("funder_create", "funder_officer_add", "mustahik_revoke", "mustahik_verify"),
        "payments": ("invoices_create", "payment_record"),
        "plan_handlers": ("plan_month", "register_handlers"),
        "plans": (
            "allocation_plan_create",
            "build_instance",
            "common_region",
            "funded_months_insert",
            "plan_commit",
            "plan_funders",
            "plan_lines_insert",
            "plan_summary",
        ),
        "programs": ("program_create", "program_renewal_limit_set", "program_update"),
        "statements": (
            "STATEMENT_MAX_BYTES",
            "StatementCheck",
            "bank_statement_check",
            "bank_statement_import",
            "bank_statement_store",
        ),
    },
)

__all__ = [
    "STATEMENT_MAX_BYTES",
    "StatementCheck",
    "allocation_plan_create",
    "bank_statement_check",
    "bank_statement_import",
    "bank_statement_store",
    "build_instance",
    "common_region",
    "funded_months_insert",
    "funder_create",
    "funder_officer_add",
    "funding_demo_seed",
    "invoices_create",
    "mustahik_revoke",
    "mustahik_verify",
    "payment_record",
    "plan_commit",
    "plan_funders",
    "plan_lines_insert",
    "plan_month",
    "plan_summary",
    "program_create",
    "program_renewal_limit_set",
    "program_update",
    "register_handlers",
]
