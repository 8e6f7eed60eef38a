"""The public status check: the first tier (NIK and a second factor → covered or not, and what to do next)
and the second tier (a one-time code to the registered phone → the worker's own cover in more detail).

What a look-up can learn is only what its answer says. Every failure — a NIK that cannot be real, an
unknown NIK, a wrong second factor, a wrong or expired code, too many tries — gives one answer
(`tidak_cocok` and one calm message), and an unknown NIK is read exactly as a known one is. Each look-up
is recorded (StatusLookup) with a keyed digest of the NIK, never the NIK; one network asking about many
distinct NIKs raises an alert on the auditors' page.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.claims.selectors import PublicClaim
from cakupan.core.formatting import date_long, month_long, rupiah
from cakupan.coverage.selectors import add_months
from cakupan.messaging.models import Channel, Purpose
from cakupan.messaging.services import message_queue, schedule_drain, template_current
from cakupan.portal import journal, limits, screening, selectors
from cakupan.portal.information.prices import lowest_price
from cakupan.portal.models import CodeChallenge, LookupChannel, LookupOutcome
from cakupan.providers.config import public_url
from cakupan.rules.engine import Month, due_date, today_jakarta

COVERED = "terlindungi"
NOT_ACTIVE = "tidak_aktif"
NO_MATCH = "tidak_cocok"

CODE_TEMPLATE = "kode_sekali_pakai"
_TICKET_SALT = "cakupan.portal.ticket"


def _key(purpose: str) -> bytes:
    """A key for one purpose derived from SECRET_KEY: a digest of one kind says nothing of another."""
    return _derived_key(purpose, settings.SECRET_KEY)


@functools.lru_cache(maxsize=16)
def _derived_key(purpose: str, secret: str) -> bytes:
    # Derived once per process (every look-up needs one), and again only if the secret changes.
    return hashlib.sha256(f"cakupan.portal.{purpose}:{secret}".encode()).digest()


def _now() -> dt.datetime:
    return timezone.now()


@functools.lru_cache(maxsize=4)
def _price(month: Month) -> int:
    # The information pages' price, so the answer and the pages never disagree; kept per month.
    return lowest_price(month).total


def price_sentence(month: Month) -> str:
    """ "mulai Rp8.400 sebulan", and when next month costs otherwise (the PP 50/2025 discount ends), what it
    will cost from then: a worker who pays next month must not be surprised."""
    now, then = _price(month), _price(month.shift(1))
    sentence = f"mulai {rupiah(now)} sebulan"
    if then != now:
        sentence += f" ({rupiah(then)} mulai {month_long(month.shift(1).first_day)})"
    return sentence


def no_match_steps(month: Month) -> str:
    """The one message of every failure: it must read the same whatever went wrong."""
    return (
        "Data tidak ditemukan. Periksa lagi NIK dan 4 angka terakhir nomor KPJ atau nomor HP yang "
        "terdaftar. Belum terdaftar? Datang ke operator desa atau kantor BPJS Ketenagakerjaan dengan KTP. "
        f"Perlindungan kecelakaan kerja dan kematian {price_sentence(month)}. "
        f"Cara mendaftar: {public_url('/cara-daftar/')}"
    )


UNAVAILABLE_STEPS = "Layanan pemeriksaan sedang sibuk. Coba lagi beberapa menit lagi."


@dataclass(frozen=True)
class CheckAnswer:
    status: str  # COVERED, NOT_ACTIVE or NO_MATCH
    until: dt.date | None  # the last month covered, when COVERED
    steps: str
    # Why NO_MATCH was answered, for the HTTP status only (429, 503); never shown differently.
    limited: bool = False
    unavailable: bool = False
    # The matched worker, for the ticket only; never shown.
    worker_id: int = 0
    has_phone: bool = False

    @functools.cached_property
    def ticket(self) -> str:
        """Signed, short-lived: lets the page ask for a one-time code without asking for the NIK again.
        Made only when a page asks for it (the JSON answer has no second tier)."""
        if not self.worker_id:
            return ""
        return signing.dumps({"w": self.worker_id}, salt=_TICKET_SALT, compress=True)

    def to_api(self) -> dict:
        return {
            "status": self.status,
            "sampai": f"{self.until:%Y-%m}" if self.until else None,
            "langkah": self.steps,
        }


# Who pays, in the words of the person reading (the staff pages' names are the budget lines').
PUBLIC_FUNDER_KINDS = {
    "apbd_province": "pemerintah provinsi",
    "apbd_regency": "pemerintah kabupaten/kota",
    "dana_desa": "Dana Desa",
    "zakat": "zakat",
    "csr": "perusahaan",
    "sponsor": "sponsor perorangan",
}


def _programs_sentence(facts: selectors.CoverFacts) -> str:
    if not facts.programs:
        return ""
    names = "; ".join(
        f"{item.funder} ({PUBLIC_FUNDER_KINDS.get(item.kind_code, item.kind)}"
        f"{', khusus mustahik' if item.mustahik_only else ''})"
        for item in facts.programs
    )
    return (
        f" Di wilayah Anda, iuran pekerja rentan dapat dibiayai oleh: {names}. Tanyakan kepada operator desa."
    )


def _matched_steps(facts: selectors.CoverFacts, month: Month) -> tuple[str, str, dt.date | None]:
    state = facts.state
    how_to_pay = f"Cara bayar: {public_url('/cara-bayar/')}"
    if state.status == "aktif":
        next_month = Month.of(add_months(state.last_paid, 1))
        if facts.next_month_funded and next_month.first_day == add_months(month.first_day, 1):
            steps = f"Iuran {month_long(next_month.first_day)} sudah dibiayai pemberi dana."
        else:
            due = date_long(due_date(next_month))
            steps = (
                f"Bayar iuran {month_long(next_month.first_day)} paling lambat {due} agar tetap terlindungi. "
                f"{how_to_pay}"
            )
        return COVERED, steps, state.last_paid
    if state.status == "menunggak":
        first_unpaid = add_months(state.last_paid, 1)
        steps = (
            f"Belum terlindungi bulan ini: iuran belum dibayar sejak {month_long(first_unpaid)}. Bayar "
            "tunggakan secepatnya; bila tiga bulan tidak dibayar, kepesertaan menjadi nonaktif. "
            f"{how_to_pay}"
        )
    else:
        steps = (
            "Belum terlindungi: kepesertaan tidak aktif. Daftar lagi lewat operator desa, agen Perisai atau "
            "kantor BPJS Ketenagakerjaan. Perlindungan kecelakaan kerja dan kematian "
            f"{price_sentence(month)}. {how_to_pay}"
        )
    return NOT_ACTIVE, steps + _programs_sentence(facts), None


def _record(*, channel: str, outcome: str, ip: str, network: str, digest: str, now: dt.datetime) -> None:
    # This runs on every look-up: the row goes to the process's journal, which writes rows in batches.
    journal.journal().add((now, channel, outcome, network, _valid_ip(ip), digest))


def _valid_ip(ip: str) -> str | None:
    return None if screening.network_of(ip) == "unknown" else ip


def _alert_if_enumerating(*, network: str, now: dt.datetime) -> None:
    """Called for a NIK's first look-up in its window: counts it for the asking network and raises one alert
    when a network reaches `alert_distinct_niks` such NIKs within one alert window. Counted in memcached,
    not by reading the look-ups back, so a look-up costs the same however busy its network is; `incr` is
    atomic, so exactly one look-up reaches the threshold."""
    config = settings.STATUS_CHECK
    window = int(dt.timedelta(minutes=config["alert_window_minutes"]).total_seconds())
    counter = f"cek:distinct:{network}:{int(now.timestamp()) // window}"
    cache = caches["limits"]
    try:
        try:
            distinct = cache.incr(counter)
        except ValueError:  # the window's first NIK: start the count, unless a parallel look-up just did
            distinct = 1 if cache.add(counter, 1, window * 2) else cache.incr(counter)
    except Exception:
        return  # the limiter's own failure is answered by the limits; the look-up's record is kept
    if distinct != config["alert_distinct_niks"]:
        return
    audit_record(
        action=AuditAction.ALERT,
        object_type="portal.statuslookup",
        object_repr=f"Pemeriksaan status: {distinct} NIK berbeda dari jaringan {network} dalam satu jam",
        region_code="",
        metadata={"alert": "status_lookup_enumeration", "network": network, "distinct_niks": distinct},
    )


def status_check(*, request: HttpRequest, nik: object, factor: object, ip: str, channel: str) -> CheckAnswer:
    """The first tier. Never raises on what it is given."""
    now = _now()
    today = today_jakarta()
    month = Month.of(today)
    network = screening.network_of(ip)
    nik16 = screening.screen_nik(nik, today=today)
    factor4 = screening.screen_factor(factor)
    digest = screening.nik_digest(nik16, key=_key("nik")) if nik16 else ""
    no_match = CheckAnswer(status=NO_MATCH, until=None, steps=no_match_steps(month))
    try:
        counted = limits.lookup_over_limit(request, ip=ip, network=network, nik_digest=digest)
    except limits.LimiterUnavailable:
        _record(
            channel=channel, outcome=LookupOutcome.UNAVAILABLE, ip=ip, network=network, digest=digest, now=now
        )
        return CheckAnswer(status=NO_MATCH, until=None, steps=UNAVAILABLE_STEPS, unavailable=True)
    if counted.over:
        _record(
            channel=channel, outcome=LookupOutcome.LIMITED, ip=ip, network=network, digest=digest, now=now
        )
        return CheckAnswer(status=NO_MATCH, until=None, steps=no_match.steps, limited=True)
    if counted.first_for_nik:
        _alert_if_enumerating(network=network, now=now)
    if nik16 is None or factor4 is None:
        _record(
            channel=channel, outcome=LookupOutcome.REFUSED, ip=ip, network=network, digest=digest, now=now
        )
        return no_match
    facts = selectors.cover_facts(nik16, month=month.first_day)
    candidates = (*facts.kpjs, facts.phone)
    # Compared for an unknown NIK too (against nothing that can match), so both paths do the same work.
    matched = screening.factor_matches(factor4, candidates) and facts.registered
    status, steps, until = _matched_steps(facts, month)
    outcome = LookupOutcome.MATCHED if matched else LookupOutcome.NO_MATCH
    _record(channel=channel, outcome=outcome, ip=ip, network=network, digest=digest, now=now)
    if not matched:
        return no_match
    return CheckAnswer(
        status=status, until=until, steps=steps, worker_id=facts.worker_id, has_phone=bool(facts.phone)
    )


# --- the second tier: a one-time code to the registered phone -------------------------------------------


@dataclass(frozen=True)
class CodeRequestAnswer:
    sent: bool
    reference: str = ""
    message: str = ""
    unavailable: bool = False


CODE_FAILED = (
    "Kode tidak dapat dikirim atau tidak cocok. Mulai lagi dari pemeriksaan status dan coba lagi nanti."
)
NO_PHONE = (
    "Belum ada nomor HP yang terdaftar untuk kepesertaan ini, jadi kode tidak dapat dikirim. Datang ke "
    "operator desa untuk mendaftarkan nomor HP Anda."
)


def _ticket_worker(ticket: object) -> int | None:
    if not isinstance(ticket, str) or len(ticket) > 500:
        return None
    try:
        payload = signing.loads(
            ticket, salt=_TICKET_SALT, max_age=dt.timedelta(minutes=settings.STATUS_CHECK["ticket_minutes"])
        )
    except signing.BadSignature:
        return None
    worker_id = payload.get("w") if isinstance(payload, dict) else None
    return worker_id if isinstance(worker_id, int) else None


def code_request(*, request: HttpRequest, ticket: object, ip: str) -> CodeRequestAnswer:
    """Sends a one-time code to the phone registered for the worker whose first-tier answer the ticket
    carries. The code is kept only as a digest; the message goes through the outbox like any other."""
    now = _now()
    network = screening.network_of(ip)
    worker_id = _ticket_worker(ticket)
    if worker_id is None:
        _record(channel=LookupChannel.CODE_REQUEST, outcome=LookupOutcome.REFUSED, ip=ip, network=network,
                digest="", now=now)  # fmt: skip
        return CodeRequestAnswer(sent=False, message=CODE_FAILED)
    phone = selectors.worker_phone(worker_id)
    if not phone:
        return CodeRequestAnswer(sent=False, message=NO_PHONE)
    try:
        limited = limits.codes_over_limit(request, worker_id=worker_id)
        limited |= limits.lookup_over_limit(request, ip=ip, network=network, nik_digest="").over
    except limits.LimiterUnavailable:
        return CodeRequestAnswer(sent=False, message=UNAVAILABLE_STEPS, unavailable=True)
    if limited:
        _record(channel=LookupChannel.CODE_REQUEST, outcome=LookupOutcome.LIMITED, ip=ip, network=network,
                digest="", now=now)  # fmt: skip
        return CodeRequestAnswer(sent=False, message=CODE_FAILED)
    reference = _send_code(
        phone=phone, worker_id=worker_id, ip=ip, network=network, now=now, channel=LookupChannel.CODE_REQUEST
    )
    return CodeRequestAnswer(sent=True, reference=reference)


def _send_code(
    *, phone: str, worker_id: int, ip: str, network: str, now: dt.datetime, channel: str, claim_id: int = 0
) -> str:
    """Makes a challenge (the code kept only as a digest), queues the code by SMS through the outbox and
    records the sending; returns the challenge's reference. With `claim_id` the code opens that claim only."""
    config = settings.STATUS_CHECK
    code = f"{secrets.randbelow(1_000_000):06d}"
    reference = uuid.uuid4()
    with transaction.atomic():
        challenge = CodeChallenge.objects.create(
            reference=reference,
            worker_id=worker_id,
            claim_id=claim_id or None,
            code_digest=screening.code_digest(code, key=_key("code"), reference=str(reference)),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=config["code_minutes"]),
            network=network,
        )
        message_queue(
            purpose=Purpose.OTP,
            channel=Channel.SMS,
            address=phone,
            template=template_current(CODE_TEMPLATE),
            values={"kode": code, "menit": config["code_minutes"]},
            idempotency_key=f"otp:{challenge.reference}",
            worker=challenge.worker,
        )
        schedule_drain(Channel.SMS)
        _record(channel=channel, outcome=LookupOutcome.CODE_SENT, ip=ip, network=network, digest="", now=now)
    return str(challenge.reference)


def _reference_or_none(text: object) -> uuid.UUID | None:
    if not isinstance(text, str) or len(text) > 60:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _code_accepted(
    *, reference: object, code: object, ip: str, channel: str, claim: bool
) -> CodeChallenge | None:
    """The challenge when the code is right, unused, in time and within its tries (and it was sent for what
    asks: a claim, or a worker's own cover); None otherwise, whichever of these failed."""
    now = _now()
    network = screening.network_of(ip)
    parsed = _reference_or_none(reference)
    typed = code.strip() if isinstance(code, str) and len(code) <= 20 else ""
    config = settings.STATUS_CHECK
    accepted = None
    with transaction.atomic():
        challenge = (
            CodeChallenge.objects.select_for_update()
            .filter(reference=parsed, claim__isnull=not claim)
            .first()
            if parsed
            else None
        )
        usable = (
            challenge is not None
            and challenge.used_at is None
            and challenge.expires_at > now
            and challenge.tries < config["code_tries"]
        )
        if usable:
            challenge.tries += 1
            given = screening.code_digest(typed, key=_key("code"), reference=str(challenge.reference))
            if secrets.compare_digest(challenge.code_digest, given):
                challenge.used_at = now
                accepted = challenge
            challenge.save(update_fields=["tries", "used_at"])
        outcome = LookupOutcome.CODE_ACCEPTED if accepted else LookupOutcome.CODE_WRONG
        _record(channel=channel, outcome=outcome, ip=ip, network=network, digest="", now=now)
    return accepted


def code_verify(*, reference: object, code: object, ip: str) -> selectors.CoverDetail | None:
    """The worker's cover in detail when the code is right, unused, in time and within its tries; None
    otherwise, whichever of these failed."""
    accepted = _code_accepted(
        reference=reference, code=code, ip=ip, channel=LookupChannel.CODE_VERIFY, claim=False
    )
    if accepted is None:
        return None
    return selectors.cover_detail(accepted.worker_id, month=Month.of(today_jakarta()).first_day)


# --- the family's claim tracking: the claim number and the reporter's phone, then a one-time code ---------
#
# A death claim's worker cannot receive the second tier's code: the family who reported the claim follows
# it by its number and the last four digits of the phone they gave, and a code sent to that phone. The
# first tier's rules hold: an unknown number, a wrong factor, a claim without a reporter's phone and too
# many tries give one answer; each try is recorded (StatusLookup, with a keyed digest of the claim number).

CLAIM_FAILED = (
    "Data klaim tidak ditemukan atau kode tidak dapat dikirim. Periksa lagi nomor klaim (seperti "
    "KL-26-000123, tertulis di SMS dari Cakupan) dan 4 angka terakhir nomor HP yang diberikan saat klaim "
    "dilaporkan. Bila sudah beberapa kali mencoba, coba lagi satu jam lagi. Untuk bantuan, datang ke "
    "operator desa atau kantor BPJS Ketenagakerjaan dengan nomor klaim."
)
CLAIM_CODE_FAILED = (
    "Kode tidak cocok atau sudah tidak berlaku. Mulai lagi dari pelacakan klaim untuk kode baru."
)


def claim_check(*, request: HttpRequest, number: object, factor: object, ip: str) -> CodeRequestAnswer:
    """Sends a one-time code to the reporter's phone when the claim number and the last four digits of that
    phone match. Never raises on what it is given."""
    now = _now()
    network = screening.network_of(ip)
    claim_number = screening.screen_claim_number(number)
    factor4 = screening.screen_factor(factor)
    digest = screening.claim_digest(claim_number, key=_key("claim")) if claim_number else ""
    failed = CodeRequestAnswer(sent=False, message=CLAIM_FAILED)

    def record(outcome: str, channel: str = LookupChannel.CLAIM) -> None:
        _record(channel=channel, outcome=outcome, ip=ip, network=network, digest=digest, now=now)

    try:
        limited = limits.claim_over_limit(request, ip=ip, network=network, claim_digest=digest)
    except limits.LimiterUnavailable:
        record(LookupOutcome.UNAVAILABLE)
        return CodeRequestAnswer(sent=False, message=UNAVAILABLE_STEPS, unavailable=True)
    if limited:
        record(LookupOutcome.LIMITED)
        return failed
    if claim_number is None or factor4 is None:
        record(LookupOutcome.REFUSED)
        return failed
    facts = selectors.claim_facts(claim_number)
    # Compared for an unknown number or an empty phone too (against nothing that can match): the same work.
    matched = screening.factor_matches(factor4, (facts.phone,)) and facts.claim_id != selectors.NOBODY
    record(LookupOutcome.MATCHED if matched else LookupOutcome.NO_MATCH)
    if not matched:
        return failed
    try:
        limited = limits.codes_over_limit(request, claim_id=facts.claim_id)
    except limits.LimiterUnavailable:
        return CodeRequestAnswer(sent=False, message=UNAVAILABLE_STEPS, unavailable=True)
    if limited:
        record(LookupOutcome.LIMITED, channel=LookupChannel.CLAIM_CODE)
        return failed
    reference = _send_code(
        phone=facts.phone, worker_id=facts.worker_id, claim_id=facts.claim_id,
        ip=ip, network=network, now=now, channel=LookupChannel.CLAIM_CODE,
    )  # fmt: skip
    return CodeRequestAnswer(sent=True, reference=reference)


def claim_code_verify(*, reference: object, code: object, ip: str) -> PublicClaim | None:
    """The one claim the code was sent for, when the code is right, unused, in time and within its tries."""
    accepted = _code_accepted(
        reference=reference, code=code, ip=ip, channel=LookupChannel.CLAIM_VERIFY, claim=True
    )
    if accepted is None or accepted.claim_id is None:
        return None
    return selectors.public_claim(accepted.claim_id)
