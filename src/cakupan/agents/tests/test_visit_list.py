"""The visit list: reasons in order of urgency, the poorest first within a reason, the reason shown, only
the user's area, and a bounded case load."""

import datetime as dt

from cakupan.agents.selectors import visit_list
from cakupan.agents.tests.conftest import DESA, DESA_2, OTHER_DESA
from cakupan.claims import services as claims

TODAY = dt.date(2026, 12, 7)


def test_visits_are_ordered_by_urgency_then_vulnerability(people, make_worker, monkeypatch):
    never_poor = make_worker(decile=1, income=500_000, name="Belum Desil Satu")
    never_unknown = make_worker(decile=None, income=300_000, name="Belum Tanpa Desil")
    never_richer = make_worker(decile=4, income=2_000_000, name="Belum Desil Empat")
    arrears = make_worker(paid_through=dt.date(2026, 11, 1), decile=3, name="Menunggak")
    lapsing = make_worker(paid_through=dt.date(2026, 12, 1), decile=2, name="Segera Berakhir")
    lapsed = make_worker(paid_through=dt.date(2026, 5, 1), decile=1, name="Nonaktif")
    make_worker(paid_through=dt.date(2027, 6, 1), name="Aman")  # paid well ahead: no visit
    make_worker(OTHER_DESA, name="Luar Wilayah")
    monkeypatch.setattr("cakupan.claims.services.common.today", lambda: TODAY)
    widow = make_worker(paid_through=dt.date(2026, 12, 1), decile=5, name="Almarhum")
    case = claims.claim_report(
        actor=people["agent"], worker=widow, kind="jkm", incident_date=dt.date(2026, 11, 20),
        reporter_name="Istri", reporter_relation="istri", reporter_phone="081300000001",
        heirs=[claims.HeirInput("Istri Almarhum", "spouse", "081300000002")],
    )  # fmt: skip
    visits = visit_list(user=people["agent"], today=TODAY)
    assert [(v.reason.code, v.worker.pk) for v in visits] == [
        ("claim_documents", widow.pk),
        ("arrears", arrears.pk),
        ("lapsing", lapsing.pk),
        ("never", never_poor.pk),
        ("never", never_richer.pk),
        ("never", never_unknown.pk),
        ("lapsed", lapsed.pk),
    ]
    missing = case.documents.filter(received_at__isnull=True).count()
    assert visits[0].detail == f"Klaim {case.number}: {missing} dokumen belum diterima"
    assert visits[1].detail == "Iuran terakhir dibayar untuk November 2026"
    assert visits[2].detail == "Dibayar sampai akhir Desember 2026"
    assert visits[3].detail == "desil 1, penghasilan Rp500.000/bulan"
    assert visits[5].detail == "penghasilan Rp300.000/bulan"
    payload = visits[3].to_dict()
    assert payload["reason_label"] == "Belum pernah terdaftar BPJS Ketenagakerjaan"
    assert payload["values"]["nik"] == never_poor.nik and payload["desa_name"] == "Cilangkahan"


def test_the_case_load_is_bounded_and_a_desa_can_be_chosen(people, make_worker):
    here = [make_worker(DESA) for _ in range(3)]
    there = make_worker(DESA_2)
    assert len(visit_list(user=people["agent"], limit=2, today=TODAY)) == 2
    assert {v.worker.pk for v in visit_list(user=people["agent"], desa=DESA_2, today=TODAY)} == {there.pk}
    assert {v.worker.pk for v in visit_list(user=people["operator"], today=TODAY)} == {w.pk for w in here}
    assert visit_list(user=people["outsider"], today=TODAY) == []
