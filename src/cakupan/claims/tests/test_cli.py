"""`cakupan claims deadline`: JSON or a Bahasa sentence; bad input exits 2 with a Bahasa message."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args):
    out = io.StringIO()
    call_command("claims", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "complete", "days", "due"),
    [
        ("jkk", "2026-12-18", 7, "2026-12-31"),
        ("jkm", "2026-12-21", 3, "2026-12-28"),
        ("beasiswa", "2026-05-08", 7, "2026-05-21"),
    ],
)
def test_deadline_json(kind, complete, days, due):
    assert json.loads(run("deadline", "--kind", kind, "--complete", complete, "--json")) == {
        "kind": kind,
        "complete": complete,
        "working_days": days,
        "due": due,
    }


@pytest.mark.django_db
def test_deadline_sentence_and_recorded_decrees(people):
    from cakupan.claims.services import holiday_change_record

    assert run("deadline", "--kind", "jkm", "--complete", "2026-11-02").strip() == (
        "Klaim JKM dengan berkas lengkap 2 November 2026: dibayar paling lambat 5 November 2026 "
        "(3 hari kerja)."
    )
    holiday_change_record(
        actor=people["coordinator"],
        day=__import__("datetime").date(2026, 11, 5),
        change="add",
        name="Cuti bersama",
        decree="SKB perubahan",
    )
    assert (
        json.loads(run("deadline", "--kind", "jkm", "--complete", "2026-11-02", "--json"))["due"]
        == "2026-11-06"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--kind", "jht", "--complete", "2026-12-07"], "claim_kind_unknown"),
        (["--kind", "jkm", "--complete", "2026-02-30"], "date_format"),
        (["--kind", "jkm", "--complete", "kemarin"], "date_format"),
        (["--kind", "jkm", "--complete", "9999-12-31"], "date_format"),
        (["--kind", "jkm", "--complete", "20261207"], "date_format"),
        (["--kind", "jkm", "--complete", "2026-W50-1"], "date_format"),
        (["--kind", "jkm"], "date_missing"),
        (["--kind", "jkm", "--complete", "1999-01-04"], "rules_not_in_force"),
    ],
)
def test_deadline_bad_input_exits_2(args, code):
    with pytest.raises(CommandError) as caught:
        run("deadline", *args)
    assert (caught.value.returncode, str(caught.value).split(":")[0]) == (2, code)


def test_real_process_exit_status_and_streams(tmp_path):
    environment = {**os.environ, "CAKUPAN_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "cakupan", "claims", "deadline", "--kind", "jkk", "--complete"]
    good = subprocess.run(
        [*command, "2026-12-18", "--json"], capture_output=True, text=True, env=environment, timeout=120
    )
    bad = subprocess.run(
        [*command, "2026-13-01"], capture_output=True, text=True, env=environment, timeout=120
    )
    assert (good.returncode, json.loads(good.stdout)["due"]) == (0, "2026-12-31")
    assert bad.returncode == 2 and "harus tanggal yang sah" in bad.stderr and bad.stdout == ""
