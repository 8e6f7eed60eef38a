"""The demo's claims in Desa Cilangkahan, made through the real services so every state can be seen on the
worklists: one still collecting documents, one on track, one past half its time, one breached (escalated
to BPJS TK's liaison), one paused for the heirs' documents, one paid within the service level, and a
scholarship."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from cakupan.claims.models import ClaimCase
from cakupan.claims.services import common
from cakupan.claims.services.clocks import claims_clock_refresh
from cakupan.claims.services.decisions import claim_decide
from cakupan.claims.services.documents import claim_document_receive, claim_pause
from cakupan.claims.services.reports import ChildInput, HeirInput, claim_report
from cakupan.core.scoping import area_filter
from cakupan.registry.models import Membership, Worker
from cakupan.rules.engine.claims import claim_calendar

DESA = "36.02.01.2002"
KECAMATAN = "36.02.01"
HEIRS = (HeirInput("Rudi Hartono", "spouse", "081298765401"), HeirInput("Nur Aini", "child"))


def _working_days_back(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day before the last working day up to `day` (that day itself for 0): counted
    from there, each state comes out the same on a weekend or a holiday as on a working day."""
    calendar = claim_calendar(day)
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    while count:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            count -= 1
    return day


def _members(count: int) -> list[Worker]:
    """Workers covered this month, those of the demo operator's desa first, then of its kecamatan."""
    month = common.today().replace(day=1)
    covered = (
        Membership.objects.filter(area_filter("worker__desa_id", KECAMATAN))
        .filter(paid_through__gte=month, jkm=True)
        .exclude(since__gt=month)
    )
    ids = list(covered.order_by("worker_id").values_list("worker_id", flat=True).distinct()[:5000])
    workers = Worker.objects.filter(pk__in=ids).order_by("pk")
    return sorted(workers, key=lambda worker: (worker.desa_id != DESA, worker.pk))[:count]


def _receive_all(case: ClaimCase, actor, *, on: dt.date, leave: int = 0) -> None:
    codes = list(case.documents.order_by("position").values_list("code", flat=True))
    for code in codes[: len(codes) - leave]:
        claim_document_receive(actor=actor, case=case, code=code, received_on=on)


def claims_demo_seed() -> dict[str, int] | None:
    """Up to seven cases, one per state (none when the demo already has claims)."""
    if ClaimCase.objects.exists():
        return None
    users = get_user_model().objects.in_bulk(["desa", "agen", "bpjs"], field_name="username")
    liaison = users["bpjs"]
    today = common.today()
    back = lambda n: _working_days_back(today, n)  # noqa: E731

    def reporter(worker: Worker):
        return users["desa"] if worker.desa_id == DESA else users["agen"]

    def jkm(worker: Worker, died: dt.date) -> ClaimCase:
        return claim_report(
            actor=reporter(worker),
            worker=worker,
            kind="jkm",
            incident_date=died,
            reporter_name=HEIRS[0].name,
            reporter_relation="suami",
            reporter_phone=HEIRS[0].phone,
            heirs=HEIRS,
        )

    def collecting(worker: Worker) -> None:
        case = claim_report(
            actor=reporter(worker),
            worker=worker,
            kind="jkk",
            incident_date=back(2),
            reporter_name="Asep Saepudin",
            reporter_relation="peserta",
            reporter_phone="081298765402",
            jkk_cause="accident",
            jkk_outcome="treatment",
            road_accident=True,
        )
        _receive_all(case, reporter(worker), on=back(1), leave=3)

    def complete_on(died: int, complete: int):
        def make(worker: Worker) -> ClaimCase:
            case = jkm(worker, back(died))
            _receive_all(case, reporter(worker), on=back(complete))
            return case

        return make

    def paused(worker: Worker) -> None:
        case = complete_on(8, 4)(worker)
        claim_pause(
            actor=liaison, case=case, reason="Surat keterangan ahli waris harus dilegalisir kelurahan"
        )

    def paid(worker: Worker) -> None:
        case = complete_on(6, 2)(worker)
        claim_decide(
            actor=liaison, case=case, decision="paid", on=today, amount=42_000_000, reference="BPJS-PTS-0001"
        )

    def scholarship(worker: Worker) -> None:
        school_year = today.year if today.month >= 7 else today.year - 1
        claim_report(
            actor=reporter(worker),
            worker=worker,
            kind="beasiswa",
            incident_date=back(20),
            reporter_name="Rina",
            reporter_relation="ibu",
            reporter_phone="081298765403",
            child=ChildInput("Dewi Lestari", "sd", 4, 10, school_year, "jkm"),
        )

    # In the order that shows the most with few members: breached, at risk, on track, collecting, …
    makers = (complete_on(9, 5), complete_on(6, 2), complete_on(3, 0), collecting, paused, paid, scholarship)
    for make, worker in zip(makers, _members(len(makers)), strict=False):
        make(worker)
    claims_clock_refresh()
    return {"cases": ClaimCase.objects.count()}
