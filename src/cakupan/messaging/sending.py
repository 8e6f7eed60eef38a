"""Sending the outbox: claim what is due on a channel within its rate, send each message through its
adapter, record the answer; retry transient failures with backoff; find again what a dead sender left.

Crash safety. A message is claimed (state `sending`, a claim token, committed) before its provider is
called, and the provider's answer is recorded only where the claim still holds. A sender killed in
between leaves the message `sending`; after the lease `outbox_recover` decides without guessing:
- SMS: the gateway lists what it sent; a message found there is recorded as sent, one not found is queued
  again. So it is sent exactly once.
- WhatsApp: the receipt carries our reference (`biz_opaque_callback_data`), so a message that went out
  is recorded as soon as its receipt arrives; one still without a receipt after the lease is marked
  failed with `send_interrupted`, to be sent again by an officer, never automatically. E-mail, whose
  servers cannot be asked, is handled the same way. Nothing is lost and nothing goes out twice.
Consent is checked again just before sending: a STOP stops messages already queued.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from cakupan.messaging.models import (
    CONSENT_PURPOSES,
    Channel,
    ConsentState,
    Message,
    MessageEvent,
    MessageState,
    SendingBudget,
)
from cakupan.providers import config
from cakupan.providers.base import ProviderError
from cakupan.registry.models import Membership

CHUNK = 50


def channel_enabled(channel: str) -> bool:
    if channel == Channel.EMAIL:
        return bool(settings.MESSAGING.get("email"))
    return bool(settings.MESSAGING.get(channel))


def _rate(channel: str) -> float:
    return max(0.001, float(settings.MESSAGING["rates"][channel]))


def backoff_seconds(attempts: int) -> float:
    """30 s, 1 min, 2 min, 4 min …: doubling from the first retry, at most 6 hours."""
    return min(settings.MESSAGING["first_retry_seconds"] * 2 ** max(0, attempts - 1), 6 * 3600)


def _whatsapp_room(now: dt.datetime) -> int:
    """How many more people the WhatsApp account may start conversations with in the last 24 hours."""
    since = now - dt.timedelta(hours=24)
    reached = (
        Message.objects.filter(channel=Channel.WHATSAPP, sent_at__gte=since)
        .values("address")
        .distinct()
        .count()
    )
    return max(0, settings.MESSAGING["whatsapp_daily_limit"] - reached)


@transaction.atomic
def _claim(channel: str, want: int, now: dt.datetime) -> tuple[str, list[int]]:
    """Takes up to `want` due messages within the channel's token bucket, oldest due first."""
    rate = _rate(channel)
    budget, _ = SendingBudget.objects.select_for_update().get_or_create(
        channel=channel, defaults={"tokens": max(rate, 1.0), "updated_at": now}
    )
    elapsed = max(0.0, (now - budget.updated_at).total_seconds())
    # A burst of at most one second's worth: the provider sees the configured rate, not a spike after a lull.
    tokens = min(max(rate, 1.0), budget.tokens + elapsed * rate)
    room = int(tokens)
    if channel == Channel.WHATSAPP:
        room = min(room, _whatsapp_room(now))
    token = ""
    ids: list[int] = []
    if room > 0:
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(channel=channel, state=MessageState.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[: min(want, room)]
        )
    if ids:
        token = uuid.uuid4().hex
        Message.objects.filter(pk__in=ids, state=MessageState.QUEUED).update(
            state=MessageState.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
        )
        MessageEvent.objects.bulk_create(
            [MessageEvent(message_id=pk, state=MessageState.SENDING, at=now) for pk in ids]
        )
    SendingBudget.objects.filter(pk=channel).update(tokens=tokens - len(ids), updated_at=now)
    return token, ids


def _record(message: Message, token: str, fields: dict, event: str, detail: str = "") -> bool:
    """Writes the outcome only where this sender's claim still holds (a receipt may have come first). The
    caller holds the transaction: a drain records a whole chunk's outcomes in one commit."""
    changed = Message.objects.filter(pk=message.pk, claim_token=token, state=MessageState.SENDING).update(
        claim_token="", **fields
    )
    if changed:
        MessageEvent.objects.create(message=message, state=event, detail=detail[:300], at=timezone.now())
    else:
        # A receipt settled the state first: keep what it said, only note the provider's id.
        Message.objects.filter(pk=message.pk, provider_id="").update(
            provider_id=fields.get("provider_id", "")
        )
    return bool(changed)


def _record_now(message: Message, token: str, fields: dict, event: str, detail: str = "") -> bool:
    with transaction.atomic():
        return _record(message, token, fields, event, detail)


def _deliver(message: Message):
    """Calls the channel's adapter; returns its Accepted or raises ProviderError."""
    from cakupan.messaging.links import unsubscribe_url
    from cakupan.providers.email import send_email

    if message.channel == Channel.SMS:
        gateway = config.sms_gateway()
        return gateway.send(
            to=message.address,
            body=message.body,
            status_callback=config.public_url(f"/pesan/kabar/sms/{message.reference}/"),
        )
    if message.channel == Channel.WHATSAPP:
        cloud = config.whatsapp_cloud()
        return cloud.send_template(
            to=message.address,
            template=message.template.whatsapp_name,
            language=message.template.language,
            parameters=list(message.parameters),
            reference=str(message.reference),
        )
    return send_email(
        to=message.address,
        subject=message.subject or message.template.subject,
        body=message.body,
        reference=str(message.reference),
        unsubscribe_url=unsubscribe_url(message),
    )


def _stopped(messages: list[Message]) -> dict[int, tuple[str, str]]:
    """The messages of a chunk not to send after all, with why: consent withdrawn since they were queued,
    or a reminder whose month has been paid meanwhile. Two queries for the whole chunk."""
    stopped: dict[int, tuple[str, str]] = {}
    asking = [m for m in messages if m.purpose in CONSENT_PURPOSES]
    if asking:
        granted = set(
            ConsentState.objects.filter(granted=True, address__in={m.address for m in asking}).values_list(
                "address", "channel", "purpose"
            )
        )
        for m in asking:
            if (m.address, m.channel, m.purpose) not in granted:
                stopped[m.pk] = ("consent_withdrawn", "penerima berhenti berlangganan sebelum pesan dikirim")
    reminders = [m for m in messages if m.about_month and m.worker_id and m.pk not in stopped]
    if reminders:
        paid = dict(
            Membership.objects.filter(worker_id__in={m.worker_id for m in reminders})
            .values_list("worker_id")
            .annotate(latest=Max("paid_through"))
        )
        for m in reminders:
            if paid.get(m.worker_id) and paid[m.worker_id] >= m.about_month:
                stopped[m.pk] = ("already_paid", "iuran bulan itu sudah dibayar; pengingat tidak perlu")
    return stopped


@dataclass
class _Outcome:
    counted: str
    fields: dict
    event: str
    detail: str = ""
    retry_at: dt.datetime | None = None


def _attempt(message: Message) -> _Outcome:
    """Calls the provider; what to record (nothing is written here)."""
    try:
        accepted = _deliver(message)
    except ProviderError as error:
        now = timezone.now()
        problem = {"error_code": error.code[:60], "error_detail": error.detail[:300]}
        if error.transient and message.attempts < settings.MESSAGING["max_attempts"]:
            retry_at = now + dt.timedelta(seconds=backoff_seconds(message.attempts))
            fields = {"state": MessageState.QUEUED, "next_attempt_at": retry_at, **problem}
            return _Outcome("retry", fields, MessageState.QUEUED, f"dicoba lagi: {error.code}", retry_at)
        return _Outcome(
            "failed",
            {"state": MessageState.FAILED, "failed_at": now, **problem},
            MessageState.FAILED,
            error.code,
        )
    fields = {
        "state": MessageState.SENT,
        "sent_at": timezone.now(),
        "provider_id": accepted.provider_id[:100],
        "error_code": "",
        "error_detail": "",
    }
    return _Outcome("sent", fields, MessageState.SENT)


def _send_chunk(messages: list[Message], token: str, counts: Counter) -> None:
    stopped = _stopped(messages)
    outcomes = []
    for message in messages:
        if message.pk in stopped:
            code, detail = stopped[message.pk]
            fields = {
                "state": MessageState.CANCELLED,
                "failed_at": timezone.now(),
                "error_code": code,
                "error_detail": detail,
            }
            outcomes.append((message, _Outcome(code, fields, MessageState.CANCELLED, detail)))
        else:
            outcomes.append((message, _attempt(message)))
    retry_at = [outcome.retry_at for _, outcome in outcomes if outcome.retry_at]
    with transaction.atomic():
        for message, outcome in outcomes:
            _record(message, token, outcome.fields, outcome.event, outcome.detail)
            counts[outcome.counted] += 1
        if retry_at:
            from cakupan.messaging.tasks import schedule_retry

            channel = messages[0].channel
            transaction.on_commit(lambda: schedule_retry(channel, min(retry_at)))


def outbox_drain(
    *,
    channel: str,
    max_messages: int | None = None,
    clock=timezone.now,
    sleep=time.sleep,
    max_wait: float = 5.0,
) -> dict[str, int]:
    """Sends what is due on the channel at its configured rate until nothing is due (or `max_messages`).
    Returns counts by outcome. A switched-off channel sends nothing: its messages wait."""
    counts: Counter[str] = Counter()
    if not channel_enabled(channel):
        return {"channel_off": 1}
    done = stalled = 0
    last = None
    while max_messages is None or done < max_messages:
        want = CHUNK if max_messages is None else min(CHUNK, max_messages - done)
        now = clock()
        token, ids = _claim(channel, want, now)
        if not ids:
            # A clock that does not move (a test's) would never refill the bucket: stop rather than spin.
            stalled = stalled + 1 if now == last else 0
            last = now
            if stalled > 3:
                break
            due = Message.objects.filter(
                channel=channel, state=MessageState.QUEUED, next_attempt_at__lte=clock()
            ).exists()
            if not due or (channel == Channel.WHATSAPP and _whatsapp_room(clock()) == 0):
                break
            sleep(min(max_wait, 1.0 / _rate(channel)))
            continue
        chunk = list(Message.objects.filter(pk__in=ids, claim_token=token).select_related("template"))
        _send_chunk(chunk, token, counts)
        done += len(chunk)
    return dict(counts)


def outbox_recover(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Messages left `sending` past the lease by a sender that died: found sent, queued again, or marked
    interrupted (see the module's note)."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.MESSAGING["lease_seconds"])
    counts: Counter[str] = Counter()
    stale = Message.objects.filter(state=MessageState.SENDING, claimed_at__lt=stale_before).order_by("id")
    for message in stale.select_related("template")[:1000]:
        token = message.claim_token
        if message.channel == Channel.SMS and channel_enabled(Channel.SMS):
            try:
                found = config.sms_gateway().find_sent(
                    to=message.address, body=message.body, since=message.claimed_at
                )
            except ProviderError:
                counts["unknown"] += 1
                continue
            if found:
                _record_now(
                    message,
                    token,
                    {"state": MessageState.SENT, "sent_at": now, "provider_id": found[:100]},
                    MessageState.SENT,
                    "ditemukan di daftar kirim penyedia setelah pengirim terhenti",
                )
                counts["found_sent"] += 1
            else:
                _record_now(
                    message,
                    token,
                    {"state": MessageState.QUEUED, "next_attempt_at": now},
                    MessageState.QUEUED,
                    "pengirim terhenti sebelum pesan sampai ke penyedia",
                )
                counts["requeued"] += 1
        elif message.channel != Channel.SMS:
            _record_now(
                message,
                token,
                {
                    "state": MessageState.FAILED,
                    "failed_at": now,
                    "error_code": "send_interrupted",
                    "error_detail": "pengiriman terputus; penyedia tidak dapat ditanya apakah "
                    "pesan sampai. Kirim ulang bila perlu.",
                },
                MessageState.FAILED,
                "pengirim terhenti",
            )
            counts["interrupted"] += 1
    if counts.get("requeued"):
        from cakupan.messaging.services import schedule_drain

        schedule_drain(Channel.SMS)
    return dict(counts)


def next_retry_at(channel: str) -> dt.datetime | None:
    return Message.objects.filter(channel=channel, state=MessageState.QUEUED).aggregate(
        at=Min("next_attempt_at")
    )["at"]
