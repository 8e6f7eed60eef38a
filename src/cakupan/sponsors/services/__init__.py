"""SERTAKAN's writes. Split by step: making a sponsorship, checking out, the provider's notifications and
what a paid order becomes, company matching, and the messages that follow the cover."""

from cakupan.sponsors.services.orders import order_cancel, order_create, quote
from cakupan.sponsors.services.pool import sponsorship_create_gift, sponsorship_create_pool
from cakupan.sponsors.services.settlement import notification_receive, order_refresh
from cakupan.sponsors.services.sponsorships import (
    sponsorship_answer,
    sponsorship_create_named,
    sponsorship_end,
    sponsorship_phone_confirm,
    sponsorship_phone_reject,
)

__all__ = [
    "notification_receive",
    "order_cancel",
    "order_create",
    "order_refresh",
    "quote",
    "sponsorship_answer",
    "sponsorship_create_gift",
    "sponsorship_create_named",
    "sponsorship_create_pool",
    "sponsorship_end",
    "sponsorship_phone_confirm",
    "sponsorship_phone_reject",
]
