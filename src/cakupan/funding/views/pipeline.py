"""What follows an approved plan, on the web: the enrolment batch (made, checked by a second person,
downloaded by BPJS TK's liaison, answered), its invoices (PDF) and the funders' payments. Each step asks
the authorization table; the services enforce it again and say why in Bahasa."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import can, require_action
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_decide, may_decide
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import rupiah
from cakupan.funding import enrolment, selectors
from cakupan.funding.invoice_pdf import invoice_pdf as render_invoice_pdf
from cakupan.funding.models import BatchStatus, EnrolmentBatch, Invoice
from cakupan.funding.services import payment_record
from cakupan.funding.views.overview import _plan_context, _scoped_plan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An acknowledgement of 500,000 rows is about 30 MB; a file far beyond any batch is refused unread.
ACK_MAX_BYTES = 64 * 1024 * 1024


def _scoped_batch(request: HttpRequest, batch_id: int) -> EnrolmentBatch:
    batch = selectors.batches_for_user(user=request.user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404("Batch pendaftaran tidak ditemukan di wilayah kerja Anda.")
    return batch


def _scoped_invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = selectors.invoices_for_user(user=request.user).filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404("Tagihan tidak ditemukan di antara yang boleh Anda lihat.")
    return invoice


def _batch_approval(batch: EnrolmentBatch) -> Approval | None:
    return (
        Approval.objects.filter(kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk))
        .select_related("submitted_by", "decided_by")
        .order_by("-id")
        .first()
    )


def _batch_context(request: HttpRequest, batch: EnrolmentBatch, **extra) -> dict:
    approval = _batch_approval(batch)
    user = request.user
    delivered = batch.status in (BatchStatus.READY, BatchStatus.SENT, BatchStatus.ACKNOWLEDGED)
    return {
        "batch": batch,
        "plan": batch.plan,
        "approval": approval,
        "may_decide": may_decide(approval, user),
        "may_send": delivered and can(user, authz.BATCH_SEND, batch),
        "may_ack": batch.status in (BatchStatus.SENT, BatchStatus.ACKNOWLEDGED)
        and can(user, authz.ACK_IMPORT, batch),
        "invoices": selectors.invoices_for_user(user=user).filter(plan=batch.plan).order_by("number")
        if delivered
        else [],
        "rows": selectors.batch_preview(batch=batch, user=user),
        "preview_rows": selectors.BATCH_PREVIEW_ROWS,
        "error": None,
        **extra,
    }


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def batch_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _scoped_plan(request, plan_id)
    try:
        batch = enrolment.enrolment_batch_create(plan=plan, actor=request.user)
    except DomainError as error:
        return render(request, "funding/plan.html", _plan_context(request, plan, error), status=400)
    return redirect("funding:batch", batch_id=batch.pk)


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _scoped_batch(request, batch_id)
    return render(request, "funding/batch.html", _batch_context(request, batch))


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def batch_decide(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _scoped_batch(request, batch_id)
    approval = _batch_approval(batch)
    if approval is None:
        raise Http404("Batch ini tidak menunggu pemeriksaan.")
    try:
        approval_decide(
            approval=approval,
            approver=request.user,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            file_sha256=request.POST.get("file_sha256", ""),
        )
    except DomainError as error:
        return render(request, "funding/batch.html", _batch_context(request, batch, error=error), status=400)
    return redirect("funding:batch", batch_id=batch.pk)


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def batch_download(request: HttpRequest, batch_id: int, fmt: str) -> HttpResponse:
    """BPJS TK's liaison takes the file: the first download marks the batch sent (a POST, so that no
    prefetch or crawler sends a batch)."""
    batch = _scoped_batch(request, batch_id)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Format berkas harus csv atau xlsx.")
    try:
        # The file first: a batch whose checked file cannot be served is not marked sent.
        body = enrolment.batch_file_content(batch, fmt)
        batch = enrolment.enrolment_batch_send(batch=batch, actor=request.user)
    except DomainError as error:
        return render(request, "funding/batch.html", _batch_context(request, batch, error=error), status=400)
    audit_record(
        action=AuditAction.EXPORT, actor=request.user, request=request, obj=batch,
        region_code=batch.plan.region_code, metadata={"format": fmt, "sha256": batch.file_sha256},
    )  # fmt: skip
    stem = Path(batch.file_path).stem
    kinds = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
    response = HttpResponse(body, content_type=kinds[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def _ack_folder() -> Path:
    folder = Path(settings.VAR_DIR) / "acknowledgements"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def batch_ack_check(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Step 1 of 2: the uploaded answer is read against the batch and shown; nothing is applied yet."""
    batch = _scoped_batch(request, batch_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError("ack_file_required", "Pilih berkas tanggapan BPJS TK (CSV).", field="file")
        if upload.size > ACK_MAX_BYTES:
            raise DomainError("ack_too_large", "Berkas tanggapan lebih dari 64 MB; periksa berkasnya.")
        content = upload.read()
        check = enrolment.enrolment_ack_check(batch=batch, content=content, actor=request.user)
    except DomainError as error:
        return render(request, "funding/batch.html", _batch_context(request, batch, error=error), status=400)
    if not check["problem_count"]:
        (_ack_folder() / f"{check['sha256']}.csv").write_bytes(content)
    return render(request, "funding/batch.html", _batch_context(request, batch, ack=check))


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def batch_ack_apply(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Step 2 of 2: apply exactly the file that was checked (named by its SHA-256)."""
    batch = _scoped_batch(request, batch_id)
    sha = request.POST.get("sha256", "").strip().lower()
    path = _ack_folder() / f"{sha}.csv"
    try:
        if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha) or not path.exists():
            raise DomainError(
                "ack_not_checked", "Berkas tanggapan itu belum diperiksa di halaman ini; unggah ulang."
            )
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != sha:
            raise DomainError("ack_not_checked", "Berkas tanggapan yang tersimpan rusak; unggah ulang.")
        enrolment.enrolment_ack_import(batch=batch, content=content, actor=request.user, expected_sha256=sha)
    except DomainError as error:
        return render(request, "funding/batch.html", _batch_context(request, batch, error=error), status=400)
    return redirect("funding:batch", batch_id=batch.pk)


def _invoice_context(request: HttpRequest, invoice: Invoice, **extra) -> dict:
    return {
        "invoice": invoice,
        "lines": invoice.lines.select_related("program").order_by("program_id"),
        "payments": invoice.payments.select_related("recorded_by").order_by("paid_on", "pk"),
        "outstanding": invoice.amount - invoice.paid,
        "batch": invoice.plan.batches.exclude(status=BatchStatus.RETURNED).first(),
        "may_pay": invoice.paid < invoice.amount and can(request.user, authz.PAYMENT_RECORD, invoice),
        "error": None,
        "form": {},
        **extra,
    }


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _scoped_invoice(request, invoice_id)
    return render(request, "funding/invoice.html", _invoice_context(request, invoice))


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _scoped_invoice(request, invoice_id)
    context = _invoice_context(request, invoice)
    body = render_invoice_pdf(
        invoice=invoice,
        lines=[(line.program.name, line.amount, line.paid) for line in context["lines"]],
        payments=[(p.external_reference, p.paid_on, p.amount) for p in context["payments"]],
        batch_id=context["batch"].pk if context["batch"] else None,
        generated_by=request.user.get_full_name() or request.user.username,
    )
    audit_record(
        action=AuditAction.EXPORT, actor=request.user, request=request, obj=invoice,
        region_code=invoice.funder.area_id, metadata={"format": "pdf"},
    )  # fmt: skip
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


def _payment_amount(text: str) -> int:
    digits = text.replace(".", "").replace(" ", "").removeprefix("Rp").strip()
    if not digits.isdigit():
        raise DomainError(
            "payment_amount_invalid",
            "Jumlah pembayaran harus bilangan bulat rupiah, misalnya 201.600.",
            field="amount",
        )
    return int(digits)


def _payment_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise DomainError(
            "payment_date_invalid", "Tanggal bayar tidak sah: pilih tanggal pada kalender.", field="paid_on"
        ) from error


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def payment_create(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _scoped_invoice(request, invoice_id)
    form = {key: request.POST.get(key, "") for key in ("external_reference", "amount", "paid_on")}
    proof = request.FILES.get("proof")
    try:
        if proof is None:
            raise DomainError(
                "payment_proof_required", "Lampirkan bukti bayar (PDF, JPG atau PNG).", field="proof"
            )
        payment, created = payment_record(
            invoice=invoice,
            external_reference=form["external_reference"],
            amount=_payment_amount(form["amount"]),
            paid_on=_payment_date(form["paid_on"]),
            actor=request.user,
            proof=proof.read(),
        )
    except DomainError as error:
        context = _invoice_context(request, invoice, error=error, form=form)
        return render(request, "funding/invoice.html", context, status=400)
    invoice.refresh_from_db()
    notice = (
        f"Pembayaran {payment.external_reference} sebesar {rupiah(payment.amount)} tercatat."
        if created
        else f"Pembayaran {payment.external_reference} sudah tercatat sebelumnya; tidak ada yang berubah."
    )
    return render(request, "funding/invoice.html", _invoice_context(request, invoice, notice=notice))


__all__ = [
    "batch_ack_apply",
    "batch_ack_check",
    "batch_create",
    "batch_decide",
    "batch_detail",
    "batch_download",
    "invoice_detail",
    "invoice_pdf",
    "payment_create",
]
