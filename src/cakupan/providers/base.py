"""What every channel adapter returns, whatever the provider: plain data, no Django."""

from __future__ import annotations

from dataclasses import dataclass, field

# Delivery states as the outbox knows them; each adapter maps its provider's words onto these.
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"


class ProviderError(Exception):
    """A send the provider did not accept. `transient` errors (time-outs, 429, 5xx) are retried with
    backoff; the others (an invalid number, an unknown template) fail the message at once."""

    def __init__(self, code: str, detail: str, *, transient: bool):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.transient = transient


class SignatureError(Exception):
    """A webhook whose signature does not verify: nothing in it is trusted."""


@dataclass(frozen=True)
class Accepted:
    """The provider took the message: its own id for it, for receipts and look-ups."""

    provider_id: str


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery receipt: the provider's message id, our reference where the provider echoes it, the state
    it reached and, for failures, the provider's error code and text."""

    provider_id: str
    state: str
    reference: str = ""
    error_code: str = ""
    error_detail: str = ""


@dataclass(frozen=True)
class Inbound:
    """A message a person sent us (a reply, STOP): who sent it (E.164) and its text."""

    sender: str
    text: str
    provider_id: str = ""


@dataclass
class WebhookBatch:
    updates: list[StatusUpdate] = field(default_factory=list)
    inbound: list[Inbound] = field(default_factory=list)
