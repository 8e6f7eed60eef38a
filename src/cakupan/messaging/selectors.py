"""Reads of the outbox for the staff page: counts by channel and state, and the latest messages, inside the
user's area."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from cakupan.messaging.models import Channel, InboundMessage, Message, MessageState


def outbox_messages(*, user, channel: str = "", state: str = "", purpose: str = "") -> QuerySet[Message]:
    messages = Message.objects.for_user(user).select_related("template").order_by("-queued_at", "-id")
    if channel:
        messages = messages.filter(channel=channel)
    if state:
        messages = messages.filter(state=state)
    if purpose:
        messages = messages.filter(purpose=purpose)
    return messages


def outbox_counts(*, user) -> list[dict]:
    """One row per channel: its messages by state."""
    counted = {
        (row["channel"], row["state"]): row["n"]
        for row in Message.objects.for_user(user).values("channel", "state").annotate(n=Count("id"))
    }
    return [
        {
            "channel": channel,
            "label": label,
            "states": [
                (state, state_label, counted.get((channel, state), 0))
                for state, state_label in MessageState.choices
            ],
            "total": sum(counted.get((channel, state), 0) for state in MessageState.values),
        }
        for channel, label in Channel.choices
    ]


def inbound_recent(*, user, limit: int = 20) -> list[InboundMessage]:
    # Replies carry no region of their own: only province-wide officers read them.
    if not (user.is_superuser or (user.area_id and len(user.area_id) == 2)):
        return []
    return list(InboundMessage.objects.order_by("-received_at", "-id")[:limit])


REMINDER_KEYS = ("pengingat_jatuh_tempo", "pengingat_terlewat", "pengingat_nonaktif")


def reminder_effect(*, user) -> list[dict]:
    """Did reminders work? Per kind of reminder, the workers reminded (sent or delivered) and those held
    back on purpose (the comparison group), and how many of each have since paid the month it was about
    within the same membership (paid before it lapsed: a new membership after a lapse starts later)."""
    from django.db.models import Exists, OuterRef, Q

    from cakupan.registry.models import Membership

    paid = Membership.objects.filter(
        worker_id=OuterRef("worker_id"), paid_through__gte=OuterRef("about_month")
    ).filter(Q(since__isnull=True) | Q(since__lte=OuterRef("about_month")))
    reminders = (
        Message.objects.for_user(user)
        .filter(template__key__in=REMINDER_KEYS, about_month__isnull=False, worker__isnull=False)
        .annotate(paid=Exists(paid))
    )
    reminded = Q(state__in=[MessageState.SENT, MessageState.DELIVERED])
    held = Q(state=MessageState.CANCELLED, error_code="holdout")
    rows = []
    for key in REMINDER_KEYS:
        of_kind = reminders.filter(template__key=key)
        counts = of_kind.aggregate(
            reminded=Count("id", filter=reminded), reminded_paid=Count("id", filter=reminded & Q(paid=True)),
            held=Count("id", filter=held), held_paid=Count("id", filter=held & Q(paid=True)),
        )  # fmt: skip
        for group in ("reminded", "held"):
            total = counts[group]
            counts[f"{group}_share"] = round(100 * counts[f"{group}_paid"] / total, 1) if total else None
        rows.append({"key": key, **counts})
    return rows
