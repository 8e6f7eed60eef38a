"""`cakupan nik parse`: JSON lines on stdout, exit status 1 when a NIK is invalid. No database needed."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from cakupan.registry import nik as nik_module

# The exact JSON lines, with the keys in the documented order.
VALID_LINE = (
    '{"nik": "3602014506900001", "valid": true, "province_code": "36", "regency_code": "36.02", '
    '"district_code": "36.02.01", "birth_date": "1990-06-05", "sex": "P", "serial": "0001", '
    '"errors": [], "warnings": []}'
)
OLD_DISTRICT_LINE = (
    '{"nik": "3603212505850001", "valid": true, "province_code": "36", "regency_code": "36.03", '
    '"district_code": "36.03.21", "birth_date": "1985-05-25", "sex": "L", "serial": "0001", '
    '"errors": [], "warnings": [{"code": "nik_unknown_district", "message": "Kode kecamatan 36.03.21 '
    "(digit 1-6 NIK) tidak ada dalam daftar Kemendagri saat ini; mungkin kode lama sebelum pemekaran "
    'wilayah."}]}'
)
BAD_MONTH_AND_SERIAL_LINE = (
    '{"nik": "3602011513900000", "valid": false, "province_code": "36", "regency_code": "36.02", '
    '"district_code": "36.02.01", "birth_date": null, "sex": "L", "serial": "0000", "errors": '
    '[{"code": "nik_invalid_month", "message": "Bulan lahir 13 (digit 9-10 NIK) tidak sah: harus 01-12."}, '
    '{"code": "nik_invalid_serial", "message": "Nomor urut 0000 (digit 13-16 NIK) tidak sah: nomor urut '
    'dimulai dari 0001."}], "warnings": []}'
)
NON_ASCII_LINE = (
    '{"nik": "36é", "valid": false, "province_code": null, "regency_code": null, "district_code": null, '
    '"birth_date": null, "sex": null, "serial": null, "errors": [{"code": "nik_invalid_characters", '
    '"message": "NIK hanya boleh berisi angka (spasi, titik, dan tanda hubung diabaikan); ditemukan '
    'karakter tidak sah: \'é\'."}, {"code": "nik_wrong_length", "message": "NIK harus terdiri dari '
    '16 digit, bukan 3 karakter."}], "warnings": []}'
)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    # The command uses today's date in Jakarta; pin it so the two-digit years resolve the same every day.
    monkeypatch.setattr(nik_module, "_today_in_jakarta", lambda: dt.date(2026, 11, 23))


def run(*args: str) -> tuple[list[str], CommandError | None]:
    """Call the command; return its stdout lines and the CommandError it raised, if any."""
    out = io.StringIO()
    try:
        call_command("nik", *args, stdout=out)
    except CommandError as error:
        return out.getvalue().splitlines(), error
    return out.getvalue().splitlines(), None


def test_one_valid_nik():
    lines, error = run("parse", "3602014506900001")
    assert lines == [VALID_LINE]
    assert error is None


def test_separators_in_an_argument():
    lines, error = run("parse", "3602 0145 0690 0001", "3602.0145.0690.0001", "3602-0145-0690-0001")
    assert lines == [VALID_LINE] * 3
    assert error is None


def test_warnings_keep_the_exit_status_zero():
    lines, error = run("parse", "3602014506900001", "3603212505850001")
    assert lines == [VALID_LINE, OLD_DISTRICT_LINE]
    assert error is None


def test_an_invalid_nik_prints_every_line_then_fails_with_status_1():
    lines, error = run("parse", "3602011513900000", "3602014506900001")
    assert lines == [BAD_MONTH_AND_SERIAL_LINE, VALID_LINE]
    assert error is not None
    assert error.returncode == 1
    assert str(error) == "1 dari 2 NIK tidak sah."


def test_non_ascii_is_written_as_is():
    lines, error = run("parse", "36é")
    assert lines == [NON_ASCII_LINE]
    assert error is not None and error.returncode == 1


def test_every_line_is_json_with_the_documented_keys_in_order():
    niks = ["3602014506900001", "", "99", "9901014506900001", "3605014506900001", "3602014002900001"]
    lines, error = run("parse", *niks)
    assert len(lines) == len(niks)
    records = [json.loads(line) for line in lines]
    for record in records:
        assert list(record) == [
            "nik",
            "valid",
            "province_code",
            "regency_code",
            "district_code",
            "birth_date",
            "sex",
            "serial",
            "errors",
            "warnings",
        ]
    assert [record["valid"] for record in records] == [True, False, False, False, True, False]
    assert [[issue["code"] for issue in record["errors"]] for record in records] == [
        [],
        ["nik_empty"],
        ["nik_wrong_length"],
        ["nik_unknown_province"],
        [],
        ["nik_invalid_day"],
    ]
    assert records[4]["warnings"][0]["code"] == "nik_unknown_regency"
    assert error is not None and str(error) == "4 dari 6 NIK tidak sah."


def test_year_resolution_uses_today_in_jakarta():
    lines, _ = run("parse", "3602012311260001", "3602012411260001")
    assert [json.loads(line)["birth_date"] for line in lines] == ["2026-11-23", "1926-11-24"]


def test_parse_without_nik_is_a_usage_error_naming_the_argument():
    with pytest.raises(CommandError, match=r"^Error: the following arguments are required: NIK$"):
        call_command("nik", "parse", stdout=io.StringIO())


def test_without_subcommand_is_a_usage_error():
    with pytest.raises(CommandError, match=r"^Error: the following arguments are required: SUBPERINTAH$"):
        call_command("nik", stdout=io.StringIO())


def test_unknown_subcommand_is_a_usage_error():
    with pytest.raises(CommandError, match=r"invalid choice: 'check'"):
        call_command("nik", "check", "3602014506900001", stdout=io.StringIO())


# --- the real command line: exit statuses as a shell sees them -----------------------------------------


def test_command_line_exit_status_0(capsys):
    execute_from_command_line(["cakupan", "nik", "parse", "3602014506900001"])
    assert capsys.readouterr().out.splitlines() == [VALID_LINE]


def test_command_line_exit_status_1_after_all_lines(capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["cakupan", "nik", "parse", "3602011513900000", "3602014506900001"])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [BAD_MONTH_AND_SERIAL_LINE, VALID_LINE]
    assert captured.err == "CommandError: 1 dari 2 NIK tidak sah.\n"


def test_command_line_usage_error_exit_status_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["cakupan", "nik", "parse"])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "cakupan nik parse: error: the following arguments are required: NIK" in captured.err


def test_help_is_in_bahasa_indonesia(capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["cakupan", "nik", "parse", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "Urai dan validasi NIK" in out
    assert "NIK 16 digit; spasi, titik, dan tanda hubung di antaranya diabaikan." in " ".join(out.split())
