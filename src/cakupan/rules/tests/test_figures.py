"""The data files: every figure present and cited, versions picked by date, malformed data refused."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from cakupan.rules.engine import Month, RulesDataError, RulesError, default_book
from cakupan.rules.engine.codes import SECTORS
from cakupan.rules.engine.figures import FIGURE_FIELDS, RuleBook
from cakupan.rules.tests.conftest import BASE_FILE, DISCOUNT_FILE, edited_book, shipped_texts


def test_versions_and_their_dates():
    book = default_book()
    assert [(v.id, v.effective_from, v.base) for v in book.versions] == [
        ("pp82-2019", dt.date(2019, 12, 2), None),
        ("pp50-2025", dt.date(2025, 12, 22), "pp82-2019"),
    ]


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (dt.date(2019, 12, 2), "pp82-2019"),
        (dt.date(2025, 12, 21), "pp82-2019"),
        (dt.date(2025, 12, 22), "pp50-2025"),
        (dt.date(2030, 1, 1), "pp50-2025"),
    ],
)
def test_the_version_in_force_on_a_date(day, version):
    assert default_book().for_date(day).id == version


def test_a_contribution_month_uses_the_version_in_force_on_its_first_day():
    book = default_book()
    assert book.for_month(Month(2025, 12)).id == "pp82-2019"
    assert book.for_month(Month(2026, 1)).id == "pp50-2025"
    with pytest.raises(RulesError) as caught:
        book.for_month(Month(2019, 12))
    assert caught.value.code == "rules_not_in_force"


def test_every_version_has_every_figure_with_a_citation():
    for version in default_book().versions:
        assert set(version.figures) == set(FIGURE_FIELDS)
        for figure in version.figures.values():
            citation = figure.citation
            assert citation.instrument in version.sources
            assert citation.article and citation.section
            assert citation.confidence in ("H", "M", "L")


def test_provisional_figures_are_flagged():
    version = default_book().versions[-1]
    provisional = {key for key, figure in version.figures.items() if figure.citation.provisional}
    assert provisional == {"income_levels", "jkm_reduced", "jkk_disability_table"}


def test_inherited_figures_keep_their_citation_version():
    latest = default_book().version("pp50-2025")
    assert latest.citation("jkm_contribution").version == "pp82-2019"
    assert latest.discounts[0].citation.version == "pp50-2025"
    assert default_book().version("pp82-2019").discounts == ()


def test_discount_windows_cover_every_bpu_sector_exactly_once_per_month():
    rule = default_book().version("pp50-2025").discounts[0]
    bpu = set(SECTORS) - {"formal"}
    assert set().union(*(w.sectors for w in rule.windows)) == bpu
    for sector in bpu:
        assert sum(1 for w in rule.windows if w.covers(Month(2026, 6), sector)) == 1


def test_sector_codes_match_the_registry():
    from cakupan.registry.models import Sector

    assert list(SECTORS) == list(Sector.values)


def test_a_new_version_overrides_only_what_it_repeats():
    later = """
[version]
id = "test-2027"
title = "test"
effective_from = 2027-07-01
base = "pp50-2025"

[figures.jkm_contribution]
value = 7_500
instrument = "PP 44/2015"
article = "test"
confidence = "L"
section = "2.1"
"""
    book = edited_book({}, extra={"2027-07-01-test.toml": later})
    july = book.for_month(Month(2027, 7))
    assert july.id == "test-2027"
    assert july["jkm_contribution"].value == 7_500
    assert july["jkk_percent"].value == default_book().versions[-1]["jkk_percent"].value
    assert july.discounts == book.version("pp50-2025").discounts
    assert book.for_month(Month(2027, 6))["jkm_contribution"].value == 6_800


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (BASE_FILE, 'value = "2"\n', "value = 2.0\n", "not 2.0"),
        (BASE_FILE, "value = 6_800", "value = -6_800", "whole number"),
        (
            BASE_FILE,
            'instrument = "Peraturan BPJS TK 5/2021"',
            'instrument = "PP 99/2099"',
            "not in [sources]",
        ),
        (
            BASE_FILE,
            'confidence = "M"\nsection = "8"\nnote = "Pernyataan',
            'confidence = "X"\nsection = "8"\nnote = "Pernyataan',
            "confidence",
        ),
        (BASE_FILE, "[figures.jkm_funeral]", "[figures.jkm_funerals]", "unknown figure"),
        (BASE_FILE, 'value = "reregister"', 'value = "sometimes"', "reentry_policy"),
        (BASE_FILE, "lowest = 1_000_000", "lowest = 30_000_000", "lowest <= highest"),
        (DISCOUNT_FILE, 'sectors = ["transportasi"]', 'sectors = ["formal"]', "not a BPU sector"),
        (DISCOUNT_FILE, 'last_month = "2027-03"', 'last_month = "2025-03"', "first_month after last_month"),
        (
            DISCOUNT_FILE,
            'excluded_funding = ["apbn", "apbd"]',
            'excluded_funding = ["apbx"]',
            "unknown funding",
        ),
        (DISCOUNT_FILE, 'base = "pp82-2019"', 'base = "pp00-2000"', "not found"),
        (DISCOUNT_FILE, "effective_from = 2025-12-22", "effective_from = 2019-01-01", "after its base"),
    ],
)
def test_malformed_data_is_refused_with_the_place(file, old, new, message):
    with pytest.raises(RulesDataError) as caught:
        edited_book({file: [(old, new)]})
    assert message in str(caught.value)
    assert file in str(caught.value)


def test_a_version_missing_a_figure_is_refused():
    texts = shipped_texts()
    start = texts[BASE_FILE].index("[figures.claim_npwp_threshold]")
    texts[BASE_FILE] = texts[BASE_FILE][:start]
    with pytest.raises(RulesDataError, match="figures missing: claim_npwp_threshold"):
        RuleBook.from_texts(texts)


def test_the_engine_imports_no_django():
    # A fresh interpreter: this test process has Django loaded already.
    code = (
        "import sys, cakupan.rules, cakupan.rules.engine, cakupan.rules.engine.params\n"
        "cakupan.rules.engine.default_book()\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
