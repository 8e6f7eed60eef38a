"""The dashboard's tables as XLSX and CSV, and a one-page PDF summary of a region.

XLSX cells hold raw values (integers, percentages as numbers, months as dates) so that officers can compute
with them; text is always written with `write_string` and the workbook converts nothing, so a region name
such as "=HYPERLINK(...)" stays text. CSV has no cell types: a text that starts with =, +, -, @ or a control
character gets an apostrophe in front (OWASP advice), numbers are written with a decimal comma, ";" separates
fields and the file starts with a BOM, because that is what Excel with Indonesian regional settings reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from django.utils import timezone

from cakupan.claims.selectors import ServiceRow
from cakupan.core.formatting import date_long, decimal_number, month_long, number, percent
from cakupan.core.spreadsheet import neutralise
from cakupan.coverage.dashboard import DENOMINATORS, CoverageSummary
from cakupan.coverage.target import ucj_target

__all__ = [
    "BREAKDOWN_TITLES",
    "TABLES",
    "Table",
    "breakdown_table",
    "children_table",
    "claims_table",
    "summary_pdf",
    "to_csv",
    "to_xlsx",
    "trend_table",
]

BREAKDOWN_TITLES = {
    "sector": "Sektor",
    "sex": "Jenis kelamin",
    "age_band": "Kelompok umur",
    "decile": "Desil",
}
TABLES = ("children", *BREAKDOWN_TITLES, "trend", "klaim")
# The claim service table's columns: officers' spreadsheets refer to them, so they stay as they are.
CLAIMS_HEADERS = [
    "Kode kab/kota",
    "Kabupaten/Kota",
    "Kode jenis klaim",
    "Jenis klaim",
    "Kasus",
    "Masih berjalan",
    "Dibayar",
    "Dibayar tepat waktu",
    "Tepat waktu (%)",
    "Median hari kejadian sampai dibayar",
    "Berkas lengkap",
    "Berkas lengkap pertama kali",
    "Berkas lengkap pertama kali (%)",
]
CLAIMS_NOTE = (
    "Tepat waktu: dibayar paling lambat pada batas bayar (hari kerja layanan setelah berkas lengkap, "
    "diperpanjang selama menunggu dokumen ahli waris). Median hari: hari kalender dari tanggal kejadian "
    "sampai dibayar. Berkas lengkap pertama kali: berkas lengkap yang tidak pernah dihentikan sementara "
    "untuk menunggu dokumen ahli waris. Persentase dalam satuan persen."
)
CHILD_LEVEL_TITLES = {
    "province": "Kabupaten/Kota",
    "regency": "Kecamatan",
    "district": "Desa/Kelurahan",
    "village": "Wilayah",
}
CSV_SEPARATOR = ";"
_WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
# A one-page PDF: more children than this are cut to those with the largest gap.
PDF_MAX_ROWS = 28


@dataclass(frozen=True)
class Table:
    """One exportable table: cells are str, int, Decimal (a percentage), dt.date (a month) or None."""

    name: str
    title: str
    headers: list[str]
    rows: list[list]


def denominator_title(kind: str) -> str:
    label = DENOMINATORS[kind][1]
    return label[0].upper() + label[1:]


def children_table(summary: CoverageSummary, kind: str) -> Table:
    target = percent(summary.target_pct)
    return Table(
        name="children",
        title=CHILD_LEVEL_TITLES[summary.region.level],
        headers=[
            "Kode wilayah",
            CHILD_LEVEL_TITLES[summary.region.level],
            "Pekerja terlindungi (peserta aktif)",
            denominator_title(kind),
            "Cakupan (%)",
            f"Kesenjangan ke {target} (pekerja)",
        ],
        rows=[
            [child.code, child.name, child.covered, child.denominator, child.coverage_pct, child.gap_workers]
            for child in summary.children
        ],
    )


def breakdown_table(dimension: str, rows: list[dict]) -> Table:
    return Table(
        name=dimension,
        title=BREAKDOWN_TITLES[dimension],
        headers=[
            "Kode",
            BREAKDOWN_TITLES[dimension],
            "Pekerja terdaftar",
            "Peserta aktif",
            "Aktif dari yang terdaftar (%)",
        ],
        rows=[
            [row["value"], row["label"], row["workers"], row["active"], row["coverage_pct"]] for row in rows
        ],
    )


def trend_table(rows: list[dict]) -> Table:
    return Table(
        name="trend",
        title="Tren bulanan",
        headers=["Bulan", "Pekerja terlindungi (peserta aktif)", "Pekerja terdaftar"],
        rows=[[row["month"], row["covered"], row["registered"]] for row in rows],
    )


def _decimal(value: float | None) -> Decimal | None:
    # Through the text, so that 87.5 stays 87.5 and not its binary neighbour.
    return None if value is None else Decimal(str(value))


def claims_table(rows: list[ServiceRow]) -> Table:
    """The claim service figures per kab/kota and claim kind (`claims.selectors.service_figures`)."""
    return Table(
        name="klaim",
        title="Layanan klaim",
        headers=list(CLAIMS_HEADERS),
        rows=[
            [
                row.region_code,
                row.region_name,
                row.kind,
                row.kind_label,
                row.cases,
                row.open,
                row.paid,
                row.paid_on_time,
                _decimal(row.on_time_percent),
                _decimal(row.median_days_to_payment),
                row.complete,
                row.first_time_complete,
                _decimal(row.first_time_complete_percent),
            ]
            for row in rows
        ],
    )


def to_xlsx(table: Table, notes: list[tuple[str, str]]) -> bytes:
    """One sheet with the table (header row first, so filters and pivots work) and one with notes."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, _WORKBOOK_OPTIONS)
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    integer = workbook.add_format({"num_format": "#,##0"})
    share = workbook.add_format({"num_format": "0.00"})
    month = workbook.add_format({"num_format": "yyyy-mm"})
    sheet = workbook.add_worksheet(table.title[:31].replace("/", "-"))
    for column, header in enumerate(table.headers):
        sheet.write_string(0, column, header, bold)
        sheet.set_column(column, column, max(12, min(40, len(header) + 2)))
    for index, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                sheet.write_blank(index, column, None)
            elif isinstance(value, str):
                sheet.write_string(index, column, value)
            elif isinstance(value, Decimal):
                sheet.write_number(index, column, float(value), share)
            elif isinstance(value, dt.date):
                sheet.write_datetime(index, column, dt.datetime(value.year, value.month, value.day), month)
            else:
                sheet.write_number(index, column, value, integer)
    sheet.freeze_panes(1, 0)
    about = workbook.add_worksheet("Keterangan")
    about.set_column(0, 0, 24)
    about.set_column(1, 1, 100)
    for index, (label, text) in enumerate(notes):
        about.write_string(index, 0, label, bold)
        about.write_string(index, 1, text)
    workbook.close()
    return output.getvalue()


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value)


def to_csv(table: Table) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow([_csv_cell(header) for header in table.headers])
    writer.writerows([_csv_cell(value) for value in row] for row in table.rows)
    return output.getvalue().encode("utf-8-sig")


def _pct_text(value: Decimal | None) -> str:
    return "–" if value is None else percent(value)


def summary_pdf(*, summary: CoverageSummary, title: str, kind: str, generated_by: str) -> bytes:
    """A printable A4 page: headline figures, the denominator's source and the children table."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10, textColor="#4a5560")
    cell = ParagraphStyle("cell", parent=styles["Normal"], fontSize=8, leading=9.5)
    region = summary.region
    target = percent(summary.target_pct)
    now = timezone.localtime()
    story = [
        Paragraph(f"Cakupan Jamsostek {_escape(title)} ({region.code})", styles["Title"]),
        Paragraph(
            f"Posisi {month_long(summary.month)} · target Universal Coverage Jamsostek "
            f"{_escape(ucj_target().text)}",
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
    ]
    gap_points = max(Decimal(0), summary.target_pct - (region.coverage_pct or Decimal(0)))
    headline = [
        ["Pekerja terlindungi (peserta aktif)", number(region.covered)],
        [denominator_title(kind), number(region.denominator)],
        ["Cakupan", _pct_text(region.coverage_pct)],
        [
            f"Kesenjangan ke {target}",
            f"{decimal_number(gap_points)} poin persen · {number(region.gap_workers)} pekerja",
        ],
        ["Pekerja informal (BPU) aktif", number(region.covered_bpu)],
    ]
    headline_table = PdfTable(headline, colWidths=[70 * mm, 90 * mm], hAlign="LEFT")
    headline_table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("FONTNAME", (1, 0), (1, -1), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    story += [
        headline_table,
        Spacer(1, 2 * mm),
        Paragraph(
            f"Sumber penyebut: {_escape(summary.denominator_source)}."
            + (f" Rujukan: {_escape(summary.denominator_url)}" if summary.denominator_url else ""),
            small,
        ),
    ]
    if summary.children:
        table = children_table(summary, kind)
        children = list(summary.children)
        heading = f"Per {table.title.lower()}"
        if len(children) > PDF_MAX_ROWS:
            children = sorted(children, key=lambda child: (-child.gap_workers, child.code))[:PDF_MAX_ROWS]
            heading += f" — {PDF_MAX_ROWS} dari {len(summary.children)} dengan kesenjangan terbesar"
        rows = [[Paragraph(f"<b>{_escape(header)}</b>", cell) for header in table.headers]]
        rows += [
            [
                child.code,
                Paragraph(_escape(child.name), cell),
                number(child.covered),
                number(child.denominator),
                _pct_text(child.coverage_pct),
                number(child.gap_workers),
            ]
            for child in children
        ]
        rows.append(
            [
                region.code,
                Paragraph(f"<b>{_escape(region.name)}</b>", cell),
                number(region.covered),
                number(region.denominator),
                _pct_text(region.coverage_pct),
                number(region.gap_workers),
            ]
        )
        widths = [24 * mm, 48 * mm, 26 * mm, 26 * mm, 20 * mm, 28 * mm]
        children_pdf = PdfTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        children_pdf.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7efeb")),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
                    ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        story += [Spacer(1, 4 * mm), Paragraph(heading, styles["Heading3"]), children_pdf]
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            f"Dibuat {date_long(now.date())} pukul {now:%H.%M} WIB oleh {_escape(generated_by)} · Cakupan. "
            "Peserta aktif: iuran bulan berjalan sudah dibayar. Penyebut di bawah tingkat provinsi adalah "
            "estimasi.",
            small,
        ),
    ]
    output = io.BytesIO()
    document = SimpleDocTemplate(
        output,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Cakupan Jamsostek {title} {month_long(summary.month)}",
        author="Cakupan",
    )
    document.build(story)
    return output.getvalue()


def _escape(text: str) -> str:
    """reportlab paragraphs read a little markup: names must not be taken for it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
