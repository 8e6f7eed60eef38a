"""The funding pages' tables as exportable `coverage.exports.Table`s (XLSX and CSV), the same rows the
pages show. Identifiers stay as masked as the selectors returned them."""

from __future__ import annotations

from cakupan.core.sectors import SECTOR_LABELS
from cakupan.coverage.exports import Table


def programs_table(overview: dict) -> Table:
    return Table(
        name="program",
        title="Program pendanaan",
        headers=[
            "Program", "Tahun anggaran", "Bulan mulai", "Bulan perlindungan", "Anggaran (Rp)",
            "Terikat (Rp)", "Dibayar ke BPJS TK (Rp)", "Bulan terlindungi (Rp)", "Sisa (Rp)",
            "Pekerja didanai", "Bulan-pekerja didanai",
        ],
        rows=[
            [
                row["name"], row["fiscal_year"], row["start_month"], row["months"], row["budget"],
                row["committed"], row["paid"], row["covered"], row["available"], row["workers"],
                row["worker_months"],
            ]
            for row in overview["programs"]
        ],
    )  # fmt: skip


def workers_table(rows: list[dict]) -> Table:
    return Table(
        name="pekerja",
        title="Pekerja yang didanai",
        headers=[
            "NIK", "Nama", "Kode desa", "Desa/kelurahan", "Sektor", "Desil", "Program", "Bulan pertama",
            "Bulan terakhir", "Bulan sudah dibayar", "Iuran (Rp)", "Status kepesertaan",
        ],
        rows=[
            [
                row["nik"], row["name"], row["desa"], row["desa_name"],
                SECTOR_LABELS.get(row["sector"], row["sector"]), row["decile"], row["program"],
                row["first_month"], row["last_month"], row["paid_months"], row["cost"],
                row["membership_status"] or None,
            ]
            for row in rows
        ],
    )  # fmt: skip


def renewals_table(rows: list[dict]) -> Table:
    return Table(
        name="perpanjangan",
        title="Perlindungan berakhir bulan ini",
        headers=["NIK", "Nama", "Kode desa", "Program", "Bulan terakhir", "Diperpanjang otomatis"],
        rows=[
            [row["nik"], row["name"], row["desa"], row["program"], row["last_month"],
             "ya" if row["renew"] else "tidak"]
            for row in rows
        ],
    )  # fmt: skip


def gained_table(rows: list[dict]) -> Table:
    return Table(
        name="cakupan",
        title="Cakupan yang didanai per wilayah",
        headers=["Kode wilayah", "Wilayah", "Pekerja terlindungi bulan ini"],
        rows=[[row["region"], row["name"], row["workers"]] for row in rows],
    )


def reconciliation_table(rows: list[dict]) -> Table:
    return Table(
        name="rekonsiliasi",
        title="Rekonsiliasi tagihan dan pembayaran",
        headers=[
            "Pemberi dana", "Bulan", "Ditagihkan (Rp)", "Dibayar (Rp)", "Belum dibayar (Rp)", "Pembayaran",
            "Bulan-pekerja", "Iuran bulan-pekerja (Rp)",
        ],
        rows=[
            [
                row["funder"], row["month"], row["invoiced"], row["paid"], row["outstanding"],
                row["payments"], row["covered_months"], row["covered_cost"],
            ]
            for row in rows
        ],
    )  # fmt: skip


def funders_table(rows: list[dict]) -> Table:
    return Table(
        name="pemberi-dana",
        title="Pemberi dana",
        headers=[
            "Pemberi dana", "Jenis", "Kode wilayah", "Program", "Anggaran (Rp)", "Sisa (Rp)", "Terikat (Rp)",
            "Dibayar ke BPJS TK (Rp)", "Bulan terlindungi (Rp)", "Pekerja terlindungi bulan ini",
        ],
        rows=[
            [
                row["name"], row["kind_label"], row["area"], row["programs"], row["budget"], row["available"],
                row["committed"], row["paid"], row["covered"], row["workers_covered"],
            ]
            for row in rows
        ],
    )  # fmt: skip


def next_rupiah_table(rows: list[dict]) -> Table:
    return Table(
        name="rupiah-berikutnya",
        title="Ke mana rupiah berikutnya",
        headers=[
            "Kode wilayah", "Wilayah", "Desil", "Pekerja informal belum terlindungi",
            "Biaya 12 bulan, harga penuh APBD (Rp)", "Biaya 12 bulan dengan diskon (Rp)",
        ],
        rows=[
            [row["region"], row["name"], row["decile"] or None, row["workers"], row["cost_full"],
             row["cost_discounted"]]
            for row in rows
        ],
    )  # fmt: skip
