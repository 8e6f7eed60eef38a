"""A sponsor names a person the registry has no phone for: the number the sponsor typed is checked by the
operator of her desa before she is asked to agree, so that a sponsor cannot type a number of their own and
agree in her place. Data through the real services; pages through Django's test client."""

import datetime as dt
import re

import pytest

from cakupan.accounts.models import Role, User
from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError
from cakupan.messaging.models import Message
from cakupan.registry.models import Worker
from cakupan.sponsors import services
from cakupan.sponsors.models import Sponsorship, SponsorshipStatus
from cakupan.sponsors.services import sponsorships
from cakupan.sponsors.tests.conftest import DESA_A, DESA_B, NOW

NIK = "3602014505900001"  # a woman born 5 May 1990, kecamatan 36.02.01, not in the registry
TYPED = "0812-3456-7890"
TYPED_E164 = "+6281234567890"
LIST = "/sertakan/periksa-nomor/"


@pytest.fixture
def operators(people):
    def user(username, role, area):
        return User.objects.create_user(username=username, password="x", role=role, area_id=area)

    return {
        "a": user("operator-cilangkahan", Role.VILLAGE_OPERATOR, DESA_A),
        "b": user("operator-pagelaran", Role.VILLAGE_OPERATOR, DESA_B),
        "lebak": user("petugas-lebak", Role.REGENCY_OFFICER, "36.02"),
        "agent": user("agen-cilangkahan", Role.FIELD_AGENT, DESA_A),
    }


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def _new_person(sponsor, *, nik=NIK, phone=TYPED) -> Sponsorship:
    return services.sponsorship_create_named(
        sponsor=sponsor, nik=nik, name="Ani Rahayu", desa_code=DESA_A, phone=phone, sector="prt"
    )


def _audit(sponsorship) -> list[tuple]:
    return [
        (event.action, event.actor_id, event.region_code, event.changes, event.metadata)
        for event in AuditEvent.objects.filter(
            object_type="sponsors.sponsorship", object_id=str(sponsorship.pk)
        ).order_by("id")
    ]


def _sms() -> list[Message]:
    return list(Message.objects.filter(purpose="sertakan", channel="sms").order_by("id"))


def _token(message: Message) -> str:
    return re.search(r"/sertakan/setuju/([^/]+)/", message.body).group(1)


def _later(monkeypatch, **delta):
    moment = NOW + dt.timedelta(**delta)
    monkeypatch.setattr("cakupan.sponsors.services.common.now", lambda: moment)
    return moment


CREATED = {"status": [None, "awaiting_consent"], "phone_check": [None, "pending"]}


def test_a_new_person_is_not_asked_before_her_operator_checks_the_number(people, operators, client):
    sponsorship = _new_person(people["sponsor"])
    worker = Worker.objects.get(nik=NIK)
    assert (sponsorship.status, sponsorship.phone_check, sponsorship.consent_phone) == (
        SponsorshipStatus.AWAITING_CONSENT,
        "pending",
        TYPED_E164,
    )
    # No link yet, so the consent link's time has not started either.
    assert (sponsorship.consent_digest, sponsorship.consent_expires_at) == ("", None)
    assert sponsorship.phone_check_until == NOW + dt.timedelta(days=14)
    assert worker.phone == "" and _sms() == []
    assert _audit(sponsorship) == [("create", people["sponsor"].pk, DESA_A, CREATED, {"kind": "named"})]
    # Nothing can be paid, and the sponsor is told why nothing happens yet.
    assert (
        _code(services.order_create, sponsorship=sponsorship, sponsor=people["sponsor"], method="qris")
        == "consent_pending"
    )
    client.force_login(people["sponsor"])
    page = client.get(f"/sponsor/dukungan/{sponsorship.reference}/").content.decode()
    assert "Nomor telepon sedang diperiksa operator desa" in page
    assert "Kami sudah mengirim SMS" not in page and TYPED_E164 not in page
    assert list(sponsorships.phone_checks_for(user=operators["a"])) == [sponsorship]


def test_a_registered_person_without_a_phone_waits_for_the_check_too(people, operators, make_worker):
    worker = make_worker(phone="", name="Siti Rahayu")
    sponsorship = services.sponsorship_create_named(
        sponsor=people["sponsor"],
        nik=worker.nik,
        name="Siti Rahayu",
        desa_code=DESA_A,
        phone=TYPED,
        sector="",
    )
    assert (sponsorship.phone_check, sponsorship.consent_phone) == ("pending", TYPED_E164)
    assert _sms() == []


def test_a_person_with_a_phone_on_file_is_asked_on_it_at_once(people, operators, make_worker):
    worker = make_worker(phone="+6281311112222")
    sponsorship = services.sponsorship_create_named(
        sponsor=people["sponsor"], nik=worker.nik, name=worker.name, desa_code=DESA_A, phone=TYPED, sector=""
    )
    [sms] = _sms()
    assert (sms.address, sponsorship.phone_check, sponsorship.consent_phone) == ("+6281311112222", "", "")
    assert sponsorship.consent_expires_at == NOW + dt.timedelta(days=7)
    assert _audit(sponsorship) == [
        ("create", people["sponsor"].pk, DESA_A, {"status": [None, "awaiting_consent"]}, {"kind": "named"})
    ]
    assert list(sponsorships.phone_checks_for(user=operators["a"])) == []
    assert (
        _code(services.sponsorship_phone_confirm, sponsorship=sponsorship, actor=operators["a"])
        == "phone_check_not_pending"
    )
    assert len(_sms()) == 1


def test_only_the_operator_of_her_desa_checks_the_number(people, operators):
    sponsorship = _new_person(people["sponsor"])
    assert list(sponsorships.phone_checks_for(user=operators["b"])) == []
    assert (
        _code(services.sponsorship_phone_confirm, sponsorship=sponsorship, actor=operators["b"])
        == "sponsorship_outside_area"
    )
    assert (
        _code(services.sponsorship_phone_reject, sponsorship=sponsorship, actor=operators["b"])
        == "sponsorship_outside_area"
    )
    # Officers who see phones masked, field agents and sponsors do not check numbers.
    for actor in (operators["lebak"], operators["agent"], people["coordinator"], people["sponsor"]):
        assert list(sponsorships.phone_checks_for(user=actor)) == []
        assert (
            _code(services.sponsorship_phone_confirm, sponsorship=sponsorship, actor=actor)
            == "phone_check_not_allowed"
        )
    sponsorship.refresh_from_db()
    assert (sponsorship.status, sponsorship.phone_check, sponsorship.phone_checked_by) == (
        "awaiting_consent",
        "pending",
        None,
    )
    assert _sms() == [] and len(_audit(sponsorship)) == 1


def test_the_operator_confirms_and_she_is_asked_once_on_that_number(people, operators, client, monkeypatch):
    sponsorship = _new_person(people["sponsor"])
    # Three days later the operator has called her: the link's seven days count from now.
    confirmed_at = _later(monkeypatch, days=3)
    confirmed = services.sponsorship_phone_confirm(sponsorship=sponsorship, actor=operators["a"])
    [sms] = _sms()
    assert (sms.address, sms.worker.nik, sms.created_by_id) == (TYPED_E164, NIK, operators["a"].pk)
    # The same message as for a person with a phone on file; its date is ten days after the request.
    assert sms.body.startswith("Halo Ani, Sari ingin membayar") and "sebelum 13 Desember 2026." in sms.body
    assert (confirmed.phone_check, confirmed.phone_checked_by, confirmed.phone_checked_at) == (
        "confirmed",
        operators["a"],
        confirmed_at,
    )
    assert confirmed.consent_expires_at == confirmed_at + dt.timedelta(days=7)
    assert sponsorships.sponsorship_by_token(_token(sms)) == sponsorship
    assert _audit(sponsorship) == [
        ("create", people["sponsor"].pk, DESA_A, CREATED, {"kind": "named"}),
        ("update", operators["a"].pk, DESA_A, {"phone_check": ["pending", "confirmed"]}, {}),
    ]
    # A double click, or a change of mind, changes nothing and sends nothing.
    for call in (services.sponsorship_phone_confirm, services.sponsorship_phone_reject):
        assert _code(call, sponsorship=sponsorship, actor=operators["a"]) == "phone_check_not_pending"
    assert len(_sms()) == 1 and len(_audit(sponsorship)) == 2
    assert list(sponsorships.phone_checks_for(user=operators["a"])) == []
    # Eight days after the sponsor asked (past seven from the request, not from the check) she agrees.
    _later(monkeypatch, days=8)
    agreed = services.sponsorship_answer(token=_token(sms), agree=True)
    assert agreed.status == SponsorshipStatus.READY
    client.force_login(people["sponsor"])
    page = client.get(f"/sponsor/dukungan/{sponsorship.reference}/").content.decode()
    assert "sedang diperiksa operator desa" not in page


def test_the_operator_rejects_the_number_and_the_person_is_free_again(people, operators, client):
    sponsorship = _new_person(people["sponsor"])
    rejected = services.sponsorship_phone_reject(sponsorship=sponsorship, actor=operators["a"])
    assert (rejected.status, rejected.end_reason, rejected.phone_check, rejected.phone_checked_by) == (
        SponsorshipStatus.ENDED,
        "phone_rejected",
        "rejected",
        operators["a"],
    )
    assert rejected.ended_at == NOW and _sms() == []
    assert _audit(sponsorship) == [
        ("create", people["sponsor"].pk, DESA_A, CREATED, {"kind": "named"}),
        (
            "update",
            operators["a"].pk,
            DESA_A,
            {"phone_check": ["pending", "rejected"], "status": ["awaiting_consent", "ended"]},
            {"end_reason": "phone_rejected"},
        ),
    ]
    for call in (services.sponsorship_phone_reject, services.sponsorship_phone_confirm):
        assert _code(call, sponsorship=sponsorship, actor=operators["a"]) == "phone_check_not_pending"
    assert len(_audit(sponsorship)) == 2
    client.force_login(people["sponsor"])
    page = client.get(f"/sponsor/dukungan/{sponsorship.reference}/").content.decode()
    assert "nomor telepon tidak terkonfirmasi" in page and 'data-testid="phone-rejected"' in page
    # Another sponsor may name her: she is registered now, still without a phone, so her number is checked.
    again = _new_person(people["other_sponsor"], phone="081299998888")
    assert (again.status, again.phone_check, again.consent_phone) == (
        "awaiting_consent",
        "pending",
        "+6281299998888",
    )
    assert Worker.objects.filter(nik=NIK).count() == 1


def test_a_check_waits_fourteen_days_at_most(people, operators, monkeypatch):
    first = _new_person(people["sponsor"])
    # The consent link's seven days do not run while the number waits: at day 13 it is still confirmed,
    # and her link then has its seven days.
    day_13 = _later(monkeypatch, days=13)
    assert list(sponsorships.phone_checks_for(user=operators["a"])) == [first]
    confirmed = services.sponsorship_phone_confirm(sponsorship=first, actor=operators["a"])
    assert confirmed.consent_expires_at == day_13 + dt.timedelta(days=7)
    late = _new_person(people["other_sponsor"], nik="3602014505900002")
    # Fifteen days after it was made the second check has lapsed: off the list, no longer confirmed but
    # ended (committed, so that she is free), and nothing is sent.
    _later(monkeypatch, days=13 + 15)
    assert list(sponsorships.phone_checks_for(user=operators["a"])) == []
    assert (
        _code(services.sponsorship_phone_confirm, sponsorship=late, actor=operators["a"])
        == "phone_check_expired"
    )
    late.refresh_from_db()
    assert (late.status, late.end_reason, late.phone_checked_by) == ("ended", "phone_unchecked", None)
    assert _audit(late)[-1] == (
        "update",
        None,
        DESA_A,
        {"status": ["awaiting_consent", "ended"]},
        {"end_reason": "phone_unchecked"},
    )
    assert len(_sms()) == 1


def test_a_lapsed_check_does_not_hold_the_person(people, operators, monkeypatch):
    lapsed = _new_person(people["sponsor"])
    _later(monkeypatch, days=15)
    again = _new_person(people["other_sponsor"])
    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.end_reason) == ("ended", "phone_unchecked")
    assert (again.status, again.phone_check) == ("awaiting_consent", "pending")
    # Within its time a check holds her like any request awaiting consent.
    assert _code(_new_person, people["sponsor"]) == "worker_already_sponsored"


def test_the_daily_run_ends_lapsed_checks_so_nobody_is_held(people, operators, monkeypatch):
    from cakupan.sponsors.services import notices

    waiting = _new_person(people["sponsor"])
    assert notices.sponsorship_notices_run()["confirmed"] == 0
    waiting.refresh_from_db()
    assert waiting.status == "awaiting_consent"
    _later(monkeypatch, days=15)
    notices.sponsorship_notices_run()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.end_reason) == ("ended", "phone_unchecked")
    assert sponsorships.phone_checks_expire() == 0
    ended = AuditEvent.objects.filter(object_id=str(waiting.pk), metadata__end_reason="phone_unchecked")
    assert ended.count() == 1


def test_the_sponsor_ending_a_waiting_check_takes_it_off_the_list(people, operators):
    sponsorship = _new_person(people["sponsor"])
    services.sponsorship_end(sponsorship=sponsorship, by="sponsor", actor=people["sponsor"])
    assert list(sponsorships.phone_checks_for(user=operators["a"])) == []
    assert (
        _code(services.sponsorship_phone_confirm, sponsorship=sponsorship, actor=operators["a"])
        == "phone_check_not_pending"
    )
    assert _sms() == []


# --- pages ---------------------------------------------------------------------------------------------


def test_the_operator_works_through_the_list_and_the_home_page_counts_it(
    client, people, operators, make_worker
):
    first = _new_person(people["sponsor"])
    other = make_worker(phone="", name="Dewi Lestari")
    second = services.sponsorship_create_named(
        sponsor=people["other_sponsor"], nik=other.nik, name="Dewi Lestari", desa_code=DESA_A,
        phone="081277776666", sector="",
    )  # fmt: skip
    client.force_login(operators["a"])
    home = client.get("/kerja/").content.decode()
    assert f'<a href="{LIST}">2 nomor SERTAKAN perlu diperiksa</a>' in home
    page = client.get(LIST).content.decode()
    assert "Ani Rahayu" in page and "Dewi Lestari" in page and "Cilangkahan" in page
    # The operator sees phones and NIKs in full, as on her worker pages.
    assert "081234567890" in page and "081277776666" in page and NIK in page
    assert "Nomor benar — kirim permintaan persetujuan" in page and "Nomor bukan miliknya" in page
    assert "baru didaftarkan oleh sponsor" in page and "terdaftar tanpa nomor telepon" in page

    done = client.post(f"{LIST}{first.reference}/", {"jawaban": "benar"})
    assert (done.status_code, done["Location"]) == (302, f"{LIST}?ok=benar")
    assert "permintaan persetujuan sudah dikirim" in client.get(done["Location"]).content.decode()
    assert [m.address for m in _sms()] == [TYPED_E164]
    # The second click of a double click: refused with its code, nothing sent again.
    twice = client.post(f"{LIST}{first.reference}/", {"jawaban": "benar"})
    assert twice.status_code == 400 and 'data-code="phone_check_not_pending"' in twice.content.decode()
    assert len(_sms()) == 1

    unknown = client.post(f"{LIST}{second.reference}/", {"jawaban": "mungkin"})
    assert unknown.status_code == 400 and 'data-code="answer_unknown"' in unknown.content.decode()
    rejected = client.post(f"{LIST}{second.reference}/", {"jawaban": "bukan"})
    assert (rejected.status_code, rejected["Location"]) == (302, f"{LIST}?ok=bukan")
    second.refresh_from_db()
    assert (second.status, second.end_reason) == ("ended", "phone_rejected")
    assert len(_sms()) == 1
    assert 'data-testid="empty"' in client.get(LIST).content.decode()
    assert "nomor SERTAKAN" not in client.get("/kerja/").content.decode()


def test_the_pages_refuse_others_and_never_fail(client, people, operators):
    sponsorship = _new_person(people["sponsor"])
    post = f"{LIST}{sponsorship.reference}/"
    # The operator of another desa: an empty list, no count, and the sponsorship does not exist for her.
    client.force_login(operators["b"])
    assert "Ani Rahayu" not in client.get(LIST).content.decode()
    assert "nomor SERTAKAN" not in client.get("/kerja/").content.decode()
    assert client.post(post, {"jawaban": "benar"}).status_code == 404
    assert client.post(post, {"jawaban": "bukan"}).status_code == 404
    # Made-up references and odd input: 404, never 500.
    client.force_login(operators["a"])
    for reference in ("bukan-uuid", "00000000-0000-0000-0000-000000000000", "%00", "9" * 300):
        assert client.post(f"{LIST}{reference}/", {"jawaban": "benar"}).status_code == 404, reference
    assert client.post(post, {"jawaban": "\x00" * 50}).status_code == 400
    # The answer is POST only.
    assert client.get(post).status_code == 405
    # Other roles: refused; the public goes to the staff sign-in.
    for actor in (operators["lebak"], operators["agent"], people["coordinator"], people["sponsor"]):
        client.force_login(actor)
        assert client.get(LIST).status_code == 403, actor.username
        assert client.post(post, {"jawaban": "benar"}).status_code == 403, actor.username
    client.logout()
    assert client.get(LIST)["Location"].startswith("/akun/masuk/")
    assert client.post(post, {"jawaban": "benar"}).status_code == 302
    sponsorship.refresh_from_db()
    assert sponsorship.phone_check == "pending" and _sms() == []
    # The administrator may act anywhere.
    client.force_login(people["admin"])
    assert "Ani Rahayu" in client.get(LIST).content.decode()
    assert client.post(post, {"jawaban": "benar"}).status_code == 302
    assert [m.address for m in _sms()] == [TYPED_E164]
