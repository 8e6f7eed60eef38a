"""Messages for `cakupan demo`: consent for part of the synthetic population, the renewal reminders of the
latest month sent through a local emulator of the gateways, the following month's self-payments
simulated, and one literacy campaign left for the demo server to send.

The simulated payments are chosen by a hash of the worker, **independently of any reminder**: the demo
makes no assumption about whether reminders work. The outbox page's comparison of reminded and held-back
workers then shows what real data would show (here: about the same share), not a number we chose."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cakupan.core.errors import DomainError
from cakupan.funding.reminders import reminders_queue
from cakupan.messaging import campaigns
from cakupan.messaging.models import Channel, ConsentRecord, ConsentSource, ConsentState, Message, Purpose
from cakupan.messaging.sending import outbox_drain
from cakupan.messaging.services import receipt_apply
from cakupan.providers import sms, whatsapp
from cakupan.providers.emulators import channel_settings
from cakupan.registry import bulk
from cakupan.registry.models import Membership, Worker

# Shares of workers with a phone who agreed, by the last digit of their id: 0–3 reminders on WhatsApp and
# SMS, 4–5 reminders on SMS only; literacy by SMS for ids ending in 0–2.


def _grant(channel: str, purpose: str, digits: Iterable[int]) -> None:
    digits = ", ".join(str(d) for d in digits)
    now = bulk.timestamp_literal()
    true = "true" if connection.vendor == "postgresql" else "1"
    phones = (
        f"SELECT DISTINCT phone FROM {Worker._meta.db_table} WHERE phone <> '' AND id %% 10 IN ({digits})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ConsentState._meta.db_table} (address, channel, purpose, granted, changed_at) "
            f"SELECT phone, %s, %s, {true}, %s FROM ({phones}) p WHERE true "
            "ON CONFLICT (address, channel, purpose) DO NOTHING",
            [channel, purpose, now],
        )
        cursor.execute(
            f"INSERT INTO {ConsentRecord._meta.db_table} (address, channel, purpose, granted, source, "
            f"recorded_at, note) SELECT address, channel, purpose, granted, %s, changed_at, %s "
            f"FROM {ConsentState._meta.db_table} WHERE channel = %s AND purpose = %s",
            [ConsentSource.DEMO, "data demo", channel, purpose],
        )


def _send_through(emulator, clock) -> dict[str, int]:
    """Sends what is due through the emulator, then gives our webhooks' services the receipts it made."""
    original = settings.MESSAGING
    settings.MESSAGING = {
        **original,
        **channel_settings(emulator),
        "rates": {"sms": 10_000.0, "whatsapp": 10_000.0, "email": 10_000.0},
        "whatsapp_daily_limit": 1_000_000,
    }
    try:
        counts = {
            channel: outbox_drain(channel=channel, clock=clock) for channel in (Channel.WHATSAPP, Channel.SMS)
        }
    finally:
        settings.MESSAGING = original
    for callback in emulator.state.callbacks:
        body = callback["body"].encode()
        if callback["kind"] == "sms_status":
            update = sms.parse_status(dict(urllib.parse.parse_qsl(callback["body"])))
            reference = callback["url"].rstrip("/").rsplit("/", 1)[-1]
            if update:
                receipt_apply(channel=Channel.SMS, update=replace(update, reference=reference))
        elif callback["kind"] == "whatsapp_status":
            for update in whatsapp.parse_webhook(body).updates:
                receipt_apply(channel=Channel.WHATSAPP, update=update)
    return {f"{channel}_{k}": v for channel, c in counts.items() for k, v in c.items()}


@transaction.atomic
def _simulate_payments() -> int:
    """The following month's roster: the workers with an even id among the reminded and held-back ones paid
    the month their reminder was about (half of them, whatever their reminder did)."""
    membership, message = Membership._meta.db_table, Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {membership} SET paid_through = m.about_month
                FROM {message} m
                WHERE m.worker_id = {membership}.worker_id AND m.about_month IS NOT NULL
                  AND m.worker_id % 2 = 0 AND {membership}.paid_through < m.about_month"""
        )
        return cursor.rowcount


def messages_demo_seed(*, month: dt.date, campaign_officer) -> dict:
    """Idempotent: does nothing when the outbox has messages."""
    from cakupan.providers.emulators import Emulator

    if Message.objects.exists():
        return {}
    for channel, purpose, digits in (
        (Channel.WHATSAPP, Purpose.REMINDER, range(0, 4)),
        (Channel.SMS, Purpose.REMINDER, range(0, 6)),
        (Channel.SMS, Purpose.LITERACY, range(0, 3)),
    ):
        _grant(channel, purpose, digits)
    queued = reminders_queue(month=month)
    later = timezone.now() + dt.timedelta(days=45)
    with Emulator() as emulator:
        sent = _send_through(emulator, clock=lambda: later)
    paid = _simulate_payments()
    area = campaign_officer.area_id
    audience = campaigns.audience_check(
        user=campaign_officer,
        region_code=area,
        sectors=["nelayan", "petani"],
        deciles=[],
        coverage=["belum", "nonaktif"],
        channel=Channel.SMS,
    )
    reached = 0
    try:
        campaign = campaigns.campaign_create(
            actor=campaign_officer,
            name="Sosialisasi nelayan dan petani",
            audience=audience,
            template_key="sosialisasi_umum",
            scheduled_at=timezone.now(),
        )
        reached = campaign.audience
    except DomainError as error:
        # A very small demo population may have nobody to reach there.
        if error.code != "campaign_audience_empty":
            raise
    return {**queued, **sent, "paid": paid, "campaign": reached}
