"""An agent's monthly commission statement: what her members paid in the month (each paid month with the
day it was paid), the commission by the rule in force, and the removal warning; as a PDF (reportlab, like
invoices and receipts) and as XLSX (xlsxwriter, like every table export).

"Contributions collected in the month" are the funded months of the people she enrolled that a payment
dated in that calendar month paid (the payment's date, `FundedMonth.paid_on`); months funded but not paid
never count. NIKs are masked on the statement whoever reads it: it is a document that travels (to the
agent's institution, to BPJS TK's branch)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone

from cakupan.agents.commission import Commission, month_index
from cakupan.agents.kpis import Activity, agent_activity, month_of, rule_in_force
from cakupan.agents.models import CommissionRule, FieldRecord, RecordKind, RecordStatus
from cakupan.core.errors import DomainError
from cakupan.core.formatting import MONTH_NAMES, date_long, date_short, month_long, number, percent, rupiah
from cakupan.core.masking import mask_nik
from cakupan.funding.models import FundedMonth

__all__ = ["Statement", "StatementLine", "statement_build", "statement_pdf", "statement_xlsx"]


@dataclass(frozen=True)
class StatementLine:
    nik: str  # masked
    name: str
    month: dt.date
    contribution: int
    paid_on: dt.date


@dataclass(frozen=True)
class Statement:
    agent_name: str
    username: str
    area: str
    institution: str
    month: dt.date
    rule: CommissionRule
    result: Commission
    lines: list[StatementLine]
    generated_on: dt.date

    @property
    def rate_text(self) -> str:
        return percent(Decimal(self.rule.rate_bp) / 100)

    @property
    def share_text(self) -> str:
        return percent(Decimal(self.rule.institution_share_bp) / 100)

    @property
    def empty_since(self) -> dt.date | None:
        """The first of the consecutive months without a new member or a contribution up to this one."""
        empty = self.result.empty_months
        return month_of(month_index(self.month) - empty + 1) if empty else None

    @property
    def removal_text(self) -> str:
        empty = self.result.empty_months
        if not empty:
            return ""
        span = month_range(self.empty_since, self.month)
        said = f"{number(empty)} bulan berturut-turut ({span}) tanpa peserta baru dan tanpa iuran terkumpul."
        if self.result.removal:
            return (
                f"Peringatan: {said} Menurut aturan komisi, agen diberhentikan setelah "
                f"{number(self.rule.removal_months)} bulan tanpa peserta baru atau iuran."
            )
        return f"{said} Agen diberhentikan bila mencapai {number(self.rule.removal_months)} bulan."


def month_range(first: dt.date, last: dt.date) -> str:
    """'Maret 2027', 'Januari–Maret 2027', 'Desember 2026–Februari 2027' (docs/ux-bahasa.md)."""
    if first == last:
        return month_long(last)
    if first.year == last.year:
        return f"{MONTH_NAMES[first.month - 1]}–{month_long(last)}"
    return f"{month_long(first)}–{month_long(last)}"


def _enrolled_workers(agent):
    return FieldRecord.objects.filter(
        agent=agent, kind=RecordKind.NEW, status=RecordStatus.REGISTERED, worker__isnull=False,
        settled_at__isnull=False,
    ).values("worker_id")  # fmt: skip


def statement_build(*, agent, month: dt.date, today: dt.date | None = None) -> Statement:
    """The statement of `month` (its first day). A month before any commission rule took effect is
    `commission_rule_missing`."""
    rule = rule_in_force(month)
    if rule is None:
        raise DomainError(
            "commission_rule_missing", f"Belum ada aturan komisi yang berlaku pada {month_long(month)}."
        )
    activity: Activity = agent_activity(agent, today=today)
    following = month_of(month_index(month) + 1)
    paid = (
        FundedMonth.objects.filter(
            paid=True, paid_on__gte=month, paid_on__lt=following, worker_id__in=_enrolled_workers(agent)
        )
        .select_related("worker")
        .order_by("paid_on", "worker__name", "worker_id", "month")
    )
    lines = [
        StatementLine(mask_nik(row.worker.nik), row.worker.name, row.month, row.cost, row.paid_on)
        for row in paid
    ]
    return Statement(
        agent_name=agent.get_full_name() or agent.get_username(),
        username=agent.get_username(),
        area=agent.area_id or "",
        institution=activity.institution.name if activity.institution else "",
        month=month,
        rule=rule,
        result=activity.commission(month, rule),
        lines=lines,
        generated_on=today or timezone.localdate(),
    )


def _summary(statement: Statement) -> list[tuple[str, str, int | None]]:
    """(label, text, amount) rows shared by the PDF and the workbook."""
    result, rule = statement.result, statement.rule
    return [
        ("Iuran terkumpul", f"{number(len(statement.lines))} bulan-pekerja dibayar", result.collected),
        (f"Komisi {statement.rate_text} dari iuran terkumpul (dibulatkan ke bawah)", "", result.commission),
        (
            "Bonus peserta baru",
            f"{number(result.new_members)} peserta baru; bonus bila paling sedikit "
            f"{number(rule.bonus_threshold)}",
            result.bonus,
        ),
        ("Jumlah kotor", "komisi + bonus", result.gross),
        (
            f"Bagian lembaga {statement.share_text} dari komisi",
            statement.institution or "tanpa lembaga: tidak ada bagian lembaga",
            result.institution_share,
        ),
        ("Diterima agen", "jumlah kotor dikurangi bagian lembaga", result.agent_net),
    ]


def _rule_text(statement: Statement) -> str:
    rule = statement.rule
    return (
        f"Aturan komisi berlaku sejak {month_long(rule.valid_from)}: {statement.rate_text} dari iuran "
        f"terkumpul dalam bulan; bonus {rupiah(rule.bonus_amount)} bila paling sedikit "
        f"{number(rule.bonus_threshold)} peserta baru dalam bulan; lembaga menerima {statement.share_text} "
        "dari komisi (tidak dari bonus); "
        f"diberhentikan setelah {number(rule.removal_months)} bulan tanpa peserta baru atau iuran. "
        f"Sumber: {rule.source}."
    )


COLLECTED_NOTE = (
    "Iuran terkumpul: bulan iuran pekerja yang didaftarkan agen ini yang dibayar ke BPJS Ketenagakerjaan "
    "dengan pembayaran bertanggal dalam bulan ini. Bulan yang didanai tetapi belum dibayar tidak dihitung."
)


def statement_pdf(statement: Statement) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    title = f"Pernyataan komisi agen {month_long(statement.month)}"
    head = [
        ["Agen", f"{statement.agent_name} ({statement.username})"],
        ["Lembaga", statement.institution or "Tanpa lembaga (pendamping)"],
        ["Bulan", month_long(statement.month)],
        ["Dibuat", date_long(statement.generated_on)],
    ]
    head_table = Table(
        [[escape(a), escape(b)] for a, b in head], colWidths=[35 * mm, 135 * mm], hAlign="LEFT"
    )
    head_table.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 10),
                                    ("FONTNAME", (1, 0), (1, -1), "Helvetica-Bold")]))  # fmt: skip
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    rows = [[Paragraph(escape(label), small), Paragraph(escape(text), small), rupiah(amount)]
            for label, text, amount in _summary(statement)]  # fmt: skip
    summary = Table(rows, colWidths=[65 * mm, 75 * mm, 30 * mm], hAlign="LEFT")
    rule_style = [
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5dbe1")),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    summary.setStyle(TableStyle([*rule_style, ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")]))
    story = [Paragraph(escape(title), styles["Title"]), head_table, Spacer(1, 5 * mm), summary]
    if statement.removal_text:
        style = styles["Heading4"] if statement.result.removal else styles["Normal"]
        story += [Spacer(1, 4 * mm), Paragraph(escape(statement.removal_text), style)]
    story += [Spacer(1, 5 * mm), Paragraph("Rincian iuran terkumpul", styles["Heading3"])]
    if statement.lines:
        line_rows = [["NIK", "Nama", "Bulan iuran", "Iuran", "Dibayar"]]
        line_rows += [
            [line.nik, Paragraph(escape(line.name), small), month_long(line.month), rupiah(line.contribution),
             date_short(line.paid_on)]
            for line in statement.lines
        ]  # fmt: skip
        line_rows.append(["Jumlah", "", "", rupiah(statement.result.collected), ""])
        lines = Table(
            line_rows, colWidths=[32 * mm, 58 * mm, 30 * mm, 25 * mm, 25 * mm], repeatRows=1, hAlign="LEFT"
        )
        lines.setStyle(TableStyle([*rule_style, ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                                   ("ALIGN", (-1, 0), (-1, -1), "LEFT"),
                                   ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                                   ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")]))  # fmt: skip
        story.append(lines)
    else:
        story.append(Paragraph("Tidak ada iuran yang dibayar dalam bulan ini.", styles["Normal"]))
    story += [
        Spacer(1, 5 * mm),
        Paragraph(escape(COLLECTED_NOTE), small),
        Spacer(1, 2 * mm),
        Paragraph(escape(_rule_text(statement)), small),
        Spacer(1, 2 * mm),
        Paragraph("Dibuat oleh Cakupan dari buku besar pembayaran iuran.", small),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, author="Cakupan").build(story)
    return buffer.getvalue()


_WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
# Indonesian month names in Excel and LibreOffice whatever the reader's own language ([$-421] = id-ID).
MONTH_FORMAT = "[$-421]mmmm yyyy"


def statement_xlsx(statement: Statement) -> bytes:
    """Two sheets: the summary with the rule and its source, and one line per paid month."""
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, _WORKBOOK_OPTIONS)
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    money = workbook.add_format({"num_format": '"Rp"#,##0', "valign": "top"})
    month = workbook.add_format({"num_format": MONTH_FORMAT})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    summary = workbook.add_worksheet("Ringkasan")
    summary.set_column(0, 0, 42)
    summary.set_column(1, 1, 60)
    summary.set_column(2, 2, 16)
    head = [
        ("Agen", f"{statement.agent_name} ({statement.username})"),
        ("Lembaga", statement.institution or "Tanpa lembaga (pendamping)"),
        ("Bulan", month_long(statement.month)),
        ("Dibuat", date_long(statement.generated_on)),
    ]
    row = 0
    for label, text in head:
        summary.write_string(row, 0, label, bold)
        summary.write_string(row, 1, text, wrap)
        row += 1
    row += 1
    for label, text, amount in _summary(statement):
        summary.write_string(row, 0, label, bold)
        summary.write_string(row, 1, text, wrap)
        summary.write_number(row, 2, amount, money)
        row += 1
    row += 1
    notes = [("Aturan", _rule_text(statement)), ("Iuran terkumpul", COLLECTED_NOTE)]
    if statement.removal_text:
        notes.insert(0, ("Peringatan" if statement.result.removal else "Catatan", statement.removal_text))
    for label, text in notes:
        summary.write_string(row, 0, label, bold)
        summary.write_string(row, 1, text, wrap)
        row += 1
    lines = workbook.add_worksheet("Rincian")
    for column, (header, width) in enumerate(
        (("NIK", 20), ("Nama", 32), ("Bulan iuran", 16), ("Iuran (Rp)", 14), ("Dibayar", 12))
    ):
        lines.write_string(0, column, header, bold)
        lines.set_column(column, column, width)
    for index, line in enumerate(statement.lines, start=1):
        lines.write_string(index, 0, line.nik)
        lines.write_string(index, 1, line.name)
        lines.write_datetime(index, 2, dt.datetime(line.month.year, line.month.month, 1), month)
        lines.write_number(index, 3, line.contribution, money)
        lines.write_datetime(
            index, 4, dt.datetime(line.paid_on.year, line.paid_on.month, line.paid_on.day), day
        )
    total = len(statement.lines) + 1
    lines.write_string(total, 0, "Jumlah", bold)
    lines.write_number(total, 3, statement.result.collected, money)
    lines.freeze_panes(1, 0)
    workbook.close()
    return output.getvalue()
