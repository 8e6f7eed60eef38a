"""The public contribution calculator (`/kalkulator/`): a server-rendered GET form, no JavaScript.

Input goes through the engine's parameter parsers (the same as the API and CLI); each bad field gets its
Bahasa message next to it and the page still renders. The income box forgives what people type on a
phone: `Rp 1.000.000` is read as 1000000.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cakupan.rules.engine import (
    Citation,
    Month,
    RulesError,
    contribution,
    contribution_period,
    default_book,
    jkk_death_benefit,
    jkk_total_disability_benefit,
    jkm_benefit,
    scholarship_benefit,
    today_jakarta,
)
from cakupan.rules.engine.codes import FUNDING_SOURCES, NON_BPU_SECTORS, PROGRAMS, SECTORS
from cakupan.rules.engine.months import percent_of
from cakupan.rules.engine.params import contribution_fields

FIELDS = ("income", "programs", "month", "months", "funding", "sector")
_THOUSANDS = re.compile(r"^[0-9]{1,3}(\.[0-9]{3})+$")
_CURRENCY = re.compile(r"^rp\.?", re.IGNORECASE)


def normalise_income(text: str) -> str:
    """`Rp 1.000.000` → `1000000`; anything else is left for the engine to judge."""
    cleaned = _CURRENCY.sub("", text.strip()).replace(" ", "")
    return cleaned.replace(".", "") if _THOUSANDS.match(cleaned) else cleaned


def _form_values(request: HttpRequest) -> dict[str, Any]:
    if not any(name in request.GET for name in FIELDS):
        # First visit: the minimum package this month, paid by the worker.
        return {
            "income": "1000000",
            "programs": ["jkk", "jkm"],
            "month": str(Month.of(today_jakarta())),
            "months": "1",
            "funding": "self",
            "sector": "lainnya",
        }
    return {
        "income": request.GET.get("income", ""),
        "programs": [p for raw in request.GET.getlist("programs") for p in raw.split(",") if p.strip()],
        "month": request.GET.get("month", ""),
        "months": request.GET.get("months", ""),
        "funding": request.GET.get("funding", ""),
        "sector": request.GET.get("sector", ""),
    }


def _unique_citations(*groups: tuple[Citation, ...]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for group in groups:
        for citation in group:
            seen.setdefault((citation.figure, citation.version), citation)
    return list(seen.values())


def _results(parsed: dict[str, Any]) -> dict[str, Any]:
    book = default_book()
    month: Month = parsed["month"]
    common = {"income": parsed["income"], "programs": parsed["programs"], "sector": parsed["sector"]}
    this_month = contribution(month=month, funding=parsed["funding"], **common)
    period = contribution_period(
        first_month=month, months=parsed["months"], funding=parsed["funding"], **common
    )
    year = contribution_period(first_month=month, months=12, funding=parsed["funding"], **common)

    ruleset = book.for_month(month)
    mandatory = ruleset["programs"]["mandatory"]
    lowest = ruleset["income_levels"]["lowest"]
    minimum = contribution(
        income=lowest, programs=mandatory, month=month, funding="sponsor", sector=parsed["sector"]
    )
    sponsor_year = contribution_period(
        income=lowest,
        programs=mandatory,
        first_month=month,
        months=12,
        funding="sponsor",
        sector=parsed["sector"],
    )

    on = month.first_day
    jkm = jkm_benefit(on=on)
    death = jkk_death_benefit(income=parsed["income"], on=on)
    disability = jkk_total_disability_benefit(income=parsed["income"], on=on)
    scholarship = scholarship_benefit(cause="jkk", on=on)
    jkm_scholarship = ruleset["jkm_scholarship"]
    reduced = ruleset["jkm_reduced"]
    stmb = ruleset["jkk_stmb"]
    income_months = ruleset["jkk_income_months"].value
    level = death.income_level
    return {
        "month": this_month,
        "period": period,
        "year": year,
        "minimum": minimum,
        "sponsor_year": sponsor_year,
        "sponsor_year_full": minimum.full_total * 12,
        "jkm": jkm,
        "death": death,
        "disability": disability,
        "scholarship": scholarship,
        "scholarship_min_months": jkm_scholarship["min_contribution_months"],
        "scholarship_children": ruleset["jkk_scholarship"]["max_children"],
        "jkm_reduced_total": reduced["lump_sum"] + reduced["funeral"],
        "jkm_reduced_months": reduced["within_months"],
        "death_multiple": ruleset["jkk_death"]["percent"] * income_months / 100,
        "disability_multiple": ruleset["jkk_total_disability"]["percent"] * income_months / 100,
        "stmb": stmb,
        "stmb_full_monthly": percent_of(level, stmb["full_percent"]),
        "stmb_after_monthly": percent_of(level, stmb["after_percent"]),
        "home_care": ruleset["jkk_home_care"],
        "jht_line": next((line for line in this_month.lines if line.program == "jht"), None),
        "citations": _unique_citations(
            this_month.citations,
            *(c.citations for c in year.months),
            minimum.citations,
            jkm.citations,
            death.citations,
            disability.citations,
            scholarship.citations,
            (stmb.citation, ruleset.citation("jkk_home_care"), ruleset.citation("due_day")),
        ),
    }


@require_GET
def calculator(request: HttpRequest) -> HttpResponse:
    values = _form_values(request)
    params = {**values, "income": normalise_income(values["income"])}
    parsed, errors = contribution_fields(params)
    results = None
    general_error = None
    if not errors:
        try:
            results = _results(parsed)
        except RulesError as error:
            general_error = error.message
    ruleset = default_book().versions[-1]
    context = {
        "values": values,
        "errors": {name: error.message for name, error in errors.items()},
        "error_list": [(name, errors[name].message) for name in FIELDS if name in errors],
        "general_error": general_error,
        "results": results,
        "program_choices": [(code, PROGRAMS[code]) for code in ("jkk", "jkm", "jht")],
        "mandatory_programs": ruleset["programs"]["mandatory"],
        "month_choices": ruleset["prepayment_months"].value,
        "funding_choices": list(FUNDING_SOURCES.items()),
        "sector_choices": [(code, label) for code, label in SECTORS.items() if code not in NON_BPU_SECTORS],
        "funding_labels": FUNDING_SOURCES,
        "sector_labels": SECTORS,
    }
    return render(request, "rules/calculator.html", context)
