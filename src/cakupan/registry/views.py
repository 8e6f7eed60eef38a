"""Import pages: upload, progress, the checker's decision, reports and the template."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action, sees_identifiers
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_decide, may_decide
from cakupan.core.errors import DomainError
from cakupan.registry import importing
from cakupan.registry.importing import preview
from cakupan.registry.models import ImportKind, ImportStatus, OnDuplicate, WorkerImport

RUNNING = {ImportStatus.CHECKING, ImportStatus.APPLYING}


def _scoped_import(request: HttpRequest, import_id: int) -> WorkerImport:
    record = WorkerImport.objects.for_user(request.user).filter(pk=import_id).first()
    if record is None:
        raise Http404("Impor tidak ditemukan di wilayah kerja Anda.")
    return record


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Format berkas harus csv atau xlsx.")


def _approval(record: WorkerImport) -> Approval | None:
    return (
        Approval.objects.filter(kind=ApprovalKind.WORKER_IMPORT, subject_id=str(record.pk))
        .order_by("-id")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
@require_action(authz.STAFF_PAGES)
def import_list(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError(
                    "file_missing", "Pilih berkas CSV atau XLSX yang akan diimpor.", field="file"
                )
            record = importing.import_submit(
                user=request.user,
                upload=upload,
                kind=request.POST.get("kind", ImportKind.WORKERS),
                on_duplicate=request.POST.get("on_duplicate", OnDuplicate.KEEP),
                request=request,
            )
        except DomainError as failure:
            error = failure
        else:
            return redirect("registry:import-detail", import_id=record.pk)
    imports = WorkerImport.objects.for_user(request.user).select_related("submitted_by")[:50]
    return render(
        request,
        "registry/import_list.html",
        {
            "imports": imports,
            "error": error,
            # Only the kinds of file this role may upload; checkers get no form (they decide).
            "kinds": [
                (value, label)
                for value, label in ImportKind.choices
                if authz.can(request.user, importing.web.UPLOAD_ACTIONS[value])
            ],
            "duplicates": OnDuplicate.choices,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    record = _scoped_import(request, import_id)
    return render(request, "registry/import_detail.html", _detail_context(request, record))


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    record = _scoped_import(request, import_id)
    return render(request, "registry/_import_status.html", _detail_context(request, record))


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("halaman", "1")
    return int(text) if text.isdigit() and len(text) < 7 else 1


def _detail_context(request: HttpRequest, record: WorkerImport) -> dict:
    approval = _approval(record)
    running = record.status in RUNNING
    rows, pages = (
        ([], 0)
        if running
        else preview.preview_page(record.pk, page=_page_number(request), full=sees_identifiers(request.user))
    )
    return {
        "record": record,
        "approval": approval,
        "may_decide": may_decide(approval, request.user),
        "running": running,
        "progress": importing.import_progress(record=record),
        "task_alert": importing.import_task_alert(record=record) if running else None,
        "preview_rows": rows,
        "preview_pages": pages,
        "preview_page": min(max(_page_number(request), 1), pages) if pages else 0,
        "preview_limit": preview.PREVIEW_ROWS,
    }


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def import_decide(request: HttpRequest, import_id: int) -> HttpResponse:
    record = _scoped_import(request, import_id)
    approval = _approval(record)
    if approval is None:
        raise Http404("Impor ini tidak menunggu persetujuan.")
    try:
        approval_decide(
            approval=approval,
            approver=request.user,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            file_sha256=request.POST.get("sha256", ""),
        )
    except DomainError as error:
        context = {**_detail_context(request, record), "error": error}
        return render(request, "registry/import_detail.html", context, status=400)
    return redirect("registry:import-detail", import_id=record.pk)


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def import_report(request: HttpRequest, import_id: int, fmt: str) -> FileResponse:
    _check_format(fmt)
    record = _scoped_import(request, import_id)
    path = importing.report_path(record, fmt, full=sees_identifiers(request.user))
    if path is None:
        raise Http404("Impor ini tidak punya laporan kesalahan.")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"laporan-impor-{record.pk}.{fmt}")


@require_GET
def import_template(request: HttpRequest, fmt: str) -> FileResponse:
    _check_format(fmt)
    folder = importing.template_dir()
    return FileResponse(
        open(folder / f"templat-pekerja.{fmt}", "rb"), as_attachment=True, filename=f"templat-pekerja.{fmt}"
    )
