"""`cakupan batch create|check|send|ack` and `cakupan payment record`: the officers' path from an approved
plan to memberships and payments, and the messages for bad input."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.funding import services
from cakupan.funding.models import EnrolmentRow, Invoice, Payment
from cakupan.funding.tests.conftest import DESA_A
from cakupan.registry.models import Membership

YEAR = 201_600


def _run(*args) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def approved_plan(make_worker, program_factory, people, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    workers = [make_worker(DESA_A, decile=1), make_worker(DESA_A, decile=2)]
    program = program_factory(budget=YEAR * 2)
    plan = services.allocation_plan_create(programs=[program], actor=people["coordinator"])
    approval = Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk))
    approval_approve(approval=approval, approver=people["checker"])
    return plan, workers


def _checked(plan) -> tuple[dict, dict]:
    created = _run("batch", "create", "--plan", str(plan.pk), "--user", "provinsi")
    checked = _run("batch", "check", "--batch", str(created["batch"]), "--user", "bpjs")
    return created, checked


def test_from_plan_to_memberships_and_payment(approved_plan, tmp_path):
    plan, workers = approved_plan
    created = _run("batch", "create", "--plan", str(plan.pk), "--user", "provinsi")
    assert (created["rows"], created["format_version"], created["status"]) == (2, "1.0", "checking")
    assert Invoice.objects.count() == 0
    with pytest.raises(CommandError, match=r"belum diperiksa.*\[batch_not_checked\]"):
        call_command(
            "batch", "send", "--batch", str(created["batch"]), "--user", "bpjs", stdout=io.StringIO()
        )
    with pytest.raises(CommandError, match=r"\[approval_self_decision\]"):
        call_command("batch", "check", "--batch", str(created["batch"]), "--user", "provinsi",
                     stdout=io.StringIO())  # fmt: skip
    checked = _run("batch", "check", "--batch", str(created["batch"]), "--user", "bpjs")
    assert checked["status"] == "ready"
    # December 2026's contributions are due on the 15th, a Tuesday.
    assert [(i["funder"], i["amount"], i["due_on"]) for i in checked["invoices"]] == [
        ("Pemprov Banten", YEAR * 2, "2026-12-15")
    ]
    sent = _run("batch", "send", "--batch", str(created["batch"]), "--user", "bpjs")
    assert sent["status"] == "sent"
    assert sent["sent_at"] is not None
    ack = tmp_path / "tanggapan.csv"
    ack.write_text(
        "no_baris;nik;status;kpj;alasan\n"
        f"1;{workers[0].nik};diterima;10000000001;\n"
        f"2;{workers[1].nik};diterima;10000000002;\n",
        encoding="utf-8",
    )
    counts = _run("batch", "ack", "--batch", str(created["batch"]), str(ack), "--user", "bpjs")
    assert (counts["applied"], counts["accepted"], counts["rejected"]) == (2, 2, 0)
    assert Membership.objects.count() == 2
    out = io.StringIO()
    call_command("batch", "ack", "--batch", str(created["batch"]), str(ack), "--user", "bpjs", stdout=out)
    assert "sudah diterapkan; tidak ada yang berubah" in out.getvalue()

    number = checked["invoices"][0]["number"]
    first = _run("payment", "record", "--invoice", number, "--reference", "TRF-001", "--amount", str(YEAR))
    assert (first["created"], first["outstanding"]) == (True, YEAR)
    again = io.StringIO()
    call_command("payment", "record", "--invoice", number, "--reference", "TRF-001", "--amount", str(YEAR),
                 stdout=again)  # fmt: skip
    assert "sudah tercatat sebelumnya; tidak ada yang berubah" in again.getvalue()
    assert Payment.objects.count() == 1
    rest = _run("payment", "record", "--invoice", number, "--reference", "TRF-002", "--amount", str(YEAR),
                "--paid-on", "2026-12-01")  # fmt: skip
    assert rest["outstanding"] == 0
    assert Invoice.objects.get(number=number).status == "paid"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--invoice", "TIDAK-ADA", "--reference", "X", "--amount", "1"], "Tagihan TIDAK-ADA tidak ada"),
        (["--reference", "X", "--amount", "1.000"], "tidak sah: tulis rupiah sebagai bilangan bulat"),
        (["--reference", "X", "--amount", "1", "--paid-on", "05/12/2026"], "Tanggal bayar '05/12/2026'"),
        (["--reference", "X", "--amount", str(YEAR * 3)], "[payment_amount_mismatch]"),
    ],
)
def test_bad_payments_change_nothing(approved_plan, args, message):
    plan, _ = approved_plan
    _, checked = _checked(plan)
    if "--invoice" not in args:
        args = ["--invoice", checked["invoices"][0]["number"], *args]
    with pytest.raises(CommandError) as caught:
        call_command("payment", "record", *args, stdout=io.StringIO())
    assert message in str(caught.value)
    assert Payment.objects.count() == 0
    assert Invoice.objects.get(plan=plan).paid == 0


def test_bad_batch_requests_get_a_message(approved_plan, tmp_path):
    plan, _ = approved_plan
    with pytest.raises(CommandError, match=r"Rencana #999 tidak ada\. \[plan_unknown\]"):
        call_command("batch", "create", "--plan", "999", stdout=io.StringIO())
    with pytest.raises(
        CommandError, match=r"peran Anda tidak dapat membuatnya\. \[batch_create_not_allowed\]"
    ):
        call_command("batch", "create", "--plan", str(plan.pk), "--user", "bpjs", stdout=io.StringIO())
    created = _run("batch", "create", "--plan", str(plan.pk), "--user", "provinsi")
    with pytest.raises(CommandError, match=r"sudah mempunyai batch pendaftaran\. \[plan_not_approved\]"):
        call_command("batch", "create", "--plan", str(plan.pk), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"belum diunduh BPJS TK.*\[batch_not_sent\]"):
        call_command("batch", "ack", "--batch", str(created["batch"]), __file__, "--user", "bpjs",
                     stdout=io.StringIO())  # fmt: skip
    with pytest.raises(CommandError, match=r"\[batch_unknown\]"):
        call_command("batch", "ack", "--batch", "999", str(tmp_path / "x.csv"), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"tidak dapat dibaca"):
        call_command("batch", "ack", "--batch", str(created["batch"]), str(tmp_path / "x.csv"),
                     stdout=io.StringIO())  # fmt: skip
    with pytest.raises(CommandError, match=r"\[batch_unknown\]"):
        call_command("batch", "check", "--batch", "999", stdout=io.StringIO())
    returned = _run(
        "batch", "check", "--batch", str(created["batch"]), "--user", "bpjs", "--return", "Salah bulan"
    )
    assert returned["status"] == "returned"
    with pytest.raises(CommandError, match=r"tidak sedang menunggu pemeriksaan\. \[batch_not_checking\]"):
        call_command(
            "batch", "check", "--batch", str(created["batch"]), "--user", "bpjs", stdout=io.StringIO()
        )
    # The plan is approved again and gets a new batch; the returned one keeps no rows.
    again = _run("batch", "create", "--plan", str(plan.pk), "--user", "provinsi")
    assert (again["rows"], again["status"]) == (2, "checking")
    assert EnrolmentRow.objects.filter(batch_id=created["batch"]).count() == 0
    assert Membership.objects.count() == 0
    assert Invoice.objects.count() == 0
