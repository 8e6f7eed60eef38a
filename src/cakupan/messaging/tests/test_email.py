"""E-mail through Django's SMTP backend to a real SMTP server (aiosmtpd) started on loopback."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller

from cakupan.messaging import services
from cakupan.messaging.links import unsubscribe_token
from cakupan.messaging.models import ConsentState, Message, MessageState, Purpose
from cakupan.messaging.sending import outbox_drain
from cakupan.messaging.tests.conftest import VALUES

pytestmark = pytest.mark.django_db
ADDRESS = "siti@contoh.id"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings, channels):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), ready_timeout=60)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 30
    yield inbox
    controller.stop()


def test_email_reaches_the_smtp_server_with_its_unsubscribe_link(client, smtp, template):
    services.consent_record(
        address=ADDRESS, channels=["email"], purposes=[Purpose.REMINDER], granted=True, source="registration"
    )
    message = services.message_queue(
        purpose=Purpose.REMINDER,
        channel="email",
        address="Siti@Contoh.id",
        template=template,
        values=VALUES,
        idempotency_key="e1",
    )
    assert outbox_drain(channel="email") == {"sent": 1}
    [(recipients, mail)] = smtp.messages
    assert recipients == [ADDRESS]
    assert mail["Subject"] == "Iuran Januari 2027"
    assert mail["Message-ID"] == f"<{message.reference}@cakupan.invalid>"
    link = "".join(mail["List-Unsubscribe"].split()).strip("<>")
    assert link == f"http://testserver/pesan/berhenti/{unsubscribe_token(ADDRESS)}/"
    assert "Halo Siti" in mail.get_payload()
    message.refresh_from_db()
    assert (message.state, message.provider_id) == (MessageState.SENT, mail["Message-ID"])

    # The link asks first (a link scanner unsubscribes nobody), then withdraws every consent of the address.
    path = link.removeprefix("http://testserver")
    assert "Berhenti menerima pesan" in client.get(path).content.decode()
    assert ConsentState.objects.get(address=ADDRESS).granted is True
    assert client.post(path).status_code == 200
    assert set(ConsentState.objects.filter(address=ADDRESS).values_list("granted", flat=True)) == {False}


def test_a_forged_unsubscribe_link_is_refused(client, db):
    response = client.post("/pesan/berhenti/bukan-token/")
    assert response.status_code == 400
    assert "tidak sah" in response.content.decode()
    assert ConsentState.objects.count() == 0


def test_an_smtp_server_that_is_down_means_a_retry(settings, channels, template):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", _free_port(), False
    services.consent_record(
        address=ADDRESS, channels=["email"], purposes=[Purpose.REMINDER], granted=True, source="registration"
    )
    services.message_queue(
        purpose=Purpose.REMINDER,
        channel="email",
        address=ADDRESS,
        template=template,
        values=VALUES,
        idempotency_key="e2",
    )
    assert outbox_drain(channel="email") == {"retry": 1}
    assert Message.objects.get().error_code == "email_unreachable"
