"""After an approved plan, on the web: the batch is made, checked by a second person, downloaded by BPJS
TK's liaison (which is the sending), answered; its invoices are paid with a proof. Each step only for the
roles the authorization table allows, and bad input changes nothing."""

import datetime as dt
import hashlib
import io
from pathlib import Path

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind, ApprovalStatus
from cakupan.approvals.services import approval_approve
from cakupan.audit.models import AuditEvent
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import enrolment, selectors, services
from cakupan.funding.models import (
    BatchStatus,
    EnrolmentBatch,
    EnrolmentRow,
    Invoice,
    LedgerAccount,
    Payment,
    PlanStatus,
)
from cakupan.funding.tests.conftest import DESA_A
from cakupan.registry.models import Membership

YEAR = 201_600
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def approved(make_worker, program_factory, people):
    workers = [make_worker(DESA_A, decile=1), make_worker(DESA_A, decile=2)]
    program = program_factory(budget=YEAR * 2)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])
    plan.refresh_from_db()
    return plan, workers, program


def _as(client, user):
    client.force_login(user)
    return client


def _batch_made(client, plan, people) -> EnrolmentBatch:
    response = _as(client, people["coordinator"]).post(f"/dana/rencana/{plan.pk}/batch")
    batch = EnrolmentBatch.objects.get(plan=plan)
    assert response.status_code == 302 and response["Location"] == f"/dana/batch/{batch.pk}/"
    return batch


def _checked(client, plan, people) -> EnrolmentBatch:
    batch = _batch_made(client, plan, people)
    response = _as(client, people["liaison"]).post(
        f"/dana/batch/{batch.pk}/keputusan", {"decision": "approve", "file_sha256": batch.file_sha256}
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def _sent(client, plan, people) -> EnrolmentBatch:
    batch = _checked(client, plan, people)
    assert _as(client, people["liaison"]).post(f"/dana/batch/{batch.pk}/berkas.csv").status_code == 200
    batch.refresh_from_db()
    return batch


def _ack_file(batch, decisions) -> bytes:
    lines = ["no_baris;nik;status;kpj;alasan"]
    for row in EnrolmentRow.objects.filter(batch=batch).select_related("line__worker").order_by("row_number"):
        status, kpj, reason = decisions[row.row_number]
        lines.append(f"{row.row_number};{row.line.worker.nik};{status};{kpj};{reason}")
    return ("\n".join(lines) + "\n").encode()


def _upload(name: str, content: bytes, kind: str = "text/csv"):
    return SimpleUploadedFile(name, content, content_type=kind)


# --- the batch ---------------------------------------------------------------------------------------------


def test_the_plan_page_offers_a_batch_only_to_those_who_may_make_one(client, approved, people):
    plan, _, _ = approved
    page = _as(client, people["coordinator"]).get(f"/dana/rencana/{plan.pk}/").content.decode()
    assert 'data-testid="batch-create"' in page
    analyst = User.objects.create_user(
        username="analis", password="x", role=Role.PROVINCIAL_ANALYST, area_id="36"
    )
    page = _as(client, analyst).get(f"/dana/rencana/{plan.pk}/").content.decode()
    assert 'data-testid="batch-create"' not in page
    response = client.post(f"/dana/rencana/{plan.pk}/batch")
    assert response.status_code == 400
    assert "peran Anda tidak dapat membuatnya" in response.content.decode()
    assert EnrolmentBatch.objects.count() == 0


def test_a_batch_is_checked_by_a_second_person_who_confirms_the_file(client, approved, people):
    plan, workers, _ = approved
    batch = _batch_made(client, plan, people)
    assert (batch.status, batch.rows) == (BatchStatus.CHECKING, 2)
    plan.refresh_from_db()
    assert plan.get_status_display() == "Batch pendaftaran dibuat"
    maker_page = client.get(f"/dana/batch/{batch.pk}/").content.decode()
    assert 'data-testid="batch-approve"' not in maker_page
    assert "pembuatnya tidak dapat memeriksa batchnya sendiri" in maker_page
    assert "batch-download-csv" not in maker_page
    checker_page = _as(client, people["liaison"]).get(f"/dana/batch/{batch.pk}/").content.decode()
    assert 'data-testid="batch-approve"' in checker_page
    assert workers[0].nik in checker_page  # the liaison sees identifiers in full
    # A file other than the one on the page is not approved.
    wrong = client.post(f"/dana/batch/{batch.pk}/keputusan", {"decision": "approve", "file_sha256": "0" * 64})
    assert wrong.status_code == 400
    assert "sidik SHA-256 berbeda" in wrong.content.decode()
    assert Invoice.objects.count() == 0
    client.post(
        f"/dana/batch/{batch.pk}/keputusan", {"decision": "approve", "file_sha256": batch.file_sha256}
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY
    invoice = Invoice.objects.get(plan=plan)
    assert (invoice.number, invoice.amount, invoice.due_on) == (
        f"TAG-{plan.pk:06d}-{invoice.funder_id:04d}",
        YEAR * 2,
        dt.date(2026, 12, 15),
    )
    approval = Approval.objects.get(kind=ApprovalKind.ENROLMENT_BATCH, subject_id=str(batch.pk))
    assert (approval.status, approval.decided_by) == (ApprovalStatus.APPROVED, people["liaison"])


def test_a_returned_batch_gives_the_plan_back_for_a_new_one(client, approved, people):
    plan, _, _ = approved
    batch = _batch_made(client, plan, people)
    no_reason = _as(client, people["liaison"]).post(
        f"/dana/batch/{batch.pk}/keputusan", {"decision": "reject"}
    )
    assert no_reason.status_code == 400
    assert "Alasan penolakan wajib diisi" in no_reason.content.decode()
    client.post(f"/dana/batch/{batch.pk}/keputusan", {"decision": "reject", "reason": "Bulan mulai salah"})
    batch.refresh_from_db()
    plan.refresh_from_db()
    assert (batch.status, plan.status) == (BatchStatus.RETURNED, PlanStatus.APPROVED)
    assert EnrolmentRow.objects.filter(batch=batch).count() == 0
    page = client.get(f"/dana/batch/{batch.pk}/").content.decode()
    assert "Bulan mulai salah" in page
    response = _as(client, people["coordinator"]).post(f"/dana/rencana/{plan.pk}/batch")
    second = EnrolmentBatch.objects.exclude(pk=batch.pk).get(plan=plan)
    assert response["Location"] == f"/dana/batch/{second.pk}/"
    assert (second.status, second.rows) == (BatchStatus.CHECKING, 2)


def test_only_the_liaison_downloads_and_the_first_download_is_the_sending(client, approved, people):
    plan, workers, _ = approved
    batch = _checked(client, plan, people)
    refused = _as(client, people["coordinator"]).post(f"/dana/batch/{batch.pk}/berkas.csv")
    assert refused.status_code == 400
    assert "petugas penghubung BPJS TK" in refused.content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.sent_by) == (BatchStatus.READY, None)
    response = _as(client, people["liaison"]).post(f"/dana/batch/{batch.pk}/berkas.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="batch-{batch.pk:06d}-v1.0.csv"'
    body = response.content.decode()
    assert body.splitlines()[0].startswith("versi_format,no_baris,nik,nama")
    assert workers[0].nik in body
    batch.refresh_from_db()
    assert (batch.status, batch.sent_by) == (BatchStatus.SENT, people["liaison"])
    first_sent = batch.sent_at
    xlsx = client.post(f"/dana/batch/{batch.pk}/berkas.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    batch.refresh_from_db()
    assert batch.sent_at == first_sent
    exports = AuditEvent.objects.filter(object_type="funding.enrolmentbatch", action="export")
    assert exports.count() == 2
    assert client.post(f"/dana/batch/{batch.pk}/berkas.pdf").status_code == 404


def test_the_answer_is_checked_on_the_page_then_applied(client, approved, people):
    plan, _, program = approved
    batch = _sent(client, plan, people)
    bad = _ack_file(batch, {1: ("diterima", "10000000001", ""), 2: ("diterima", "123", "")})
    shown = client.post(f"/dana/batch/{batch.pk}/tanggapan", {"file": _upload("t.csv", bad)})
    assert shown.status_code == 200
    page = shown.content.decode()
    assert 'data-testid="ack-problems"' in page and "KPJ &#x27;123&#x27; tidak sah" in page
    assert 'data-testid="ack-apply"' not in page
    good = _ack_file(batch, {1: ("diterima", "10000000001", ""), 2: ("ditolak", "", "NIK tidak padan")})
    shown = client.post(f"/dana/batch/{batch.pk}/tanggapan", {"file": _upload("t.csv", good)})
    page = shown.content.decode()
    assert "1 diterima, 1 ditolak" in page
    assert Membership.objects.count() == 0
    sha = hashlib.sha256(good).hexdigest()
    unknown = client.post(f"/dana/batch/{batch.pk}/tanggapan/terapkan", {"sha256": "a" * 64})
    assert unknown.status_code == 400 and "belum diperiksa" in unknown.content.decode()
    applied = client.post(f"/dana/batch/{batch.pk}/tanggapan/terapkan", {"sha256": sha})
    assert applied.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.ACKNOWLEDGED, 1, 1)
    assert list(Membership.objects.values_list("kpj", flat=True)) == ["10000000001"]
    # The rejected row's money went back to the program and off the invoice.
    balances = dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))
    assert (balances["available"], balances["committed"]) == (YEAR, YEAR)
    assert Invoice.objects.get(plan=plan).amount == YEAR


def test_the_answer_waits_for_the_download(client, approved, people):
    plan, _, _ = approved
    batch = _checked(client, plan, people)
    content = _ack_file(batch, {1: ("diterima", "10000000001", ""), 2: ("diterima", "10000000002", "")})
    response = _as(client, people["liaison"]).post(
        f"/dana/batch/{batch.pk}/tanggapan", {"file": _upload("t.csv", content)}
    )
    assert response.status_code == 400
    assert "belum diunduh BPJS TK" in response.content.decode()
    missing = client.post(f"/dana/batch/{batch.pk}/tanggapan", {})
    assert missing.status_code == 400 and "Pilih berkas tanggapan" in missing.content.decode()


# --- invoices and payments ------------------------------------------------------------------------------


def test_the_treasurer_records_a_payment_with_its_proof(client, approved, people, settings):
    plan, _, _ = approved
    _checked(client, plan, people)
    invoice = Invoice.objects.get(plan=plan)
    page = _as(client, people["checker"]).get(f"/dana/tagihan/{invoice.pk}/").content.decode()
    assert 'data-testid="payment-form"' in page
    assert "15 Desember 2026" in page
    form = {"external_reference": "TRF-0001", "amount": "201.600", "paid_on": "2026-12-01"}
    done = client.post(f"/dana/tagihan/{invoice.pk}/bayar", {**form, "proof": _upload("bukti.pdf", PDF)})
    assert done.status_code == 200
    assert "Pembayaran TRF-0001 sebesar Rp201.600 tercatat." in done.content.decode()
    payment = Payment.objects.get()
    assert (payment.amount, payment.recorded_by, payment.paid_on) == (
        YEAR,
        people["checker"],
        dt.date(2026, 12, 1),
    )
    assert payment.proof_path.endswith(".pdf")
    with open(payment.proof_path, "rb") as handle:
        assert handle.read() == PDF
    again = client.post(f"/dana/tagihan/{invoice.pk}/bayar", {**form, "proof": _upload("bukti.pdf", PDF)})
    assert "sudah tercatat sebelumnya; tidak ada yang berubah" in again.content.decode()
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (YEAR, "partial")
    pdf = client.get(f"/dana/tagihan/{invoice.pk}/tagihan.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'


@pytest.mark.parametrize(
    ("changes", "proof", "message"),
    [
        ({"amount": str(YEAR * 2 + 1)}, PDF, "sisa tagihan Rp403.200"),
        ({"amount": "dua ratus ribu"}, PDF, "bilangan bulat rupiah"),
        ({"amount": "0"}, PDF, "lebih dari 0"),
        ({"paid_on": "31/12/2026"}, PDF, "Tanggal bayar tidak sah"),
        ({"paid_on": "2099-01-01"}, PDF, "tidak boleh sesudah hari ini"),
        ({"external_reference": "  "}, PDF, "Referensi pembayaran wajib diisi"),
        ({"external_reference": "X" * 81}, PDF, "paling panjang 80 karakter"),
        ({}, b"MZ\x90\x00 not a receipt", "harus berkas PDF, JPG atau PNG"),
        ({}, None, "Lampirkan bukti bayar"),
    ],
)
def test_a_bad_payment_changes_nothing(client, approved, people, changes, proof, message):
    plan, _, program = approved
    _checked(client, plan, people)
    invoice = Invoice.objects.get(plan=plan)
    form = {"external_reference": "TRF-0002", "amount": "201600", "paid_on": "2026-12-01", **changes}
    if proof is not None:
        form["proof"] = _upload("bukti.pdf", proof)
    response = _as(client, people["checker"]).post(f"/dana/tagihan/{invoice.pk}/bayar", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Payment.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.paid == 0
    balances = dict(LedgerAccount.objects.filter(program=program).values_list("kind", "balance"))
    assert balances["paid"] == 0


def test_only_the_funders_side_records_a_payment(client, approved, people):
    plan, _, _ = approved
    _checked(client, plan, people)
    invoice = Invoice.objects.get(plan=plan)
    # The province's APBD: its treasurer (an officer of the funder) and the provincial coordinator pay;
    # BPJS TK's liaison sees the invoice but does not pay it; a kab/kota officer does not see the
    # province's funder at all.
    form = {"external_reference": "TRF-9", "amount": "1", "paid_on": "2026-12-01"}
    page = _as(client, people["liaison"]).get(f"/dana/tagihan/{invoice.pk}/")
    assert page.status_code == 200 and 'data-testid="payment-form"' not in page.content.decode()
    refused = client.post(f"/dana/tagihan/{invoice.pk}/bayar", {**form, "proof": _upload("b.pdf", PDF)})
    assert refused.status_code == 400 and "peran Anda tidak dapat mencatatnya" in refused.content.decode()
    assert _as(client, people["regency"]).get(f"/dana/tagihan/{invoice.pk}/").status_code == 404
    hidden = client.post(f"/dana/tagihan/{invoice.pk}/bayar", {**form, "proof": _upload("b.pdf", PDF)})
    assert hidden.status_code == 404
    assert Payment.objects.count() == 0
    page = _as(client, people["coordinator"]).get(f"/dana/tagihan/{invoice.pk}/").content.decode()
    assert 'data-testid="payment-form"' in page
    assert client.get("/dana/tagihan/999999/").status_code == 404


def test_the_home_page_shows_what_waits_for_the_liaison_and_the_treasurer(client, approved, people):
    plan, _, _ = approved
    batch = _checked(client, plan, people)
    home = _as(client, people["liaison"]).get("/kerja/").content.decode()
    assert f"/dana/batch/{batch.pk}/" in home and "Siap diunduh" in home
    invoice = Invoice.objects.get(plan=plan)
    home = _as(client, people["checker"]).get("/kerja/").content.decode()
    assert f"/dana/tagihan/{invoice.pk}/" in home and "jatuh tempo 15 Desember 2026" in home
    home = _as(client, people["regency"]).get("/kerja/").content.decode()
    assert f"/dana/tagihan/{invoice.pk}/" not in home


def test_a_payment_before_the_answer_covers_the_member_from_the_answer_on(client, approved, people):
    plan, _, _ = approved
    batch = _checked(client, plan, people)
    invoice = Invoice.objects.get(plan=plan)
    services.payment_record(
        invoice=invoice, external_reference="TRF-EARLY", amount=YEAR * 2, paid_on=dt.date(2026, 12, 1),
        actor=people["checker"],
    )  # fmt: skip
    # Paid, but nobody is a member yet: nothing to extend.
    assert Membership.objects.count() == 0
    batch = enrolment.enrolment_batch_send(batch=batch, actor=people["liaison"])
    content = _ack_file(batch, {1: ("diterima", "10000000001", ""), 2: ("diterima", "10000000002", "")})
    enrolment.enrolment_ack_import(batch=batch, content=content, actor=people["liaison"])
    assert sorted(Membership.objects.values_list("kpj", "status", "paid_through")) == [
        ("10000000001", "aktif", dt.date(2027, 11, 1)),
        ("10000000002", "aktif", dt.date(2027, 11, 1)),
    ]


def test_the_worker_page_tells_paid_months_from_funded_ones(client, approved, people):
    plan, workers, _ = approved
    _checked(client, plan, people)
    invoice = Invoice.objects.get(plan=plan)
    # Half the invoice: everyone's first six months, December to May.
    services.payment_record(
        invoice=invoice, external_reference="TRF-HALF", amount=YEAR, paid_on=dt.date(2026, 12, 1),
        actor=people["checker"],
    )  # fmt: skip
    page = _as(client, people["coordinator"]).get(f"/pekerja/{workers[0].pk}/").content.decode()
    funded = page.split('data-testid="funded"')[1].split("</ul>")[0]
    assert "Desember 2026 sampai Mei 2027 (6 bulan), iuran dibayar" in funded
    assert "Juni 2027 sampai November 2027 (6 bulan), <strong>didanai, menunggu pembayaran</strong>" in funded
    rows = selectors.funder_workers(funder=invoice.funder, user=people["coordinator"])
    assert sorted((row["paid_months"], row["months"]) for row in rows) == [(6, 12), (6, 12)]
    page = client.get(f"/dana/{invoice.funder_id}/").content.decode()
    assert page.count("6 dari 12 bulan dibayar") == 2


def test_the_dashboard_counts_funded_months_only_once_paid(client, approved, people):
    plan, _, _ = approved
    _checked(client, plan, people)
    batch = enrolment.enrolment_batch_send(
        batch=EnrolmentBatch.objects.get(plan=plan), actor=people["liaison"]
    )
    content = _ack_file(batch, {1: ("diterima", "10000000001", ""), 2: ("diterima", "10000000002", "")})
    enrolment.enrolment_ack_import(batch=batch, content=content, actor=people["liaison"])
    # The month is refreshed by name: the services refresh the month of the day they run in.
    coverage_refresh(month=dt.date(2026, 12, 1))
    page = _as(client, people["coordinator"]).get("/cakupan/36/?bulan=2026-12").content.decode()
    assert 'data-testid="covered">0<' in page
    assert (
        "2 pekerja didanai, menunggu pembayaran atau tanggapan BPJS TK (belum dihitung terlindungi)" in page
    )
    # The projection's budget leaves out the two: their money is committed already.
    response = client.get("/cakupan/36/?bulan=2026-12&tahun=2030")
    before = response.context["projection"]["result"]
    assert before.funded_pending == 2 and before.gap_to_fund == response.context["figure"].gap_workers - 2
    assert (
        "2 pekerja dari kesenjangan sudah didanai (menunggu pembayaran atau tanggapan BPJS TK)"
        in response.content.decode()
    )
    services.payment_record(
        invoice=Invoice.objects.get(plan=plan), external_reference="TRF-ALL", amount=YEAR * 2,
        paid_on=dt.date(2026, 12, 1), actor=people["checker"],
    )  # fmt: skip
    coverage_refresh(month=dt.date(2026, 12, 1))
    page = client.get("/cakupan/36/?bulan=2026-12").content.decode()
    assert 'data-testid="covered">2<' in page
    assert 'data-testid="pending"' not in page
    after = client.get("/cakupan/36/?bulan=2026-12&tahun=2030").context
    assert after["projection"]["result"].funded_pending == 0
    assert after["projection"]["result"].gap_to_fund == after["figure"].gap_workers == before.gap_to_fund


def test_the_download_is_the_checked_file_or_nothing(client, approved, people):
    plan, workers, _ = approved
    batch = _checked(client, plan, people)
    checked = Path(batch.file_path).read_bytes()
    # The registry changes after the check: the file BPJS TK gets is still the one checked.
    workers[0].name = "Nama Diubah Sesudah Pemeriksaan"
    workers[0].save(update_fields=["name"])
    xlsx = _as(client, people["liaison"]).post(f"/dana/batch/{batch.pk}/berkas.xlsx")
    sheet = pl.read_excel(io.BytesIO(xlsx.content), sheet_name="batch", infer_schema_length=0)
    assert (
        sheet.get_column("nik").to_list()
        == pl.read_csv(checked, infer_schema=False).get_column("nik").to_list()
    )
    assert "Nama Diubah Sesudah Pemeriksaan" not in sheet.get_column("nama").to_list()
    assert client.post(f"/dana/batch/{batch.pk}/berkas.csv").content == checked


def test_a_batch_whose_file_is_gone_is_not_sent(client, approved, people):
    plan, _, _ = approved
    batch = _checked(client, plan, people)
    Path(batch.file_path).unlink()
    response = _as(client, people["liaison"]).post(f"/dana/batch/{batch.pk}/berkas.csv")
    assert response.status_code == 400
    assert f"Berkas batch #{batch.pk} tidak ada di server" in response.content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.sent_at) == (BatchStatus.READY, None)
