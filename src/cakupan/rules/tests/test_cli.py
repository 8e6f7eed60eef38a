"""`cakupan rules …`: JSON on stdout, exit status 2 with the engine's message on bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("rules", *args, stdout=out)
    return json.loads(out.getvalue())


def fails(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command("rules", *args, stdout=io.StringIO())
    return caught.value


CONTRIBUTION = [
    "contribution",
    "--income",
    "1000000",
    "--programs",
    "jkk,jkm",
    "--month",
    "2026-05",
    "--funding",
    "self",
    "--sector",
    "nelayan",
]


def test_contribution():
    data = run(*CONTRIBUTION)
    assert data["income_level"] == 1_000_000
    assert data["lines"] == [
        {"program": "jkk", "amount": 5_000, "full_amount": 10_000},
        {"program": "jkm", "amount": 3_400, "full_amount": 6_800},
    ]
    assert data["discount"]["id"] == "pp50_2025"
    assert data["total"] == 8_400
    assert data["citations"][0]["instrument"] == "PP 44/2015"
    assert data["period"]["months"] == 1


def test_contribution_full_price_with_jht_and_prepayment():
    args = [
        "contribution",
        "--income",
        "1000000",
        "--programs",
        "jkk,jkm,jht",
        "--month",
        "2025-01",
        "--funding",
        "apbd",
        "--sector",
        "transportasi",
        "--months",
        "12",
    ]
    data = run(*args)
    assert (data["total"], data["discount"]) == (36_800, None)
    assert data["period"]["total"] == 12 * 36_800


def test_benefit_jkm():
    data = run("benefit", "jkm")
    assert [(line["item"], line["amount"]) for line in data["lines"]] == [
        ("lump_sum", 20_000_000),
        ("periodic", 12_000_000),
        ("funeral", 10_000_000),
    ]
    assert data["total"] == 42_000_000
    assert data["citations"]


def test_benefit_jkk_death():
    data = run("benefit", "jkk-death", "--income", "1000000")
    assert data["lines"][0]["amount"] == 48_000_000
    assert data["total"] == 70_000_000


def test_benefit_scholarship():
    assert run("benefit", "scholarship", "--children", "2", "--months", "36")["total"] == 174_000_000
    detail = run("benefit", "scholarship", "--months", "40", "--child", "pt:3:21", "--child", "sd:6:12")
    assert [line["amount"] for line in detail["lines"]] == [
        24_000_000,
        1_500_000 + 6_000_000 + 9_000_000 + 48_000_000,
    ]


def test_other_benefit_kinds():
    assert run("benefit", "jkk-total-disability", "--income", "1000000")["lines"][0]["amount"] == 56_000_000
    assert (
        run("benefit", "jkk-partial-disability", "--income", "1000000", "--part", "one_eye")["total"]
        == 28_000_000
    )
    assert (
        run("benefit", "jkk-partial-disability", "--income", "1000000", "--percent", "12,5")["total"]
        == 10_000_000
    )
    assert run("benefit", "stmb", "--income", "1000000", "--months", "13")["total"] == 12_500_000
    assert run("benefit", "jkk-transport", "--air", "15000000")["total"] == 10_000_000


def test_status():
    data = run("status", "--paid", "2026-01,2026-02", "--on", "2026-06-20")
    assert (data["status"], data["months_in_arrears"], data["paid_through"]) == ("nonaktif", 4, "2026-02")
    ranged = run("status", "--paid", "2026-01..2026-12", "--on", "2026-06-20")
    assert (ranged["status"], ranged["paid_through"], ranged["covered"]) == ("aktif", "2026-12", True)


def test_claim():
    data = run("claim", "--event", "2026-08-14T10:30", "--complete", "2026-08-14")
    assert (data["report_by"], data["claim_by"], data["payment_by"]) == (
        "2026-08-16T10:30",
        "2031-08-14",
        "2026-08-27",
    )


@pytest.mark.parametrize(
    ("replace", "code"),
    [
        (("--income", "-5"), "income_negative"),
        (("--income", "sejuta"), "income_not_integer"),
        (("--income", "1000000.50"), "income_not_integer"),
        (("--programs", "jkk,jkm,xyz"), "program_unknown"),
        (("--programs", "jht"), "programs_missing_mandatory"),
        (("--month", "05-2026"), "month_format"),
        (("--month", "2026-13"), "month_format"),
        (("--funding", "pinjol"), "funding_unknown"),
        (("--sector", "formal"), "sector_not_bpu"),
        (("--months", "2"), "prepayment_months_invalid"),
    ],
)
def test_contribution_bad_input_exits_2(replace, code):
    args = list(CONTRIBUTION)
    flag, value = replace
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    error = fails(*args)
    assert error.returncode == 2
    assert str(error).startswith(f"{code}: ")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["contribution", "--programs", "jkk,jkm"], "income_missing"),
        (["benefit", "jkk-death"], "income_missing"),
        (["benefit", "scholarship", "--children", "2"], "contribution_months_missing"),
        (["benefit", "stmb", "--income", "1000000"], "number_missing"),
        (["status", "--paid", "2026-1"], "paid_format"),
        (["status", "--paid", "2026-01", "--on", "20-06-2026"], "date_format"),
        (["claim", "--event", "kemarin"], "datetime_format"),
    ],
)
def test_other_bad_input_exits_2(args, code):
    error = fails(*args)
    assert (error.returncode, str(error).split(":")[0]) == (2, code)


def test_json_keeps_non_ascii_text():
    out = io.StringIO()
    call_command("rules", "benefit", "jkm", stdout=out)
    assert '"label": "Santunan berkala 24 × Rp500.000, dibayar sekaligus"' in out.getvalue()


def test_real_process_exit_status_and_streams():
    # One real process: call_command cannot show the exit status or which stream the message went to.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cakupan.settings"}
    command = [sys.executable, "-m", "cakupan", "rules", *CONTRIBUTION]
    command[command.index("nelayan")] = "astronot"
    bad = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "sector_unknown: Sektor 'astronot' tidak dikenal" in bad.stderr
