"""An invoice as a printable A4 PDF (reportlab): who owes BPJS TK what, for which programs, by when."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from cakupan.core.formatting import date_long, month_long, rupiah

__all__ = ["invoice_pdf"]


def invoice_pdf(*, invoice, lines, payments, batch_id: int | None, generated_by: str) -> bytes:
    """`lines`: (program name, amount, paid); `payments`: (reference, date, amount)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    rule = TableStyle(
        [
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ]
    )
    head = [
        ["Nomor tagihan", invoice.number],
        ["Pemberi dana", invoice.funder.name],
        ["Bulan iuran pertama", month_long(invoice.month)],
        ["Jatuh tempo", date_long(invoice.due_on) if invoice.due_on else "–"],
        ["Jumlah tagihan", rupiah(invoice.amount)],
        ["Sudah dibayar", rupiah(invoice.paid)],
        ["Sisa", rupiah(invoice.amount - invoice.paid)],
    ]
    if batch_id is not None:
        head.insert(1, ["Batch pendaftaran", f"#{batch_id}"])
    head_table = Table(head, colWidths=[55 * mm, 105 * mm], hAlign="LEFT")
    head_table.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 10),
                                    ("FONTNAME", (1, 0), (1, -1), "Helvetica-Bold")]))  # fmt: skip
    line_rows = [["Program", "Jumlah", "Dibayar"]]
    line_rows += [[escape(name), rupiah(amount), rupiah(paid)] for name, amount, paid in lines]
    line_table = Table(line_rows, colWidths=[90 * mm, 35 * mm, 35 * mm], hAlign="LEFT")
    line_table.setStyle(rule)
    story = [
        Paragraph(f"Tagihan iuran BPJS Ketenagakerjaan {escape(invoice.number)}", styles["Title"]),
        head_table,
        Spacer(1, 5 * mm),
        Paragraph("Per program", styles["Heading3"]),
        line_table,
    ]
    if payments:
        pay_rows = [["Referensi", "Tanggal", "Jumlah"]]
        pay_rows += [[escape(ref), date_long(day), rupiah(amount)] for ref, day, amount in payments]
        pay_table = Table(pay_rows, colWidths=[70 * mm, 55 * mm, 35 * mm], hAlign="LEFT")
        pay_table.setStyle(rule)
        story += [Spacer(1, 5 * mm), Paragraph("Pembayaran tercatat", styles["Heading3"]), pay_table]
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            "Iuran BPU dibayar paling lambat tanggal 15 bulan iuran, atau hari kerja berikutnya bila "
            f"tanggal 15 hari libur. Dibuat oleh Cakupan untuk {escape(generated_by)}.",
            styles["Normal"],
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"Tagihan {invoice.number}", author="Cakupan").build(story)
    return buffer.getvalue()
