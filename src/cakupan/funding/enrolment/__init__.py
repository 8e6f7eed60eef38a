"""Enrolment batches for BPJS TK (format: docs/enrolment-batch-format.md) and their acknowledgements.

An approved plan becomes one batch file, which a second person checks; the check makes an invoice per
funder and offers the file to BPJS TK's liaison, whose download is the sending. BPJS TK answers each row
with a KPJ number (accepted) or a reason (rejected); accepted rows become memberships, rejected rows give
their committed money back to the program and their worker-months free for another plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cakupan.core.lazy import lazy_exports

if TYPE_CHECKING:
    from cakupan.funding.enrolment.acks import (
        AckCheck,
        enrolment_ack_check,
        enrolment_ack_import,
        released_total,
    )
    from cakupan.funding.enrolment.batches import (
        enrolment_batch_create,
        enrolment_batch_send,
        register_batch_handlers,
    )
    from cakupan.funding.enrolment.files import (
        ACK_COLUMNS,
        BATCH_COLUMNS,
        FORMAT_VERSION,
        ack_template,
        batch_file_content,
        batch_frame,
    )

# Loaded on first use: the app registers the batch's approval handlers at start-up, and the files and
# acknowledgements need Polars, which only they use.
__getattr__ = lazy_exports(
    __name__,
    {
        "acks": ("AckCheck", "enrolment_ack_check", "enrolment_ack_import", "released_total"),
        "batches": ("enrolment_batch_create", "enrolment_batch_send", "register_batch_handlers"),
        "files": (
            "ACK_COLUMNS",
            "BATCH_COLUMNS",
            "FORMAT_VERSION",
            "ack_template",
            "batch_file_content",
            "batch_frame",
        ),
    },
)

__all__ = [
    "ACK_COLUMNS",
    "BATCH_COLUMNS",
    "FORMAT_VERSION",
    "AckCheck",
    "ack_template",
    "batch_file_content",
    "batch_frame",
    "enrolment_ack_check",
    "enrolment_ack_import",
    "enrolment_batch_create",
    "enrolment_batch_send",
    "register_batch_handlers",
    "released_total",
]
