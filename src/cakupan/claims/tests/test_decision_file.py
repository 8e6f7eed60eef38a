import datetime as dt

import pytest

from cakupan.claims.decision_file import Decision, DecisionFileError, parse_decisions

HEADER = "nomor_klaim;keputusan;tanggal;jumlah;nomor_keputusan;alasan\n"


def test_semicolons_commas_bom_and_column_order():
    semicolons = (HEADER + "kl-26-000001;Dibayar;2026-12-09;42000000;PTS-1;\n").encode()
    commas = (
        "\ufeffalasan,tanggal,keputusan,nomor_klaim,jumlah,nomor_keputusan\n"
        "Iuran belum dibayar,2026-12-09,ditolak,KL-26-000002,,PTS-2\n"
    ).encode()
    assert parse_decisions(semicolons) == [
        Decision(2, "KL-26-000001", "paid", dt.date(2026, 12, 9), 42_000_000, "PTS-1", "")
    ]
    assert parse_decisions(commas) == [
        Decision(2, "KL-26-000002", "rejected", dt.date(2026, 12, 9), None, "PTS-2", "Iuran belum dibayar")
    ]


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"", "Berkas kosong"),
        (b"\xff\xfe\x00a", "bukan teks UTF-8"),
        (HEADER.encode() + b"KL-1;dibayar;2026-12-09;1;;\x00\n", "NUL"),
        (b"nomor;keputusan\nKL-1;dibayar\n", "Kolom harus tepat"),
        (HEADER.encode(), "Tidak ada baris keputusan"),
        (HEADER.encode() + b"KL-1;dibayar;2026-12-09;1\n", "baris 2: jumlah kolom 4, seharusnya 6"),
        (HEADER.encode() + b'KL-1;dibayar;2026-12-09;1;";\n', "rusak"),
        (
            HEADER.encode() + b"KL-1;dibayar;2026-12-09;1;;\nKL-1;ditolak;2026-12-09;;;x\n",
            "baris 3: klaim KL-1 sudah ada di baris 2",
        ),
        (HEADER.encode() + b"KL-1;ditolak;2026-12-09;;;\n", "memerlukan alasan"),
        (HEADER.encode() + b"KL-1;dibayar;20261209;1;;\n", "bukan TTTT-BB-HH"),
        (HEADER.encode() + b"KL-1;dibayar;9999-12-31;1;;\n", "bukan TTTT-BB-HH"),
    ],
)
def test_unusable_files_are_refused_with_the_line(content, text):
    with pytest.raises(DecisionFileError) as caught:
        parse_decisions(content)
    assert text in str(caught.value)
