"""E-mails to a sponsor about their payments, through the outbox."""

from __future__ import annotations

import logging

from django.db import transaction

from cakupan.core.errors import DomainError
from cakupan.messaging.models import Channel
from cakupan.messaging.services import message_queue, template_current
from cakupan.sponsors.models import PaymentOrder

log = logging.getLogger("cakupan.sponsors")


def queue_safely(*, template: str, **message) -> None:
    """A message that cannot be queued (an address the outbox refuses, a template missing) never undoes a
    booked payment: it is logged, and the payment stands."""
    try:
        with transaction.atomic():
            message_queue(template=template_current(template), **message)
    except DomainError as error:
        log.warning("sertakan message not queued: %s %s", error.code, message.get("idempotency_key"))


def email_sponsor(order: PaymentOrder, *, purpose: str, template: str, values: dict, key: str) -> None:
    sponsor = order.sponsorship.sponsor
    if sponsor.email:
        queue_safely(
            purpose=purpose,
            channel=Channel.EMAIL,
            address=sponsor.email,
            template=template,
            values=values,
            idempotency_key=key,
        )
