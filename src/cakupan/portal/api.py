"""POST /api/v1/cek: the status check for kiosks and chat channels, without signing in."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema

from cakupan.audit.services import request_ip
from cakupan.portal import services
from cakupan.portal.models import LookupChannel

router = Router(tags=["cek"])


class CheckIn(Schema):
    nik: str
    faktor: str


class CheckOut(Schema):
    status: Literal["terlindungi", "tidak_aktif", "tidak_cocok"]
    sampai: str | None
    langkah: str


@router.post(
    "",
    response={200: CheckOut, 429: CheckOut, 503: CheckOut},
    auth=None,
    summary="Apakah pekerja ini terlindungi?",
    description=(
        "NIK and the last 4 digits of the KPJ or of the registered phone. `tidak_cocok` is the one answer "
        "for a NIK that cannot be real, an unknown NIK and a wrong second factor. Too many look-ups (per "
        "NIK, address and network) answer 429 with the same body; 503 when the limiter cannot be reached."
    ),
)
def check(request: HttpRequest, payload: CheckIn):
    answer = services.status_check(
        request=request, nik=payload.nik, factor=payload.faktor, ip=request_ip(request) or "",
        channel=LookupChannel.API,
    )  # fmt: skip
    code = 503 if answer.unavailable else 429 if answer.limited else 200
    # Built by the service in the documented shape; returned as it is, without a second validation on the
    # public's busiest path.
    return JsonResponse(answer.to_api(), status=code)
