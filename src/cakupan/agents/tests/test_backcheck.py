"""Back-checks: who is sampled when records become registered, the SMS that asks, how replies are matched
(by number and time, within 14 days), and a supervisor's phone call instead."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from cakupan.agents.models import BackCheck, BackCheckStatus, FieldRecord
from cakupan.agents.services.backcheck import (
    back_check_record,
    back_checks_collect,
    back_checks_sample,
    reply_verdict,
    sample_choose,
)
from cakupan.agents.tests.kpi_world import field_fixture  # noqa: F401
from cakupan.audit.models import AuditEvent, RowChange
from cakupan.core.errors import DomainError
from cakupan.messaging.models import ConsentState, InboundMessage, Message, MessageState
from cakupan.messaging.services import inbound_receive
from cakupan.providers.base import Inbound

SECRET = settings.SECRET_KEY.encode()


def reply(sender: str, text: str, *, key: str) -> InboundMessage:
    return inbound_receive(channel="sms", inbound=Inbound(sender=sender, text=text, provider_id=key))


def test_the_sample_is_five_percent_rounded_up_and_deterministic():
    pairs = [(n, f"00000000-0000-0000-0000-{n:012d}") for n in range(1, 42)]
    assert sample_choose([], secret=SECRET) == []
    assert len(sample_choose(pairs[:1], secret=SECRET)) == 1
    assert len(sample_choose(pairs[:20], secret=SECRET)) == 1
    assert len(sample_choose(pairs[:21], secret=SECRET)) == 2
    assert len(sample_choose(pairs, secret=SECRET)) == 3
    # The same records give the same sample whatever their order; another key gives another.
    assert sample_choose(pairs, secret=SECRET) == sample_choose(list(reversed(pairs)), secret=SECRET)
    samples = {tuple(sample_choose(pairs, secret=f"kunci-{n}".encode())) for n in range(10)}
    assert len(samples) > 1


@pytest.mark.parametrize(
    ("text", "verdict"),
    [("YA", "passed"), (" ya, benar saya ", "passed"), ("Iya.", "passed"), ("TIDAK", "failed"),
     ("tidak kenal", "failed"), ("Bukan saya", "failed"), ("bagaimana cara bayar?", None), ("", None),
     ("123", None)],
)  # fmt: skip
def test_replies_are_read_from_their_first_word(text, verdict):
    assert reply_verdict(text) == verdict


def test_each_settled_batch_is_sampled_and_asked_by_sms(people, field):
    workers = field.enrol(30, phones=True)
    records = list(FieldRecord.objects.filter(worker__in=workers).order_by("pk"))
    expected = sample_choose([(r.pk, str(r.client_id)) for r in records], secret=SECRET)
    checks = list(BackCheck.objects.order_by("record_id"))
    assert [c.record_id for c in checks] == expected and len(expected) == 2
    assert {(c.agent_id, c.status) for c in checks} == {(people["agent"].pk, BackCheckStatus.QUEUED)}
    for check in checks:
        message = check.message
        assert (message.purpose, message.channel, message.state) == ("back_check", "sms", MessageState.QUEUED)
        assert message.address == check.worker.phone
        assert message.body.startswith(f"Halo Peserta, agen {people['agent'].username} mendaftarkan Anda")
        assert message.body.endswith("Balas YA atau TIDAK.")
    # Asking about her own registration needs no consent on record.
    assert not ConsentState.objects.exists()
    event = AuditEvent.objects.get(object_type="agents.backcheck", action="create")
    assert event.metadata["checks"] == 2 and event.metadata["registered_with_phone"] == 30
    assert RowChange.objects.filter(event=event, operation="i").count() == 2
    # Settling again, or sampling the same records again, asks nobody twice.
    assert back_checks_sample(record_ids=[r.pk for r in records]) == []
    assert BackCheck.objects.count() == 2 and Message.objects.count() == 2


def test_every_batch_with_a_phone_gets_one_check_and_people_without_phone_none(people, field):
    field.enrol(1, phones=True)
    field.enrol(3)
    field.enrol(2, agent="agent2", phones=True)
    assert sorted(BackCheck.objects.values_list("agent__username", flat=True)) == ["agen", "agen2"]


def test_a_number_that_takes_no_sms_is_unreachable_at_once(people, field):
    field.enrol(1, phones="021-5551234")
    check = BackCheck.objects.get()
    assert (check.status, check.message) == (BackCheckStatus.UNREACHABLE, None)


def test_yes_and_no_replies_pass_and_fail_their_checks(people, field):
    [first] = field.enrol(1, phones="0813-1111-0001")
    [second] = field.enrol(1, phones="0813-1111-0002")
    reply("+6281311110003", "YA", key="lain")  # a number nobody was asked
    reply("081311110001", "bagaimana cara bayarnya?", key="tanya")
    reply("081311110001", "Ya benar", key="a")
    reply("6281311110002", "Tidak, saya tidak kenal", key="b")
    counts = back_checks_collect()
    assert counts == {"passed": 1, "failed": 1, "unanswered": 0, "unreachable": 0}
    checks = {c.worker_id: c for c in BackCheck.objects.all()}
    assert (checks[first.pk].status, checks[first.pk].answer) == (BackCheckStatus.PASSED, "Ya benar")
    assert (checks[second.pk].status, checks[second.pk].answer) == (
        BackCheckStatus.FAILED, "Tidak, saya tidak kenal",
    )  # fmt: skip
    assert checks[first.pk].answered_at is not None
    event = AuditEvent.objects.filter(object_type="agents.backcheck", action="update").latest("id")
    changed = RowChange.objects.filter(event=event, operation="u")
    assert sorted(r.after_values["status"] for r in changed) == ["failed", "passed"]
    assert back_checks_collect() == {"passed": 0, "failed": 0, "unanswered": 0, "unreachable": 0}


def test_replies_before_the_question_or_after_fourteen_days_do_not_count(people, field):
    reply("081322220001", "YA", key="dulu")  # before anyone asked
    field.enrol(1, phones="0813-2222-0001")
    check = BackCheck.objects.get()
    start = check.message.queued_at
    assert back_checks_collect()["passed"] == 0
    late = reply("081322220001", "YA", key="terlambat")
    InboundMessage.objects.filter(pk=late.pk).update(received_at=start + dt.timedelta(days=15))
    assert back_checks_collect(now=start + dt.timedelta(days=13))["passed"] == 0
    counts = back_checks_collect(now=start + dt.timedelta(days=16))
    assert (counts["passed"], counts["unanswered"]) == (0, 1)
    check.refresh_from_db()
    assert (check.status, check.answered_at) == (BackCheckStatus.UNANSWERED, None)


def test_a_failed_sms_is_unreachable_when_the_fourteen_days_are_over(people, field):
    field.enrol(1, phones=True)
    check = BackCheck.objects.get()
    # The gateway gave up (as the sender marks it after its last attempt).
    Message.objects.filter(pk=check.message_id).update(state=MessageState.FAILED)
    counts = back_checks_collect(now=timezone.now() + dt.timedelta(days=15))
    assert counts["unreachable"] == 1
    check.refresh_from_db()
    assert check.status == BackCheckStatus.UNREACHABLE


def test_one_phone_two_people_each_reply_answers_the_next_question(people, field):
    shared = "0813-3333-0001"
    field.enrol(1, phones=shared)
    field.enrol(1, phones=shared)
    first, second = BackCheck.objects.order_by("pk")
    reply(shared, "YA", key="satu")
    back_checks_collect()
    # The same reply is not read again for the second question.
    back_checks_collect()
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == (BackCheckStatus.PASSED, BackCheckStatus.QUEUED)
    reply(shared, "TIDAK", key="dua")
    back_checks_collect()
    second.refresh_from_db()
    assert second.status == BackCheckStatus.FAILED


def test_a_supervisor_records_a_phone_call(people, field):
    field.enrol(1, phones="021-5551234")
    check = BackCheck.objects.get()
    done = back_check_record(
        check=check, actor=people["regency"], result="passed", note="  sudah  ditelepon "
    )
    assert (done.status, done.answer) == (BackCheckStatus.PASSED, "Telepon: sudah ditelepon")
    event = AuditEvent.objects.filter(object_type="agents.backcheck", action="update").latest("id")
    assert (event.actor, event.changes, event.region_code) == (
        people["regency"], {"status": ["unreachable", "passed"]}, check.worker.desa_id,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("who", "result", "code"),
    [
        ("auditor", "passed", "back_check_not_allowed"),
        ("agent", "passed", "back_check_not_allowed"),
        ("regency", "maybe", "back_check_result_invalid"),
    ],
)
def test_who_and_what_a_call_may_record(people, field, who, result, code):
    field.enrol(1, phones="021-5551234")
    with pytest.raises(DomainError) as caught:
        back_check_record(check=BackCheck.objects.get(), actor=people[who], result=result)
    assert caught.value.code == code


def test_an_answer_she_gave_herself_is_not_replaced_by_a_call(people, field):
    field.enrol(1, phones="0813-4444-0001")
    reply("081344440001", "TIDAK", key="x")
    back_checks_collect()
    with pytest.raises(DomainError) as caught:
        back_check_record(check=BackCheck.objects.get(), actor=people["coordinator"], result="passed")
    assert caught.value.code == "back_check_answered"


def test_the_sms_goes_out_and_the_reply_comes_back_through_the_gateway(people, field, settings, client):
    from cakupan.messaging.tests.conftest import control, replay_callbacks, sent_by_emulator
    from cakupan.providers.emulators import Emulator, EmulatorConfig, channel_settings

    with Emulator(EmulatorConfig(sms_inbound_url="http://testserver/pesan/masuk/sms/")) as emulator:
        settings.MESSAGING = {
            **settings.MESSAGING,
            **channel_settings(emulator, timeout=30.0),
            "public_url": "http://testserver",
            "rates": {"sms": 1000.0, "whatsapp": 1000.0, "email": 1000.0},
        }
        field.enrol(1, phones="0813-5555-0001")
        check = BackCheck.objects.select_related("message").get()
        assert check.message.state == MessageState.SENT
        [sent] = sent_by_emulator(emulator, "sms")
        assert "Balas YA atau TIDAK" in sent["body"]
        control(emulator, "inbound", {"channel": "sms", "from": "+6281355550001", "text": "Ya"})
        assert [r.status_code for r in replay_callbacks(client, emulator, kind="sms_inbound")] == [200]
    assert back_checks_collect()["passed"] == 1


def test_a_number_the_agent_gave_for_three_people_is_left_to_a_call(people, field):
    """An SMS to a number she typed for three of her registrations could reach her, not the person."""
    shared = "0813-4444-0001"
    field.enrol(1, phones=shared)
    field.enrol(1, phones=shared)
    assert [c.status for c in BackCheck.objects.order_by("pk")] == [BackCheckStatus.QUEUED] * 2
    field.enrol(1, phones=shared)
    third = BackCheck.objects.order_by("pk").last()
    assert (third.status, third.message) == (BackCheckStatus.UNREACHABLE, None)
    assert third.answer.startswith("Nomor ini dipakai untuk beberapa pendaftaran agen yang sama")
