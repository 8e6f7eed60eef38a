"""The phone checks a NIK exactly as the server does: the field app's validator (agents/rules.js), run in
a real Chromium over the rulebook the server sends, gives parse_nik's verdict, codes, birth date, sex and
message texts for several hundred NIKs covering every rule and edge, for fixed dates of "today".

No server and no database: the script and the rules go straight into a blank page."""

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_dashboard_browser import CHROMIUM, chromium

from cakupan.registry.nik import ERROR_CODES, NIK_RULES, WARNING_CODES, parse_nik

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]

RULES_JS = Path(__file__).resolve().parents[2] / "src/cakupan/agents/static/agents/rules.js"
TODAYS = (dt.date(2026, 12, 3), dt.date(2000, 2, 29), dt.date(2024, 3, 1))
BANTEN = "360201"  # Kabupaten Lebak, Kecamatan Malingping: in the list
UNKNOWN_REGENCY = "369901"  # Banten exists, 36.99 does not
UNKNOWN_DISTRICT = "360299"  # Lebak exists, 36.02.99 does not
UNKNOWN_PROVINCE = "990101"


def _edges(today: dt.date) -> list[str]:
    """Hand-picked NIKs: one or more per rule and boundary."""
    yy = f"{today.year % 100:02d}"
    tomorrow = today + dt.timedelta(days=1)
    return [
        "",
        "   ",
        "\u3000\t\n",
        f"{BANTEN}450690 0001",
        f" {BANTEN}.45.06.90-0001 ",
        f"\u00a0{BANTEN}4506900001\u2003",
        f"\ufeff{BANTEN}4506900001",  # a BOM is not whitespace to Python: invalid character
        f"\x1c{BANTEN}4506900001\x85",  # but these are
        f"{BANTEN}4506900000",  # serial 0000
        f"{BANTEN}0101000000",  # serial 0000 and the year 2000
        f"{BANTEN}2902000001",  # 29-02-2000 exists
        f"{BANTEN}2902010001",  # 29-02-2001 does not
        f"{BANTEN}6902000001",  # female 29-02
        f"{BANTEN}6902040001",
        f"{BANTEN}3102900001",  # 31-02
        f"{BANTEN}3104900001",  # 31-04
        f"{BANTEN}0001900001",  # day 00
        f"{BANTEN}3201900001",  # day 32
        f"{BANTEN}4001900001",  # day 40
        f"{BANTEN}4101900001",  # female day 1
        f"{BANTEN}7112900001",  # female day 31
        f"{BANTEN}7201900001",  # day 72
        f"{BANTEN}9900900001",  # day and month both wrong
        f"{BANTEN}1500900001",  # month 00
        f"{BANTEN}1513900001",  # month 13
        f"{BANTEN}0000000000",  # every date part and the serial
        f"{UNKNOWN_PROVINCE}4506900001",
        f"{UNKNOWN_PROVINCE}9913000000",
        f"{UNKNOWN_REGENCY}4506900001",
        f"{UNKNOWN_DISTRICT}4506900001",
        "3674014506900001",  # Kota Tangerang Selatan
        "3603214506900001",  # an old kecamatan of Kabupaten Tangerang
        f"{BANTEN}{today.day:02d}{today.month:02d}{yy}0001",  # born today: this century
        f"{BANTEN}{tomorrow.day:02d}{tomorrow.month:02d}{tomorrow.year % 100:02d}0001",  # tomorrow: last one
        f"{BANTEN}{today.day + 40:02d}{today.month:02d}{yy}0001",
        f"{BANTEN}450690000",  # 15 digits
        f"{BANTEN}45069000011",  # 17 digits
        "1",
        "3" * 40,
        f"{BANTEN}45069O0001",  # letter O for zero
        "٣٦٠٢٠١٤٥٠٦٩٠٠٠٠١",  # Arabic-Indic digits
        "３６０２０１４５０６９０００１",  # full-width digits
        f"{BANTEN}²506900001",
        f"{BANTEN}4506900001\u200b",  # zero-width space
        f"{BANTEN}45069\x0000001",  # NUL
        f"{BANTEN}45069\x7f0001",
        "'\"\\\t\n\r",
        "abcdefghijklmnop",  # more than five characters to quote
        "a,b;c:d/e+f",
        "NIK: 3602014506900001",
        f"{BANTEN}4506900001😀",
        "😀" * 16,
        "é" * 16,
        "\u0301\u0301",  # combining marks only
        "\ud7ff\ue000\uf8ff",  # a private-use character
        "3602_014506900001",
        "+3602014506900001",
    ]


def _random(rng: random.Random, count: int) -> list[str]:
    """Mostly 16 digits with real and unknown prefixes and every day/month/year mix; some with noise."""
    prefixes = [
        BANTEN,
        UNKNOWN_REGENCY,
        UNKNOWN_DISTRICT,
        UNKNOWN_PROVINCE,
        "317101",
        "110101",
        "360301",
        "367401",
    ]
    values = []
    for _ in range(count):
        day = rng.choice([rng.randint(0, 99), rng.randint(1, 31), rng.randint(41, 71)])
        month = rng.choice([rng.randint(0, 99), rng.randint(1, 12), 2])
        serial = rng.choice(["0000", f"{rng.randint(1, 9999):04d}"])
        nik = f"{rng.choice(prefixes)}{day:02d}{month:02d}{rng.randint(0, 99):02d}{serial}"
        noise = rng.random()
        if noise < 0.1:
            position = rng.randint(0, 16)
            nik = nik[:position] + rng.choice(" .-") + nik[position:]
        elif noise < 0.15:
            nik = nik[: rng.randint(0, 16)]
        elif noise < 0.2:
            position = rng.randint(0, 15)
            nik = nik[:position] + rng.choice("xO٣\u200b|") + nik[position + 1 :]
        values.append(nik)
    return values


def _python(values: list[str], today: dt.date) -> list[dict]:
    return [parse_nik(value, today=today).to_dict() for value in values]


@pytest.fixture(scope="module")
def validator():
    """A blank page holding rules.js, and a function running parseNik over a list of NIKs in it."""
    rules = NIK_RULES.to_dict()
    with chromium() as browser:
        page = browser.new_page()
        page.set_content("<!doctype html><title>parity</title>")
        page.add_script_tag(path=str(RULES_JS))

        def run(values: list[str], today: dt.date) -> list[dict]:
            return page.evaluate(
                "([values, rules, today]) => values.map((v) => CakupanRules.parseNik(v, rules, today))",
                [values, rules, today.isoformat()],
            )

        yield run


def _assert_same(values, today, got):
    expected = _python(values, today)
    for value, mine, theirs in zip(values, got, expected, strict=True):
        assert mine == theirs, f"{value!r} on {today}: phone {mine} != server {theirs}"


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_the_phone_and_the_server_agree_on_every_edge_and_hundreds_of_niks(validator, today):
    rng = random.Random(f"nik-parity-{today}")
    values = _edges(today) + _random(rng, 400)
    got = validator(values, today)
    _assert_same(values, today, got)
    # The sample reaches every rule: each error and warning code, and valid NIKs of both sexes.
    codes = {issue["code"] for result in got for issue in result["errors"] + result["warnings"]}
    assert codes == ERROR_CODES | WARNING_CODES
    assert {result["sex"] for result in got if result["valid"]} == {"L", "P"}


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(
        st.one_of(
            st.text(alphabet="0123456789", min_size=16, max_size=16),
            st.text(alphabet="0123456789 .-\t٣x", min_size=0, max_size=20),
            st.text(max_size=20),
        ),
        min_size=1,
        max_size=40,
    ),
    today=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)),
)
def test_any_string_gets_the_same_answer_on_the_phone(validator, values, today):
    _assert_same(values, today, validator(values, today))
