"""Request parameters (strings from the API, the CLI or the calculator form) to engine calls.

One parser per parameter, shared by every interface, so a bad value gets the same error code, field and
Bahasa message everywhere. `Params` maps a parameter name to a string or a list of strings (a query
string's repeated values); empty strings count as absent. Lists may also be comma-separated.

Parameter names (English, as in the API): income, programs, month, months, funding, sector; kind,
member_since, on, children, cause, child, part, percent, function_loss, land, sea, air; paid, start,
policy; event, doctor_statement, complete.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cakupan.rules.engine.benefits import (
    Benefit,
    ChildSchooling,
    jkk_death_benefit,
    jkk_partial_disability_benefit,
    jkk_total_disability_benefit,
    jkk_transport_benefit,
    jkm_benefit,
    scholarship_benefit,
    stmb_benefit,
)
from cakupan.rules.engine.calendar import today_jakarta
from cakupan.rules.engine.claims import ClaimDeadlines, claim_deadlines
from cakupan.rules.engine.contributions import (
    Contribution,
    ContributionPeriod,
    check_funding,
    check_prepayment_months,
    check_programs,
    check_sector,
    contribution,
    contribution_period,
)
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import RuleBook, default_book
from cakupan.rules.engine.months import MAX_YEAR, MIN_YEAR, Month
from cakupan.rules.engine.status import MembershipStatus, check_policy, membership_status

__all__ = [
    "BENEFIT_KINDS",
    "ContributionQuote",
    "Params",
    "benefit_from_params",
    "claim_from_params",
    "contribution_fields",
    "contribution_from_params",
    "parse_income",
    "status_from_params",
]

Params = Mapping[str, "str | Sequence[str] | None"]

BENEFIT_KINDS: dict[str, str] = {
    "jkm": "JKM: meninggal bukan karena kecelakaan kerja",
    "scholarship": "Beasiswa pendidikan anak",
    "jkk-death": "JKK: meninggal karena kecelakaan kerja",
    "jkk-total-disability": "JKK: cacat total tetap",
    "jkk-partial-disability": "JKK: cacat sebagian",
    "stmb": "JKK: santunan sementara tidak mampu bekerja (STMB)",
    "jkk-transport": "JKK: biaya transportasi",
}

_DIGITS = re.compile(r"^\+?[0-9]+$")
_NEGATIVE = re.compile(r"^-\s*[0-9]+([.,][0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_EVENT = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2}))?$")
_CHILD = re.compile(r"^([a-z]+):([0-9]{1,2}):([0-9]{1,2})$")
# Fifteen digits is beyond any income and keeps arithmetic and messages sane.
MAX_DIGITS = 15
# A paid range longer than this is a typo, not a membership.
MAX_PAID_RANGE = 1200


# --- reading raw values ------------------------------------------------------------------------------


def values(params: Params, name: str) -> list[str]:
    """All non-empty values of a parameter, comma-separated values split."""
    raw = params.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    out = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def value(params: Params, name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    items = [raw] if isinstance(raw, str) else list(raw)
    items = [str(item).strip() for item in items if item is not None and str(item).strip()]
    return items[-1] if items else None


# --- parsers -----------------------------------------------------------------------------------------


def parse_income(raw: str | None, *, field: str = "income") -> int:
    if raw is None:
        raise RulesError(
            "income_missing", "Penghasilan wajib diisi (rupiah per bulan, misalnya 1000000).", field=field
        )
    text = raw.strip()
    if _NEGATIVE.match(text):
        raise RulesError("income_negative", "Penghasilan tidak boleh negatif.", field=field)
    if not _DIGITS.match(text):
        raise RulesError(
            "income_not_integer",
            f"Penghasilan harus bilangan bulat rupiah tanpa titik atau desimal, misalnya 1000000; '{raw}' "
            "bukan bilangan bulat.",
            field=field,
        )
    if len(text.lstrip("+").lstrip("0")) > MAX_DIGITS:
        raise RulesError("income_too_large", "Penghasilan terlalu besar untuk dihitung.", field=field)
    return int(text)


def parse_count(raw: str, *, field: str, label: str) -> int:
    text = raw.strip()
    if _NEGATIVE.match(text):
        raise RulesError("number_negative", f"{label} tidak boleh negatif.", field=field)
    if not _DIGITS.match(text):
        raise RulesError(
            "number_not_integer",
            f"{label} harus bilangan bulat, misalnya 2; '{raw}' bukan bilangan bulat.",
            field=field,
        )
    if len(text.lstrip("+").lstrip("0")) > MAX_DIGITS:
        raise RulesError("number_too_large", f"{label} terlalu besar.", field=field)
    return int(text)


def parse_percent(raw: str, *, field: str, label: str) -> Decimal:
    text = raw.strip().rstrip("%").strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise RulesError(
            "percent_invalid",
            f"{label} harus angka persen, misalnya 35 atau 12,5; '{raw}' bukan angka.",
            field=field,
        )
    return number


def parse_month(raw: str | None, *, field: str, label: str) -> Month:
    if raw is None:
        raise RulesError(
            "month_missing", f"{label} wajib diisi (format TTTT-BB, misalnya 2026-01).", field=field
        )
    return Month.parse(raw, field=field, label=label)


def parse_date(raw: str | None, *, field: str, label: str) -> dt.date:
    if raw is None:
        raise RulesError(
            "date_missing", f"{label} wajib diisi (format TTTT-BB-HH, misalnya 2026-06-20).", field=field
        )
    text = raw.strip()
    day = None
    if _DATE.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
    # The last supported year is kept free so that dates a few months later stay in the holiday calendar.
    if day is None or not MIN_YEAR <= day.year < MAX_YEAR:
        raise RulesError(
            "date_format",
            f"{label} harus tanggal yang sah berformat TTTT-BB-HH, misalnya 2026-06-20; '{raw}' tidak "
            "dikenali.",
            field=field,
        )
    return day


def parse_event(raw: str | None, *, field: str = "event") -> tuple[dt.date, dt.time | None]:
    if raw is None:
        raise RulesError(
            "date_missing", "Tanggal kejadian wajib diisi (TTTT-BB-HH atau TTTT-BB-HHTjj:mm).", field=field
        )
    match = _EVENT.match(raw.strip())
    if match:
        day = parse_date(match[1], field=field, label="Tanggal kejadian")
        if match[2] is None:
            return day, None
        hour, minute = int(match[2]), int(match[3])
        if hour < 24 and minute < 60:
            return day, dt.time(hour, minute)
    raise RulesError(
        "datetime_format",
        f"Tanggal kejadian harus TTTT-BB-HH atau TTTT-BB-HHTjj:mm, misalnya 2026-03-10T14:30; '{raw}' "
        "tidak dikenali.",
        field=field,
    )


def parse_paid(items: list[str], *, field: str = "paid") -> list[Month]:
    """Months paid: `2026-01`, or a range `2026-01..2026-06`."""
    months: list[Month] = []
    for item in items:
        first_text, separator, last_text = item.partition("..")
        try:
            first = Month.parse(first_text, field=field, label="Bulan dibayar")
            last = Month.parse(last_text, field=field, label="Bulan dibayar") if separator else first
        except RulesError:
            first = last = None
        if first is None or last is None or last < first or first.months_until(last) > MAX_PAID_RANGE:
            raise RulesError(
                "paid_format",
                f"Bulan dibayar harus TTTT-BB atau rentang TTTT-BB..TTTT-BB, dipisah koma; '{item}' tidak "
                "dikenali.",
                field=field,
            )
        months.extend(first.shift(offset) for offset in range(first.months_until(last) + 1))
    return months


def parse_child(raw: str, *, field: str = "child") -> ChildSchooling:
    """`jenjang:tahun-ke:usia`, e.g. `sd:3:9` (third year of primary school, 9 years old)."""
    match = _CHILD.match(raw.strip().lower())
    if not match:
        raise RulesError(
            "scholarship_child_format",
            f"Rincian anak harus jenjang:tahun-ke:usia, misalnya sd:3:9; '{raw}' tidak dikenali.",
            field=field,
        )
    return ChildSchooling(match[1], int(match[2]), int(match[3]))


def _optional(params: Params, name: str, parse: Callable[[str], Any]) -> Any:
    raw = value(params, name)
    return None if raw is None else parse(raw)


def _collect(parsers: Mapping[str, Callable[[], Any]]) -> tuple[dict[str, Any], dict[str, RulesError]]:
    parsed: dict[str, Any] = {}
    errors: dict[str, RulesError] = {}
    for name, parse in parsers.items():
        try:
            parsed[name] = parse()
        except RulesError as error:
            errors[error.field or name] = error
    return parsed, errors


# --- contribution --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionQuote:
    """The contribution for one month and for the months paid at once from it."""

    month: Contribution
    period: ContributionPeriod

    def as_dict(self) -> dict[str, Any]:
        return {**self.month.as_dict(), "period": self.period.as_dict()}


def contribution_fields(
    params: Params, *, book: RuleBook | None = None
) -> tuple[dict[str, Any], dict[str, RulesError]]:
    """Every contribution parameter parsed, and every field's error (for a form that shows them all)."""
    book = book or default_book()
    parsed, errors = _collect(
        {
            "income": lambda: parse_income(value(params, "income")),
            "month": lambda: parse_month(value(params, "month"), field="month", label="Bulan iuran"),
            "funding": lambda: check_funding(_required(params, "funding", "funding_missing", "Sumber dana")),
            "sector": lambda: check_sector(_required(params, "sector", "sector_missing", "Sektor")),
        }
    )
    try:
        ruleset = book.for_month(parsed["month"]) if "month" in parsed else book.for_date(today_jakarta())
    except RulesError as error:
        errors.setdefault("month", error)
        ruleset = book.versions[-1]
    more, more_errors = _collect(
        {
            "programs": lambda: check_programs(values(params, "programs"), ruleset),
            "months": lambda: check_prepayment_months(_prepayment_count(params), ruleset),
        }
    )
    parsed.update(more)
    for name, error in more_errors.items():
        errors.setdefault(name, error)
    return parsed, errors


def _prepayment_count(params: Params) -> int:
    count = _count(params, "months", "Jumlah bulan dibayar sekaligus")
    return 1 if count is None else count


def _required(params: Params, name: str, code: str, label: str) -> str:
    raw = value(params, name)
    if raw is None:
        raise RulesError(code, f"{label} wajib diisi.", field=name)
    return raw


def _first_error(errors: Mapping[str, RulesError], order: Sequence[str]) -> RulesError:
    for name in order:
        if name in errors:
            return errors[name]
    return next(iter(errors.values()))


def contribution_from_params(params: Params, *, book: RuleBook | None = None) -> ContributionQuote:
    parsed, errors = contribution_fields(params, book=book)
    if errors:
        raise _first_error(errors, ("income", "programs", "month", "months", "funding", "sector"))
    common = {
        "income": parsed["income"],
        "programs": parsed["programs"],
        "funding": parsed["funding"],
        "sector": parsed["sector"],
        "book": book,
    }
    return ContributionQuote(
        month=contribution(month=parsed["month"], **common),
        period=contribution_period(first_month=parsed["month"], months=parsed["months"], **common),
    )


# --- benefits ------------------------------------------------------------------------------------------


def _count(params: Params, name: str, label: str) -> int | None:
    return _optional(params, name, lambda raw: parse_count(raw, field=name, label=label))


def _date(params: Params, name: str, label: str) -> dt.date | None:
    return _optional(params, name, lambda raw: parse_date(raw, field=name, label=label))


def benefit_from_params(params: Params, *, book: RuleBook | None = None) -> Benefit:
    kind = value(params, "kind")
    if kind not in BENEFIT_KINDS:
        problem = "wajib diisi" if kind is None else f"'{kind}' tidak dikenal"
        raise RulesError(
            "benefit_kind_unknown",
            f"Jenis manfaat {problem}; pilihan yang sah: {', '.join(BENEFIT_KINDS)}.",
            field="kind",
        )
    on = _date(params, "on", "Tanggal kejadian")
    if kind == "jkm":
        return jkm_benefit(
            member_since=_date(params, "member_since", "Tanggal mulai kepesertaan"), on=on, book=book
        )
    if kind == "scholarship":
        return scholarship_benefit(
            children=_count(params, "children", "Jumlah anak"),
            contribution_months=_count(params, "months", "Masa iur (bulan)"),
            cause=value(params, "cause") or "jkm",
            children_detail=[parse_child(raw) for raw in values(params, "child")],
            on=on,
            book=book,
        )
    if kind == "jkk-transport":
        costs = {
            mode: _count(params, mode, f"Biaya transportasi ({mode})") for mode in ("land", "sea", "air")
        }
        return jkk_transport_benefit(costs=costs, on=on, book=book)
    income = parse_income(value(params, "income"))
    if kind == "jkk-death":
        return jkk_death_benefit(income=income, on=on, book=book)
    if kind == "jkk-total-disability":
        return jkk_total_disability_benefit(income=income, on=on, book=book)
    if kind == "jkk-partial-disability":
        return jkk_partial_disability_benefit(
            income=income,
            part=value(params, "part"),
            percent=_optional(
                params, "percent", lambda raw: parse_percent(raw, field="percent", label="Persentase cacat")
            ),
            function_loss=_optional(
                params,
                "function_loss",
                lambda raw: parse_percent(raw, field="function_loss", label="Persentase kehilangan fungsi"),
            ),
            on=on,
            book=book,
        )
    months = _count(params, "months", "Lama tidak mampu bekerja (bulan)")
    if months is None:
        raise RulesError("number_missing", "Lama tidak mampu bekerja (bulan) wajib diisi.", field="months")
    return stmb_benefit(income=income, months=months, on=on, book=book)


# --- status and claims ---------------------------------------------------------------------------------


def status_from_params(params: Params, *, book: RuleBook | None = None) -> MembershipStatus:
    paid = parse_paid(values(params, "paid"))
    on = _date(params, "on", "Tanggal") or today_jakarta()
    start = _optional(
        params, "start", lambda raw: Month.parse(raw, field="start", label="Bulan mulai kepesertaan")
    )
    policy = _optional(params, "policy", check_policy)
    return membership_status(paid=paid, on=on, start=start, policy=policy, book=book)


def claim_from_params(params: Params, *, book: RuleBook | None = None) -> ClaimDeadlines:
    event, event_time = parse_event(value(params, "event"))
    return claim_deadlines(
        kind=value(params, "kind") or "jkk",
        event=event,
        event_time=event_time,
        doctor_statement=_date(params, "doctor_statement", "Tanggal surat keterangan dokter"),
        complete=_date(params, "complete", "Tanggal berkas lengkap"),
        book=book,
    )
