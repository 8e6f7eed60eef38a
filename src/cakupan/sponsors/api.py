"""The payment provider's notification endpoint. Open to the world, as the provider needs: nothing in a
notification is believed before its signature verifies and the provider, asked again, says the same."""

from __future__ import annotations

from ninja import Router, Status

from cakupan.audit.services import request_ip
from cakupan.sponsors import services

router = Router(tags=["sertakan"])


@router.post(
    "/midtrans/notifikasi",
    auth=None,
    summary="Notifikasi pembayaran Midtrans (HTTP notification)",
    response={200: dict, 400: dict, 403: dict, 404: dict, 429: dict, 503: dict},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        }
    },
)
def midtrans_notification(request):
    """Midtrans's notification body (order_id, status_code, gross_amount, transaction_status,
    signature_key…). 200 when taken (applied, a duplicate, or not final yet); 403 for a bad signature; 400
    for an amount that differs from the order; 404 for an unknown order; 429 for forgeries past their
    address's limit (not kept); 503 when the status could not be confirmed (the provider sends it again)."""
    answer = services.notification_receive(
        raw=request.body[:65536], request=request, ip=request_ip(request) or ""
    )
    return Status(answer.status, answer.as_dict())
