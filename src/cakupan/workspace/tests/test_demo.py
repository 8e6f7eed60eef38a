import io

import pytest
from django.core.management import call_command

from cakupan.accounts.models import User
from cakupan.coverage.models import RegionCoverage
from cakupan.funding.models import AllocationPlan, FundedMonth, FunderOfficer
from cakupan.registry.models import Worker


@pytest.mark.django_db
def test_demo_prepares_everything_and_prints_the_accounts():
    out = io.StringIO()
    call_command("demo", scale=0.0005, no_serve=True, stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    # The synthetic population and the dozen the demo agent enrolled from her phone (approved by `lebak`).
    assert Worker.objects.count() == 2_880 + 12
    assert Worker.objects.filter(source="import", desa_id="36.02.01.2002").count() == 12
    assert "Akun `agen` (Koperasi Nelayan Malingping Sejahtera) mengirim 12 pendaftaran dari ponsel; " in text
    assert "12 terdaftar setelah disetujui `lebak`, 1 perubahan bentrok" in text
    # Twelve monthly snapshots for the trend, the latest first, counting the agent's enrolments too.
    snapshots = RegionCoverage.objects.filter(region_id="36").order_by("-month")
    assert snapshots.count() == 12
    assert snapshots.first().workers == 2_892
    assert "kata sandi semua akun demo: Banten-UCJ-2026" in text
    for username in (
        "admin",
        "provinsi",
        "analis",
        "lebak",
        "desa",
        "agen",
        "baznas",
        "bpjs",
        "auditor",
        "sponsor",
    ):
        assert f"    {username}" in text
        assert User.objects.get(username=username).check_password("Banten-UCJ-2026")
    assert User.objects.get(username="provinsi").area_id == "36"
    assert User.objects.get(username="lebak").area_id == "36.02"
    assert User.objects.get(username="desa").area.parent.parent_id == "36.02"
    assert {u.role for u in User.objects.exclude(username="admin")} == {
        "provincial_coordinator", "provincial_analyst", "regency_officer", "village_operator", "field_agent",
        "funder_officer", "bpjs_liaison", "auditor", "sponsor",
    }  # fmt: skip
    assert User.objects.get(username="admin").is_superuser
    # Funders, their programs and one approved plan, so the funding pages have something to show.
    plan = AllocationPlan.objects.get()
    assert plan.status == "approved" and plan.funded > 0
    assert FundedMonth.objects.filter(line__plan=plan).count() > 0
    assert f"rencana #{plan.pk}: " in text
    baznas = User.objects.get(username="baznas")
    assert FunderOfficer.objects.filter(user=baznas, funder__kind="zakat").exists()
    # One claim in each state, so every worklist and clock state has an example.
    from cakupan.claims.models import ClaimCase

    assert sorted(ClaimCase.objects.values_list("clock_state", flat=True)) == [
        "at_risk", "breached", "met", "not_started", "not_started", "on_track", "paused",
    ]  # fmt: skip
    assert "7 klaim di Kecamatan Malingping" in text

    again = io.StringIO()
    call_command("demo", scale=0.0005, no_serve=True, stdout=again, stderr=io.StringIO())
    assert "pembangkitan dilewati" in again.getvalue()
    assert "Rencana alokasi sudah ada; dilewati." in again.getvalue()
    assert AllocationPlan.objects.count() == 1
    assert "Klaim demo sudah ada; dilewati." in again.getvalue()
    assert "Agen demo sudah punya rekaman lapangan; dilewati." in again.getvalue()
    assert Worker.objects.count() == 2_892
    assert User.objects.filter(username__in=["admin", "provinsi", "lebak"]).count() == 3


@pytest.mark.django_db
def test_demo_password_from_the_environment_is_validated(monkeypatch):
    from django.core.exceptions import ValidationError

    monkeypatch.setenv("CAKUPAN_DEMO_PASSWORD", "12345")
    with pytest.raises(ValidationError):
        call_command("demo", scale=0.0005, no_serve=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert not User.objects.filter(username="admin").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2026-12-05", "2026-12-25"])  # a Saturday; Christmas
def test_the_demo_claims_show_every_state_on_a_day_off_too(day, monkeypatch):
    import datetime as dt

    from cakupan.claims.models import ClaimCase

    monkeypatch.setattr("cakupan.claims.services.common.today", lambda: dt.date.fromisoformat(day))
    call_command("demo", scale=0.0005, no_serve=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert sorted(ClaimCase.objects.values_list("clock_state", flat=True)) == [
        "at_risk", "breached", "met", "not_started", "not_started", "on_track", "paused",
    ]  # fmt: skip
