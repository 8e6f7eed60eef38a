"""Back-checks: a random few of the people each agent registers are asked by SMS whether they really met
the agent and agreed to be registered (the ghost or unwilling registrations a commission invites).

* **Who** (`back_checks_sample`, called when records become registered): of each agent's newly registered
  people with a phone in one settled import (her batch: the records of an hour, or 50, see
  services.filing), 5% rounded up, so at least one. The
  minimum of one makes every batch checkable: an agent who sends a few people at a time (most do) would
  otherwise go unchecked for months, and her pass rate is one of the figures she is ranked by. The cost is
  one SMS per batch at most above the 5%.
* **Which**: the records whose HMAC-SHA256 of their phone-made id, keyed by the server's secret, is
  smallest. Deterministic (tests and an auditor can recompute it) yet not steerable: the agent's phone
  makes the ids but cannot know the key.
* **Answers** (`back_checks_collect`): replies (InboundMessage, kept by `messaging`, which knows nothing of
  agents) from the number the question went to, received after it was sent and within 14 days; the first
  word YA (or IYA, BENAR…) passes, TIDAK (or BUKAN, SALAH…) fails, anything else is left for an officer
  to read. After 14 days without an answer the check is unanswered, or unreachable when the SMS never
  went out. A supervisor may record the answer of a phone call instead (`back_check_record`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.agents.models import BackCheck, BackCheckStatus, FieldRecord, RecordKind, RecordStatus
from cakupan.agents.rowaudit import BACK_CHECK_ROWS
from cakupan.audit.models import AuditAction
from cakupan.audit.rowchanges import RowChangeSet
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long
from cakupan.messaging.models import Channel, InboundMessage, MessageState, Purpose
from cakupan.messaging.services import message_queue, template_current

__all__ = [
    "ANSWER_DAYS",
    "SAMPLE_BP",
    "TEMPLATE",
    "back_check_record",
    "back_checks_collect",
    "back_checks_sample",
    "reply_verdict",
    "sample_choose",
]

SAMPLE_BP = 500  # 5%
ANSWER_DAYS = 14
TEMPLATE = "cek_ulang_pendaftaran"
YES_WORDS = frozenset({"YA", "Y", "IYA", "IYAH", "BENAR", "BETUL", "YES", "SETUJU"})
NO_WORDS = frozenset({"TIDAK", "TDK", "GAK", "ENGGAK", "NGGAK", "BUKAN", "SALAH", "NO"})
OPEN = (BackCheckStatus.QUEUED,)
# A supervisor's call settles a check the person has not answered; an answer she gave herself stands.
CALL_RESULTS = (BackCheckStatus.PASSED, BackCheckStatus.FAILED, BackCheckStatus.UNREACHABLE)
CALLABLE = (BackCheckStatus.QUEUED, BackCheckStatus.UNANSWERED, BackCheckStatus.UNREACHABLE)
UNSENDABLE = ("phone_invalid", "phone_not_mobile")


def _rank(secret: bytes, key: str) -> bytes:
    return hmac.new(secret, f"cek-ulang:{key}".encode(), hashlib.sha256).digest()


def sample_choose(candidates: list[tuple[int, str]], *, secret: bytes, rate_bp: int = SAMPLE_BP) -> list[int]:
    """Of (record id, client id) pairs, the ids to check: ceil(rate × n) (at least one of one or more),
    those whose keyed hash is smallest."""
    if not candidates:
        return []
    size = min(len(candidates), max(1, math.ceil(len(candidates) * rate_bp / 10_000)))
    ranked = sorted(candidates, key=lambda pair: (_rank(secret, pair[1]), pair[0]))
    return sorted(record_id for record_id, _ in ranked[:size])


def reply_verdict(text: str) -> str | None:
    """PASSED, FAILED or None from a reply's first word ("Ya, benar" passes; "tidak kenal" fails)."""
    words = re.findall(r"[A-Za-z]+", text or "")
    if not words:
        return None
    word = words[0].upper()
    if word in YES_WORDS:
        return BackCheckStatus.PASSED
    if word in NO_WORDS:
        return BackCheckStatus.FAILED
    return None


def _agent_name(agent) -> str:
    return agent.get_full_name() or agent.get_username()


def back_checks_sample(*, record_ids) -> list[BackCheck]:
    """Queue back-checks for a sample of the given newly registered records (see the module's text).
    Records not registered or without a phone are skipped, and so is a batch already sampled: calling it
    twice asks nobody more."""
    records = list(
        FieldRecord.objects.filter(
            pk__in=list(record_ids or []),
            kind=RecordKind.NEW,
            status=RecordStatus.REGISTERED,
            worker__isnull=False,
        )
        .exclude(worker__phone="")
        .select_related("worker", "agent")
        .order_by("pk")
    )
    sampled = set(
        BackCheck.objects.filter(
            record__worker_import_id__in={r.worker_import_id for r in records}
        ).values_list("agent_id", "record__worker_import_id")
    )
    batches: dict[tuple[int, int | None], list[FieldRecord]] = {}
    for record in records:
        if (record.agent_id, record.worker_import_id) not in sampled:
            batches.setdefault((record.agent_id, record.worker_import_id), []).append(record)
    secret = settings.SECRET_KEY.encode()
    made: list[BackCheck] = []
    for batch in batches.values():
        chosen = set(sample_choose([(r.pk, str(r.client_id)) for r in batch], secret=secret))
        made += _queue(records=[r for r in batch if r.pk in chosen], batch_size=len(batch))
    return made


SHARED_PHONE_AT = 3
SHARED_PHONE_NOTE = (
    "Nomor ini dipakai untuk beberapa pendaftaran agen yang sama; SMS tidak dikirim. Telepon atau kunjungi "
    "orangnya."
)


def _shared_phones(agent_id: int) -> set[str]:
    """Numbers the agent gave for SHARED_PHONE_AT or more of the people she registered: an SMS there could
    reach her (or one helper) rather than the person, so those checks are left to a supervisor's call."""
    rows = (
        FieldRecord.objects.filter(agent_id=agent_id, kind=RecordKind.NEW, status=RecordStatus.REGISTERED)
        .exclude(worker__phone="")
        .values("worker__phone")
        .annotate(people=Count("id"))
        .filter(people__gte=SHARED_PHONE_AT)
    )
    return {row["worker__phone"] for row in rows}


@transaction.atomic
def _queue(*, records: list[FieldRecord], batch_size: int) -> list[BackCheck]:
    template = template_current(TEMPLATE)
    checks = []
    shared = _shared_phones(records[0].agent_id) if records else set()
    for record in records:
        worker = record.worker
        settled = timezone.localtime(record.settled_at or timezone.now()).date()
        if worker.phone in shared:
            checks.append(
                BackCheck(record=record, agent_id=record.agent_id, worker=worker, message=None,
                          status=BackCheckStatus.UNREACHABLE, answer=SHARED_PHONE_NOTE)
            )  # fmt: skip
            continue
        try:
            message = message_queue(
                purpose=Purpose.BACK_CHECK,
                channel=Channel.SMS,
                address=worker.phone,
                template=template,
                values={
                    "nama_depan": worker.name.split()[0] if worker.name.split() else worker.name,
                    "agen": _agent_name(record.agent),
                    "tanggal": date_long(settled),
                },
                idempotency_key=f"cek-ulang:{record.pk}",
                worker=worker,
            )
        except DomainError as error:
            # A number that cannot take an SMS (a landline, a typo): a supervisor calls or visits instead.
            if error.code not in UNSENDABLE:
                raise
            message = None
        status = BackCheckStatus.QUEUED if message is not None else BackCheckStatus.UNREACHABLE
        checks.append(
            BackCheck(record=record, agent_id=record.agent_id, worker=worker, message=message, status=status)
        )
    created = BackCheck.objects.bulk_create(checks)
    if created:
        agent = records[0].agent
        changes = RowChangeSet()
        changes.inserted(BACK_CHECK_ROWS, changes.ids_sql([check.pk for check in created]))
        event = audit_record(
            action=AuditAction.CREATE,
            object_type="agents.backcheck",
            object_repr=f"Cek ulang {len(created)} dari {batch_size} pendaftaran agen {agent.get_username()}",
            region_code=agent.area_id,
            metadata={
                "agent": agent.pk,
                "import": records[0].worker_import_id,
                "registered_with_phone": batch_size,
                "checks": len(created),
                "unreachable": sum(1 for check in created if check.status == BackCheckStatus.UNREACHABLE),
            },
            actor_username="sistem",
        )
        changes.write(event)
    return created


@dataclass
class _Open:
    check: BackCheck
    address: str
    start: dt.datetime


@transaction.atomic
def back_checks_collect(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark open back-checks passed or failed from the replies received, and those past 14 days
    unanswered (or unreachable when their SMS failed or was cancelled). Returns counts."""
    now = now or timezone.now()
    window = dt.timedelta(days=ANSWER_DAYS)
    locked = list(
        BackCheck.objects.select_for_update()
        .filter(status__in=OPEN, message__isnull=False)
        .select_related("message")
        .order_by("pk")
    )
    open_checks = [_Open(c, c.message.address, c.message.sent_at or c.message.queued_at) for c in locked]
    counts = {"passed": 0, "failed": 0, "unanswered": 0, "unreachable": 0}
    if not open_checks:
        return counts
    addresses = {item.address for item in open_checks}
    # A reply answers one question: not one asked before the same number's last answer.
    used = dict(
        BackCheck.objects.filter(message__address__in=addresses, answered_at__isnull=False)
        .values_list("message__address")
        .annotate(last=Max("answered_at"))
        .order_by()
    )
    replies = InboundMessage.objects.filter(
        sender__in=addresses, received_at__gte=min(item.start for item in open_checks), received_at__lte=now
    ).order_by("received_at", "pk")
    waiting = {address: [item for item in open_checks if item.address == address] for address in addresses}
    decided: dict[int, tuple[str, dt.datetime, str]] = {}
    for reply in replies:
        verdict = reply_verdict(reply.text)
        if verdict is None or (reply.sender in used and reply.received_at <= used[reply.sender]):
            continue
        for item in waiting.get(reply.sender, []):
            if item.check.pk not in decided and item.start <= reply.received_at <= item.start + window:
                decided[item.check.pk] = (verdict, reply.received_at, reply.text[:160])
                used[reply.sender] = reply.received_at
                break
    for item in open_checks:
        if item.check.pk in decided or item.start + window > now:
            continue
        failed = item.check.message.state in (MessageState.FAILED, MessageState.CANCELLED)
        decided[item.check.pk] = (
            BackCheckStatus.UNREACHABLE if failed else BackCheckStatus.UNANSWERED,
            None,
            "",
        )
    if not decided:
        return counts
    changes = RowChangeSet()
    changes.before_update(BACK_CHECK_ROWS, changes.ids_sql(sorted(decided)))
    rows = []
    for item in open_checks:
        if item.check.pk in decided:
            status, answered_at, answer = decided[item.check.pk]
            item.check.status, item.check.answered_at, item.check.answer = status, answered_at, answer
            rows.append(item.check)
            counts[status] += 1
    BackCheck.objects.bulk_update(rows, ["status", "answered_at", "answer"])
    event = audit_record(
        action=AuditAction.UPDATE,
        object_type="agents.backcheck",
        object_repr=(
            f"Jawaban cek ulang: {counts['passed']} dibenarkan, {counts['failed']} tidak dibenarkan, "
            f"{counts['unanswered'] + counts['unreachable']} tanpa jawaban"
        ),
        metadata=counts,
        actor_username="sistem",
    )
    changes.write(event)
    return counts


@transaction.atomic
def back_check_record(*, check: BackCheck, actor, result: str, note: str = "", request=None) -> BackCheck:
    """A supervisor records what the person said on a phone call (or that she could not be reached)."""
    locked = BackCheck.objects.select_for_update().select_related("worker").get(pk=check.pk)
    if not authz.can(actor, authz.BACK_CHECK_RECORD, locked.worker.desa_id):
        raise DomainError("back_check_not_allowed", "Cek ulang ini di luar wilayah kerja Anda.")
    if result not in CALL_RESULTS:
        raise DomainError(
            "back_check_result_invalid",
            "Pilih hasil telepon: dibenarkan, tidak dibenarkan, atau tidak dapat dihubungi.",
            field="result",
        )
    if locked.status not in CALLABLE:
        raise DomainError(
            "back_check_answered",
            "Orang ini sudah menjawab sendiri lewat SMS; jawabannya tidak diganti hasil telepon.",
        )
    before = locked.status
    note = " ".join((note or "").split())[:140]
    locked.status = result
    locked.answered_at = timezone.now() if result != BackCheckStatus.UNREACHABLE else None
    locked.answer = f"Telepon: {note}" if note else "Telepon"
    locked.save(update_fields=["status", "answered_at", "answer"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=locked,
        region_code=locked.worker.desa_id,
        changes={"status": [before, result]},
        metadata={"via": "telepon", "agent": locked.agent_id},
        request=request,
    )
    return locked
