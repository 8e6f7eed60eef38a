"""The outbox through the real services and the local emulator of each provider's API."""

import pytest

from cakupan.core.errors import DomainError
from cakupan.messaging import services
from cakupan.messaging.models import (
    ConsentRecord,
    ConsentState,
    Message,
    MessageEvent,
    MessageState,
    Purpose,
    Receipt,
)
from cakupan.messaging.sending import outbox_drain
from cakupan.messaging.tests.conftest import (
    PHONE,
    VALUES,
    control,
    grant,
    later,
    replay_callbacks,
    sent_by_emulator,
)

pytestmark = pytest.mark.django_db


def queue(template, *, channel="sms", key="pengingat:1:2027-01", address=PHONE, purpose=Purpose.REMINDER):
    return services.message_queue(
        purpose=purpose,
        channel=channel,
        address=address,
        template=template,
        values=VALUES,
        idempotency_key=key,
    )


def test_the_same_key_is_never_queued_twice(channels, template):
    grant()
    first = queue(template)
    again = queue(template)
    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert first.body == "Halo Siti, iuran Januari 2027 jatuh tempo 15 Januari 2027."
    assert first.parameters == ["Siti", "Januari 2027", "15 Januari 2027"]
    assert first.region_code == "36"
    # Queueing is recorded on the row; events start with the first move.
    assert first.queued_at is not None
    assert not MessageEvent.objects.filter(message=first).exists()


def test_a_reminder_without_consent_is_refused_and_nothing_is_written(channels, template):
    with pytest.raises(DomainError) as caught:
        queue(template)
    assert caught.value.code == "consent_missing"
    assert Message.objects.count() == 0


def test_a_one_time_code_needs_no_consent(channels, template):
    code = services.template_create(
        key="kode",
        purpose=Purpose.OTP,
        subject="",
        body="Kode Anda {kode}.",
        variables=["kode"],
        whatsapp_name="kode_otp",
    )
    message = services.message_queue(
        purpose=Purpose.OTP,
        channel="sms",
        address="0812-3456-7001",
        template=code,
        values={"kode": "123456"},
        idempotency_key="otp:1",
    )
    assert message.address == PHONE
    assert message.body == "Kode Anda 123456."


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"address": "0254-123456"}, "phone_not_mobile"),
        ({"address": "bukan nomor"}, "phone_invalid"),
        ({"channel": "telegram"}, "channel_unknown"),
        ({"purpose": "iklan"}, "purpose_unknown"),
        ({"key": ""}, "idempotency_key_invalid"),
    ],
)
def test_bad_input_is_named_and_writes_nothing(channels, template, overrides, code):
    grant()
    with pytest.raises(DomainError) as caught:
        queue(template, **overrides)
    assert caught.value.code == code
    assert Message.objects.count() == 0


def test_a_value_missing_for_the_template_is_refused(channels, template):
    grant()
    with pytest.raises(DomainError) as caught:
        services.message_queue(
            purpose=Purpose.REMINDER,
            channel="sms",
            address=PHONE,
            template=template,
            values={"nama_depan": "Siti"},
            idempotency_key="k",
        )
    assert caught.value.code == "template_variable_missing"
    assert Message.objects.count() == 0


def test_a_template_with_an_unknown_variable_is_refused(db):
    with pytest.raises(DomainError) as caught:
        services.template_create(
            key="x",
            purpose=Purpose.LITERACY,
            subject="",
            body="Halo {nama}",
            variables=["nama_depan"],
            whatsapp_name="x",
        )
    assert caught.value.code == "template_variable_unknown"


def test_a_new_wording_is_a_new_version_and_old_messages_keep_theirs(channels, template):
    grant()
    first = queue(template)
    newer = services.template_create(
        key="uji_pengingat",
        purpose=Purpose.REMINDER,
        subject="",
        body="Hai {nama_depan}: {bulan}, {jatuh_tempo}.",
        variables=["nama_depan", "bulan", "jatuh_tempo"],
        whatsapp_name="p2",
    )
    assert (template.version, newer.version) == (1, 2)
    assert services.template_current("uji_pengingat") == newer
    first.refresh_from_db()
    assert first.template_id == template.pk


def test_sms_sent_then_delivered_by_signed_receipts(client, channels, template):
    grant()
    message = queue(template)
    assert outbox_drain(channel="sms") == {"sent": 1}
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    [emulated] = sent_by_emulator(channels, "sms")
    assert message.provider_id == emulated["sid"]
    assert emulated["body"] == message.body
    assert emulated["status_callback"] == f"http://testserver/pesan/kabar/sms/{message.reference}/"
    responses = replay_callbacks(client, channels, kind="sms_status")
    assert [r.status_code for r in responses] == [200, 200]
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED
    assert message.delivered_at is not None
    assert list(MessageEvent.objects.filter(message=message).values_list("state", flat=True)) == [
        "sending",
        "sent",
        "delivered",
    ]
    # A provider that repeats itself changes nothing.
    replay_callbacks(client, channels, kind="sms_status")
    assert MessageEvent.objects.filter(message=message).count() == 3


def test_an_unreachable_number_ends_failed_with_the_providers_code(client, channels, template):
    grant(address="+6281234560000")
    message = queue(template, address="+6281234560000")
    outbox_drain(channel="sms")
    replay_callbacks(client, channels, kind="sms_status")
    message.refresh_from_db()
    assert (message.state, message.error_code) == (MessageState.FAILED, "30003")


def test_a_receipt_with_a_bad_signature_changes_nothing(client, channels, template):
    grant()
    message = queue(template)
    outbox_drain(channel="sms")
    response = client.post(
        f"/pesan/kabar/sms/{message.reference}/",
        data=f"MessageSid={message.provider_id}&MessageStatus=delivered",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE="palsu",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "webhook_signature_invalid"
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert Receipt.objects.count() == 0


def test_a_receipt_for_an_unknown_message_is_kept_and_answered_404(client, channels):
    from cakupan.providers import sms

    url = "http://testserver/pesan/kabar/sms/00000000-0000-0000-0000-000000000000/"
    params = {"MessageSid": "SMunknown", "MessageStatus": "delivered"}
    response = client.post(
        url.removeprefix("http://testserver"),
        data="MessageSid=SMunknown&MessageStatus=delivered",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=sms.signature(channels.config.sms_auth_token, url, params),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "message_unknown"
    assert Receipt.objects.get().provider_id == "SMunknown"


def test_a_provider_answering_500_is_retried_with_backoff_and_sent_once(channels, template):
    grant()
    message = queue(template)
    control(channels, "faults", {"channel": "sms", "faults": [{"status": 500}]})
    assert outbox_drain(channel="sms") == {"retry": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error_code) == (MessageState.QUEUED, 1, "http_500")
    assert sent_by_emulator(channels, "sms") == []
    # Not before its time …
    assert outbox_drain(channel="sms") == {}
    # … and then once.
    assert outbox_drain(channel="sms", clock=lambda: later(1)) == {"sent": 1}
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.SENT, 2)
    assert len(sent_by_emulator(channels, "sms")) == 1


def test_a_provider_that_times_out_is_retried(settings, channels, template):
    # A gateway that holds the request three times longer than we wait.
    settings.MESSAGING = {**settings.MESSAGING, "sms": {**settings.MESSAGING["sms"], "timeout": 1.0}}
    grant()
    message = queue(template)
    control(channels, "faults", {"channel": "sms", "faults": [{"hang": 3}]})
    assert outbox_drain(channel="sms") == {"retry": 1}
    message.refresh_from_db()
    assert message.error_code == "timeout"


def test_retries_stop_after_the_configured_attempts(settings, channels, template):
    settings.MESSAGING = {**settings.MESSAGING, "max_attempts": 2}
    grant()
    message = queue(template)
    control(channels, "faults", {"channel": "sms", "faults": [{"status": 503}, {"status": 503}]})
    outbox_drain(channel="sms")
    outbox_drain(channel="sms", clock=lambda: later(10))
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error_code) == (MessageState.FAILED, 2, "http_503")


def test_a_switched_off_channel_keeps_its_messages_waiting(settings, channels, template):
    grant()
    message = queue(template)
    settings.MESSAGING = {**settings.MESSAGING, "sms": None}
    assert outbox_drain(channel="sms") == {"channel_off": 1}
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED


def test_the_rate_limit_holds_across_drains(settings, channels, template):
    settings.MESSAGING = {**settings.MESSAGING, "rates": {"sms": 2.0, "whatsapp": 1.0, "email": 1.0}}
    grant()
    for n in range(5):
        queue(template, key=f"k{n}")
    from django.utils import timezone

    now = timezone.now()
    slept = []
    ticks = iter(range(1000))

    def clock():
        return now + __import__("datetime").timedelta(seconds=next(ticks) * 0.1)

    counts = outbox_drain(channel="sms", clock=clock, sleep=slept.append)
    assert counts == {"sent": 5}
    # Two a second: five messages need the bucket refilled at least twice.
    assert len(slept) >= 2
    assert all(pause == pytest.approx(0.5) for pause in slept)


def test_whatsapp_template_sent_with_its_parameters_and_our_reference(client, channels, template):
    grant()
    message = queue(template, channel="whatsapp")
    assert outbox_drain(channel="whatsapp") == {"sent": 1}
    [emulated] = sent_by_emulator(channels, "whatsapp")
    assert (emulated["template"], emulated["parameters"], emulated["reference"], emulated["to"]) == (
        "pengingat_iuran",
        ["Siti", "Januari 2027", "15 Januari 2027"],
        str(message.reference),
        PHONE[1:],
    )
    assert [r.status_code for r in replay_callbacks(client, channels, kind="whatsapp_status")] == [200, 200]
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED


def test_whatsapp_webhook_refuses_a_bad_signature_and_verifies_the_subscription(client, channels):
    response = client.post(
        "/pesan/kabar/whatsapp/",
        data=b'{"entry": []}',
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=00",
    )
    assert response.status_code == 403
    ok = client.get(
        "/pesan/kabar/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "verifikasi", "hub.challenge": "42"},
    )
    assert (ok.status_code, ok.content) == (200, b"42")
    assert (
        client.get(
            "/pesan/kabar/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": "salah"}
        ).status_code
        == 403
    )


def test_an_unapproved_whatsapp_template_fails_at_once(channels, template):
    channels.config.whatsapp_templates = frozenset({"lain"})
    grant()
    message = queue(template, channel="whatsapp")
    assert outbox_drain(channel="whatsapp") == {"failed": 1}
    message.refresh_from_db()
    assert (message.state, message.error_code) == (MessageState.FAILED, "whatsapp_132001")


def test_the_whatsapp_daily_tier_holds_new_conversations(settings, channels, template):
    settings.MESSAGING = {**settings.MESSAGING, "whatsapp_daily_limit": 2}
    for n in range(3):
        address = f"+62812345670{n}1"
        grant(address=address)
        queue(template, channel="whatsapp", address=address, key=f"w{n}")
    assert outbox_drain(channel="whatsapp") == {"sent": 2}
    assert Message.objects.filter(state=MessageState.QUEUED).count() == 1


@pytest.mark.parametrize(
    ("channel", "word"), [("sms", "STOP"), ("sms", " berhenti "), ("whatsapp", "Berhenti")]
)
def test_a_stop_reply_withdraws_consent_on_every_channel(client, channels, template, channel, word):
    grant(purposes=(Purpose.REMINDER, Purpose.LITERACY))
    waiting = queue(template, channel="whatsapp")
    control(channels, "inbound", {"channel": channel, "from": PHONE, "text": word})
    assert [r.status_code for r in replay_callbacks(client, channels)] == [200]
    assert not ConsentState.objects.filter(address=PHONE, granted=True).exists()
    assert ConsentState.objects.filter(address=PHONE, granted=False).count() == 4
    assert set(ConsentRecord.objects.filter(granted=False).values_list("source", flat=True)) == {
        "inbound_stop"
    }
    # Nothing more is queued for that number, on either channel …
    for other in ("sms", "whatsapp"):
        with pytest.raises(DomainError):
            queue(template, channel=other, key=f"baru:{other}")
    # … and what was waiting is stopped at the door.
    assert outbox_drain(channel="whatsapp") == {"consent_withdrawn": 1}
    waiting.refresh_from_db()
    assert (waiting.state, waiting.error_code) == (MessageState.CANCELLED, "consent_withdrawn")
    assert sent_by_emulator(channels, "whatsapp") == []


def test_mulai_grants_again_and_other_replies_are_only_kept(client, channels, template):
    from cakupan.messaging.models import InboundMessage

    control(channels, "inbound", {"channel": "sms", "from": PHONE, "text": "MULAI"})
    control(channels, "inbound", {"channel": "sms", "from": PHONE, "text": "bagaimana cara bayar?"})
    replay_callbacks(client, channels)
    assert ConsentState.objects.filter(address=PHONE, channel="sms", granted=True).count() == 2
    assert list(InboundMessage.objects.order_by("id").values_list("action", flat=True)) == ["start", ""]
    # The same inbound message delivered twice is kept once.
    replay_callbacks(client, channels)
    assert InboundMessage.objects.count() == 2


def test_an_officer_sends_a_failed_message_again(channels, template, django_user_model):
    from cakupan.accounts.models import Role

    grant()
    message = queue(template)
    control(channels, "faults", {"channel": "sms", "faults": [{"status": 400}]})
    outbox_drain(channel="sms")
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    officer = django_user_model.objects.create_user(
        username="k", password="x", role=Role.PROVINCIAL_COORDINATOR, area_id="36"
    )
    services.message_requeue(message=message, actor=officer)
    assert outbox_drain(channel="sms") == {"sent": 1}
    with pytest.raises(DomainError) as caught:
        services.message_requeue(message=message, actor=officer)
    assert caught.value.code == "message_not_failed"


def test_the_seeded_templates_fill_cleanly():
    from cakupan.messaging.models import MessageTemplate
    from cakupan.messaging.rendering import check_template

    templates = {t.key: t for t in MessageTemplate.objects.all()}
    assert set(templates) == {
        "pengingat_jatuh_tempo", "pengingat_terlewat", "pengingat_nonaktif", "sosialisasi_umum",
        "kode_sekali_pakai", "pemberitahuan_perpanjangan", "sertakan_persetujuan", "sertakan_tanda_terima",
        "sertakan_aktif", "sertakan_akan_habis", "sertakan_pembayaran_gagal", "sertakan_dihentikan",
        "klaim_dokumen_kurang", "klaim_lengkap", "klaim_dibayar", "klaim_ditolak", "klaim_eskalasi",
        "cek_ulang_pendaftaran",
    }  # fmt: skip
    for template in templates.values():
        check_template([template.subject, template.body], template.variables)
        assert template.version == 1
        assert template.whatsapp_name.startswith("cakupan_")
