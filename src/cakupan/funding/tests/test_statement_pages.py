"""A treasurer's bank statement on the web: outgoing transfers matched to the funder's open invoices by
number and amount, shown first, then recorded all together; everything else listed with its reason and
left unrecorded."""

import hashlib

import pytest

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.audit.models import AuditEvent
from cakupan.funding import services
from cakupan.funding.models import FundedMonth, Invoice, InvoiceStatus, LedgerAccount, Payment
from cakupan.funding.tests.conftest import DESA_A, batch_sent

YEAR = 201_600


def _as(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def invoiced(make_worker, program_factory, people, funders):
    """An approved plan for two workers whose batch BPJS TK downloaded: one open invoice of Rp403.200."""
    for decile in (1, 2):
        make_worker(DESA_A, decile=decile)
    program = program_factory(budget=YEAR * 2)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])
    batch_sent(plan, people)
    invoice = Invoice.objects.get(plan=plan)
    return {"invoice": invoice, "funder": funders["province"], "program": program}


def _bca(*lines: str) -> bytes:
    head = (
        "No. rekening : ,'0123456789\nNama : ,PEMPROV BANTEN\n\n"
        "Tanggal Transaksi,Keterangan,Cabang,Jumlah,Saldo\n"
    )
    return (head + "\n".join(lines) + "\n").encode()


def _upload(client, funder, content: bytes, name="mutasi.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/dana/{funder.pk}/mutasi", {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    )


def _nothing_recorded(invoice):
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (0, InvoiceStatus.OPEN)
    assert not Payment.objects.exists()
    assert not FundedMonth.objects.filter(paid=True).exists()


def test_a_statement_is_checked_then_its_matched_transfers_recorded(client, invoiced, people):
    invoice, funder = invoiced["invoice"], invoiced["funder"]
    content = _bca(
        f'\'02/12/2026,TRSF DB {invoice.number.replace("-", " ")} IURAN,\'0000,"403,200.00 DB","0.00"',
        '\'02/12/2026,SETORAN TUNAI,\'0998,"500,000.00 CR","500,000.00"',
        '\'02/12/2026,BIAYA ADM,\'0000,"10,000.00 DB","490,000.00"',
        '\'02/12/2026,TRSF TAG-999999-0001,\'0000,"16,800.00 DB","473,200.00"',
    )
    response = _upload(_as(client, people["checker"]), funder, content)
    assert response.status_code == 200
    check = response.context["check"]
    matched = [(row["line"], row["invoice"], row["amount"]) for row in check.matched]
    assert matched == [(5, invoice.number, 403_200)]
    assert [(row["line"], row["reason"]) for row in check.unmatched] == [
        (7, "Tidak ada nomor tagihan (TAG-…) di keterangan transfer."),
        (8, "Tagihan TAG-999999-0001 tidak ada."),
    ]
    assert check.credits == 1
    assert "Catat 1 pembayaran (Rp403.200)" in response.content.decode()
    _nothing_recorded(invoice)

    applied = client.post(f"/dana/{funder.pk}/mutasi/terapkan", {"sha256": check.sha256})
    assert applied.status_code == 200
    assert "1 pembayaran dicatat dari mutasi rekening." in applied.content.decode()
    payment = Payment.objects.get()
    line_key = check.matched[0]["reference"]
    assert line_key.startswith("MUTASI-BCA-") and len(line_key) == len("MUTASI-BCA-") + 16
    assert (payment.invoice_id, payment.amount, str(payment.paid_on), payment.recorded_by) == (
        invoice.pk, 403_200, "2026-12-02", people["checker"],
    )  # fmt: skip
    assert payment.proof_sha256 == hashlib.sha256(content).hexdigest() == check.sha256
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (403_200, InvoiceStatus.PAID)
    assert FundedMonth.objects.filter(paid=True).count() == 24
    assert LedgerAccount.objects.get(program=invoiced["program"], kind="paid").balance == 403_200
    assert AuditEvent.objects.filter(object_type="funding.payment", object_id=str(payment.pk)).count() == 1

    # The same statement again: the transfer is recognised as recorded, nothing is recorded twice.
    again = _upload(client, funder, content)
    assert again.status_code == 200
    assert [row["invoice"] for row in again.context["check"].already] == [invoice.number]
    assert again.context["check"].matched == []
    assert client.post(f"/dana/{funder.pk}/mutasi/terapkan", {"sha256": check.sha256}).status_code == 400
    assert Payment.objects.count() == 1


def test_two_transfers_may_pay_one_invoice_but_not_more_than_is_due(client, invoiced, people):
    invoice, funder = invoiced["invoice"], invoiced["funder"]
    content = _bca(
        f'\'01/12/2026,{invoice.number} tahap 1,\'0000,"201,600.00 DB","0.00"',
        f'\'02/12/2026,{invoice.number} tahap 2,\'0000,"201,600.00 DB","0.00"',
        f'\'03/12/2026,{invoice.number} lebih,\'0000,"16,800.00 DB","0.00"',
    )
    check = _upload(_as(client, people["checker"]), funder, content).context["check"]
    assert [row["line"] for row in check.matched] == [5, 6]
    assert [(row["line"], row["reason"]) for row in check.unmatched] == [
        (7, f"Jumlah Rp16.800 melebihi sisa tagihan {invoice.number} (Rp0).")
    ]
    client.post(f"/dana/{funder.pk}/mutasi/terapkan", {"sha256": check.sha256})
    invoice.refresh_from_db()
    assert (invoice.paid, Payment.objects.count()) == (403_200, 2)


def test_an_amount_above_the_invoice_is_listed_and_nothing_recorded(client, invoiced, people):
    invoice, funder = invoiced["invoice"], invoiced["funder"]
    content = _bca(f'\'02/12/2026,{invoice.number},\'0000,"500,000.00 DB","0.00"')
    response = _upload(_as(client, people["checker"]), funder, content)
    check = response.context["check"]
    assert check.matched == []
    reason = f"Jumlah Rp500.000 melebihi sisa tagihan {invoice.number} (Rp403.200)."
    assert check.unmatched[0]["reason"] == reason
    assert "Tidak ada transfer yang cocok dengan tagihan terbuka" in response.content.decode()
    assert client.post(f"/dana/{funder.pk}/mutasi/terapkan", {"sha256": check.sha256}).status_code == 400
    _nothing_recorded(invoice)


def test_an_invoice_paid_meanwhile_makes_the_apply_record_nothing(client, invoiced, people):
    invoice, funder = invoiced["invoice"], invoiced["funder"]
    content = _bca(f'\'02/12/2026,{invoice.number},\'0000,"403,200.00 DB","0.00"')
    check = _upload(_as(client, people["checker"]), funder, content).context["check"]
    services.payment_record(
        invoice=invoice, external_reference="MANUAL-1", amount=403_200, paid_on=invoice.month,
        actor=people["checker"],
    )  # fmt: skip
    response = client.post(f"/dana/{funder.pk}/mutasi/terapkan", {"sha256": check.sha256})
    assert response.status_code == 400
    assert response.context["error"].code == "statement_nothing_matched"
    assert list(Payment.objects.values_list("external_reference", flat=True)) == ["MANUAL-1"]


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"nama,nik\nA,1\n", "statement_layout_unknown", "Tata letak mutasi rekening tidak dikenali."),
        (b"", "statement_empty", "Berkas mutasi kosong."),
        (b"\xff\xfe\x00garbage", "statement_layout_unknown", "Tata letak mutasi rekening tidak dikenali"),
    ],
)
def test_a_file_that_is_not_a_known_statement_is_refused(client, invoiced, people, content, code, message):
    response = _upload(_as(client, people["checker"]), invoiced["funder"], content)
    assert response.status_code == 400
    assert response.context["error"].code == code
    assert message in response.content.decode()
    _nothing_recorded(invoiced["invoice"])


def test_no_file_and_an_unchecked_file_are_refused(client, invoiced, people):
    funder = invoiced["funder"]
    response = _as(client, people["checker"]).post(f"/dana/{funder.pk}/mutasi", {})
    assert response.status_code == 400 and response.context["error"].code == "statement_file_required"
    for sha in ("", "x" * 64, "a" * 64, "../../etc/passwd"):
        applied = client.post(f"/dana/{funder.pk}/mutasi/terapkan", {"sha256": sha})
        assert applied.status_code == 400 and applied.context["error"].code == "statement_not_checked"
    _nothing_recorded(invoiced["invoice"])


def test_a_role_that_does_not_pay_sees_its_transfers_unmatched(client, invoiced, people):
    invoice, funder = invoiced["invoice"], invoiced["funder"]
    content = _bca(f'\'02/12/2026,{invoice.number},\'0000,"403,200.00 DB","0.00"')
    page = _as(client, people["liaison"]).get(f"/dana/{funder.pk}/")
    assert page.status_code == 200 and page.context["may_pay"] is False
    check = _upload(client, funder, content).context["check"]
    assert check.matched == []
    reason = f"Peran Anda tidak dapat mencatat pembayaran tagihan {invoice.number}."
    assert check.unmatched[0]["reason"] == reason
    _nothing_recorded(invoice)


def test_an_invoice_of_another_funder_is_not_paid_from_this_funders_statement(
    client, invoiced, people, funders
):
    invoice = invoiced["invoice"]
    content = _bca(f'\'02/12/2026,{invoice.number},\'0000,"403,200.00 DB","0.00"')
    check = _upload(_as(client, people["checker"]), funders["zakat"], content).context["check"]
    assert check.unmatched[0]["reason"] == f"Tagihan {invoice.number} milik pemberi dana lain."
    _nothing_recorded(invoice)


def test_a_future_transfer_date_is_refused(client, invoiced, people):
    invoice, funder = invoiced["invoice"], invoiced["funder"]
    content = _bca(f'\'04/12/2026,{invoice.number},\'0000,"403,200.00 DB","0.00"')  # today is 3 December
    check = _upload(_as(client, people["checker"]), funder, content).context["check"]
    assert check.unmatched[0]["reason"] == "Tanggal transfer sesudah hari ini."


def test_the_funder_page_offers_the_upload_to_its_treasurer(client, invoiced, people):
    page = _as(client, people["checker"]).get(f"/dana/{invoiced['funder'].pk}/")
    assert page.context["may_pay"] is True
    assert f'action="/dana/{invoiced["funder"].pk}/mutasi"' in page.content.decode()
