"""BPJS TK's answer read and checked against a batch as frames (funding.enrolment.answer), no database."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cakupan.core.errors import DomainError
from cakupan.funding.enrolment import answer
from cakupan.funding.models import RowStatus

NIKS = ["3602010101900001", "3602010101900002", "3602010101900003", "3602010101900004"]


def _rows(statuses=("sent", "sent", "sent", "sent"), kpjs=("", "", "", "")) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row_id": [101, 102, 103, 104],
            "row_number": [1, 2, 3, 4],
            "row_status": list(statuses),
            "row_kpj": list(kpjs),
            "line_id": [11, 12, 13, 14],
            "worker_id": [21, 22, 23, 24],
            "row_nik": NIKS,
            "desa_id": ["3602010001"] * 4,
            "first_month": [dt.date(2026, 12, 1)] * 4,
            "program_id": [5, 5, 6, 6],
            "jht": [False] * 4,
            "cost": [16_800] * 4,
            "funder_id": [7, 7, 8, 8],
        },
        schema=answer.BATCH_ROW_SCHEMA,
    )


def _check(text: str, rows: pl.DataFrame | None = None) -> answer.AnswerCheck:
    return answer.answer_check(
        answer.answer_frame(text.encode()), _rows() if rows is None else rows, batch_id=9
    )


def test_statuses_are_the_models():
    assert (
        RowStatus.SENT.value, RowStatus.ACCEPTED.value, RowStatus.REJECTED.value,
    ) == (answer.SENT, answer.ACCEPTED, answer.REJECTED)  # fmt: skip


def test_a_clean_answer_gives_one_decision_per_row_with_the_batch_columns():
    text = (
        "\ufeffNo_Baris ; NIK ;Status;KPJ;Alasan\n"
        f"1;{NIKS[0]};Diterima;01234567890;\n"
        "\n"
        f"2;{NIKS[1]};ditolak;;NIK tidak ditemukan\n"
        f"3,x;{NIKS[2]}\n"
    )
    check = _check(text.replace("3,x", "3"))
    assert check.problems == ["baris 4: status harus 'diterima' atau 'ditolak'"]
    check = _check(text.replace(f"3,x;{NIKS[2]}\n", ""))
    assert check.problems == [] and check.repeated == 0
    assert check.decisions.select("row_id", "row_number", "status", "kpj", "reason", "program_id").rows() == [
        (101, 1, "accepted", "01234567890", "", 5),
        (102, 2, "rejected", "", "NIK tidak ditemukan", 5),
    ]


def test_comma_separated_answers_and_missing_optional_columns():
    check = _check(f"no_baris,nik,status\n1,{NIKS[0]},ditolak\n")
    assert check.problems == ["baris 2: alasan penolakan wajib diisi"]


def test_each_fault_is_named_with_its_line_in_file_order():
    text = (
        "no_baris;nik;status;kpj;alasan\n"
        f"9;{NIKS[0]};diterima;01234567890;\n"
        f"x1;{NIKS[0]};diterima;01234567890;\n"
        f"1;{NIKS[1]};diterima;01234567890;\n"
        f"1;{NIKS[0]};diterima;01234567891;\n"
        f"1;{NIKS[0]};diterima;01234567892;\n"
        f"2;{NIKS[1]};mungkin;;\n"
        f"3;{NIKS[2]};diterima;123;\n"
        f"4;{NIKS[3]};ditolak;;\n"
    )
    assert _check(text).problems == [
        "baris 2: no_baris '9' tidak ada dalam batch #9",
        "baris 3: no_baris 'x1' tidak ada dalam batch #9",
        "baris 4: NIK tidak cocok dengan no_baris 1",
        "baris 5: no_baris 1 muncul lebih dari sekali",
        "baris 6: no_baris 1 muncul lebih dari sekali",
        "baris 7: status harus 'diterima' atau 'ditolak'",
        "baris 8: KPJ '123' tidak sah (11 digit angka)",
        "baris 9: alasan penolakan wajib diisi",
    ]


def test_the_same_kpj_for_two_rows_is_a_fault_of_the_answer():
    text = f"no_baris;nik;status;kpj\n1;{NIKS[0]};diterima;01234567890\n2;{NIKS[1]};diterima;01234567890\n"
    assert _check(text).problems == ["nomor KPJ yang sama dipakai untuk lebih dari satu baris"]


def test_rows_already_answered_count_as_repeats_or_conflicts():
    rows = _rows(statuses=("accepted", "rejected", "sent", "sent"), kpjs=("01234567890", "", "", ""))
    text = (
        "no_baris;nik;status;kpj;alasan\n"
        f"1;{NIKS[0]};diterima;01234567890;\n"
        f"2;{NIKS[1]};ditolak;;meninggal\n"
        f"3;{NIKS[2]};diterima;01234567893;\n"
    )
    check = _check(text, rows)
    assert (check.problems, check.repeated, check.decisions["row_number"].to_list()) == ([], 2, [3])
    conflicting = text.replace(
        "1;3602010101900001;diterima;01234567890", "1;3602010101900001;diterima;01234567899"
    )
    assert _check(conflicting, rows).problems == [
        "baris 2: no_baris 1 sudah ditanggapi dengan keputusan lain"
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "ack_empty"),
        (b"  \n\n", "ack_empty"),
        (b"\xff\xfeno_baris", "ack_encoding"),
        (b"nik;kpj\n1;2\n", "ack_column_missing"),
        (b'no_baris,nik,status\n"1,2,3\n', "ack_unreadable"),
    ],
)
def test_unreadable_files_are_refused_with_a_code(content, code):
    with pytest.raises(DomainError) as error:
        answer.answer_frame(content)
    assert error.value.code == code


def test_a_header_only_answer_decides_nothing():
    check = _check("no_baris;nik;status\n")
    assert (check.problems, check.repeated, check.decisions.height) == ([], 0, 0)
