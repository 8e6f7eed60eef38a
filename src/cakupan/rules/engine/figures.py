"""Rule versions: every figure the engine uses, read from one TOML file per regulation version.

A version file names its `effective_from` date and, optionally, a `base` version whose figures, sources
and discounts it inherits; it repeats only what it changes (a figure is replaced as a whole, and a
`discounts` list replaces the base's). Every version must end up with every figure in `FIGURE_FIELDS`,
each with its citation, so a lookup never falls back to a constant in code.

The version in force on a date is the one with the latest `effective_from` not after it; for a
contribution month it is the version in force on the month's first day.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cakupan.rules.engine.codes import FUNDING_SOURCES, NON_BPU_SECTORS, PROGRAMS, SECTORS
from cakupan.rules.engine.errors import RulesDataError, RulesError
from cakupan.rules.engine.months import Month

__all__ = [
    "DATA_DIR",
    "FIGURE_FIELDS",
    "Citation",
    "DiscountRule",
    "DiscountWindow",
    "Figure",
    "RuleBook",
    "RuleSet",
    "default_book",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

CONFIDENCE_LEVELS = ("H", "M", "L")
_CITATION_FIELDS = {"instrument", "article", "confidence", "section", "provisional", "note"}

# Every figure a version must define, with the type of each value field. Row types name a row schema.
FIGURE_FIELDS: dict[str, dict[str, str]] = {
    "programs": {"mandatory": "programs", "optional": "programs", "unavailable": "programs"},
    "income_levels": {"mode": "text", "lowest": "money", "highest": "money", "levels": "money_list"},
    "jkk_percent": {"value": "percent"},
    "jkm_contribution": {"value": "money"},
    "jht_percent": {"value": "percent"},
    "due_day": {"value": "count"},
    "non_working_days": {"weekdays": "count_list", "holiday_categories": "text_list"},
    "claim_non_working_days": {"weekdays": "count_list", "holiday_categories": "text_list"},
    "prepayment_months": {"value": "count_list"},
    "late_fine_percent": {"value": "percent"},
    "lapse_unpaid_months": {"value": "count"},
    "reentry_policy": {"value": "text"},
    "jkm_lump_sum": {"value": "money"},
    "jkm_periodic": {"monthly": "money", "months": "count"},
    "jkm_funeral": {"value": "money"},
    "jkm_reduced": {"within_months": "count", "lump_sum": "money", "funeral": "money"},
    "scholarship_schedule": {"end_age": "count", "levels": "scholarship_rows"},
    "jkm_scholarship": {"max_children": "count", "min_contribution_months": "count"},
    "jkk_income_months": {"value": "count"},
    "jkk_death": {"percent": "percent"},
    "jkk_total_disability": {"percent": "percent"},
    "jkk_funeral": {"value": "money"},
    "jkk_periodic": {"monthly": "money", "months": "count"},
    "jkk_stmb": {"full_months": "count", "full_percent": "percent", "after_percent": "percent"},
    "jkk_transport": {"land": "money", "sea": "money", "air": "money"},
    "jkk_home_care": {"months": "count", "amount": "money"},
    "jkk_scholarship": {"max_children": "count", "min_contribution_months": "count"},
    "jkk_disability_table": {"rows": "disability_rows"},
    "claim_report_hours": {"value": "count"},
    "claim_period_years": {"value": "count"},
    "claim_payment_working_days": {"value": "count"},
    "jkm_claim_payment_working_days": {"value": "count"},
    "scholarship_claim_payment_working_days": {"value": "count"},
    "ucj_target_percent": {"value": "percent", "year": "count"},
    "claim_late_payment_percent": {"value": "percent"},
    "claim_npwp_threshold": {"value": "money"},
}

_ROW_FIELDS: dict[str, dict[str, str]] = {
    "scholarship_rows": {"code": "text", "label": "text", "yearly": "money", "years": "count"},
    "disability_rows": {"code": "text", "label": "text", "percent": "percent"},
}

REENTRY_POLICIES = ("continue", "reregister")
INCOME_LEVEL_MODES = ("range", "table")


@dataclass(frozen=True)
class Citation:
    """Where a figure comes from: shown under every result so a reader can check it."""

    figure: str
    instrument: str
    article: str
    confidence: str
    section: str
    provisional: bool
    note: str | None
    version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "instrument": self.instrument,
            "article": self.article,
            "confidence": self.confidence,
            "provisional": self.provisional,
            "section": self.section,
            "note": self.note,
            "version": self.version,
        }


@dataclass(frozen=True)
class Figure:
    key: str
    values: Mapping[str, Any]
    citation: Citation

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def value(self) -> Any:
        return self.values["value"]


@dataclass(frozen=True)
class DiscountWindow:
    sectors: frozenset[str]
    first_month: Month
    last_month: Month
    confidence: str

    def covers(self, month: Month, sector: str) -> bool:
        return sector in self.sectors and self.first_month <= month <= self.last_month


@dataclass(frozen=True)
class DiscountRule:
    id: str
    label: str
    percent_off: Decimal
    programs: tuple[str, ...]
    excluded_funding: frozenset[str]
    windows: tuple[DiscountWindow, ...]
    citation: Citation

    def window_for(self, month: Month, sector: str) -> DiscountWindow | None:
        return next((w for w in self.windows if w.covers(month, sector)), None)


@dataclass(frozen=True)
class RuleSet:
    """The complete set of figures of one regulation version."""

    id: str
    title: str
    effective_from: dt.date
    base: str | None
    path: str
    sources: Mapping[str, str]
    figures: Mapping[str, Figure]
    discounts: tuple[DiscountRule, ...]

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]

    def citation(self, key: str) -> Citation:
        return self.figures[key].citation


class RuleBook:
    """All versions, ordered by the date they take effect."""

    def __init__(self, rulesets: Iterable[RuleSet]) -> None:
        self.versions: tuple[RuleSet, ...] = tuple(sorted(rulesets, key=lambda r: r.effective_from))
        if not self.versions:
            raise RulesDataError("no rules versions")
        dates = [r.effective_from for r in self.versions]
        if len(set(dates)) != len(dates):
            raise RulesDataError("two rules versions take effect on the same date")

    @classmethod
    def from_directory(cls, directory: Path = DATA_DIR) -> RuleBook:
        files = sorted(directory.glob("*.toml"))
        return cls.from_texts({path.name: path.read_text(encoding="utf-8") for path in files})

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> RuleBook:
        documents: dict[str, tuple[str, dict[str, Any]]] = {}
        for name, text in texts.items():
            try:
                document = tomllib.loads(text)
            except tomllib.TOMLDecodeError as error:
                raise RulesDataError(f"{name}: {error}") from error
            version_id = _require(document.get("version", {}), "id", str, f"{name} [version]")
            if version_id in documents:
                raise RulesDataError(f"{name}: version id {version_id!r} is used twice")
            documents[version_id] = (name, document)
        resolved: dict[str, RuleSet] = {}
        for version_id in documents:
            _resolve(version_id, documents, resolved, ())
        return cls(resolved.values())

    def version(self, version_id: str) -> RuleSet:
        for ruleset in self.versions:
            if ruleset.id == version_id:
                return ruleset
        raise KeyError(version_id)

    def for_date(self, day: dt.date, *, field: str = "on") -> RuleSet:
        in_force = [r for r in self.versions if r.effective_from <= day]
        if not in_force:
            first = self.versions[0].effective_from
            raise RulesError(
                "rules_not_in_force",
                f"Aturan untuk tanggal {day.isoformat()} tidak tersedia: aturan yang tercatat berlaku "
                f"mulai {first.isoformat()}.",
                field=field,
            )
        return in_force[-1]

    def for_month(self, month: Month, *, field: str = "month") -> RuleSet:
        try:
            return self.for_date(month.first_day, field=field)
        except RulesError:
            first = self.versions[0].effective_from
            raise RulesError(
                "rules_not_in_force",
                f"Aturan untuk bulan iuran {month} tidak tersedia: aturan yang tercatat berlaku mulai "
                f"{first.isoformat()}.",
                field=field,
            ) from None


@cache
def default_book() -> RuleBook:
    """The shipped versions, read once per process."""
    return RuleBook.from_directory()


# --- loading -----------------------------------------------------------------------------------------


def _resolve(
    version_id: str,
    documents: Mapping[str, tuple[str, dict[str, Any]]],
    resolved: dict[str, RuleSet],
    chain: tuple[str, ...],
) -> RuleSet:
    if version_id in resolved:
        return resolved[version_id]
    if version_id in chain:
        raise RulesDataError(f"rules versions inherit in a circle: {' -> '.join((*chain, version_id))}")
    name, document = documents[version_id]
    header = document["version"]
    where = f"{name} [version]"
    effective_from = _require(header, "effective_from", dt.date, where)
    if isinstance(effective_from, dt.datetime):
        raise RulesDataError(f"{where}: effective_from must be a date, not a date-time")
    base_id = header.get("base")
    sources: dict[str, str] = {}
    raw_figures: dict[str, tuple[str, dict[str, Any]]] = {}
    raw_discounts: list[dict[str, Any]] | None = None
    inherited_discounts: tuple[DiscountRule, ...] = ()
    figures: dict[str, Figure] = {}
    if base_id is not None:
        if base_id not in documents:
            raise RulesDataError(f"{where}: base version {base_id!r} not found")
        base = _resolve(base_id, documents, resolved, (*chain, version_id))
        if base.effective_from >= effective_from:
            raise RulesDataError(f"{where}: must take effect after its base {base_id!r}")
        sources.update(base.sources)
        figures.update(base.figures)
        inherited_discounts = base.discounts
    for instrument, title in document.get("sources", {}).items():
        if not isinstance(title, str):
            raise RulesDataError(f"{name} [sources]: {instrument!r} must be a string")
        sources[instrument] = title
    for key, table in document.get("figures", {}).items():
        if key not in FIGURE_FIELDS:
            raise RulesDataError(f"{name} [figures.{key}]: unknown figure")
        raw_figures[key] = (f"{name} [figures.{key}]", table)
    if "discounts" in document:
        raw_discounts = document["discounts"]
    for key, (figure_where, table) in raw_figures.items():
        figures[key] = _figure(key, table, figure_where, version_id, sources)
    missing = sorted(set(FIGURE_FIELDS) - set(figures))
    if missing:
        raise RulesDataError(f"{name}: figures missing: {', '.join(missing)}")
    _check_consistency(figures, name)
    if raw_discounts is None:
        discounts = inherited_discounts
    else:
        discounts = tuple(
            _discount(item, f"{name} [[discounts]] #{index + 1}", version_id, sources)
            for index, item in enumerate(raw_discounts)
        )
    ruleset = RuleSet(
        id=version_id,
        title=_require(header, "title", str, where),
        effective_from=effective_from,
        base=base_id,
        path=name,
        sources=MappingProxyType(sources),
        figures=MappingProxyType(figures),
        discounts=discounts,
    )
    resolved[version_id] = ruleset
    return ruleset


def _require(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise RulesDataError(f"{where}: {key!r} is required")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        kind_name = getattr(kind, "__name__", str(kind))
        raise RulesDataError(f"{where}: {key!r} must be {kind_name}, not {value!r}")
    return value


def _citation(
    figure: str, table: Mapping[str, Any], where: str, version_id: str, sources: Mapping[str, str]
) -> Citation:
    instrument = _require(table, "instrument", str, where)
    if instrument not in sources:
        raise RulesDataError(f"{where}: instrument {instrument!r} is not in [sources]")
    confidence = _require(table, "confidence", str, where)
    if confidence not in CONFIDENCE_LEVELS:
        raise RulesDataError(f"{where}: confidence must be one of H, M, L, not {confidence!r}")
    provisional = table.get("provisional", False)
    note = table.get("note")
    if not isinstance(provisional, bool) or not (note is None or isinstance(note, str)):
        raise RulesDataError(f"{where}: provisional must be true/false and note a string")
    return Citation(
        figure=figure,
        instrument=instrument,
        article=_require(table, "article", str, where),
        confidence=confidence,
        section=_require(table, "section", str, where),
        provisional=provisional,
        note=note,
        version=version_id,
    )


def _figure(
    key: str, table: Mapping[str, Any], where: str, version_id: str, sources: Mapping[str, str]
) -> Figure:
    fields = FIGURE_FIELDS[key]
    unknown = set(table) - set(fields) - _CITATION_FIELDS
    if unknown:
        raise RulesDataError(f"{where}: unknown fields {sorted(unknown)}")
    values = {name: _value(table, name, kind, where) for name, kind in fields.items()}
    return Figure(key, MappingProxyType(values), _citation(key, table, where, version_id, sources))


def _value(table: Mapping[str, Any], name: str, kind: str, where: str) -> Any:
    if name not in table:
        raise RulesDataError(f"{where}: {name!r} is required")
    raw = table[name]
    if kind in _ROW_FIELDS:
        if not isinstance(raw, list) or not raw:
            raise RulesDataError(f"{where}: {name!r} must be a non-empty list of tables")
        rows = []
        for index, row in enumerate(raw):
            row_where = f"{where} {name}[{index}]"
            if not isinstance(row, dict) or set(row) != set(_ROW_FIELDS[kind]):
                raise RulesDataError(f"{row_where}: fields must be exactly {sorted(_ROW_FIELDS[kind])}")
            rows.append(
                MappingProxyType(
                    {f: _scalar(row[f], k, f"{row_where}.{f}") for f, k in _ROW_FIELDS[kind].items()}
                )
            )
        codes = [row["code"] for row in rows]
        if len(set(codes)) != len(codes):
            raise RulesDataError(f"{where}: {name!r} has duplicate codes")
        return tuple(rows)
    if kind.endswith("_list") or kind == "programs":
        if not isinstance(raw, list):
            raise RulesDataError(f"{where}: {name!r} must be a list")
        item_kind = "program" if kind == "programs" else kind.removesuffix("_list")
        return tuple(_scalar(item, item_kind, f"{where}.{name}") for item in raw)
    return _scalar(raw, kind, f"{where}.{name}")


def _scalar(raw: Any, kind: str, where: str) -> Any:
    if kind in ("money", "count"):
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            raise RulesDataError(f"{where}: must be a whole number >= 0, not {raw!r}")
        return raw
    if kind == "percent":
        # Floats are refused: 0.1 in a TOML float is not exactly one tenth.
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise RulesDataError(f"{where}: percentages are written as strings or integers, not {raw!r}")
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise RulesDataError(f"{where}: {raw!r} is not a number") from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise RulesDataError(f"{where}: percent must be between 0 and 100, not {raw!r}")
        return value
    if kind == "text":
        if not isinstance(raw, str) or not raw:
            raise RulesDataError(f"{where}: must be a non-empty string")
        return raw
    if kind == "program":
        if raw not in PROGRAMS:
            raise RulesDataError(f"{where}: unknown program {raw!r}")
        return raw
    raise AssertionError(kind)


def _check_consistency(figures: Mapping[str, Figure], name: str) -> None:
    """Cross-figure checks that a data edit could break."""
    levels = figures["income_levels"]
    where = f"{name} [figures.income_levels]"
    if levels["mode"] not in INCOME_LEVEL_MODES:
        raise RulesDataError(f"{where}: mode must be one of {INCOME_LEVEL_MODES}")
    if not 0 < levels["lowest"] <= levels["highest"]:
        raise RulesDataError(f"{where}: need 0 < lowest <= highest")
    if levels["mode"] == "table":
        table = levels["levels"]
        if (
            list(table) != sorted(set(table))
            or table[0] != levels["lowest"]
            or table[-1] != levels["highest"]
        ):
            raise RulesDataError(f"{where}: levels must be ascending, unique, from lowest to highest")
    programs = figures["programs"]
    listed = [*programs["mandatory"], *programs["optional"], *programs["unavailable"]]
    if len(set(listed)) != len(listed) or not programs["mandatory"]:
        raise RulesDataError(f"{name} [figures.programs]: a program is listed twice, or none is mandatory")
    if not 1 <= figures["due_day"].value <= 28:
        raise RulesDataError(f"{name} [figures.due_day]: must be 1-28 so that every month has it")
    if not set(figures["non_working_days"]["weekdays"]) <= set(range(1, 8)):
        raise RulesDataError(f"{name} [figures.non_working_days]: weekdays are ISO numbers 1-7")
    if not figures["prepayment_months"].value or 1 not in figures["prepayment_months"].value:
        raise RulesDataError(f"{name} [figures.prepayment_months]: must include 1")
    if figures["lapse_unpaid_months"].value < 1:
        raise RulesDataError(f"{name} [figures.lapse_unpaid_months]: must be at least 1")
    if figures["reentry_policy"].value not in REENTRY_POLICIES:
        raise RulesDataError(f"{name} [figures.reentry_policy]: must be one of {REENTRY_POLICIES}")


def _discount(
    item: Mapping[str, Any], where: str, version_id: str, sources: Mapping[str, str]
) -> DiscountRule:
    known = {"id", "label", "percent_off", "programs", "excluded_funding", "windows"} | _CITATION_FIELDS
    if not isinstance(item, dict) or set(item) - known:
        raise RulesDataError(f"{where}: unknown fields {sorted(set(item) - known)}")
    discount_id = _require(item, "id", str, where)
    programs = tuple(
        _scalar(p, "program", f"{where}.programs") for p in _require(item, "programs", list, where)
    )
    excluded = _require(item, "excluded_funding", list, where)
    for code in excluded:
        if code not in FUNDING_SOURCES:
            raise RulesDataError(f"{where}.excluded_funding: unknown funding source {code!r}")
    windows = []
    for index, raw in enumerate(_require(item, "windows", list, where)):
        window_where = f"{where}.windows[{index}]"
        sectors = _require(raw, "sectors", list, window_where)
        for sector in sectors:
            if sector not in SECTORS or sector in NON_BPU_SECTORS:
                raise RulesDataError(f"{window_where}: {sector!r} is not a BPU sector code")
        try:
            first = Month.parse(_require(raw, "first_month", str, window_where))
            last = Month.parse(_require(raw, "last_month", str, window_where))
        except RulesError as error:
            raise RulesDataError(f"{window_where}: {error.message}") from None
        confidence = _require(raw, "confidence", str, window_where)
        if first > last or confidence not in CONFIDENCE_LEVELS:
            raise RulesDataError(f"{window_where}: first_month after last_month, or bad confidence")
        windows.append(DiscountWindow(frozenset(sectors), first, last, confidence))
    citation = _citation(f"discount:{discount_id}", item, where, version_id, sources)
    return DiscountRule(
        id=discount_id,
        label=_require(item, "label", str, where),
        percent_off=_scalar(
            _require(item, "percent_off", str | int, where), "percent", f"{where}.percent_off"
        ),
        programs=programs,
        excluded_funding=frozenset(excluded),
        windows=tuple(windows),
        citation=citation,
    )
