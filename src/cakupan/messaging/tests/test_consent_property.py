"""Zero messages are ever queued to an opted-out address for that purpose, whatever the order of grants,
STOPs, MULAIs and queue attempts (hypothesis drives the sequence through the real services)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.core.errors import DomainError
from cakupan.messaging import services
from cakupan.messaging.models import ConsentRecord, ConsentState, Message, Purpose
from cakupan.providers.base import Inbound

PHONES = ["+6281234567001", "+6281234567002"]
STEP = st.tuples(
    st.sampled_from(["grant", "stop", "mulai", "queue"]),
    st.sampled_from(PHONES),
    st.sampled_from(["sms", "whatsapp"]),
    st.sampled_from([Purpose.REMINDER, Purpose.LITERACY]),
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_no_message_is_queued_to_an_opted_out_address(steps):
    Message.objects.all().delete()
    ConsentState.objects.all().delete()
    template = services.template_create(
        key="p", purpose=Purpose.REMINDER, subject="", body="Halo {n}", variables=["n"], whatsapp_name="p"
    )
    for number, (action, phone, channel, purpose) in enumerate(steps):
        if action == "grant":
            services.consent_record(
                address=phone, channels=[channel], purposes=[purpose], granted=True, source="officer"
            )
        elif action in ("stop", "mulai"):
            services.inbound_receive(channel=channel, inbound=Inbound(sender=phone, text=action.upper()))
        else:
            allowed = ConsentState.objects.filter(
                address=phone, channel=channel, purpose=purpose, granted=True
            ).exists()
            before = Message.objects.count()
            try:
                services.message_queue(
                    purpose=purpose,
                    channel=channel,
                    address=phone,
                    template=template,
                    values={"n": "Siti"},
                    idempotency_key=f"{number}",
                )
            except DomainError as error:
                assert error.code == "consent_missing"
                assert not allowed
            else:
                assert allowed
                assert Message.objects.count() == before + 1
    # The ledger's latest word per triple is the state.
    for state in ConsentState.objects.all():
        latest = (
            ConsentRecord.objects.filter(address=state.address, channel=state.channel, purpose=state.purpose)
            .order_by("-recorded_at", "-id")
            .first()
        )
        assert latest.granted == state.granted
