"""Writes of the outbox: templates, consent, queueing one message, receipts and inbound messages.

Sending lives in `messaging.sending`. Every change of a message writes a MessageEvent in the same
transaction; consent changes append to the ledger and update the current state together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.messaging import addresses, rendering
from cakupan.messaging.models import (
    CONSENT_PURPOSES,
    PHONE_CHANNELS,
    Channel,
    ConsentRecord,
    ConsentSource,
    ConsentState,
    InboundMessage,
    Message,
    MessageEvent,
    MessageState,
    MessageTemplate,
    Purpose,
    Receipt,
)
from cakupan.providers.base import DELIVERED, FAILED, SENT, Inbound, StatusUpdate

# Messages with no worker and no area (to a sponsor, say) belong to the province's officers.
PROVINCE = "36"
STOP_WORDS = frozenset({"STOP", "BERHENTI", "UNSUBSCRIBE", "STOPALL", "END", "CANCEL", "BATAL"})
START_WORDS = frozenset({"START", "MULAI", "UNSTOP"})


def _template_error(error: rendering.TemplateError) -> DomainError:
    return DomainError(error.code, error.message, field="template")


# --- templates --------------------------------------------------------------------------------------------


@transaction.atomic
def template_create(
    *, key: str, purpose: str, subject: str, body: str, variables: list[str], whatsapp_name: str, actor=None
) -> MessageTemplate:
    """A new version of the template `key` (version 1 when new). Its texts may use only its variables."""
    if purpose not in Purpose.values:
        raise DomainError("purpose_unknown", f"Tujuan pesan '{purpose[:20]}' tidak dikenal.", field="purpose")
    if not body.strip():
        raise DomainError("template_empty", "Isi templat tidak boleh kosong.", field="body")
    try:
        rendering.check_template([subject, body], variables)
    except rendering.TemplateError as error:
        raise _template_error(error) from error
    latest = MessageTemplate.objects.select_for_update().filter(key=key).aggregate(v=Max("version"))["v"] or 0
    template = MessageTemplate.objects.create(
        key=key,
        version=latest + 1,
        purpose=purpose,
        subject=subject,
        body=body,
        variables=list(variables),
        whatsapp_name=whatsapp_name,
    )
    audit_record(
        action=AuditAction.CREATE, actor=actor, obj=template, changes={"version": [latest, latest + 1]}
    )
    return template


def template_current(key: str) -> MessageTemplate:
    template = MessageTemplate.objects.filter(key=key).order_by("-version").first()
    if template is None:
        raise DomainError("template_not_found", f"Templat '{key[:40]}' belum ada.", field="template")
    return template


# --- consent ----------------------------------------------------------------------------------------------


def consent_granted(*, address: str, channel: str, purpose: str) -> bool:
    if purpose not in CONSENT_PURPOSES:
        return True
    return ConsentState.objects.filter(
        address=address, channel=channel, purpose=purpose, granted=True
    ).exists()


@transaction.atomic
def consent_record(
    *,
    address: str,
    channels: Iterable[str],
    purposes: Iterable[str],
    granted: bool,
    source: str,
    actor=None,
    note: str = "",
) -> int:
    """Appends one ledger row per channel × purpose and makes it the current answer. Returns the number of
    rows written."""
    if source not in ConsentSource.values:
        raise DomainError("consent_source_unknown", "Sumber persetujuan tidak dikenal.", field="source")
    now = timezone.now()
    pairs = [(channel, purpose) for channel in channels for purpose in purposes]
    for channel, purpose in pairs:
        if purpose not in CONSENT_PURPOSES:
            raise DomainError(
                "consent_purpose_invalid",
                "Persetujuan hanya dicatat untuk pengingat dan sosialisasi.",
                field="purpose",
            )
        normalised = addresses.normalise(channel, address)
        ConsentRecord.objects.create(
            address=normalised,
            channel=channel,
            purpose=purpose,
            granted=granted,
            source=source,
            recorded_at=now,
            recorded_by=actor,
            note=note[:200],
        )
        ConsentState.objects.update_or_create(
            address=normalised,
            channel=channel,
            purpose=purpose,
            defaults={"granted": granted, "changed_at": now},
        )
    return len(pairs)


def consent_withdraw_person(
    *, phone: str = "", email: str = "", source: str, actor=None, note: str = ""
) -> int:
    """A STOP (or the e-mail link) withdraws every consent purpose on every channel of that address: the
    phone's SMS and WhatsApp, the e-mail address's e-mail. Messages already queued are stopped when the
    sender checks consent again before sending."""
    written = 0
    if phone:
        written += consent_record(
            address=phone,
            channels=PHONE_CHANNELS,
            purposes=CONSENT_PURPOSES,
            granted=False,
            source=source,
            actor=actor,
            note=note,
        )
    if email:
        written += consent_record(
            address=email,
            channels=[Channel.EMAIL],
            purposes=CONSENT_PURPOSES,
            granted=False,
            source=source,
            actor=actor,
            note=note,
        )
    return written


# --- queueing ---------------------------------------------------------------------------------------------


def _event(message: Message, state: str, detail: str = "", at=None) -> None:
    MessageEvent.objects.create(message=message, state=state, detail=detail[:300], at=at or timezone.now())


def message_queue(
    *,
    purpose: str,
    channel: str,
    address: str,
    template: MessageTemplate,
    values: Mapping[str, object],
    idempotency_key: str,
    worker=None,
    region_code: str = "",
    actor=None,
) -> Message:
    """Queues one message, or returns the one already queued under the same idempotency key. A message
    whose purpose needs consent is refused (`consent_missing`) unless the address has given it."""
    if purpose not in Purpose.values:
        raise DomainError(
            "purpose_unknown", f"Tujuan pesan '{str(purpose)[:20]}' tidak dikenal.", field="purpose"
        )
    normalised = addresses.normalise(channel, address)
    if not idempotency_key or len(idempotency_key) > 200:
        raise DomainError("idempotency_key_invalid", "Kunci idempotensi harus 1–200 karakter.")
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if not consent_granted(address=normalised, channel=channel, purpose=purpose):
        raise DomainError(
            "consent_missing",
            "Penerima belum menyetujui pesan jenis ini lewat saluran ini (atau sudah berhenti).",
            field="address",
        )
    try:
        subject = rendering.render(template.subject, template.variables, values) if template.subject else ""
        body = rendering.render(template.body, template.variables, values)
    except rendering.TemplateError as error:
        raise _template_error(error) from error
    parameters = [str(values.get(name, "")) for name in template.variables]
    region_code = region_code or (worker.desa_id if worker is not None else PROVINCE)
    try:
        with transaction.atomic():
            # Its queueing is recorded on the row itself (queued_at, created_by); events follow from here.
            message = Message.objects.create(
                purpose=purpose,
                channel=channel,
                address=normalised,
                worker=worker,
                region_code=region_code,
                template=template,
                subject=subject,
                body=body,
                parameters=parameters,
                idempotency_key=idempotency_key,
                created_by=actor,
            )
    except IntegrityError:
        # Queued meanwhile by someone else under the same key: theirs stands.
        return Message.objects.get(idempotency_key=idempotency_key)
    schedule_drain(channel)
    return message


def schedule_drain(channel: str) -> None:
    """After the commit, a background task sends what is due on the channel."""
    from cakupan.messaging.tasks import outbox_drain_task

    transaction.on_commit(lambda: outbox_drain_task.enqueue(channel))


@transaction.atomic
def message_requeue(*, message: Message, actor) -> Message:
    """An officer sends a failed message again (the same row, so never twice under its key)."""
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.state != MessageState.FAILED:
        raise DomainError("message_not_failed", "Hanya pesan yang gagal yang dapat dikirim ulang.")
    now = timezone.now()
    Message.objects.filter(pk=locked.pk).update(
        state=MessageState.QUEUED,
        next_attempt_at=now,
        attempts=0,
        claim_token="",
        claimed_at=None,
        failed_at=None,
        error_code="",
        error_detail="",
    )
    _event(locked, MessageState.QUEUED, "dikirim ulang oleh petugas", at=now)
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=locked,
        region_code=locked.region_code or None,
        changes={"state": [MessageState.FAILED, MessageState.QUEUED]},
    )
    schedule_drain(locked.channel)
    locked.refresh_from_db()
    return locked


# --- receipts and inbound ----------------------------------------------------------------------------------

# The order in which a receipt may move a message: never back, except that a failure may follow "sent" (an
# SMS undelivered after reaching the gateway) and a delivery beats a failure (WhatsApp reports per device).
_RANK = {
    MessageState.QUEUED: 0,
    MessageState.SENDING: 1,
    MessageState.FAILED: 2,
    MessageState.CANCELLED: 2,
    MessageState.SENT: 2,
    MessageState.DELIVERED: 3,
}


@transaction.atomic
def receipt_apply(*, channel: str, update: StatusUpdate) -> Message | None:
    """Records the receipt; moves its message (found by our reference, else the provider's id) forward.
    A receipt for no known message is kept with no message, and changes nothing else."""
    message = None
    query = Message.objects.select_for_update()
    if update.reference:
        message = query.filter(reference=_uuid_or_none(update.reference), channel=channel).first()
    if message is None and update.provider_id:
        message = query.filter(provider_id=update.provider_id, channel=channel).first()
    Receipt.objects.create(
        channel=channel,
        message=message,
        provider_id=update.provider_id[:100],
        reference=update.reference[:64],
        state=update.state,
        error_code=update.error_code[:60],
    )
    if message is None:
        return None
    now = timezone.now()
    target = {SENT: MessageState.SENT, DELIVERED: MessageState.DELIVERED, FAILED: MessageState.FAILED}[
        update.state
    ]
    current = message.state
    moves = (
        _RANK[target] > _RANK[current]
        or (target == MessageState.FAILED and current == MessageState.SENT)
        or (
            target == MessageState.SENT
            and current == MessageState.FAILED
            and message.error_code == "send_interrupted"
        )
    )
    fields = {"provider_id": message.provider_id or update.provider_id[:100]}
    if moves:
        fields["state"] = target
        if target == MessageState.SENT:
            fields.update(sent_at=message.sent_at or now, failed_at=None, error_code="", error_detail="")
        elif target == MessageState.DELIVERED:
            fields.update(
                delivered_at=now,
                sent_at=message.sent_at or now,
                failed_at=None,
                error_code="",
                error_detail="",
            )
        else:
            fields.update(
                failed_at=now,
                error_code=update.error_code[:60] or "undelivered",
                error_detail=update.error_detail[:300] or "penyedia melaporkan pesan tidak sampai",
            )
    Message.objects.filter(pk=message.pk).update(**fields)
    if moves:
        _event(message, target, f"laporan penyedia {update.provider_id[:60]}", at=now)
    message.refresh_from_db()
    return message


def _uuid_or_none(text: str):
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@transaction.atomic
def inbound_receive(*, channel: str, inbound: Inbound) -> InboundMessage:
    """Keeps what a person wrote; STOP/BERHENTI withdraws their consent on every channel at once, MULAI
    grants reminders and literacy on the channel they wrote from. A provider's repeat is recorded once."""
    if inbound.provider_id:
        existing = InboundMessage.objects.filter(
            channel=channel, provider_id=inbound.provider_id[:100]
        ).first()
        if existing is not None:
            return existing
    word = "".join(inbound.text.split()).upper()
    action = "stop" if word in STOP_WORDS else "start" if word in START_WORDS else ""
    try:
        sender = addresses.mobile_number(inbound.sender)
    except DomainError:
        sender, action = inbound.sender[:254], ""
    record = InboundMessage.objects.create(
        channel=channel,
        sender=sender,
        text=inbound.text[:2000],
        provider_id=inbound.provider_id[:100],
        action=action,
    )
    if action == "stop":
        consent_withdraw_person(
            phone=sender, source=ConsentSource.INBOUND_STOP, note=f"{channel}: {word[:20]}"
        )
    elif action == "start":
        consent_record(
            address=sender,
            channels=[channel],
            purposes=CONSENT_PURPOSES,
            granted=True,
            source=ConsentSource.INBOUND_START,
            note=f"{channel}: {word[:20]}",
        )
    return record
