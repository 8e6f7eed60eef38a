"""A sponsor's receipt as a PDF (reportlab) with a QR code (segno) that opens its verification page on
/cek/, so anyone holding the paper can see it is one Cakupan issued. No Django import."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from cakupan.core.formatting import date_long, month_long, rupiah

__all__ = ["ReceiptFacts", "qr_svg", "receipt_pdf"]


@dataclass(frozen=True)
class ReceiptFacts:
    number: str
    paid_on: dt.date
    sponsor_name: str
    purpose: str  # "Iuran JKK+JKM 3 bulan untuk S*** R******, Desa …" or the program of a gift
    first_month: dt.date | None
    months: int
    contribution: int
    fee: int
    total: int
    method: str
    order_id: str
    matched: str  # a company's match, in words, or ""
    verify_url: str
    receiver: str  # who holds the money: the SERTAKAN funder


def _qr_png(url: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def qr_svg(text: str, *, title: str) -> str:
    """A QR code for a web page (inline SVG: no image request on a slow connection)."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title=title
    )
    return buffer.getvalue().decode()


def receipt_pdf(facts: ReceiptFacts) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    rows = [
        ["Nomor", facts.number],
        ["Tanggal bayar", date_long(facts.paid_on)],
        ["Dari", escape(facts.sponsor_name)],
        ["Diterima oleh", escape(facts.receiver)],
        ["Untuk", Paragraph(escape(facts.purpose), styles["Normal"])],
    ]
    if facts.first_month is not None and facts.months:
        rows.append(["Bulan iuran", f"{facts.months} bulan mulai {month_long(facts.first_month)}"])
    rows += [
        ["Iuran", rupiah(facts.contribution)],
        ["Biaya layanan pembayaran", rupiah(facts.fee)],
        ["Jumlah dibayar", rupiah(facts.total)],
        ["Cara bayar", escape(facts.method)],
        ["Nomor pesanan", escape(facts.order_id)],
    ]
    if facts.matched:
        rows.append(["Dana pendamping", Paragraph(escape(facts.matched), styles["Normal"])])
    table = Table(rows, colWidths=[38 * mm, 82 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
                ("FONTNAME", (1, 7), (1, 7), "Helvetica-Bold"),
            ]
        )
    )
    qr = Image(io.BytesIO(_qr_png(facts.verify_url)), width=32 * mm, height=32 * mm, hAlign="LEFT")
    story = [
        Paragraph("Tanda terima SERTAKAN", styles["Title"]),
        Paragraph("Sejahterakan Pekerja di Sekitar Anda", styles["Italic"]),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 4 * mm),
        qr,
        Paragraph(
            "Pindai kode ini, atau buka alamat di bawahnya, untuk memeriksa bahwa tanda terima ini sah: "
            f"{escape(facts.verify_url)}",
            styles["Normal"],
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            "Perlindungan berlaku setelah BPJS Ketenagakerjaan mencatat iuran ini; halaman dukungan Anda "
            "menampilkan tanggalnya.",
            styles["Normal"],
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A5,
        title=f"Tanda terima {facts.number}",
        author="Cakupan",
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
    ).build(story)
    return buffer.getvalue()
