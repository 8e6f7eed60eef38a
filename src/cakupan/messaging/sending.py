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

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone

from cakupan.messaging.models import Channel, Message, MessageEvent, MessageState, SendingBudget
from cakupan.messaging.services import consent_granted
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
    """Writes the outcome only where this sender's claim still holds (a receipt may have come first)."""
    with transaction.atomic():
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


def _already_paid(message: Message) -> bool:
    """A reminder about a month that has been paid meanwhile is no longer news."""
    return bool(
        message.about_month
        and message.worker_id
        and Membership.objects.filter(
            worker_id=message.worker_id, paid_through__gte=message.about_month
        ).exists()
    )


def _cancel(message: Message, token: str, *, code: str, detail: str) -> None:
    fields = {
        "state": MessageState.CANCELLED,
        "failed_at": timezone.now(),
        "error_code": code,
        "error_detail": detail,
    }
    _record(message, token, fields, MessageState.CANCELLED, detail)


def _send_one(message: Message, token: str) -> str:
    if not consent_granted(address=message.address, channel=message.channel, purpose=message.purpose):
        _cancel(
            message,
            token,
            code="consent_withdrawn",
            detail="penerima berhenti berlangganan sebelum pesan dikirim",
        )
        return "consent_withdrawn"
    if _already_paid(message):
        _cancel(
            message, token, code="already_paid", detail="iuran bulan itu sudah dibayar; pengingat tidak perlu"
        )
        return "already_paid"
    try:
        accepted = _deliver(message)
    except ProviderError as error:
        now = timezone.now()
        if error.transient and message.attempts < settings.MESSAGING["max_attempts"]:
            retry_at = now + dt.timedelta(seconds=backoff_seconds(message.attempts))
            _record(
                message,
                token,
                {
                    "state": MessageState.QUEUED,
                    "next_attempt_at": retry_at,
                    "error_code": error.code[:60],
                    "error_detail": error.detail[:300],
                },
                MessageState.QUEUED,
                f"dicoba lagi: {error.code}",
            )
            from cakupan.messaging.tasks import schedule_retry

            transaction.on_commit(lambda: schedule_retry(message.channel, retry_at))
            return "retry"
        _record(
            message,
            token,
            {
                "state": MessageState.FAILED,
                "failed_at": now,
                "error_code": error.code[:60],
                "error_detail": error.detail[:300],
            },
            MessageState.FAILED,
            error.code,
        )
        return "failed"
    now = timezone.now()
    _record(
        message,
        token,
        {
            "state": MessageState.SENT,
            "sent_at": now,
            "provider_id": accepted.provider_id[:100],
            "error_code": "",
            "error_detail": "",
        },
        MessageState.SENT,
    )
    return "sent"


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
        for message in Message.objects.filter(pk__in=ids, claim_token=token).select_related("template"):
            counts[_send_one(message, token)] += 1
            done += 1
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
                _record(
                    message,
                    token,
                    {"state": MessageState.SENT, "sent_at": now, "provider_id": found[:100]},
                    MessageState.SENT,
                    "ditemukan di daftar kirim penyedia setelah pengirim terhenti",
                )
                counts["found_sent"] += 1
            else:
                _record(
                    message,
                    token,
                    {"state": MessageState.QUEUED, "next_attempt_at": now},
                    MessageState.QUEUED,
                    "pengirim terhenti sebelum pesan sampai ke penyedia",
                )
                counts["requeued"] += 1
        elif message.channel != Channel.SMS:
            _record(
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
