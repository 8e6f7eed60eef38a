"""Literacy campaigns: audience and cost previewed, scheduled, approved above the size limit, queued one
message per phone to those who agreed, and counted per kecamatan."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve, approval_reject
from cakupan.core.errors import DomainError
from cakupan.coverage.services import membership_record
from cakupan.messaging import campaigns, services
from cakupan.messaging.models import Campaign, CampaignStatus, Message, MessageState
from cakupan.messaging.sending import outbox_drain
from cakupan.messaging.tests.conftest import control, replay_callbacks
from cakupan.registry.services import worker_register

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")
WHEN = dt.datetime(2030, 1, 10, 9, 0, tzinfo=JAKARTA)
CILANGKAHAN, PANGGARANGAN, SUKARASA = "36.02.01.2002", "36.02.02.2002", "36.71.01.1001"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """These campaigns are planned on 5 January 2030, whatever the machine's clock says."""
    monkeypatch.setattr(
        "cakupan.messaging.campaigns._now", lambda: dt.datetime(2030, 1, 5, 8, 0, tzinfo=JAKARTA)
    )


@pytest.fixture
def officers(db):
    def user(username, role, area):
        return User.objects.create_user(username=username, password="x", role=role, area_id=area)

    return {
        "lebak": user("lebak", Role.REGENCY_OFFICER, "36.02"),
        "lebak2": user("lebak2", Role.REGENCY_OFFICER, "36.02"),
        "provinsi": user("provinsi", Role.PROVINCIAL_COORDINATOR, "36"),
        "analis": user("analis", Role.PROVINCIAL_ANALYST, "36"),
    }


_serial = iter(range(1, 1000))


def person(desa, *, phone, sector="nelayan", decile=1, channels=("sms",), kpj=None, status="aktif"):
    serial = next(_serial)
    worker = worker_register(
        nik=f"{desa.replace('.', '')[:6]}150590{serial:04d}",
        name=f"siti warga{serial}",
        birth_date=dt.date(1990, 5, 15),
        sex="L",
        desa_code=desa,
        sector=sector,
        monthly_income=900_000,
        decile=decile,
        phone=phone,
    )
    if kpj:
        membership_record(
            worker=worker, kpj=kpj, segment="BPU", paid_through=dt.date(2026, 1, 1), status=status
        )
    if channels:
        services.consent_record(
            address=phone, channels=channels, purposes=["literacy"], granted=True, source="registration"
        )
    return worker


@pytest.fixture
def people(db):
    return {
        "a": person(CILANGKAHAN, phone="+6281200000001"),
        "a_family": person(CILANGKAHAN, phone="+6281200000001"),  # the same phone: one message
        "b": person(PANGGARANGAN, phone="+6281200000002", sector="petani", decile=3),
        "c": person(PANGGARANGAN, phone="+6281200000003", kpj="10000000003", status="nonaktif"),
        "whatsapp_only": person(CILANGKAHAN, phone="+6281200000004", channels=("whatsapp",)),
        "no_consent": person(CILANGKAHAN, phone="+6281200000005", channels=()),
        "serang": person(SUKARASA, phone="+6281200000006"),
    }


def audience(user, **choices):
    values = {
        "region_code": "36.02",
        "sectors": [],
        "deciles": [],
        "coverage": [],
        "channel": "sms",
        **choices,
    }
    return campaigns.audience_check(user=user, **values)


def plan(officers, name):
    """The Lebak officer's campaign over her whole kab/kota by SMS, scheduled at WHEN."""
    return campaigns.campaign_create(
        actor=officers["lebak"],
        name=name,
        audience=audience(officers["lebak"]),
        template_key="sosialisasi_umum",
        scheduled_at=WHEN,
    )


def test_the_preview_counts_only_phones_that_agreed_on_that_channel(officers, people):
    preview = campaigns.campaign_preview(
        audience=audience(officers["lebak"]),
        template=campaigns.literacy_template("sosialisasi_umum"),
        when=WHEN,
    )
    rows = {row["channel"]: row for row in preview["rows"]}
    assert (rows["sms"]["count"], rows["whatsapp"]["count"]) == (3, 1)
    assert preview["segments"] == 2  # the text runs past 160 characters
    assert rows["sms"]["unit"] == 400 and rows["sms"]["cost"] == 1_200
    assert rows["whatsapp"]["cost"] == 650
    assert "dengan Rp16.800 sebulan" in preview["body"] and "santunan kematian Rp42 juta" in preview["body"]


@pytest.mark.parametrize(
    ("choices", "count"),
    [
        ({"sectors": ["petani"]}, 1),
        ({"deciles": [1]}, 2),
        ({"coverage": ["belum"]}, 2),
        ({"coverage": ["nonaktif"]}, 1),
        ({"coverage": ["aktif"]}, 0),
        ({"region_code": "36.02.02"}, 2),
        ({"region_code": CILANGKAHAN}, 1),
    ],
)
def test_the_audience_follows_each_choice(officers, people, choices, count):
    assert campaigns.audience_count(audience(officers["lebak"], **choices)) == count


@pytest.mark.parametrize(
    ("choices", "code"),
    [
        ({"region_code": "36.73"}, "campaign_outside_area"),
        ({"region_code": "99"}, "region_unknown"),
        ({"sectors": ["astronot"]}, "sector_unknown"),
        ({"deciles": ["x"]}, "decile_invalid"),
        ({"deciles": [11]}, "decile_invalid"),
        ({"coverage": ["hilang"]}, "coverage_status_unknown"),
        ({"channel": "email"}, "campaign_channel_invalid"),
    ],
)
def test_bad_choices_are_named(officers, choices, code):
    with pytest.raises(DomainError) as caught:
        audience(officers["lebak"], **choices)
    assert caught.value.code == code


def test_a_small_campaign_is_queued_at_once_one_message_per_phone(officers, people):
    campaign = plan(officers, "Nelayan Lebak")
    assert (campaign.status, campaign.audience, campaign.cost) == (CampaignStatus.QUEUED, 3, 1_200)
    campaign.refresh_from_db()
    assert campaign.queued == 3
    messages = Message.objects.filter(campaign=campaign).order_by("address")
    assert [m.address for m in messages] == ["+6281200000001", "+6281200000002", "+6281200000003"]
    assert {m.next_attempt_at for m in messages} == {WHEN}
    assert {m.state for m in messages} == {MessageState.QUEUED}
    first = messages[0]
    assert first.body.startswith("Halo Siti, dengan Rp16.800 sebulan Anda terlindungi BPJS Ketenagakerjaan")
    assert "operator desa Cilangkahan" in first.body
    assert first.region_code == CILANGKAHAN


def test_campaign_messages_wait_for_their_time(channels, officers, people):
    campaign = plan(officers, "Nanti")
    assert outbox_drain(channel="sms", clock=lambda: WHEN - dt.timedelta(minutes=1)) == {}
    assert Message.objects.filter(campaign=campaign, state=MessageState.QUEUED).count() == 3


def test_a_large_campaign_waits_for_another_officer(settings, officers, people):
    settings.MESSAGING = {**settings.MESSAGING, "campaign_approval_above": 2}
    campaign = plan(officers, "Besar")
    assert campaign.status == CampaignStatus.PENDING
    assert Message.objects.count() == 0
    approval = Approval.objects.get(kind=ApprovalKind.LITERACY_CAMPAIGN, subject_id=str(campaign.pk))
    with pytest.raises(DomainError) as caught:
        approval_approve(approval=approval, approver=officers["lebak"])
    assert caught.value.code == "approval_self_decision"
    with pytest.raises(DomainError):
        approval_approve(approval=approval, approver=officers["analis"])
    approval_approve(approval=approval, approver=officers["lebak2"])
    campaign.refresh_from_db()
    assert (campaign.status, campaign.queued) == (CampaignStatus.QUEUED, 3)


def test_a_rejected_campaign_sends_nothing(settings, officers, people):
    settings.MESSAGING = {**settings.MESSAGING, "campaign_approval_above": 2}
    campaign = plan(officers, "Besar")
    approval = Approval.objects.get(kind=ApprovalKind.LITERACY_CAMPAIGN, subject_id=str(campaign.pk))
    approval_reject(approval=approval, approver=officers["provinsi"], reason="Terlalu mahal")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.REJECTED
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"name": ""}, "campaign_name_invalid"),
        ({"scheduled_at": dt.datetime(2020, 1, 1, tzinfo=JAKARTA)}, "campaign_in_past"),
        ({"template_key": "pengingat_terlewat"}, "template_not_found"),
    ],
)
def test_bad_campaigns_are_refused_and_write_nothing(officers, people, overrides, code):
    values = {
        "actor": officers["lebak"],
        "name": "X",
        "audience": audience(officers["lebak"]),
        "template_key": "sosialisasi_umum",
        "scheduled_at": WHEN,
        **overrides,
    }
    with pytest.raises(DomainError) as caught:
        campaigns.campaign_create(**values)
    assert caught.value.code == code
    assert Campaign.objects.count() == 0


def test_an_empty_audience_is_refused(officers, people):
    with pytest.raises(DomainError) as caught:
        campaigns.campaign_create(
            actor=officers["lebak"],
            name="Kosong",
            audience=audience(officers["lebak"], coverage=["aktif"]),
            template_key="sosialisasi_umum",
            scheduled_at=WHEN,
        )
    assert caught.value.code == "campaign_audience_empty"
    assert Campaign.objects.count() == 0


def test_results_per_kecamatan(client, channels, officers, people):
    campaign = plan(officers, "Hasil")
    from django.utils import timezone

    started = timezone.now()

    def after():
        # From the scheduled time on, moving as the machine's clock moves (the rate limit needs time to pass).
        return WHEN + dt.timedelta(minutes=1) + (timezone.now() - started)

    assert outbox_drain(channel="sms", clock=after) == {"sent": 3}
    replay_callbacks(client, channels, kind="sms_status")
    control(channels, "inbound", {"channel": "sms", "from": "+6281200000002", "text": "Cara daftar?"})
    # The callbacks of the inbound message only: the receipts were replayed already.
    replay_callbacks(client, channels, kind="sms_inbound")
    from cakupan.messaging.models import InboundMessage

    InboundMessage.objects.update(received_at=WHEN + dt.timedelta(days=2))
    membership_record(worker=people["b"], kpj="10000000009", segment="BPU", paid_through=dt.date(2030, 1, 1))
    from cakupan.registry.models import Membership

    Membership.objects.filter(kpj="10000000009").update(created_at=WHEN + dt.timedelta(days=5))
    rows = {row["kecamatan"]: row for row in campaigns.campaign_results(campaign=campaign)}
    from cakupan.regions.models import Region

    assert rows == {
        "36.02.01": {
            "kecamatan": "36.02.01",
            "name": Region.objects.get(code="36.02.01").name,
            "total": 1,
            "sent": 1,
            "delivered": 1,
            "failed": 0,
            "replied": 0,
            "registered": 0,
        },
        "36.02.02": {
            "kecamatan": "36.02.02",
            "name": "Panggarangan",
            "total": 2,
            "sent": 2,
            "delivered": 2,
            "failed": 0,
            "replied": 1,
            "registered": 1,
        },
    }


def test_the_page_previews_schedules_and_shows_the_campaign(client, officers, people):
    client.force_login(officers["lebak"])
    query = {
        "name": "Sosialisasi nelayan",
        "region_code": "36.02",
        "channel": "sms",
        "template": "sosialisasi_umum",
        "scheduled_at": "2030-01-10T09:00",
        "pratinjau": "1",
    }
    page = client.get("/pesan/kampanye/", query)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pratinjau" in text and "Jadwalkan kampanye" in text
    # The scheduling form carries exactly what the preview was computed from.
    assert '<input type="hidden" name="region_code" value="36.02">' in text
    assert 'name="pratinjau"' not in text.split("Jadwalkan kampanye")[0].split('<form method="post"')[-1]
    query.pop("pratinjau")
    created = client.post("/pesan/kampanye/", query)
    campaign = Campaign.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/pesan/kampanye/{campaign.pk}/"
    detail = client.get(created["Location"]).content.decode()
    assert "Terjadwal dan masuk antrean" in detail and "Kampanye: Sosialisasi nelayan" in detail


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ({"scheduled_at": "besok"}, "2027-01-10T09:00"),
        ({"region_code": "36.73"}, "di luar wilayah kerja Anda"),
        ({"channel": "email"}, "email bukan salah satu dari pilihan yang tersedia"),
        ({"sectors": "astronot"}, "astronot"),
    ],
)
def test_the_page_names_bad_input(client, officers, people, changed, named):
    client.force_login(officers["lebak"])
    query = {"name": "X", "region_code": "36.02", "channel": "sms", "template": "sosialisasi_umum",
             "scheduled_at": "2030-01-10T09:00", "pratinjau": "1", **changed}  # fmt: skip
    page = client.get("/pesan/kampanye/", query)
    assert page.status_code == 400
    assert named in page.content.decode()
    assert Campaign.objects.count() == 0


def test_the_analyst_reads_campaigns_but_makes_none(client, officers):
    client.force_login(officers["analis"])
    page = client.get("/pesan/kampanye/")
    assert page.status_code == 200
    assert "Kampanye baru" not in page.content.decode()
    assert client.post("/pesan/kampanye/", {"name": "X"}).status_code == 403
