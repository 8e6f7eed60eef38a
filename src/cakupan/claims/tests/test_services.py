import datetime as dt
import hashlib

import pytest

from cakupan.audit.models import AuditEvent
from cakupan.claims import services
from cakupan.claims.models import ClaimCase, ClaimDocument, ClaimEvent
from cakupan.core.errors import DomainError
from cakupan.messaging.models import Message

D = dt.date.fromisoformat
PDF = b"%PDF-1.4 akta kematian"


def report_jkm(people, worker, *, incident="2026-12-05", phone="081234567891", heirs=None):
    return services.claim_report(
        actor=people["operator"],
        worker=worker,
        kind="jkm",
        incident_date=D(incident),
        reporter_name="Budi Santoso",
        reporter_relation="suami",
        reporter_phone=phone,
        heirs=heirs or [services.HeirInput("Budi Santoso", "spouse"), services.HeirInput("Ani", "child")],
    )


def complete(people, case):
    missing = case.documents.filter(received_at__isnull=True).order_by("position")
    for code in missing.values_list("code", flat=True):
        services.claim_document_receive(actor=people["operator"], case=case, code=code)
    case.refresh_from_db()
    return case


@pytest.fixture
def member(make_worker):
    return make_worker(paid_through=D("2026-12-01"), since=D("2022-01-01"))


def test_a_jkm_report_records_rights_heirs_checklist_and_tells_the_family(people, member):
    case = report_jkm(people, member)
    assert case.number == f"KL-26-{case.pk:06d}"
    assert (case.eligible, case.member_status, case.contribution_months, case.benefit_total) == (
        True,
        "covered",
        60,
        42_000_000,
    )
    assert [line["amount"] for line in case.benefit_lines] == [20_000_000, 12_000_000, 10_000_000]
    assert list(case.heirs.values_list("name", "rank")) == [("Budi Santoso", 1), ("Ani", 1)]
    assert list(case.documents.values_list("code", flat=True)) == [
        "kpj_card",
        "death_certificate",
        "family_card",
        "heir_statement",
        "heir_ktp",
        "marriage_book",
        "savings_book",
    ]
    assert (case.status, case.clock_state, case.working_days, case.due_on) == (
        "collecting",
        "not_started",
        3,
        None,
    )
    message = Message.objects.get()
    assert (message.address, message.purpose) == ("+6281234567891", "claim_update")
    assert "Akta kematian atau surat keterangan kematian; Kartu Keluarga" in message.body
    event = AuditEvent.objects.get(object_type="claims.claimcase", metadata__event="claim_reported")
    assert (event.actor, event.region_code) == (people["operator"], "36.02.01.2002")


def test_death_in_the_waiting_period_of_a_new_membership_pays_the_reduced_benefit(people, make_worker):
    worker = make_worker(paid_through=D("2026-12-01"), since=D("2026-10-01"))
    case = report_jkm(people, worker)
    assert (case.eligible, case.benefit_total, case.contribution_months) == (True, 10_000_000, 3)
    assert [line["item"] for line in case.benefit_lines] == ["lump_sum", "funeral"]
    assert "3 bulan pertama" in case.eligibility_reason


def test_an_unpaid_incident_month_is_not_covered(people, make_worker):
    worker = make_worker(paid_through=D("2026-10-01"), since=D("2024-01-01"))
    case = report_jkm(people, worker)
    assert (case.eligible, case.member_status, case.benefit_total) == (False, "not_covered", None)
    assert case.eligibility_reason.startswith(
        "Iuran bulan Desember 2026 belum dibayar (iuran terakhir Oktober 2026)"
    )


def test_a_worker_never_registered_has_no_right(people, make_worker):
    case = report_jkm(people, make_worker())
    assert (case.eligible, case.member_status) == (False, "never")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"incident": "2026-12-08"}, "incident_in_future"),
        ({"incident": "2021-12-05"}, "claim_period_over"),
        ({"incident": "2019-01-05"}, "rules_not_in_force"),
        ({"heirs": []}, "heirs_missing"),
        ({"phone": "12"}, "phone_invalid"),
    ],
)
def test_bad_reports_change_nothing(people, member, change, code):
    arguments = {"incident": "2026-12-05", "phone": "081234567891", **change}
    heirs = arguments.pop("heirs", None)
    with pytest.raises(DomainError) as caught:
        if heirs is not None:
            services.claim_report(
                actor=people["operator"],
                worker=member,
                kind="jkm",
                incident_date=D(arguments["incident"]),
                reporter_name="Budi",
                reporter_relation="suami",
                heirs=heirs,
            )
        else:
            report_jkm(people, member, incident=arguments["incident"], phone=arguments["phone"])
    assert caught.value.code == code
    assert (ClaimCase.objects.count(), Message.objects.count(), ClaimEvent.objects.count()) == (0, 0, 0)


def test_incident_before_the_membership_is_refused(people, make_worker):
    worker = make_worker(paid_through=D("2026-12-01"), since=D("2026-06-01"))
    with pytest.raises(DomainError) as caught:
        report_jkm(people, worker, incident="2026-03-01")
    assert caught.value.code == "date_before_membership"
    assert ClaimCase.objects.count() == 0


def test_the_same_death_is_reported_once(people, member):
    report_jkm(people, member)
    with pytest.raises(DomainError) as caught:
        report_jkm(people, member)
    assert caught.value.code == "claim_duplicate"
    assert ClaimCase.objects.count() == 1


def test_outside_the_area_or_the_role_is_refused(people, member):
    for actor in (people["outsider"], people["auditor"], people["regency"]):
        with pytest.raises(DomainError) as caught:
            services.claim_report(
                actor=actor,
                worker=member,
                kind="jkm",
                incident_date=D("2026-12-05"),
                reporter_name="B",
                reporter_relation="suami",
                heirs=[services.HeirInput("B", "spouse")],
            )
        assert caught.value.code == "claim_not_allowed"
    assert ClaimCase.objects.count() == 0


def test_jkk_checklists_follow_the_case(people, member):
    road = services.claim_report(
        actor=people["agent"],
        worker=member,
        kind="jkk",
        incident_date=D("2026-12-04"),
        reporter_name="Siti",
        reporter_relation="peserta",
        jkk_cause="accident",
        jkk_outcome="treatment",
        road_accident=True,
    )
    disease = services.claim_report(
        actor=people["agent"],
        worker=member,
        kind="jkk",
        incident_date=D("2026-12-01"),
        reporter_name="Siti",
        reporter_relation="peserta",
        jkk_cause="disease",
        jkk_outcome="treatment",
    )
    road_codes = list(road.documents.values_list("code", flat=True))
    disease_codes = list(disease.documents.values_list("code", flat=True))
    assert "police_report" in road_codes and "chronology" in road_codes
    assert "police_report" not in disease_codes and "chronology" not in disease_codes
    assert (road.working_days, road.eligible, road.benefit_total) == (7, True, None)


def test_a_jkk_death_needs_the_heirs_papers_and_the_npwp_above_the_threshold(people, make_worker):
    worker = make_worker(paid_through=D("2026-12-01"), since=D("2022-01-01"), income=2_000_000)
    case = services.claim_report(
        actor=people["operator"],
        worker=worker,
        kind="jkk",
        incident_date=D("2026-12-04"),
        reporter_name="Budi",
        reporter_relation="suami",
        jkk_cause="accident",
        jkk_outcome="death",
        heirs=[services.HeirInput("Budi", "spouse")],
    )
    codes = list(case.documents.values_list("code", flat=True))
    # 48 × Rp2.000.000 + funeral + periodic = Rp118.000.000, above the Rp50.000.000 NPWP threshold.
    assert case.benefit_total == 118_000_000
    assert {"death_certificate", "heir_statement", "marriage_book", "npwp"} <= set(codes)


def _scholarship(people, worker, *, basis="jkm", school_year=2026, name="Ani"):
    return services.claim_report(
        actor=people["operator"],
        worker=worker,
        kind="beasiswa",
        incident_date=D("2026-06-10"),
        reporter_name="Budi",
        reporter_relation="ayah",
        child=services.ChildInput(name, "sd", 3, 9, school_year, basis),
    )


def test_a_scholarship_for_one_child_and_school_year(people, make_worker):
    worker = make_worker(paid_through=D("2026-06-01"), since=D("2022-01-01"))
    case = _scholarship(people, worker)
    assert (case.eligible, case.benefit_total, case.working_days, case.contribution_months) == (
        True,
        1_500_000,
        7,
        54,
    )
    assert "enrolment_proof" in case.documents.values_list("code", flat=True)
    # The next school year is a new claim; the same year twice is not.
    assert _scholarship(people, worker, school_year=2027).pk != case.pk
    for name in ("Ani", "ANI", " ani "):
        with pytest.raises(DomainError) as caught:
            _scholarship(people, worker, name=name)
        assert caught.value.code == "claim_duplicate"


def test_a_jkm_scholarship_needs_36_contribution_months(people, make_worker):
    worker = make_worker(paid_through=D("2026-06-01"), since=D("2025-01-01"))
    case = _scholarship(people, worker)
    assert (case.eligible, case.benefit_total) == (False, None)
    assert "36 bulan" in case.eligibility_reason


def test_documents_complete_start_the_clock(people, member, today):
    case = report_jkm(people, member)
    document = services.claim_document_receive(
        actor=people["operator"], case=case, code="death_certificate", content=PDF, note="asli dilihat"
    )
    assert (document.received_by, document.file_sha256[:8], document.note) == (
        people["operator"],
        hashlib.sha256(PDF).hexdigest()[:8],
        "asli dilihat",
    )
    case = complete(people, case)
    assert (case.status, case.complete_on, case.due_on, case.clock_state) == (
        "running",
        TODAY,
        D("2026-12-10"),
        "on_track",
    )
    assert list(case.events.values_list("kind", flat=True)).count("document") == 7
    assert Message.objects.filter(body__contains="paling lambat 10 Desember 2026").count() == 1


TODAY = D("2026-12-07")


def test_a_document_received_twice_or_the_same_scan_twice_is_refused(people, member):
    case = report_jkm(people, member)
    services.claim_document_receive(actor=people["operator"], case=case, code="family_card", content=PDF)
    for code, content, error in (
        ("family_card", None, "document_already_received"),
        ("heir_ktp", PDF, "document_file_duplicate"),
        ("heir_ktp", b"MZ\x90\x00", "file_type"),
        ("heir_ktp", b"", "file_empty"),
        ("sim_card", None, "document_unknown"),
    ):
        with pytest.raises(DomainError) as caught:
            services.claim_document_receive(actor=people["operator"], case=case, code=code, content=content)
        assert caught.value.code == error
    assert ClaimDocument.objects.filter(case=case, received_at__isnull=False).count() == 1


def test_pause_only_while_running_and_with_a_reason(people, member, today):
    case = report_jkm(people, member)
    with pytest.raises(DomainError) as caught:
        services.claim_pause(actor=people["liaison"], case=case, reason="Surat ahli waris dari kelurahan")
    assert caught.value.code == "claim_not_running"
    case = complete(people, case)
    with pytest.raises(DomainError) as caught:
        services.claim_pause(actor=people["liaison"], case=case, reason="  ")
    assert caught.value.code == "reason_missing"
    today.set(D("2026-12-08"))
    case = services.claim_pause(actor=people["liaison"], case=case, reason="Surat ahli waris dari kelurahan")
    assert (case.status, case.clock_state) == ("waiting_heirs", "paused")
    today.set(D("2026-12-10"))
    case = services.claim_resume(actor=people["liaison"], case=case)
    assert (case.status, case.clock_state, case.due_on) == ("running", "on_track", D("2026-12-14"))
    assert Message.objects.filter(body__contains="Surat ahli waris dari kelurahan").count() == 1


def test_escalation_at_each_threshold_reaches_each_office_once(people, member, today):
    case = complete(people, report_jkm(people, member))
    people["outsider"].email = "lain@contoh.id"
    emails = lambda: sorted(  # noqa: E731
        Message.objects.filter(channel="email").values_list("address", flat=True)
    )
    assert services.claims_clock_refresh(day=D("2026-12-07")) == 1
    assert emails() == []
    services.claims_clock_refresh(day=D("2026-12-09"))  # 2 of 3 working days: 66%
    assert emails() == ["desa@contoh.id"]
    services.claims_clock_refresh(day=D("2026-12-10"))  # 3 of 3: 100%, due today
    services.claims_clock_refresh(day=D("2026-12-10"))
    assert emails() == ["desa@contoh.id", "disnaker@lebak.go.id"]
    services.claims_clock_refresh(day=D("2026-12-11"))
    case.refresh_from_db()
    assert (case.clock_state, case.escalation_level) == ("breached", 3)
    assert emails() == ["bpjs@bpjsketenagakerjaan.go.id", "desa@contoh.id", "disnaker@lebak.go.id"]
    assert list(case.events.filter(kind="escalated").values_list("level", "on")) == [
        (1, D("2026-12-09")),
        (2, D("2026-12-10")),
        (3, D("2026-12-11")),
    ]
    audited = AuditEvent.objects.filter(metadata__event="claim_escalated").order_by("pk")
    assert [(e.metadata["level"], e.metadata["notified"]) for e in audited] == [
        (1, ["desa"]),
        (2, ["disnaker"]),
        (3, ["bpjs"]),
    ]


def test_a_decree_recorded_later_corrects_open_cases_only(people, member, make_worker, today):
    open_case = complete(people, report_jkm(people, member))
    other = make_worker(paid_through=D("2026-12-01"), since=D("2022-01-01"))
    closed = complete(people, report_jkm(people, other))
    services.claim_decide(actor=people["liaison"], case=closed, decision="paid", on=TODAY, amount=42_000_000)
    services.holiday_change_record(
        actor=people["coordinator"],
        day=D("2026-12-09"),
        change="add",
        name="Cuti bersama tambahan",
        decree="SKB 3 Menteri (perubahan) 2026",
    )
    open_case.refresh_from_db()
    closed.refresh_from_db()
    assert (open_case.due_on, closed.due_on, closed.clock_state) == (D("2026-12-11"), D("2026-12-10"), "met")
    with pytest.raises(DomainError) as caught:
        services.holiday_change_record(
            actor=people["operator"], day=D("2026-12-09"), change="add", name="x", decree="y"
        )
    assert caught.value.code == "claim_not_allowed"


def test_decisions_by_the_liaison(people, member, make_worker, today):
    case = complete(people, report_jkm(people, member))
    with pytest.raises(DomainError) as caught:
        services.claim_decide(actor=people["operator"], case=case, decision="paid", on=TODAY, amount=1)
    assert caught.value.code == "claim_not_allowed"
    for arguments, code in (
        ({"decision": "paid", "on": D("2026-12-08"), "amount": 1}, "decision_in_future"),
        ({"decision": "paid", "on": TODAY, "amount": 0}, "amount_missing"),
        ({"decision": "rejected", "on": TODAY, "reason": ""}, "reason_missing"),
        ({"decision": "maybe", "on": TODAY}, "decision_unknown"),
    ):
        with pytest.raises(DomainError) as caught:
            services.claim_decide(actor=people["liaison"], case=case, **arguments)
        assert caught.value.code == code
    today.set(D("2026-12-11"))
    case = services.claim_decide(
        actor=people["liaison"],
        case=case,
        decision="paid",
        on=D("2026-12-11"),
        amount=42_000_000,
        reference="PTS-1",
    )
    assert (case.status, case.clock_state, case.paid_amount, case.decided_on) == (
        "paid",
        "missed",
        42_000_000,
        D("2026-12-11"),
    )
    assert Message.objects.filter(body__contains="Rp42.000.000").count() == 1
    with pytest.raises(DomainError) as caught:
        services.claim_decide(
            actor=people["liaison"], case=case, decision="paid", on=D("2026-12-11"), amount=1
        )
    assert caught.value.code == "claim_already_decided"


def _file(*rows):
    return ("nomor_klaim;keputusan;tanggal;jumlah;nomor_keputusan;alasan\n" + "\n".join(rows) + "\n").encode()


def test_a_decision_file_closes_cases_all_or_nothing(people, member, make_worker, today):
    paid = complete(people, report_jkm(people, member))
    rejected = complete(
        people, report_jkm(people, make_worker(paid_through=D("2026-12-01"), since=D("2022-01-01")))
    )
    outside = make_worker("36.73.01.1001", paid_through=D("2026-12-01"), since=D("2022-01-01"))
    elsewhere = services.claim_report(
        actor=people["outsider"],
        worker=outside,
        kind="jkm",
        incident_date=D("2026-12-05"),
        reporter_name="B",
        reporter_relation="suami",
        heirs=[services.HeirInput("B", "spouse")],
    )
    regency_liaison = type(people["liaison"]).objects.create_user(
        username="bpjs-lebak", password="x", role="bpjs_liaison", area_id="36.02"
    )
    content = _file(
        f"{paid.number};dibayar;2026-12-07;42000000;PTS-1;",
        f"{rejected.number};ditolak;2026-12-07;;PTS-2;Iuran bulan kejadian belum dibayar",
        f"{elsewhere.number};dibayar;2026-12-07;42000000;PTS-3;",
    )
    with pytest.raises(DomainError) as caught:
        services.decisions_import(actor=regency_liaison, file_name="keputusan.csv", content=content)
    assert caught.value.code == "decision_file_invalid"
    assert f"baris 4: klaim {elsewhere.number} tidak dikenal" in caught.value.message
    assert ClaimCase.objects.filter(status__in=["paid", "rejected"]).count() == 0
    record = services.decisions_import(
        actor=regency_liaison, file_name="keputusan.csv", content=content[: content.rindex(b"KL")]
    )
    assert (record.rows, record.paid, record.rejected) == (2, 1, 1)
    paid.refresh_from_db()
    rejected.refresh_from_db()
    assert (paid.status, paid.clock_state, rejected.status, rejected.clock_state) == (
        "paid",
        "met",
        "rejected",
        "met",
    )
    with pytest.raises(DomainError) as caught:
        services.decisions_import(
            actor=regency_liaison, file_name="lagi.csv", content=content[: content.rindex(b"KL")]
        )
    assert caught.value.code == "decision_file_duplicate"


@pytest.mark.parametrize(
    ("row", "text"),
    [
        ("KL-26-999999;dibayar;2026-12-07;1;;", "klaim KL-26-999999 tidak dikenal"),
        ("{n};dibayar;2026-02-30;1;;", "bukan TTTT-BB-HH"),
        ("{n};dibayar;2026-12-07;;;", "memerlukan jumlah"),
        ("{n};lunas;2026-12-07;1;;", "harus 'dibayar' atau 'ditolak'"),
        ("{n};dibayar;2026-12-07;1.000;;", "rupiah bulat"),
        ("{n};dibayar;2026-12-08;1;;", "belum terjadi"),
    ],
)
def test_bad_decision_rows_are_named(people, member, row, text):
    case = complete(people, report_jkm(people, member))
    with pytest.raises(DomainError) as caught:
        services.decisions_import(
            actor=people["liaison"], file_name="k.csv", content=_file(row.format(n=case.number))
        )
    assert caught.value.code == "decision_file_invalid" and text in caught.value.message
    case.refresh_from_db()
    assert case.status == "running"


def test_no_decision_before_the_documents_are_complete(people, member):
    case = report_jkm(people, member)
    with pytest.raises(DomainError) as caught:
        services.claim_decide(actor=people["liaison"], case=case, decision="paid", on=TODAY, amount=1)
    assert caught.value.code == "claim_documents_incomplete"
    case = complete(people, case)
    with pytest.raises(DomainError) as caught:
        services.claim_decide(
            actor=people["liaison"], case=case, decision="paid", on=D("2026-12-06"), amount=1
        )
    assert caught.value.code == "decision_before_complete"
    case.refresh_from_db()
    assert (case.status, case.decided_on) == ("running", None)


def test_a_scan_of_a_refused_receipt_leaves_no_file(people, member, settings):
    case = report_jkm(people, member)
    services.claim_document_receive(actor=people["operator"], case=case, code="family_card", content=PDF)
    # The same document again, with another scan: refused, and its scan is not kept on disk.
    with pytest.raises(DomainError):
        services.claim_document_receive(
            actor=people["operator"], case=case, code="family_card", content=b"%PDF-1.4 lain"
        )
    with pytest.raises(DomainError) as caught:
        services.claim_document_receive(
            actor=people["operator"],
            case=case,
            code="heir_ktp",
            content=PDF + b" ",
            received_on=D("2026-10-01"),
        )
    assert caught.value.code == "received_too_early"
    files = sorted(path.name for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())
    assert files == [f"{case.number}-family_card.pdf"]


def test_a_scan_written_in_a_failed_transaction_is_removed(people, member, settings, monkeypatch):
    case = report_jkm(people, member)
    for code in case.documents.exclude(code="savings_book").values_list("code", flat=True):
        services.claim_document_receive(actor=people["operator"], case=case, code=code)

    def broken(*args, **kwargs):
        raise RuntimeError("clock unavailable")

    # The last document completes the case; when what follows fails, nothing of the receipt stays.
    monkeypatch.setattr("cakupan.claims.services.documents.refresh", broken)
    with pytest.raises(RuntimeError):
        services.claim_document_receive(actor=people["operator"], case=case, code="savings_book", content=PDF)
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    assert ClaimDocument.objects.get(case=case, code="savings_book").received_at is None


def test_a_message_that_cannot_be_queued_does_not_undo_the_case(people, member):
    from cakupan.messaging.models import MessageTemplate

    case = report_jkm(people, member)
    MessageTemplate.objects.filter(key="klaim_lengkap").delete()
    case = complete(people, case)
    assert (case.status, case.due_on) == ("running", D("2026-12-10"))
    alert = AuditEvent.objects.get(metadata__event="claim_message_failed")
    assert (alert.metadata["template"], alert.metadata["code"]) == ("klaim_lengkap", "template_not_found")


def test_a_paid_jht_claim_has_no_on_time_share(people, make_worker):
    from cakupan.claims.selectors import service_figures

    worker = make_worker(paid_through=D("2026-12-01"), since=D("2022-01-01"), jht=True)
    case = services.claim_report(
        actor=people["operator"], worker=worker, kind="jht", incident_date=D("2026-12-01"),
        reporter_name="Siti", reporter_relation="peserta",
    )  # fmt: skip
    case = complete(people, case)
    assert (case.status, case.clock_state, case.due_on) == ("running", "none", None)
    services.claim_decide(actor=people["liaison"], case=case, decision="paid", on=TODAY, amount=5_000_000)
    [row] = service_figures(area_code="36")
    assert (row.kind, row.paid, row.paid_with_deadline, row.on_time_percent) == ("jht", 1, 0, None)
    assert row.median_days_to_payment == 6.0


def test_a_death_is_claimed_once_across_jkm_and_jkk(people, member):
    report_jkm(people, member, incident="2026-12-05")
    with pytest.raises(DomainError) as caught:
        services.claim_report(
            actor=people["operator"], worker=member, kind="jkk", incident_date=D("2026-12-04"),
            reporter_name="Budi", reporter_relation="suami", jkk_cause="accident", jkk_outcome="death",
            heirs=[services.HeirInput("Budi", "spouse")],
        )  # fmt: skip
    assert caught.value.code == "claim_duplicate"
    assert ClaimCase.objects.count() == 1
