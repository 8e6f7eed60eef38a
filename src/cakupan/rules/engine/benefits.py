"""Cash benefits (manfaat) for BPU participants and their heirs: JKM, scholarships and JKK.

Every result is a list of lines in whole rupiah whose sum is the total, with the citations of the
figures used. JKK amounts use the declared income level in place of the wage (document section 3.2),
chosen exactly as for contributions. Decisions made here where the document is not explicit:

* JKM waiting period: the reduced benefit applies when death is before the same day `within_months`
  (3) calendar months after the membership start; without a start date the full benefit is shown.
* JKK funeral is paid on death only; the periodic benefit on death and on total permanent disability.
* Percent × 80 × income is rounded half-up once, after all factors are multiplied.
* Scholarships end at `end_age` (23): a yearly payment is counted only while the child is younger than
  23 when the school year starts. Without a child's details the per-child maximum is shown. With more
  eligible children than allowed, the first ones listed are counted.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cakupan.core.formatting import date_long, rupiah
from cakupan.core.formatting import percent as format_percent
from cakupan.rules.engine.calendar import today_jakarta
from cakupan.rules.engine.contributions import check_income, declared_income_level
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import Citation, RuleBook, RuleSet, default_book
from cakupan.rules.engine.months import percent_of, round_half_up

__all__ = [
    "Benefit",
    "BenefitLine",
    "ChildSchooling",
    "SchoolYear",
    "jkk_death_benefit",
    "jkk_partial_disability_benefit",
    "jkk_total_disability_benefit",
    "jkk_transport_benefit",
    "jkm_benefit",
    "scholarship_benefit",
    "scholarship_cap",
    "stmb_benefit",
]

SCHOLARSHIP_CAUSES = ("jkm", "jkk")
TRANSPORT_MODES = {"land": "darat/sungai/danau", "sea": "laut", "air": "udara"}


@dataclass(frozen=True)
class BenefitLine:
    item: str
    label: str
    amount: int

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "label": self.label, "amount": self.amount}


@dataclass(frozen=True)
class SchoolYear:
    child: int
    level: str
    year: int
    age: int
    amount: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "child": self.child,
            "level": self.level,
            "year": self.year,
            "age": self.age,
            "amount": self.amount,
        }


@dataclass(frozen=True)
class ChildSchooling:
    """A child's current school level, year within it (1-based) and age in years."""

    level: str
    year: int
    age: int


@dataclass(frozen=True)
class Benefit:
    kind: str
    lines: tuple[BenefitLine, ...]
    eligible: bool
    income_level: int | None
    notes: tuple[str, ...]
    citations: tuple[Citation, ...]
    rules_version: str
    schedule: tuple[SchoolYear, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lines": [line.as_dict() for line in self.lines],
            "total": self.total,
            "eligible": self.eligible,
            "income_level": self.income_level,
            "schedule": [year.as_dict() for year in self.schedule],
            "notes": list(self.notes),
            "citations": [c.as_dict() for c in self.citations],
            "rules_version": self.rules_version,
        }


def _ruleset(on: dt.date | None, book: RuleBook | None) -> RuleSet:
    """The rules in force on the event date (death, accident); today in Jakarta when not given."""
    return (book or default_book()).for_date(on or today_jakarta())


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _income_times(level: int, months: int, *percents: Decimal) -> int:
    """percent × ... × months × level, rounded half-up once."""
    value = Decimal(level) * months
    for share in percents:
        value = value * share / 100
    return round_half_up(value)


def _level(income: int, ruleset: RuleSet) -> tuple[int, list[str]]:
    level, note = declared_income_level(check_income(income), ruleset)
    return level, [note] if note else []


def _npwp_note(total: int, ruleset: RuleSet) -> list[str]:
    threshold = ruleset["claim_npwp_threshold"].value
    if total > threshold:
        return [f"Jumlah manfaat di atas {rupiah(threshold)}: klaim memerlukan NPWP."]
    return []


# --- JKM ---------------------------------------------------------------------------------------------


def jkm_benefit(
    *, member_since: dt.date | None = None, on: dt.date | None = None, book: RuleBook | None = None
) -> Benefit:
    """Death not caused by work. `on` is the date of death (default today, Jakarta)."""
    ruleset = _ruleset(on, book)
    reduced = ruleset["jkm_reduced"]
    notes = []
    if member_since is not None and on is not None and member_since > on:
        raise RulesError(
            "date_order",
            f"Tanggal mulai kepesertaan ({date_long(member_since)}) sesudah tanggal meninggal "
            f"({date_long(on)}).",
            field="member_since",
        )
    waiting_ends = _add_months(member_since, reduced["within_months"]) if member_since else None
    if waiting_ends is not None and (on or today_jakarta()) < waiting_ends:
        notes.append(
            f"Meninggal dalam {reduced['within_months']} bulan pertama kepesertaan BPU (sebelum "
            f"{date_long(waiting_ends)}): manfaat dikurangi. Angka ini sementara; sumber berbeda pendapat."
        )
        return Benefit(
            kind="jkm",
            lines=(
                BenefitLine("lump_sum", "Santunan kematian (masa tunggu)", reduced["lump_sum"]),
                BenefitLine("funeral", "Biaya pemakaman (masa tunggu)", reduced["funeral"]),
            ),
            eligible=True,
            income_level=None,
            notes=tuple(notes),
            citations=(reduced.citation,),
            rules_version=ruleset.id,
        )
    if member_since is None:
        notes.append(
            f"Tanpa tanggal mulai kepesertaan, dianggap sudah lewat {reduced['within_months']} bulan "
            f"pertama; bila belum, manfaatnya {rupiah(reduced['lump_sum'] + reduced['funeral'])}."
        )
    periodic = ruleset["jkm_periodic"]
    scholarship = ruleset["jkm_scholarship"]
    notes.append(
        f"Ditambah beasiswa untuk paling banyak {scholarship['max_children']} anak bila masa iur paling "
        f"sedikit {scholarship['min_contribution_months']} bulan."
    )
    return Benefit(
        kind="jkm",
        lines=(
            BenefitLine("lump_sum", "Santunan kematian", ruleset["jkm_lump_sum"].value),
            BenefitLine(
                "periodic",
                f"Santunan berkala {periodic['months']} × {rupiah(periodic['monthly'])}, dibayar sekaligus",
                periodic["months"] * periodic["monthly"],
            ),
            BenefitLine("funeral", "Biaya pemakaman", ruleset["jkm_funeral"].value),
        ),
        eligible=True,
        income_level=None,
        notes=tuple(notes),
        citations=(
            ruleset.citation("jkm_lump_sum"),
            periodic.citation,
            ruleset.citation("jkm_funeral"),
            reduced.citation,
            scholarship.citation,
        ),
        rules_version=ruleset.id,
    )


# --- scholarships ------------------------------------------------------------------------------------


def scholarship_cap(ruleset: RuleSet) -> int:
    """The most one child can receive: every level, every year (Rp87.000.000 under PP 82/2019)."""
    return sum(level["yearly"] * level["years"] for level in ruleset["scholarship_schedule"]["levels"])


def _school_years(child_number: int, child: ChildSchooling, ruleset: RuleSet) -> list[SchoolYear]:
    schedule = ruleset["scholarship_schedule"]
    levels = schedule["levels"]
    codes = [level["code"] for level in levels]
    index = codes.index(child.level)
    years = []
    age = child.age
    year = child.year
    while index < len(levels) and age < schedule["end_age"]:
        level = levels[index]
        years.append(SchoolYear(child_number, level["code"], year, age, level["yearly"]))
        age += 1
        year += 1
        if year > level["years"]:
            index, year = index + 1, 1
    return years


def check_child(child: ChildSchooling, ruleset: RuleSet, *, field: str = "child") -> ChildSchooling:
    levels = {level["code"]: level for level in ruleset["scholarship_schedule"]["levels"]}
    if child.level not in levels:
        raise RulesError(
            "scholarship_level_unknown",
            f"Jenjang sekolah '{child.level}' tidak dikenal; pilihan yang sah: {', '.join(levels)}.",
            field=field,
        )
    if not 1 <= child.year <= levels[child.level]["years"]:
        raise RulesError(
            "scholarship_child_format",
            f"Tahun ke-{child.year} tidak ada pada jenjang {levels[child.level]['label']} "
            f"(1 sampai {levels[child.level]['years']}).",
            field=field,
        )
    return child


def scholarship_benefit(
    *,
    children: int | None = None,
    contribution_months: int | None = None,
    cause: str = "jkm",
    children_detail: Sequence[ChildSchooling] = (),
    on: dt.date | None = None,
    book: RuleBook | None = None,
) -> Benefit:
    """Education benefit for the children of a participant who died (JKM), or who died or became totally
    disabled from a work accident (JKK, no minimum contribution period)."""
    ruleset = _ruleset(on, book)
    if cause not in SCHOLARSHIP_CAUSES:
        raise RulesError(
            "benefit_kind_unknown",
            f"Penyebab '{cause}' tidak dikenal; pilihan yang sah: {', '.join(SCHOLARSHIP_CAUSES)}.",
            field="cause",
        )
    rule = ruleset["jkm_scholarship" if cause == "jkm" else "jkk_scholarship"]
    schedule = ruleset["scholarship_schedule"]
    details = [check_child(child, ruleset) for child in children_detail]
    if details and children is not None and children != len(details):
        raise RulesError(
            "scholarship_children_mismatch",
            f"Jumlah anak ({children}) tidak sama dengan jumlah rincian anak ({len(details)}).",
            field="children",
        )
    count = len(details) if details else children
    if count is None:
        count = rule["max_children"]
    for value, name, label in (
        (count, "children", "Jumlah anak"),
        (contribution_months, "months", "Masa iur"),
    ):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise RulesError("number_negative", f"{label} harus bilangan bulat 0 atau lebih.", field=name)
    citations = (rule.citation, schedule.citation)
    minimum = rule["min_contribution_months"]
    if minimum and contribution_months is None:
        raise RulesError(
            "contribution_months_missing",
            "Masa iur (jumlah bulan iuran) wajib diisi untuk beasiswa JKM.",
            field="months",
        )
    if minimum and contribution_months < minimum:
        note = (
            f"Belum berhak: beasiswa JKM memerlukan masa iur paling sedikit {minimum} bulan; masa iur "
            f"{contribution_months} bulan."
        )
        return Benefit("scholarship", (), False, None, (note,), citations, ruleset.id)
    notes = []
    counted = min(count, rule["max_children"])
    if count > counted:
        notes.append(
            f"Hanya {rule['max_children']} anak yang berhak; {count - counted} anak lainnya tidak dihitung."
        )
    if count == 0:
        notes.append("Tidak ada anak: tidak ada beasiswa.")
    lines = []
    years: list[SchoolYear] = []
    for number in range(1, counted + 1):
        if details:
            child_years = _school_years(number, details[number - 1], ruleset)
            years.extend(child_years)
            amount = sum(year.amount for year in child_years)
            label = f"Beasiswa anak ke-{number}, sisa hak sampai usia {schedule['end_age']} tahun (perkiraan)"
        else:
            amount = scholarship_cap(ruleset)
            label = f"Beasiswa anak ke-{number} (paling banyak, TK sampai perguruan tinggi)"
        lines.append(BenefitLine(f"child_{number}", label, amount))
    notes.append(
        f"Dibayar per tahun atas klaim tahunan; berhenti pada usia {schedule['end_age']} tahun, menikah, "
        "atau bekerja."
    )
    return Benefit("scholarship", tuple(lines), True, None, tuple(notes), citations, ruleset.id, tuple(years))


# --- JKK ---------------------------------------------------------------------------------------------


def jkk_death_benefit(*, income: int, on: dt.date | None = None, book: RuleBook | None = None) -> Benefit:
    """Death from a work accident: 60% × 80 × income (48×), at least the JKM lump sum, plus funeral and
    periodic benefit."""
    ruleset = _ruleset(on, book)
    level, notes = _level(income, ruleset)
    death = ruleset["jkk_death"]
    months = ruleset["jkk_income_months"].value
    floor = ruleset["jkm_lump_sum"].value
    amount = _income_times(level, months, death["percent"])
    if amount < floor:
        notes.append(f"Santunan dinaikkan ke batas bawah {rupiah(floor)} (santunan sekaligus JKM).")
        amount = floor
    periodic = ruleset["jkk_periodic"]
    lines = (
        BenefitLine(
            "death_lump_sum",
            f"Santunan kematian {format_percent(death['percent'])} × {months} × {rupiah(level)}",
            amount,
        ),
        BenefitLine("funeral", "Biaya pemakaman", ruleset["jkk_funeral"].value),
        _periodic_line(periodic),
    )
    scholarship = ruleset["jkk_scholarship"]
    notes.append(_jkk_scholarship_note(scholarship))
    notes.extend(_npwp_note(sum(line.amount for line in lines), ruleset))
    return Benefit(
        kind="jkk-death",
        lines=lines,
        eligible=True,
        income_level=level,
        notes=tuple(notes),
        citations=(
            ruleset.citation("income_levels"),
            ruleset.citation("jkk_income_months"),
            death.citation,
            ruleset.citation("jkm_lump_sum"),
            ruleset.citation("jkk_funeral"),
            periodic.citation,
            scholarship.citation,
        ),
        rules_version=ruleset.id,
    )


def _periodic_line(periodic) -> BenefitLine:
    """The periodic benefit of a JKK death or total disability, paid at once."""
    return BenefitLine(
        "periodic",
        f"Santunan berkala {periodic['months']} × {rupiah(periodic['monthly'])}, dibayar sekaligus",
        periodic["months"] * periodic["monthly"],
    )


def _jkk_scholarship_note(scholarship) -> str:
    return f"Ditambah beasiswa untuk paling banyak {scholarship['max_children']} anak, tanpa syarat masa iur."


def jkk_total_disability_benefit(
    *, income: int, on: dt.date | None = None, book: RuleBook | None = None
) -> Benefit:
    """Total permanent disability from a work accident: 70% × 80 × income (56×) plus periodic benefit."""
    ruleset = _ruleset(on, book)
    level, notes = _level(income, ruleset)
    total = ruleset["jkk_total_disability"]
    months = ruleset["jkk_income_months"].value
    periodic = ruleset["jkk_periodic"]
    lines = (
        BenefitLine(
            "total_disability",
            f"Santunan cacat total tetap {format_percent(total['percent'])} × {months} × {rupiah(level)}",
            _income_times(level, months, total["percent"]),
        ),
        _periodic_line(periodic),
    )
    scholarship = ruleset["jkk_scholarship"]
    notes.append(_jkk_scholarship_note(scholarship))
    notes.extend(_npwp_note(sum(line.amount for line in lines), ruleset))
    return Benefit(
        kind="jkk-total-disability",
        lines=lines,
        eligible=True,
        income_level=level,
        notes=tuple(notes),
        citations=(
            ruleset.citation("income_levels"),
            ruleset.citation("jkk_income_months"),
            total.citation,
            periodic.citation,
            scholarship.citation,
        ),
        rules_version=ruleset.id,
    )


def _check_percent(value: Decimal, name: str, label: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 < value <= 100:
        raise RulesError(
            "percent_out_of_range", f"{label} harus lebih dari 0 dan paling banyak 100.", field=name
        )
    return value


def jkk_partial_disability_benefit(
    *,
    income: int,
    part: str | None = None,
    percent: Decimal | None = None,
    function_loss: Decimal | None = None,
    on: dt.date | None = None,
    book: RuleBook | None = None,
) -> Benefit:
    """Partial disability: table percent (or the doctor's percent) × 80 × income; for loss of function,
    also × the loss-of-function percent."""
    ruleset = _ruleset(on, book)
    level, notes = _level(income, ruleset)
    table = ruleset["jkk_disability_table"]
    if (part is None) == (percent is None):
        code = "disability_input_missing" if part is None else "disability_input_conflict"
        raise RulesError(
            code,
            "Isi salah satu: bagian tubuh dari tabel (part) atau persentase cacat dari formulir dokter "
            "(percent).",
            field="part",
        )
    citations = [ruleset.citation("income_levels"), ruleset.citation("jkk_income_months"), table.citation]
    if part is not None:
        rows = {row["code"]: row for row in table["rows"]}
        if part not in rows:
            raise RulesError(
                "disability_part_unknown",
                f"Bagian tubuh '{part}' tidak ada dalam tabel cacat; pilihan yang sah: {', '.join(rows)}. "
                "Bila tidak ada, isi persentase dari formulir dokter.",
                field="part",
            )
        share = rows[part]["percent"]
        what = rows[part]["label"]
        notes.append("Persentase dari tabel cacat (sementara: hanya sebagian tabel yang terkonfirmasi).")
    else:
        share = _check_percent(percent, "percent", "Persentase cacat")
        what = "persentase dari formulir dokter"
    months = ruleset["jkk_income_months"].value
    factors = [share]
    label = f"Santunan cacat sebagian ({what}) {format_percent(share)} × {months} × {rupiah(level)}"
    if function_loss is not None:
        factors.append(_check_percent(function_loss, "function_loss", "Persentase kehilangan fungsi"))
        label = (
            f"Santunan cacat fungsi ({what}) {format_percent(share)} × {format_percent(function_loss)} × "
            f"{months} × {rupiah(level)}"
        )
    lines = (BenefitLine("partial_disability", label, _income_times(level, months, *factors)),)
    notes.extend(_npwp_note(lines[0].amount, ruleset))
    return Benefit(
        kind="jkk-partial-disability",
        lines=lines,
        eligible=True,
        income_level=level,
        notes=tuple(notes),
        citations=tuple(citations),
        rules_version=ruleset.id,
    )


def stmb_benefit(
    *, income: int, months: int, on: dt.date | None = None, book: RuleBook | None = None
) -> Benefit:
    """Temporary incapacity (STMB) for `months` months: 100% of income for the first 12, then 50%."""
    ruleset = _ruleset(on, book)
    level, notes = _level(income, ruleset)
    if isinstance(months, bool) or not isinstance(months, int) or months < 0:
        raise RulesError(
            "number_negative", "Lama tidak mampu bekerja (bulan) harus 0 atau lebih.", field="months"
        )
    stmb = ruleset["jkk_stmb"]
    full_months = min(months, stmb["full_months"])
    after_months = months - full_months
    lines = [
        BenefitLine(
            "stmb_full",
            f"STMB {format_percent(stmb['full_percent'])} × {rupiah(level)} × {full_months} bulan",
            percent_of(level, stmb["full_percent"]) * full_months,
        )
    ]
    if after_months:
        lines.append(
            BenefitLine(
                "stmb_after",
                f"STMB {format_percent(stmb['after_percent'])} × {rupiah(level)} × {after_months} bulan",
                percent_of(level, stmb["after_percent"]) * after_months,
            )
        )
    return Benefit(
        kind="stmb",
        lines=tuple(lines),
        eligible=True,
        income_level=level,
        notes=tuple(notes),
        citations=(ruleset.citation("income_levels"), stmb.citation),
        rules_version=ruleset.id,
    )


def jkk_transport_benefit(
    *, costs: dict[str, int | None] | None = None, on: dt.date | None = None, book: RuleBook | None = None
) -> Benefit:
    """Transport of the injured worker, reimbursed up to a cap per mode. Without costs, the caps."""
    ruleset = _ruleset(on, book)
    caps = ruleset["jkk_transport"]
    given = {mode: cost for mode, cost in (costs or {}).items() if cost is not None}
    notes = []
    lines = []
    for mode, words in TRANSPORT_MODES.items():
        cap = caps[mode]
        if not given:
            lines.append(BenefitLine(mode, f"Transportasi {words} (paling banyak)", cap))
            continue
        if mode not in given:
            continue
        cost = given[mode]
        if isinstance(cost, bool) or not isinstance(cost, int) or cost < 0:
            raise RulesError("number_negative", f"Biaya transportasi {words} harus 0 atau lebih.", field=mode)
        if cost > cap:
            notes.append(f"Biaya transportasi {words} {rupiah(cost)} melebihi batas; diganti {rupiah(cap)}.")
        lines.append(BenefitLine(mode, f"Transportasi {words}", min(cost, cap)))
    return Benefit(
        kind="jkk-transport",
        lines=tuple(lines),
        eligible=True,
        income_level=None,
        notes=tuple(notes),
        citations=(caps.citation,),
        rules_version=ruleset.id,
    )
