"""What SERTAKAN pages read: a sponsor's sponsorships with the cover their money bought as BPJS TK
confirmed it, never a NIK, a phone or an income; and the money trail for officers."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from cakupan.core.masking import mask_name
from cakupan.funding.candidates import add_months
from cakupan.funding.models import FundedMonth, PlanLine, RowStatus
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
    SponsorshipStatus,
)
from cakupan.sponsors.services import common


@dataclass(frozen=True)
class PaidPeriod:
    """What one paid order bought for the sponsored person: its months, and how many of them BPJS TK
    has confirmed. Only this sponsorship's own months: never a company's match, never another funder's."""

    order_id: str
    receipt_number: str | None
    first: dt.date | None  # None while the payment is still being booked (moments after it is paid)
    months: int  # months the order bought
    funded: int  # of them, months still funded (none once BPJS TK refused the enrolment)
    confirmed: int  # of them, months BPJS TK has confirmed paid
    rejected: bool  # BPJS TK did not accept the enrolment: the months were released

    @property
    def last(self) -> dt.date | None:
        return add_months(self.first, self.months - 1) if self.first is not None else None

    @property
    def until(self) -> dt.date | None:
        """The last day of the last month bought."""
        return _month_end(self.last) if self.last is not None else None

    @property
    def state(self) -> str:
        if self.rejected:
            return "rejected"
        if self.funded and self.confirmed == self.funded:
            return "confirmed"
        return "partial" if self.confirmed else "awaiting"


@dataclass(frozen=True)
class Cover:
    """The cover of one sponsored person as the sponsor may see it: only the months this sponsorship paid,
    as BPJS TK confirmed them. Months other funders paid are neither counted nor shown."""

    label: str
    village: str
    confirmed_from: dt.date | None  # first month of the last run of confirmed months of this sponsorship
    confirmed_through: dt.date | None  # last month of this sponsorship that BPJS TK confirmed
    paid_months: int  # months this sponsorship paid (its own, not a company's match)
    awaiting_months: int  # paid here, not yet confirmed by BPJS TK
    renewal_due: dt.date | None  # the first month not yet paid by anyone; None once the sponsorship ended
    active: bool  # running, and the current month is one this sponsorship paid and BPJS TK confirmed
    active_through: dt.date | None = None  # last month of the confirmed run that holds the current month
    upcoming_from: dt.date | None = None  # not active: the next confirmed month of this sponsorship
    last_paid_month: dt.date | None = None  # the last month this sponsorship paid, confirmed or not
    awaiting_ahead: int = 0  # of the months awaiting confirmation, those from the current month on
    periods: tuple[PaidPeriod, ...] = ()  # what each paid order bought, by month
    ended: bool = False  # ended by either side, or declined by the worker
    ended_on: dt.datetime | None = None

    @property
    def active_until(self) -> dt.date | None:
        """The last day of the sponsorship's confirmed cover running now; None when none runs now."""
        if not self.active or self.active_through is None:
            return None
        return _month_end(self.active_through)

    @property
    def rejected(self) -> bool:
        """Some months this sponsorship paid were released because BPJS TK refused the enrolment."""
        return any(period.rejected for period in self.periods)

    @property
    def confirmed_until(self) -> dt.date | None:
        """The last day of the last month of this sponsorship that BPJS TK confirmed."""
        return _month_end(self.confirmed_through) if self.confirmed_through is not None else None


def _month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


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


@dataclass(frozen=True)
class _Months:
    periods: list[PaidPeriod]
    funded: set[dt.date]  # every month these orders bought that is still funded
    confirmed: set[dt.date]  # of them, those BPJS TK confirmed


def _bought(worker_id: int, orders: list[PaymentOrder]) -> _Months:
    """What these paid orders bought for the worker, in at most three queries whatever their number.

    An order's months are the worker's funded months in its plan from its first month for its number of
    months: a plan line may also hold months that a later sponsorship of the same person paid (the line
    grows), so the line alone does not tell. A month is confirmed when the pipeline has marked it paid to
    BPJS TK, BPJS TK accepted the line's enrolment row, and the membership under that row's KPJ is paid
    through it: the three together are what BPJS TK's acknowledgement and the payment leave behind."""
    booked = [order for order in orders if order.plan_id is not None and order.first_month is not None]
    rows: dict[dt.date, tuple] = {}
    released: set[int] = set()
    paid_through: dict[str, dt.date] = {}
    if booked:
        plans = {order.plan_id for order in booked}
        start = min(order.first_month for order in booked)
        stop = max(add_months(order.first_month, order.months) for order in booked)
        found = FundedMonth.objects.filter(
            worker_id=worker_id, line__plan_id__in=plans, month__gte=start, month__lt=stop
        ).values_list(
            "month", "line__plan_id", "paid", "line__enrolment_row__status", "line__enrolment_row__kpj"
        )
        rows = {month: rest for month, *rest in found}
        if any(status == RowStatus.ACCEPTED for _plan, _paid, status, _kpj in rows.values()):
            paid_through = dict(
                Membership.objects.filter(worker_id=worker_id)
                .exclude(kpj="")
                .values_list("kpj", "paid_through")
            )
        released = set(
            PlanLine.objects.filter(worker_id=worker_id, plan_id__in=plans, released=True).values_list(
                "plan_id", flat=True
            )
        )
    funded: set[dt.date] = set()
    confirmed: set[dt.date] = set()
    periods = []
    for order in orders:
        is_booked = order.plan_id is not None and order.first_month is not None
        own, sure = 0, 0
        for step in range(order.months if is_booked else 0):
            month = add_months(order.first_month, step)
            row = rows.get(month)
            if row is None or row[0] != order.plan_id:
                continue
            own += 1
            funded.add(month)
            _plan, paid, status, kpj = row
            through = paid_through.get(kpj)
            if paid and status == RowStatus.ACCEPTED and through is not None and month <= through:
                sure += 1
                confirmed.add(month)
        periods.append(
            PaidPeriod(
                order_id=order.order_id,
                receipt_number=order.receipt_number,
                first=order.first_month if is_booked else None,
                months=order.months,
                funded=own,
                confirmed=sure,
                rejected=is_booked and not own and order.plan_id in released,
            )
        )
    return _Months(periods=periods, funded=funded, confirmed=confirmed)


def _ended_on(sponsorship: Sponsorship) -> dt.datetime | None:
    if sponsorship.status == SponsorshipStatus.DECLINED:
        return sponsorship.declined_at or sponsorship.ended_at
    if sponsorship.status == SponsorshipStatus.ENDED:
        return sponsorship.ended_at
    return None


def cover_of(sponsorship: Sponsorship) -> Cover | None:
    """The cover this sponsorship's own money bought, as BPJS TK confirmed it. Nothing about the person's
    cover beyond it: another funder's months before, between or after are not the sponsor's to see, and
    once the sponsorship ended there is no current state or renewal either, only what it paid."""
    if sponsorship.kind == SponsorshipKind.GIFT:
        return None
    worker = sponsorship.worker
    orders = list(
        PaymentOrder.objects.filter(sponsorship=sponsorship, state=OrderState.PAID)
        .only("order_id", "receipt_number", "months", "first_month", "plan_id")
        # One still being booked (no first month yet) comes last on either database.
        .order_by(F("first_month").asc(nulls_last=True), "pk")
    )
    bought = _bought(worker.pk, orders)
    confirmed = bought.confirmed
    ended = sponsorship.status in (SponsorshipStatus.ENDED, SponsorshipStatus.DECLINED)
    current = common.current_month()
    through = max(confirmed) if confirmed else None
    since = through
    while since is not None and add_months(since, -1) in confirmed:
        since = add_months(since, -1)
    # Active only while the months running now are this sponsorship's own: a month another funder paid
    # in between ends the run, so "Aktif sampai" never reaches over somebody else's months.
    active = not ended and current in confirmed
    active_through = None
    if active:
        active_through = current
        while add_months(active_through, 1) in confirmed:
            active_through = add_months(active_through, 1)
    upcoming = min((month for month in confirmed if month > current), default=None)
    return Cover(
        label=mask_name(worker.name),
        village=worker.desa.name,
        confirmed_from=since,
        confirmed_through=through,
        paid_months=len(bought.funded),
        awaiting_months=len(bought.funded) - len(confirmed),
        renewal_due=None if ended else common.next_free_month(worker.pk),
        active=active,
        active_through=active_through,
        upcoming_from=None if (ended or active) else upcoming,
        last_paid_month=max(bought.funded) if bought.funded else None,
        awaiting_ahead=sum(1 for month in bought.funded - confirmed if month >= current),
        periods=tuple(bought.periods),
        ended=ended,
        ended_on=_ended_on(sponsorship),
    )


def receipt_cover(order: PaymentOrder) -> PaidPeriod | None:
    """What one receipt bought: its months and whether BPJS TK confirmed them; not the person's cover.
    None for a gift, or an order whose money could not be placed (listed for refund)."""
    sponsorship = order.sponsorship
    if sponsorship.kind == SponsorshipKind.GIFT or order.state != OrderState.PAID:
        return None
    [period] = _bought(sponsorship.worker_id, [order]).periods
    return period


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
        .filter(
            receipt_number=number, state__in=[OrderState.PAID, OrderState.REFUND_DUE, OrderState.REVERSED]
        )
        .first()
    )


# --- officers --------------------------------------------------------------------------------------------


def money_trail() -> dict:
    """Orders by state with their amounts, refunds due, orders reversed after payment, and notifications
    refused."""
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
        "refunds": refunds_owed(),
        # Paid, then taken back: what was given back, and what is still to recover (the reason says).
        "reversed": list(
            PaymentOrder.objects.filter(state=OrderState.REVERSED)
            .select_related("sponsorship")
            .order_by("-paid_at", "-id")[:200]
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


def refunds_owed(limit: int = 200) -> list[PaymentOrder]:
    """Money owed back to payers: orders listed for refund, paid orders whose months BPJS TK refused (their
    line released), and those the provider refunded only in part."""
    released = PlanLine.objects.filter(
        plan_id=OuterRef("plan_id"), worker_id=OuterRef("sponsorship__worker_id"), released=True
    )
    owed = PaymentOrder.objects.filter(
        Q(state=OrderState.REFUND_DUE)
        | Q(state=OrderState.PAID, provider_status="partial_refund")
        | Q(Exists(released), state=OrderState.PAID)
    )
    return list(owed.select_related("sponsorship").order_by("id")[:limit])
