"""Claims API, mounted at /api/v1/klaim: the payment deadline of a claim (public, like the rules API) and the
claim cases of the staff user's area.

`/tenggat` reads its parameters as strings through the rules engine's parsers, so a bad value answers 400
with a stable `code`, the Bahasa `message` and the `field`, as `/api/v1/rules/…` and `cakupan claims
deadline` do; the holiday corrections recorded in Cakupan move the deadline as they move the cases' clocks.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from cakupan.accounts import authorization as authz
from cakupan.accounts.auth import API_AUTH
from cakupan.accounts.authorization import api_require_action
from cakupan.claims import selectors
from cakupan.core.errors import DomainError
from cakupan.rules.engine.claims import PAYMENT_KINDS, payment_due
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.params import parse_date, value

router = Router(tags=["klaim"])

MAX_LIMIT = 200


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class DeadlineOut(Schema):
    kind: str
    complete: str
    working_days: int
    due: str


class CaseOut(Schema):
    number: str
    kind: str
    status: str
    region_code: str
    incident_date: str
    due_on: str | None
    clock_state: str
    escalation_level: int


class CasePageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]


def _kind(request: HttpRequest) -> str:
    kind = value({name: request.GET.getlist(name) for name in request.GET}, "kind")
    if kind not in PAYMENT_KINDS:
        problem = "wajib diisi" if kind is None else f"'{kind[:20]}' tidak dikenal"
        raise RulesError(
            "claim_kind_unknown",
            f"Jenis klaim {problem}; pilihan yang sah: {', '.join(PAYMENT_KINDS)}.",
            field="kind",
        )
    return kind


@router.get(
    "/tenggat",
    response={200: DeadlineOut, 400: ErrorOut},
    summary="Batas pembayaran klaim setelah berkas lengkap",
    description="Hari kerja ke-N setelah berkas lengkap (N dari data aturan: JKK 7, JKM 3, beasiswa 7), "
    "tanpa akhir pekan, hari libur nasional dan cuti bersama, dengan koreksi hari libur yang tercatat di "
    "Cakupan.",
    openapi_extra={
        "parameters": [
            {
                "in": "query",
                "name": "kind",
                "required": True,
                "schema": {"type": "string", "enum": list(PAYMENT_KINDS)},
                "description": "Jenis klaim.",
                "example": "jkm",
            },
            {
                "in": "query",
                "name": "complete",
                "required": True,
                "schema": {"type": "string", "format": "date"},
                "description": "Tanggal berkas klaim lengkap TTTT-BB-HH.",
                "example": "2026-12-07",
            },
        ]
    },
)
def deadline(request: HttpRequest):
    try:
        kind = _kind(request)
        complete = parse_date(
            value({"complete": request.GET.getlist("complete")}, "complete"),
            field="complete",
            label="Tanggal berkas lengkap",
        )
        due = payment_due(kind=kind, complete=complete, changes=selectors.holiday_changes())
    except RulesError as error:
        return Status(400, error.as_dict())
    return Status(200, due.as_dict())


@router.get(
    "/kasus",
    auth=API_AUTH,
    response={200: CasePageOut, 400: ErrorOut, 403: ErrorOut},
    summary="Kasus klaim di wilayah kerja Anda",
    description="Terbaru lebih dulu. `list`: perhatian (yang sudah mencapai tingkat eskalasi peran Anda), "
    "berjalan, selesai atau semua (bawaan).",
)
@api_require_action(authz.CLAIM_VIEW)
def cases(
    request: HttpRequest,
    list_name: str = Query("semua", alias="list"),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=2**31 - 1),
):
    if list_name not in selectors.LISTS:
        raise DomainError(
            "claim_list_unknown",
            f"Daftar harus salah satu dari: {', '.join(selectors.LISTS)}.",
            field="list",
        )
    queryset = selectors.case_list(user=request.user, slug=list_name)
    rows = queryset.values_list(
        "number",
        "kind",
        "status",
        "region_code",
        "incident_date",
        "due_on",
        "clock_state",
        "escalation_level",
    )[offset : offset + limit]
    return {
        "count": queryset.count(),
        "limit": limit,
        "offset": offset,
        "items": [
            {
                "number": number,
                "kind": kind,
                "status": status,
                "region_code": region_code,
                "incident_date": incident.isoformat(),
                "due_on": due.isoformat() if due else None,
                "clock_state": clock_state,
                "escalation_level": level,
            }
            for number, kind, status, region_code, incident, due, clock_state, level in rows
        ],
    }
