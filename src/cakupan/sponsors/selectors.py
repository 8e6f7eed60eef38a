"""What SERTAKAN pages read: a sponsor's sponsorships with the cover their money bought as BPJS TK
confirmed it, never a NIK, a phone or an income; and the money trail for officers."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, Sum

from cakupan.core.masking import mask_name
from cakupan.funding.candidates import add_months
from cakupan.funding.models import FundedMonth
from cakupan.registry.models import Membership
from cakupan.rules.engine import jkk_death_benefit, jkm_benefit
from cakupan.sponsors.models import (
    OPEN_STATUSES,
    GiftListing,
    MatchingRule,
    NotificationOutcome,
    OrderState,
    PaymentNotification,
    PaymentOrder,
    Sponsorship,
    SponsorshipKind,
)
from cakupan.sponsors.services import common


@dataclass(frozen=True)
class Cover:
    """The cover of one sponsored person, as the sponsor may see it."""

    label: str
    village: str
    confirmed_from: dt.date | None  # first month BPJS TK confirmed paid by this sponsorship
    confirmed_through: dt.date | None  # last month of cover confirmed by BPJS TK (its paid-through month)
    paid_months: int  # months this sponsorship paid (its own, not a company's match)
    awaiting_months: int  # paid here, not yet confirmed by BPJS TK
    renewal_due: dt.date | None  # the first month not yet paid by anyone
    active: bool

    @property
    def active_until(self) -> dt.date | None:
        """The last day of the last confirmed month."""
        if self.confirmed_through is None:
            return None
        return add_months(self.confirmed_through, 1) - dt.timedelta(days=1)


def sponsorships_of(sponsor) -> list[Sponsorship]:
    return list(
        Sponsorship.objects.filter(sponsor=sponsor)
        .select_related("worker__desa", "program__funder")
        .order_by("-id")
    )


def sponsorship_of(sponsor, reference) -> Sponsorship | None:
    return (
        Sponsorship.objects.select_related("worker__desa", "program__funder")
        .filter(sponsor=sponsor, reference=reference)
        .first()
    )


def cover_of(sponsorship: Sponsorship) -> Cover | None:
    if sponsorship.kind == SponsorshipKind.GIFT:
        return None
    worker = sponsorship.worker
    order_plans = PaymentOrder.objects.filter(sponsorship=sponsorship, state=OrderState.PAID)
    months = list(
        FundedMonth.objects.filter(
            worker=worker, line__plan_id__in=order_plans.values("plan_id"), program__funder__kind="sponsor"
        )
        .order_by("month")
        .values_list("month", flat=True)
    )
    membership = Membership.objects.filter(worker=worker).order_by("-paid_through").first()
    through = membership.paid_through if membership is not None else None
    confirmed = [month for month in months if through is not None and month <= through and membership.kpj]
    current = common.current_month()
    return Cover(
        label=mask_name(worker.name),
        village=worker.desa.name,
        confirmed_from=confirmed[0] if confirmed else None,
        confirmed_through=through if confirmed else None,
        paid_months=len(months),
        awaiting_months=len(months) - len(confirmed),
        renewal_due=common.next_free_month(worker.pk),
        active=bool(confirmed) and through >= current,
    )


def benefits_summary(*, on: dt.date) -> list[tuple[str, int | None]]:
    """What the cover pays, from the rules engine, at the income level sponsors pay for."""
    income = common.config()["income_level"]
    return [
        ("Kecelakaan kerja: biaya pengobatan sampai sembuh, sesuai kebutuhan medis", None),
        (
            "Meninggal karena kecelakaan kerja: santunan untuk keluarga",
            jkk_death_benefit(income=income, on=on).total,
        ),
        (
            "Meninggal bukan karena kerja (setelah 3 bulan pertama): santunan untuk keluarga",
            jkm_benefit(on=on).total,
        ),
    ]


def orders_of(sponsorship: Sponsorship) -> list[PaymentOrder]:
    return list(PaymentOrder.objects.filter(sponsorship=sponsorship).order_by("-id"))


def order_of(sponsor, order_id: str) -> PaymentOrder | None:
    if not isinstance(order_id, str) or len(order_id) > 50 or "\x00" in order_id:
        return None
    return (
        PaymentOrder.objects.select_related("sponsorship__worker__desa", "sponsorship__program")
        .filter(order_id=order_id, sponsorship__sponsor=sponsor)
        .first()
    )


def gift_listings() -> list[GiftListing]:
    return list(
        GiftListing.objects.filter(active=True, program__status="active")
        .select_related("program__funder")
        .order_by("title")
    )


# --- receipts --------------------------------------------------------------------------------------------


def receipt_code(receipt_number: str) -> str:
    """A short keyed code printed with the receipt: only a receipt we issued has the code that verifies."""
    key = hashlib.sha256(f"cakupan-receipt:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, receipt_number.encode(), hashlib.sha256).hexdigest()[:16]


def receipt_verify(*, number: str, code: str) -> PaymentOrder | None:
    if not isinstance(number, str) or not isinstance(code, str) or len(number) > 24 or len(code) > 32:
        return None
    if not (number.isascii() and code.isascii()) or "\x00" in number:
        return None
    if not hmac.compare_digest(receipt_code(number), code):
        return None
    return (
        PaymentOrder.objects.select_related("sponsorship__worker__desa", "sponsorship__program__funder")
        .filter(receipt_number=number, state__in=[OrderState.PAID, OrderState.REFUND_DUE])
        .first()
    )


# --- officers --------------------------------------------------------------------------------------------


def money_trail() -> dict:
    """Orders by state with their amounts, refunds due, and notifications refused."""
    by_state = {
        row["state"]: row
        for row in PaymentOrder.objects.values("state").annotate(count=Count("id"), total=Sum("gross_amount"))
    }
    return {
        "by_state": [
            {
                "state": label,
                "count": by_state.get(value, {}).get("count", 0),
                "total": by_state.get(value, {}).get("total") or 0,
            }
            for value, label in OrderState.choices
        ],
        "refunds": list(
            PaymentOrder.objects.filter(state=OrderState.REFUND_DUE).select_related("sponsorship")[:200]
        ),
        "refused": list(
            PaymentNotification.objects.filter(
                outcome__in=[
                    NotificationOutcome.FORGED,
                    NotificationOutcome.MISMATCH,
                    NotificationOutcome.UNKNOWN_ORDER,
                ]
            )[:200]
        ),
        "recent": list(PaymentOrder.objects.select_related("sponsorship")[:100]),
        "sponsorships": Sponsorship.objects.aggregate(
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)), total=Count("id")
        ),
        "rules": list(MatchingRule.objects.select_related("program__funder").order_by("-id")[:50]),
        "listings": list(GiftListing.objects.select_related("program__funder").order_by("-id")[:50]),
    }
