"""The member's rights on the incident date, from the rules engine (no Django here).

Cakupan keeps, per membership, the first month of the running membership (`since`, which restarts after a
lapse) and the last month paid (`paid_through`); the months between them were paid without a break. The
incident month is covered when it lies in that run (document section 2.4: covered means paid). A membership
whose start is unknown (taken from BPJS TK's roster) is judged by `paid_through` alone and its contribution
months are unknown, which the reason says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from cakupan.core.formatting import date_long, month_long, rupiah
from cakupan.rules.engine.benefits import (
    Benefit,
    ChildSchooling,
    jkk_death_benefit,
    jkm_benefit,
    scholarship_benefit,
)
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import RuleBook, default_book

__all__ = ["Eligibility", "MembershipFacts", "ScholarshipFacts", "eligibility"]


@dataclass(frozen=True)
class MembershipFacts:
    since: dt.date | None  # first day of the running membership's first month
    paid_through: dt.date  # first day of the last month paid
    jkk: bool
    jkm: bool
    jht: bool


@dataclass(frozen=True)
class ScholarshipFacts:
    basis: str  # jkm, or jkk for a death or total disability from a work accident
    level: str
    year: int
    age: int


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    member_status: str  # covered, not_covered, never
    contribution_months: int | None
    lines: tuple[dict, ...] = field(default=())
    total: int | None = None
    rules_version: str = ""


def _months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _program(kind: str, scholarship: ScholarshipFacts | None) -> str:
    if kind == "beasiswa":
        return scholarship.basis if scholarship else "jkm"
    return kind


def _benefit_lines(benefit: Benefit) -> tuple[dict, ...]:
    return tuple(line.as_dict() for line in benefit.lines)


def eligibility(
    *,
    kind: str,
    incident: dt.date,
    memberships: Sequence[MembershipFacts],
    income: int,
    jkk_outcome: str = "",
    scholarship: ScholarshipFacts | None = None,
    book: RuleBook | None = None,
) -> Eligibility:
    book = book or default_book()
    ruleset = book.for_date(incident, field="incident_date")
    month = incident.replace(day=1)
    if not memberships:
        return Eligibility(
            False,
            "Belum pernah terdaftar sebagai peserta BPJS Ketenagakerjaan: tidak ada hak klaim.",
            "never",
            None,
            rules_version=ruleset.id,
        )
    known_starts = [m.since for m in memberships if m.since is not None]
    if len(known_starts) == len(memberships) and month < min(known_starts):
        raise RulesError(
            "date_before_membership",
            f"Tanggal kejadian ({date_long(incident)}) sebelum kepesertaan dimulai "
            f"({month_long(min(known_starts))}).",
            field="incident_date",
        )
    if kind == "jht":
        # JHT is a savings balance: it is claimed whether or not the last months were paid.
        if not any(m.jht for m in memberships):
            return Eligibility(
                False,
                "Kepesertaan tidak mencakup program JHT.",
                "not_covered",
                None,
                rules_version=ruleset.id,
            )
        return Eligibility(
            True,
            "Peserta memiliki program JHT: saldo dan syarat pencairan diperiksa BPJS TK.",
            "covered",
            None,
            rules_version=ruleset.id,
        )
    program = _program(kind, scholarship)
    in_force = [
        m
        for m in memberships
        if (m.since is None or m.since <= month) and month <= m.paid_through and getattr(m, program)
    ]
    if not in_force:
        with_program = [m for m in memberships if getattr(m, program)]
        if not with_program:
            reason = f"Kepesertaan tidak mencakup program {program.upper()}."
        else:
            last = max(m.paid_through for m in with_program)
            reason = (
                f"Iuran bulan {month_long(month)} belum dibayar (iuran terakhir {month_long(last)}): "
                "pada tanggal kejadian peserta tidak terlindungi."
            )
        return Eligibility(False, reason, "not_covered", None, rules_version=ruleset.id)
    membership = max(in_force, key=lambda m: m.since or dt.date.min)
    months = _months_between(membership.since, month) if membership.since else None
    unknown_months = (
        "" if months is not None else " Masa iur tidak diketahui (awal kepesertaan tidak tercatat)."
    )
    covered = f"Terlindungi pada {date_long(incident)} (iuran {month_long(month)} sudah dibayar)."
    if kind == "jkm":
        benefit = jkm_benefit(member_since=membership.since, on=incident, book=book)
        reason = " ".join([covered, *benefit.notes[:1]]) + unknown_months
        return Eligibility(
            True, reason, "covered", months, _benefit_lines(benefit), benefit.total, ruleset.id
        )
    if kind == "jkk":
        if jkk_outcome == "death":
            benefit = jkk_death_benefit(income=income, on=incident, book=book)
            return Eligibility(
                True,
                covered + unknown_months,
                "covered",
                months,
                _benefit_lines(benefit),
                benefit.total,
                ruleset.id,
            )
        return Eligibility(
            True,
            covered + " Besar manfaat mengikuti biaya pengobatan dan surat keterangan dokter.",
            "covered",
            months,
            rules_version=ruleset.id,
        )
    if kind == "beasiswa":
        if scholarship is None:
            raise RulesError(
                "scholarship_child_format", "Isi data anak untuk klaim beasiswa.", field="child_name"
            )
        if scholarship.basis == "jkm" and months is None:
            return Eligibility(
                False,
                covered + " Masa iur tidak diketahui, padahal beasiswa JKM memerlukan masa iur minimal; "
                "minta BPJS TK memeriksanya.",
                "covered",
                None,
                rules_version=ruleset.id,
            )
        benefit = scholarship_benefit(
            contribution_months=months,
            cause=scholarship.basis,
            children_detail=[ChildSchooling(scholarship.level, scholarship.year, scholarship.age)],
            on=incident,
            book=book,
        )
        if not benefit.eligible or not benefit.schedule:
            note = benefit.notes[0] if benefit.notes else "Anak tidak lagi berhak atas beasiswa."
            return Eligibility(False, f"{covered} {note}", "covered", months, rules_version=ruleset.id)
        this_year = benefit.schedule[0]
        line = {
            "item": "scholarship_year",
            "label": f"Beasiswa {this_year.level} tahun ke-{this_year.year} (tahun ajaran ini)",
            "amount": this_year.amount,
        }
        return Eligibility(
            True,
            f"{covered} Beasiswa tahun ini {rupiah(this_year.amount)}; diklaim lagi setiap tahun ajaran.",
            "covered",
            months,
            (line,),
            this_year.amount,
            ruleset.id,
        )
    raise RulesError("claim_kind_unknown", f"Jenis klaim '{str(kind)[:20]}' tidak dikenal.", field="kind")
