"""The outbox page: counts and masked messages inside the officer's area, filters checked, resend only for
the checking officers."""

import pytest

from cakupan.accounts.models import Role, User
from cakupan.messaging import services
from cakupan.messaging.models import Message, MessageState, Purpose
from cakupan.messaging.sending import outbox_drain
from cakupan.messaging.tests.conftest import VALUES, control, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(db):
    def user(username, role, area):
        return User.objects.create_user(username=username, password="x", role=role, area_id=area)

    return {
        "coordinator": user("provinsi", Role.PROVINCIAL_COORDINATOR, "36"),
        "analyst": user("analis", Role.PROVINCIAL_ANALYST, "36"),
        "lebak": user("lebak", Role.REGENCY_OFFICER, "36.02"),
        "operator": user("desa", Role.VILLAGE_OPERATOR, "36.02.01.2002"),
    }


def _failed_message(channels, template):
    grant()
    message = services.message_queue(purpose=Purpose.REMINDER, channel="sms", address="0812-3456-7001",
                                     template=template, values=VALUES, idempotency_key="p1")  # fmt: skip
    control(channels, "faults", {"channel": "sms", "faults": [{"status": 400}]})
    outbox_drain(channel="sms")
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    return message


def test_the_coordinator_sees_counts_masked_addresses_and_resends(client, channels, template, officers):
    message = _failed_message(channels, template)
    client.force_login(officers["coordinator"])
    page = client.get("/pesan/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "0812********" in text and "+6281234567001" not in text
    assert "Kirim ulang" in text
    assert client.post(f"/pesan/{message.pk}/kirim-ulang/").status_code == 302
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.QUEUED, 0)
    assert outbox_drain(channel="sms") == {"sent": 1}


def test_the_analyst_reads_but_may_not_resend(client, channels, template, officers):
    message = _failed_message(channels, template)
    client.force_login(officers["analyst"])
    assert "Kirim ulang" not in client.get("/pesan/").content.decode()
    assert client.post(f"/pesan/{message.pk}/kirim-ulang/").status_code == 403
    assert Message.objects.get().state == MessageState.FAILED


def test_a_message_outside_the_area_is_not_there(client, channels, template, officers):
    message = _failed_message(channels, template)  # province-level: no worker, region 36
    client.force_login(officers["lebak"])
    assert "0812*" not in client.get("/pesan/").content.decode()
    assert client.post(f"/pesan/{message.pk}/kirim-ulang/").status_code == 404


def test_the_village_operator_has_no_outbox(client, officers):
    client.force_login(officers["operator"])
    assert client.get("/pesan/").status_code == 403


@pytest.mark.parametrize("query", ["saluran=telegram", "status=hilang", "tujuan=iklan"])
def test_an_unknown_filter_is_named(client, officers, query):
    client.force_login(officers["coordinator"])
    page = client.get(f"/pesan/?{query}")
    assert page.status_code == 400
    assert "tidak dikenal" in page.content.decode()
