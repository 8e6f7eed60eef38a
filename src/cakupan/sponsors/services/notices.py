"""What follows the cover, run daily (`cakupan sertakan kabar`): the sponsor hears when BPJS TK has
confirmed the cover their money bought, and a week before it would end; a recurring card is charged then,
and a declined card is told to the sponsor with a link to pay another way."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import date_long
from cakupan.funding.candidates import add_months
from cakupan.messaging.models import Channel, Purpose
from cakupan.messaging.services import message_queue, template_current
from cakupan.providers.config import public_url
from cakupan.providers.midtrans import CARD
from cakupan.sponsors.models import OrderState, PaymentOrder, Sponsorship, SponsorshipKind, SponsorshipStatus
from cakupan.sponsors.services import common
from cakupan.sponsors.services.orders import order_create
from cakupan.sponsors.services.sponsorships import phone_checks_expire, sponsorship_label

log = logging.getLogger("cakupan.sponsors")
CONFIRMED_TEMPLATE = "sertakan_aktif"
LAPSE_TEMPLATE = "sertakan_akan_habis"


def _month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def _email(sponsorship: Sponsorship, template: str, values: dict, key: str) -> bool:
    address = sponsorship.sponsor.email
    if not address:
        return False
    try:
        with transaction.atomic():
            message_queue(
                purpose=Purpose.SPONSORSHIP,
                channel=Channel.EMAIL,
                address=address,
                template=template_current(template),
                values=values,
                idempotency_key=key,
            )
    except DomainError as error:
        log.warning("sertakan notice not queued: %s %s", error.code, key)
        return False
    return True


def sponsorship_notices_run(*, today: dt.date | None = None) -> dict:
    """One pass over the running sponsorships of people. Idempotent: each notice is remembered on the
    sponsorship (and keyed in the outbox), each recurring charge is one order per month."""
    from cakupan.sponsors.selectors import cover_of
    from cakupan.sponsors.services.booking import orders_book

    today = today or timezone.localtime(common.now()).date()
    # A sweep first, should a booking task have been lost: every paid order is booked before its cover
    # is judged.
    orders_book()
    phone_checks_expire()
    counts = {"confirmed": 0, "lapse_notices": 0, "charged": 0, "declined": 0}
    running = (
        Sponsorship.objects.filter(status=SponsorshipStatus.ACTIVE)
        .exclude(kind=SponsorshipKind.GIFT)
        .select_related("worker__desa", "sponsor")
        .order_by("pk")
    )
    for sponsorship in running.iterator(chunk_size=500):
        link = public_url(reverse("sponsors:detail", args=[sponsorship.reference]))
        # Only the months this sponsorship paid: its notices never tell of months another funder paid.
        cover = cover_of(sponsorship)
        label = sponsorship_label(sponsorship)
        if cover.confirmed_through and _claim(
            sponsorship,
            Q(confirmed_notice_through__isnull=True)
            | Q(confirmed_notice_through__lt=cover.confirmed_through),
            confirmed_notice_through=cover.confirmed_through,
        ):
            values = {"pekerja": label, "sampai": date_long(cover.confirmed_until), "tautan": link}
            if _email(
                sponsorship,
                CONFIRMED_TEMPLATE,
                values,
                f"sertakan:confirmed:{sponsorship.reference}:{cover.confirmed_through:%Y-%m}",
            ):
                counts["confirmed"] += 1
        last = cover.last_paid_month
        # The notice says her cover ends with this sponsorship's last month: true only when nobody has
        # paid the month after it. When another funder has, she does not lapse then, and when that
        # funder's months end is not the sponsor's to be told; the page shows the renewal due instead.
        if last is None or cover.renewal_due != add_months(last, 1):
            continue
        ends = _month_end(last)
        if (ends - today).days > common.config()["lapse_notice_days"] or ends < today:
            continue
        # A negated lookup on a nullable column is true for NULL too (Django adds IS NOT NULL).
        if not _claim(sponsorship, ~Q(lapse_notice_for=last), lapse_notice_for=last):
            continue
        if sponsorship.recurring and sponsorship.card_token:
            outcome = _recurring_charge(sponsorship)
            counts[outcome] += 1
            if outcome == "charged":
                continue
        values = {"pekerja": label, "sampai": date_long(ends), "tautan": f"{link}?bulan={sponsorship.months}"}
        if _email(
            sponsorship, LAPSE_TEMPLATE, values, f"sertakan:lapse:{sponsorship.reference}:{last:%Y-%m}"
        ):
            counts["lapse_notices"] += 1
    return counts


def _claim(sponsorship: Sponsorship, condition: Q, **values) -> bool:
    """Claim a notice by a conditional UPDATE of the sponsorship, only while it still runs: two runs at once
    (a cron overlap) notify and charge once, and one ended since this pass read it hears nothing more."""
    claimed = bool(
        Sponsorship.objects.filter(condition, pk=sponsorship.pk, status=SponsorshipStatus.ACTIVE).update(
            **values
        )
    )
    if claimed:
        audit_record(
            action=AuditAction.UPDATE,
            actor=None,
            obj=sponsorship,
            region_code=sponsorship.worker.desa_id,
            changes={name: [_iso(getattr(sponsorship, name)), _iso(value)] for name, value in values.items()},
            metadata={"notice": True},
        )
    return claimed


def _iso(value):
    return value.isoformat() if value is not None else None


def _recurring_charge(sponsorship: Sponsorship) -> str:
    """Charge the saved card for the next months. 'charged' when paid; 'declined' otherwise (the order,
    its state and the sponsor's message record why)."""
    try:
        order = order_create(
            sponsorship=sponsorship, sponsor=sponsorship.sponsor, method=CARD, recurring_charge=True
        )
    except DomainError as error:
        audit_record(
            action=AuditAction.UPDATE,
            actor=None,
            obj=sponsorship,
            region_code=sponsorship.worker.desa_id,
            metadata={"recurring_charge": error.code},
        )
        return "declined"
    return "charged" if order.state == OrderState.PAID else "declined"


__all__ = ["PaymentOrder", "sponsorship_notices_run"]
