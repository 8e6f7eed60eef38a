"""Funding pages: `overview` (funders side by side, one funder, a plan and its decision), `plans` (the
plan builder), `statements` (a bank statement matched to invoices) and `pipeline` (what follows an
approved plan: the enrolment batch and its check, BPJS TK's download and answer, invoices and
payments)."""

from cakupan.funding.views.overview import (
    funder_detail,
    funder_export,
    funding_export,
    funding_home,
    plan_decide,
    plan_detail,
)
from cakupan.funding.views.pipeline import (
    batch_ack_apply,
    batch_ack_check,
    batch_create,
    batch_decide,
    batch_detail,
    batch_download,
    invoice_detail,
    invoice_pdf,
    payment_create,
)
from cakupan.funding.views.plans import plan_new, renewal_limit_set
from cakupan.funding.views.statements import statement_apply, statement_check

__all__ = [
    "batch_ack_apply",
    "batch_ack_check",
    "batch_create",
    "batch_decide",
    "batch_detail",
    "batch_download",
    "funder_detail",
    "funder_export",
    "funding_export",
    "funding_home",
    "invoice_detail",
    "invoice_pdf",
    "payment_create",
    "plan_decide",
    "plan_detail",
    "plan_new",
    "renewal_limit_set",
    "statement_apply",
    "statement_check",
]
