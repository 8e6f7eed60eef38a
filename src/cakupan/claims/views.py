"""The claim follow-up's pages: the cases in the user's area, reporting a case, one case with its heirs,
checklist, clock and log (each action a POST of its own that returns to the case), a document's scan, BPJS
TK's decision file, the holiday corrections of the claim calendar and the service figures.

Thin: the services write and check the authorization table themselves, the selectors read, `forms` reads
what was typed. A refusal is the same page again with the Bahasa message beside its field (400); a case
outside the user's area does not exist (404)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.claims import forms, selectors, services
from cakupan.claims.decision_file import COLUMNS, MAX_BYTES
from cakupan.claims.models import (
    OPEN_STATUSES,
    ClaimCase,
    ClaimEventKind,
    ClaimKind,
    ClaimStatus,
    ClockState,
    JkkCause,
    JkkOutcome,
)
from cakupan.claims.services.common import UPLOAD_LIMIT
from cakupan.core.errors import DomainError, domain_error_status
from cakupan.core.formatting import rupiah
from cakupan.core.masking import mask_identifiers_in_text, mask_phone, national_phone
from cakupan.messaging.services import PROVINCE
from cakupan.regions.models import Region
from cakupan.registry.selectors import identity_for
from cakupan.rules.engine.errors import RulesError

PAGE_SIZE = 25
MAX_PAGE = 100_000
NUMBER_LIMIT = 16  # ClaimCase.number's length
ESCALATION_LABELS = {
    1: "eskalasi 1: operator desa",
    2: "eskalasi 2: dinas kabupaten/kota",
    3: "eskalasi 3: BPJS TK",
}
MEMBER_STATUS = {
    "covered": "Terlindungi pada tanggal kejadian",
    "not_covered": "Tidak terlindungi pada tanggal kejadian",
    "never": "Belum pernah menjadi peserta",
}
FILE_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


def _kind_label(kind: str) -> str:
    return str(dict(ClaimKind.choices).get(kind, kind)).split(" (")[0]


def _name_of(user) -> str:
    if user is None:
        return "sistem (jam layanan)"
    return user.get_full_name() or user.get_username()


def _phone_text(phone: str, *, full: bool) -> str:
    """0812-3456-7890 as officers write it, or its masked form (0812********)."""
    if not phone:
        return ""
    if not full:
        return mask_phone(phone)
    national = national_phone(phone)
    return "-".join(part for part in (national[:4], national[4:8], national[8:]) if part)


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _status_for(error: DomainError) -> int:
    status = domain_error_status(error)
    return status if status in (400, 403) else 400


def _problem(request: HttpRequest, error: DomainError, *, back: str = "/kasus-klaim/") -> HttpResponse:
    return render(request, "claims/problem.html", {"error": error, "back": back}, status=_status_for(error))


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "1")
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise DomainError(
            "page_invalid",
            f"Nomor halaman tidak sah: gunakan 1 sampai {MAX_PAGE:,}.".replace(",", "."),
            field="page",
        )
    return int(text)


def _case(request: HttpRequest, number: str) -> ClaimCase:
    """The case inside the user's area; outside it, or unknown, it does not exist (404)."""
    case = None
    if len(number) <= NUMBER_LIMIT and "\x00" not in number:
        case = selectors.case_for_user(user=request.user, number=number)
    if case is None or not authz.can(request.user, authz.CLAIM_VIEW, case):
        raise Http404("Kasus klaim ini tidak ada di wilayah kerja Anda.")
    return case


# --- the list -----------------------------------------------------------------------------------------------


@login_required
@require_GET
@require_action(authz.CLAIM_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    has_attention = selectors.attention_level(user) is not None
    slug = request.GET.get("daftar") or ("perhatian" if has_attention else "berjalan")
    try:
        if slug not in selectors.LISTS:
            raise DomainError(
                "list_unknown", "Daftar kasus tidak dikenal: pilih salah satu daftar di atas.", field="daftar"
            )
        page_number = _page_number(request)
    except DomainError as error:
        return _problem(request, error)
    paginator = Paginator(selectors.case_list(user=user, slug=slug), PAGE_SIZE)
    page = paginator.get_page(min(page_number, max(paginator.num_pages, 1)))
    cases = list(page.object_list)
    names = _region_names(case.region_code for case in cases)
    rows = [
        {
            "case": case,
            "kind": _kind_label(case.kind),
            "region": names.get(case.region_code, case.region_code),
            "escalation": ESCALATION_LABELS.get(case.escalation_level, ""),
        }
        for case in cases
    ]
    tabs = [
        {"slug": key, "label": label, "count": selectors.case_list(user=user, slug=key).count()}
        for key, label in selectors.LISTS.items()
        if key != "perhatian" or has_attention
    ]
    return render(
        request,
        "claims/case_list.html",
        {
            "slug": slug,
            "title": selectors.LISTS[slug],
            "tabs": tabs,
            "rows": rows,
            "page": page,
            "may_report": authz.can(user, authz.CLAIM_REPORT),
            "may_decide": authz.can(user, authz.CLAIM_DECIDE),
        },
    )


# --- reporting ----------------------------------------------------------------------------------------------


def _report_context(values: dict[str, str], error: DomainError | None = None) -> dict:
    day = services.today()
    heirs = forms.heir_rows(values, error)
    return {
        "values": values,
        "error": error,
        "problems": {error.field: error.message} if error is not None and error.field else {},
        "today": day,
        "kinds": ClaimKind.choices,
        "causes": JkkCause.choices,
        "outcomes": JkkOutcome.choices,
        "heirs": heirs,
        "more_heirs_open": any(any(row["values"].values()) or row["errors"] for row in heirs[1:]),
        "relations": forms.HEIR_RELATIONS,
        "levels": forms.scholarship_levels(day),
        "bases": forms.SCHOLARSHIP_BASES,
    }


@login_required
@require_http_methods(["GET", "POST"])
@require_action(authz.CLAIM_REPORT)
def case_report(request: HttpRequest) -> HttpResponse:
    template = "claims/report.html"
    if request.method == "GET":
        values = forms.report_values({"nik": request.GET.get("nik", "")})
        return render(request, template, _report_context(values))
    values = forms.report_values(request.POST)
    try:
        arguments = forms.report_arguments(values, user=request.user, day=services.today())
        case = services.claim_report(actor=request.user, **arguments)
    except (DomainError, RulesError) as problem:
        error = forms.as_page_error(problem)
        return render(request, template, _report_context(values, error), status=_status_for(error))
    return redirect("claims:case", number=case.number)


# --- one case -----------------------------------------------------------------------------------------------


def _event_rows(case: ClaimCase, *, labels: dict[str, str], full: bool) -> list[dict]:
    rows = []
    for event in case.events.select_related("actor"):
        detail = event.reason
        if event.kind == ClaimEventKind.DOCUMENT:
            detail = labels.get(event.reason, event.reason)
        elif event.kind == ClaimEventKind.ESCALATED and event.level:
            detail = ESCALATION_LABELS.get(event.level, "")
        rows.append(
            {
                "on": event.on,
                "label": event.get_kind_display(),
                "actor": _name_of(event.actor),
                "detail": detail if full else mask_identifiers_in_text(detail),
            }
        )
    return rows


def _case_context(request: HttpRequest, case: ClaimCase, *, error=None, form="", values=None) -> dict:
    user = request.user
    full = authz.sees_identifiers(user)
    documents = list(case.documents.select_related("received_by"))
    missing = [document for document in documents if document.received_at is None]
    # The day the paper came in is its event's day (it may be earlier than the day it was recorded).
    received_on = dict(
        case.events.filter(kind=ClaimEventKind.DOCUMENT).order_by("on", "pk").values_list("reason", "on")
    )
    is_open = case.status in OPEN_STATUSES
    try:
        clock = services.case_clock(case, day=services.today())
    except (DomainError, RulesError):
        clock = None
    if clock is not None and not is_open:
        # A decided case keeps the outcome stored at its decision, whatever a later decree says.
        clock = dataclasses.replace(clock, state=case.clock_state, due=case.due_on)
    heirs = [{"heir": heir, "phone": _phone_text(heir.phone, full=full)} for heir in case.heirs.all()]
    today = services.today()
    # Each form shows again what was typed in it, with the refusal beside its field.
    form_values = {"dibayar": {"tanggal": today.isoformat()}, "ditolak": {"tanggal": today.isoformat()}}
    form_values[form] = {**form_values.get(form, {}), **(values or {})}
    form_problems = {form: {error.field or "": error.message}} if error is not None and form else {}
    return {
        "case": case,
        "kind": _kind_label(case.kind),
        "identity": identity_for(user, case.worker),
        "region": _region_names([case.region_code]).get(case.region_code, case.region_code),
        "member_status": MEMBER_STATUS.get(case.member_status, case.member_status),
        "reporter_phone": _phone_text(case.reporter_phone, full=full),
        "heirs": heirs,
        "documents": [
            {
                "document": document,
                "on": received_on.get(document.code),
                "note": document.note if full else mask_identifiers_in_text(document.note),
            }
            for document in documents
        ],
        "missing": missing,
        "received_count": len(documents) - len(missing),
        "clock": clock,
        "escalation": ESCALATION_LABELS.get(case.escalation_level, ""),
        "events": _event_rows(case, labels={d.code: d.label for d in documents}, full=full),
        "today": today,
        "may_document": authz.can(user, authz.CLAIM_DOCUMENT, case)
        and case.status in (ClaimStatus.COLLECTING, ClaimStatus.WAITING_HEIRS),
        "may_file": authz.can(user, authz.CLAIM_FILE, case),
        "may_pause": authz.can(user, authz.CLAIM_PAUSE, case) and case.status == ClaimStatus.RUNNING,
        "may_resume": authz.can(user, authz.CLAIM_PAUSE, case) and case.status == ClaimStatus.WAITING_HEIRS,
        # BPJS TK decides on complete documents only (the service refuses a case still collecting them).
        "may_decide": authz.can(user, authz.CLAIM_DECIDE, case)
        and case.status in (ClaimStatus.RUNNING, ClaimStatus.WAITING_HEIRS),
        "is_open": is_open,
        "clock_label": ClockState(clock.state).label if clock is not None else "",
        "amount_hint": f"Perkiraan Cakupan: {rupiah(case.benefit_total)}." if case.benefit_total else "",
        "error": error,
        "form": form,
        "form_values": form_values,
        "form_problems": form_problems,
        "upload_limit_mb": UPLOAD_LIMIT // (1024 * 1024),
    }


def _case_page(request: HttpRequest, case: ClaimCase, **extra) -> HttpResponse:
    error = extra.get("error")
    status = _status_for(error) if error is not None else 200
    return render(request, "claims/case.html", _case_context(request, case, **extra), status=status)


def _back_to(case: ClaimCase, anchor: str) -> HttpResponse:
    return redirect(reverse("claims:case", args=[case.number]) + f"#{anchor}")


@login_required
@require_GET
@require_action(authz.CLAIM_VIEW)
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _case_page(request, _case(request, number))


@login_required
@require_POST
@require_action(authz.CLAIM_DOCUMENT)
def document_receive(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    code = forms.text(request.POST.get("dokumen"), 24)
    upload = request.FILES.get("berkas")
    try:
        received_on = forms.parse_date(
            forms.text(request.POST.get("diterima"), 20),
            field="diterima",
            label="Tanggal diterima",
            required=False,
        )
        content = None
        if upload is not None:
            if upload.size > UPLOAD_LIMIT:
                raise DomainError("file_too_large", "Berkas paling besar 5 MB.", field="file")
            content = upload.read()
        services.claim_document_receive(
            actor=request.user,
            case=case,
            code=code,
            content=content,
            note=forms.text(request.POST.get("catatan"), 300),
            received_on=received_on,
        )
    except DomainError as problem:
        error = forms.as_page_error(problem)
        return _case_page(request, case, error=error, form=f"dokumen-{code}")
    return _back_to(case, "dokumen")


@login_required
@require_GET
@require_action(authz.CLAIM_FILE)
def document_file(request: HttpRequest, number: str, code: str) -> HttpResponse:
    """The scan of a received document, as an attachment (never shown inline), audited as an export; only
    for the roles that see identifiers in full."""
    case = _case(request, number)
    if not authz.can(request.user, authz.CLAIM_FILE, case):
        raise Http404("Kasus klaim ini tidak ada di wilayah kerja Anda.")
    document = case.documents.filter(code=code[:24]).first() if "\x00" not in code else None
    if document is None or not document.file:
        raise Http404("Dokumen ini tidak memiliki berkas unggahan.")
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404("Berkas dokumen ini tidak ditemukan di penyimpanan.") from None
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        request=request,
        obj=case,
        region_code=case.region_code,
        metadata={"event": "claim_document_file", "document": document.code, "sha256": document.file_sha256},
    )
    extension = Path(document.file.name).suffix.lower()
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{case.number}-{document.code}{extension}",
        content_type=FILE_TYPES.get(extension, "application/octet-stream"),
    )


@login_required
@require_POST
@require_action(authz.CLAIM_PAUSE)
def case_pause(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    reason = forms.text(request.POST.get("alasan"), 400)
    try:
        services.claim_pause(actor=request.user, case=case, reason=reason)
    except DomainError as problem:
        return _case_page(
            request, case, error=forms.as_page_error(problem), form="tunda", values={"alasan": reason}
        )
    return _back_to(case, "waktu")


@login_required
@require_POST
@require_action(authz.CLAIM_PAUSE)
def case_resume(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    try:
        services.claim_resume(actor=request.user, case=case)
    except DomainError as problem:
        return _case_page(request, case, error=forms.as_page_error(problem), form="lanjut")
    return _back_to(case, "waktu")


@login_required
@require_POST
@require_action(authz.CLAIM_DECIDE)
def case_decide(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    values = forms.decision_values(request.POST)
    try:
        services.claim_decide(actor=request.user, case=case, **forms.decision_arguments(values))
    except DomainError as problem:
        form = "ditolak" if values["keputusan"] == "ditolak" else "dibayar"
        return _case_page(request, case, error=forms.as_page_error(problem), form=form, values=values)
    return _back_to(case, "keputusan")


# --- BPJS TK's decision file --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@require_action(authz.CLAIM_DECIDE)
def decisions_upload(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        upload = request.FILES.get("berkas")
        try:
            if upload is None:
                raise DomainError(
                    "decision_file_missing", "Pilih berkas keputusan BPJS TK (CSV).", field="file"
                )
            if upload.size > MAX_BYTES:
                raise DomainError(
                    "decision_file_too_large", "Berkas keputusan lebih dari 5 MB.", field="file"
                )
            record = services.decisions_import(
                actor=request.user,
                file_name=forms.text(upload.name, 200) or "keputusan.csv",
                content=upload.read(),
            )
        except DomainError as problem:
            error = problem
        else:
            return redirect(reverse("claims:decisions") + "?" + urlencode({"hasil": record.pk}))
    chosen = request.GET.get("hasil", "")
    result = None
    if chosen.isascii() and chosen.isdigit() and len(chosen) <= 12:
        result = selectors.decision_import(int(chosen), user=request.user)
    recent = selectors.recent_decision_imports(user=request.user)
    return render(
        request,
        "claims/decisions.html",
        {
            "error": error,
            "result": result,
            "recent": [{"record": record, "by": _name_of(record.imported_by)} for record in recent],
            "columns": COLUMNS,
            "limit_mb": MAX_BYTES // (1024 * 1024),
        },
        status=_status_for(error) if error is not None else 200,
    )


# --- the claim calendar -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@require_action(authz.CLAIM_VIEW)
def calendar(request: HttpRequest) -> HttpResponse:
    """The decrees that move a holiday or cuti bersama for the claim clocks; the coordinator records them."""
    may_change = authz.can(request.user, authz.CALENDAR_CHANGE)
    error, values = None, forms.calendar_values({})
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Perubahan hari libur dicatat oleh koordinator provinsi.")
        values = forms.calendar_values(request.POST)
        try:
            services.holiday_change_record(actor=request.user, **forms.calendar_arguments(values))
        except DomainError as problem:
            error = forms.as_page_error(problem)
        else:
            return redirect(reverse("claims:calendar") + "?" + urlencode({"tersimpan": "1"}))
    changes = [
        {"change": change, "by": _name_of(change.created_by)} for change in selectors.holiday_change_list()
    ]
    return render(
        request,
        "claims/calendar.html",
        {
            "changes": changes,
            "may_change": may_change,
            "values": values,
            "error": error,
            "problems": {error.field: error.message} if error is not None and error.field else {},
            "saved": request.GET.get("tersimpan") == "1" and error is None,
        },
        status=_status_for(error) if error is not None else 200,
    )


# --- service figures ----------------------------------------------------------------------------------------


@login_required
@require_GET
@require_action(authz.CLAIM_VIEW)
def service(request: HttpRequest) -> HttpResponse:
    area = request.user.area_id or PROVINCE
    region = Region.objects.filter(code=area).first()
    return render(
        request,
        "claims/service.html",
        {"rows": selectors.service_figures(area_code=area), "region": region, "area": area},
    )
