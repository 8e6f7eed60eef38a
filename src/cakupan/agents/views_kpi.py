"""Pages of agents' performance: the supervisors' ranking (and its XLSX), an agent's months, her monthly
commission statements (PDF, XLSX), and the back-checks a supervisor follows up by phone.

Thin: `kpis` and `statements` read, `services.backcheck` writes. An agent outside the user's area, another
agent (for an agent) and an id that does not exist are the same 404; a malformed or future month is 404."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.accounts.models import Role, User
from cakupan.agents import kpis, scoring, statements
from cakupan.agents.models import BackCheck, BackCheckStatus
from cakupan.agents.services.backcheck import ANSWER_DAYS, back_check_record, back_checks_collect
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError, domain_error_status
from cakupan.core.formatting import month_long
from cakupan.coverage.exports import Table, to_xlsx
from cakupan.registry.selectors import identity_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")
BACK_CHECK_ROWS = 200

DEFINITIONS = [
    ("Terdaftar", "Rekaman pendaftaran baru dari ponsel agen yang disetujui dan menjadi pekerja terdaftar."),
    (
        "Masih terlindungi 3/6/12 bulan",
        "Dari peserta yang bulan ke-3, ke-6 atau ke-12 sesudah bulan pendaftarannya sudah lewat, bagian yang "
        "iurannya lunas sampai bulan itu (dengan kepesertaan yang sudah berjalan pada bulan itu, bukan "
        "kepesertaan baru sesudah nonaktif).",
    ),
    (
        "Perpanjangan tepat waktu",
        "Dari bulan iuran sesudah bulan pendaftaran sampai bulan lalu, bagian yang dibayar lewat buku besar "
        "Cakupan paling lambat tanggal jatuh temponya (tanggal 15 bulan itu, atau hari kerja berikutnya), "
        "sebelum peserta menunggak. Bulan yang belum dibayar, terlambat, atau dibayar sendiri langsung ke "
        "BPJS Ketenagakerjaan (tanggalnya tidak diketahui) tidak dihitung tepat waktu.",
    ),
    (
        "NIK ganda",
        "Dari rekaman pendaftaran baru yang dikirim, bagian yang ditolak karena NIK sudah terdaftar atau "
        "sedang didaftarkan dari rekaman lain.",
    ),
    (
        "Lolos cek ulang",
        "Dari cek ulang yang dijawab (SMS YA/TIDAK atau telepon petugas), bagian yang membenarkan bertemu "
        "agen dan setuju didaftarkan. Sampel acak 5% (paling sedikit satu) pendaftaran bertelepon per "
        "kiriman.",
    ),
    (
        "Skor",
        "Rata-rata berbobot (0–100): masih terlindungi 6 bulan 25%, 12 bulan 25%, lolos cek ulang 20%, "
        "3 bulan 10%, perpanjangan tepat waktu 10%, tanpa NIK ganda 5%, jumlah terdaftar 5% (penuh pada "
        f"{scoring.SIGNUP_TARGET} orang). Ukuran yang belum dapat dinilai tidak dihitung dan bobot lainnya "
        f"disesuaikan. Agen dengan kurang dari {scoring.MIN_JUDGED} peserta yang sudah dapat dinilai pada "
        "3 bulan ditampilkan tanpa peringkat (belum cukup data).",
    ),
]


def _month(text: str) -> dt.date:
    """A statement's month (YYYY-MM): well formed, not after this month, else 404."""
    match = MONTH_PATTERN.fullmatch(text or "")
    if not match:
        raise Http404("Bulan harus ditulis TTTT-BB, misalnya 2027-01.")
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 12 or year < 2000:
        raise Http404("Bulan tidak dikenal.")
    month = dt.date(year, number, 1)
    if month > timezone.localdate().replace(day=1):
        raise Http404("Pernyataan komisi baru ada setelah bulannya dimulai.")
    return month


def _agent(request: HttpRequest, agent_id: int, action: str):
    agent = kpis.agent_visible(user=request.user, agent_id=agent_id, action=action)
    if agent is None:
        raise Http404("Agen tidak ditemukan di wilayah kerja Anda.")
    return agent


def _is_agent(user) -> bool:
    return getattr(user, "role", "") == Role.FIELD_AGENT and not user.is_superuser


def _percent_figures(figures: scoring.Figures) -> dict:
    return {
        "kept_3": scoring.percent_of(figures.retention(3)),
        "kept_6": scoring.percent_of(figures.retention(6)),
        "kept_12": scoring.percent_of(figures.retention(12)),
        "on_time": scoring.percent_of(figures.on_time),
        "duplicates": scoring.percent_of(figures.duplicate_rate),
        "checks": scoring.percent_of(figures.check_pass_rate),
    }


@login_required
@require_GET
@require_action(authz.AGENT_KPI_VIEW)
def ranking(request: HttpRequest) -> HttpResponse:
    if _is_agent(request.user):
        return _agent_page(request, request.user)
    back_checks_collect()
    institution = (request.GET.get("lembaga") or "").strip()[:20]
    result = kpis.agent_ranking(user=request.user, institution=institution)
    rows = [{"row": row, "pct": _percent_figures(row.figures)} for row in result.rows]
    totals = [{"total": total, "pct": _percent_figures(total.figures)} for total in result.institutions]
    return render(
        request,
        "agents/kpi_ranking.html",
        {
            "rows": rows,
            "totals": totals,
            "choices": result.choices,
            "institution": institution,
            "no_institution": kpis.NO_INSTITUTION,
            "definitions": DEFINITIONS,
            "month": timezone.localdate().replace(day=1),
        },
    )


RANKING_HEADERS = [
    "Peringkat", "Agen", "Nama pengguna", "Wilayah", "Lembaga", "Skor", "Terdaftar",
    "Dinilai 3 bulan", "Masih terlindungi 3 bulan (%)", "Dinilai 6 bulan", "Masih terlindungi 6 bulan (%)",
    "Dinilai 12 bulan", "Masih terlindungi 12 bulan (%)", "Bulan jatuh tempo", "Dibayar tepat waktu",
    "Perpanjangan tepat waktu (%)", "Pendaftaran dikirim", "NIK ganda", "NIK ganda (%)", "Cek ulang dijawab",
    "Lolos cek ulang", "Lolos cek ulang (%)", "Keterangan",
]  # fmt: skip


@login_required
@require_GET
@require_action(authz.AGENT_KPI_VIEW)
def ranking_xlsx(request: HttpRequest) -> HttpResponse:
    if _is_agent(request.user):
        raise Http404("Peringkat agen untuk petugas pembina.")
    institution = (request.GET.get("lembaga") or "").strip()[:20]
    result = kpis.agent_ranking(user=request.user, institution=institution)
    table_rows = []
    for row in result.rows:
        f, pct = row.figures, _percent_figures(row.figures)
        table_rows.append([
            row.rank, row.name, row.agent.get_username(), row.agent.area_id or "",
            row.institution.name if row.institution else "Tanpa lembaga", row.result.value, f.enrolled,
            f.judged_3, pct["kept_3"], f.judged_6, pct["kept_6"], f.judged_12, pct["kept_12"], f.months_due,
            f.paid_on_time, pct["on_time"], f.sent, f.duplicates, pct["duplicates"], f.checks_answered,
            f.checks_passed, pct["checks"], "" if row.result.enough else "belum cukup data",
        ])  # fmt: skip
    table = Table(name="peringkat-agen", title="Peringkat agen", headers=RANKING_HEADERS, rows=table_rows)
    today = timezone.localdate()
    notes = [
        ("Wilayah", request.user.area_id or "seluruh wilayah"),
        ("Posisi", month_long(today)),
        *DEFINITIONS,
        ("Persentase", "Dalam satuan persen, satu desimal; kosong bila belum ada yang dapat dinilai."),
    ]
    content = to_xlsx(table, notes)
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        object_type="agents.ranking",
        object_repr=f"Peringkat {len(table_rows)} agen",
        region_code=request.user.area_id,
        request=request,
        metadata={"format": "xlsx", "rows": len(table_rows), "institution": institution},
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="peringkat-agen-{today:%Y-%m}.xlsx"'
    return response


@login_required
@require_GET
@require_action(authz.AGENT_KPI_VIEW)
def agent_detail(request: HttpRequest, agent_id: int) -> HttpResponse:
    return _agent_page(request, _agent(request, agent_id, authz.AGENT_KPI_VIEW))


def _agent_page(request: HttpRequest, agent) -> HttpResponse:
    today = timezone.localdate()
    figures = kpis.figures_by_agent(User.objects.filter(pk=agent.pk), today=today)[agent.pk]
    activity = kpis.agent_activity(agent, today=today)
    months = kpis.agent_months(activity, today=today)
    rows = [
        {
            "row": row,
            "kept": {h: scoring.percent_of(row.cohort.retention(h)) for h in scoring.HORIZONS},
            "slug": f"{row.month:%Y-%m}",
        }
        for row in months
    ]
    return render(
        request,
        "agents/kpi_agent.html",
        {
            "agent": agent,
            "name": agent.get_full_name() or agent.get_username(),
            "institution": activity.institution,
            "figures": figures,
            "pct": _percent_figures(figures),
            "result": scoring.score(figures),
            "rows": rows,
            "may_statements": authz.can(request.user, authz.COMMISSION_VIEW, agent),
            "own": agent.pk == request.user.pk,
            "min_judged": scoring.MIN_JUDGED,
            "definitions": DEFINITIONS,
        },
    )


def _statement(request: HttpRequest, agent_id: int, month: str) -> statements.Statement:
    agent = _agent(request, agent_id, authz.COMMISSION_VIEW)
    first = _month(month)
    try:
        return statements.statement_build(agent=agent, month=first)
    except DomainError as error:
        raise Http404(error.message) from error


def _statement_response(request: HttpRequest, statement: statements.Statement, fmt: str) -> HttpResponse:
    content = statements.statement_pdf(statement) if fmt == "pdf" else statements.statement_xlsx(statement)
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        object_type="agents.commission",
        object_id=f"{statement.username}:{statement.month:%Y-%m}",
        object_repr=f"Pernyataan komisi {statement.username} {month_long(statement.month)}",
        # The agent's area: the statement is about her, whoever downloads it.
        region_code=statement.area or None,
        request=request,
        metadata={"format": fmt, "lines": len(statement.lines), "agent_net": statement.result.agent_net},
    )
    response = HttpResponse(content, content_type=PDF if fmt == "pdf" else XLSX)
    name = f"komisi-{statement.username}-{statement.month:%Y-%m}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
@require_action(authz.COMMISSION_VIEW)
def statement_pdf(request: HttpRequest, agent_id: int, month: str) -> HttpResponse:
    return _statement_response(request, _statement(request, agent_id, month), "pdf")


@login_required
@require_GET
@require_action(authz.COMMISSION_VIEW)
def statement_xlsx(request: HttpRequest, agent_id: int, month: str) -> HttpResponse:
    return _statement_response(request, _statement(request, agent_id, month), "xlsx")


# --- back-checks ------------------------------------------------------------------------------------------

STATUS_FILTERS = {"": "Perlu ditelepon", **dict(BackCheckStatus.choices), "semua": "Semua"}
# Past the SMS's 14 days or never reachable by SMS; one still waiting for its SMS answer may be called too.
NEEDS_CALL = (BackCheckStatus.UNANSWERED, BackCheckStatus.UNREACHABLE)
CALLABLE = (BackCheckStatus.QUEUED, *NEEDS_CALL)


def _back_check_context(request: HttpRequest, error: str = "") -> dict:
    status = request.GET.get("status") or ""
    if status not in STATUS_FILTERS:
        status = ""
    checks = BackCheck.objects.for_user(request.user).select_related("worker", "agent", "message", "record")
    if status == "":
        checks = checks.filter(status__in=NEEDS_CALL)
    elif status != "semua":
        checks = checks.filter(status=status)
    rows = []
    for check in checks.order_by("-created_at", "-pk")[:BACK_CHECK_ROWS]:
        identity = identity_for(request.user, check.worker)
        rows.append({
            "check": check,
            "identity": identity,
            "open": check.status in CALLABLE,
            "agent_name": check.agent.get_full_name() or check.agent.get_username(),
        })  # fmt: skip
    return {
        "rows": rows,
        "status": status,
        "filters": list(STATUS_FILTERS.items()),
        "answer_days": ANSWER_DAYS,
        "error": error,
    }


@login_required
@require_GET
@require_action(authz.BACK_CHECK_RECORD)
def back_checks(request: HttpRequest) -> HttpResponse:
    back_checks_collect()
    return render(request, "agents/backcheck_list.html", _back_check_context(request))


# POST only, before the sign-in check: a GET is 405 for everyone (the form lives on the list).
@require_POST
@login_required
@require_action(authz.BACK_CHECK_RECORD)
def back_check_call(request: HttpRequest, check_id: int) -> HttpResponse:
    check = BackCheck.objects.for_user(request.user).filter(pk=check_id).first()
    if check is None:
        raise Http404("Cek ulang tidak ditemukan di wilayah kerja Anda.")
    try:
        back_check_record(
            check=check,
            actor=request.user,
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
            request=request,
        )
    except DomainError as error:
        context = _back_check_context(request, error.message)
        return render(request, "agents/backcheck_list.html", context, status=domain_error_status(error))
    return redirect(reverse("agent_kpi:back-checks"))


__all__ = [
    "agent_detail",
    "back_check_call",
    "back_checks",
    "ranking",
    "ranking_xlsx",
    "statement_pdf",
    "statement_xlsx",
]
