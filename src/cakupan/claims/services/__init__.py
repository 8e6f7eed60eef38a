"""Writes of the claim follow-up: report a case, receive its documents, pause for the heirs, record BPJS TK's
decision, run the clock and its escalations, record a later holiday decree.

Every write checks the authorization table, changes nothing when refused, appends to the case's event log
and writes an audit record in the same transaction; messages to the family and to the staff who must act
go through the outbox (claim updates need no consent: the family asked for them)."""

from cakupan.claims.services import common
from cakupan.claims.services.clocks import case_clock, claims_clock_refresh, holiday_change_record
from cakupan.claims.services.decisions import claim_decide, decisions_import
from cakupan.claims.services.documents import claim_document_receive, claim_pause, claim_resume
from cakupan.claims.services.reports import ChildInput, HeirInput, claim_report

__all__ = [
    "ChildInput",
    "HeirInput",
    "case_clock",
    "claim_decide",
    "claim_document_receive",
    "claim_pause",
    "claim_report",
    "claim_resume",
    "claims_clock_refresh",
    "decisions_import",
    "holiday_change_record",
    "today",
]


def today():
    """Today in Asia/Jakarta, as every claim service counts it (tests replace `common.today`)."""
    return common.today()
