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
