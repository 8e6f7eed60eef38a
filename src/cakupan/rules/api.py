"""Rules API, mounted at /api/v1/rules/: contribution, benefit, membership status, claim deadlines.

Query parameters are read as strings and parsed by the engine's shared parsers (`engine.params`), so
every bad value answers 400 with the engine's stable `code`, the Bahasa `message` and the `field` — the
same as the CLI and the calculator page — rather than a generic validation error. Their OpenAPI
description is declared here, from one list per route.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from cakupan.rules.engine import RulesError
from cakupan.rules.engine.codes import FUNDING_SOURCES, NON_BPU_SECTORS, SECTORS
from cakupan.rules.engine.params import (
    BENEFIT_KINDS,
    benefit_from_params,
    claim_from_params,
    contribution_from_params,
    status_from_params,
)

router = Router(tags=["rules"])


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class CitationOut(Schema):
    figure: str
    instrument: str
    article: str
    confidence: str
    provisional: bool
    section: str
    note: str | None
    version: str


class ContributionLineOut(Schema):
    program: str
    amount: int
    full_amount: int


class DiscountOut(Schema):
    id: str
    label: str
    # The engine's Decimal, a JSON number here (the engine's own as_dict keeps it exact as a string).
    percent_off: float
    programs: list[str]
    amount: int
    first_month: str
    last_month: str


class PeriodMonthOut(Schema):
    month: str
    total: int
    full_total: int
    discount: str | None


class PeriodOut(Schema):
    first_month: str
    last_month: str
    months: int
    pay_by: str
    per_month: list[PeriodMonthOut]
    total: int
    full_total: int


class ContributionOut(Schema):
    month: str
    income: int
    income_level: int
    programs: list[str]
    funding: str
    sector: str
    lines: list[ContributionLineOut]
    discount: DiscountOut | None
    total: int
    full_total: int
    due_date: str
    notes: list[str]
    citations: list[CitationOut]
    rules_version: str
    period: PeriodOut


class BenefitLineOut(Schema):
    item: str
    label: str
    amount: int


class SchoolYearOut(Schema):
    child: int
    level: str
    year: int
    age: int
    amount: int


class BenefitOut(Schema):
    kind: str
    lines: list[BenefitLineOut]
    total: int
    eligible: bool
    income_level: int | None
    schedule: list[SchoolYearOut]
    notes: list[str]
    citations: list[CitationOut]
    rules_version: str


class LapseOut(Schema):
    first_month: str
    last_month: str


class StatusOut(Schema):
    on: str
    status: str
    months_in_arrears: int
    arrears: list[str]
    paid_through: str | None
    covered: bool
    next_due_month: str
    next_due_date: str
    lapses_after: str | None
    membership_start: str
    membership_since: str
    contribution_months: int
    gaps: list[str]
    lapses: list[LapseOut]
    policy: str
    notes: list[str]
    citations: list[CitationOut]
    rules_version: str


class ClaimOut(Schema):
    kind: str
    event: str
    event_time: str | None
    report_by: str | None
    stage2_report_by: str | None
    claim_by: str
    payment_by: str | None
    # A JSON number, as percent_off.
    late_payment_percent_per_day: float
    notes: list[str]
    citations: list[CitationOut]
    rules_version: str


def _param(
    name: str, schema: dict[str, Any], description: str, *, required: bool = False, example: Any = None
):
    param = {"in": "query", "name": name, "required": required, "schema": schema, "description": description}
    if example is not None:
        param["example"] = example
    return param


_MONEY = {"type": "integer", "minimum": 0}
_DATE = {"type": "string", "format": "date"}
_MONTH = {"type": "string", "pattern": r"^\d{4}-\d{2}$"}

CONTRIBUTION_PARAMS = [
    _param("income", _MONEY, "Penghasilan sebulan (rupiah, bilangan bulat).", required=True, example=1000000),
    _param(
        "programs",
        {"type": "string"},
        "Program dipisah koma (atau parameter diulang): jkk dan jkm wajib, jht pilihan.",
        required=True,
        example="jkk,jkm",
    ),
    _param("month", _MONTH, "Bulan iuran TTTT-BB.", required=True, example="2026-05"),
    _param(
        "months", {"type": "integer", "enum": [1, 3, 6, 12]}, "Jumlah bulan dibayar sekaligus (bawaan 1)."
    ),
    _param(
        "funding",
        {"type": "string", "enum": list(FUNDING_SOURCES)},
        "Sumber dana.",
        required=True,
        example="self",
    ),
    _param(
        "sector",
        {"type": "string", "enum": [s for s in SECTORS if s not in NON_BPU_SECTORS]},
        "Sektor (kode registri). `formal` ditolak: penerima upah tidak membayar iuran BPU.",
        required=True,
        example="nelayan",
    ),
]

BENEFIT_PARAMS = [
    _param(
        "kind",
        {"type": "string", "enum": list(BENEFIT_KINDS)},
        "Jenis manfaat.",
        required=True,
        example="jkm",
    ),
    _param("income", _MONEY, "Penghasilan sebulan (rupiah); wajib untuk jkk-* dan stmb."),
    _param("on", _DATE, "Tanggal kejadian (bawaan hari ini, WIB); memilih versi aturan."),
    _param("member_since", _DATE, "jkm: tanggal mulai kepesertaan BPU, untuk masa tunggu 3 bulan."),
    _param("children", {"type": "integer", "minimum": 0}, "scholarship: jumlah anak."),
    _param(
        "months",
        {"type": "integer", "minimum": 0},
        "scholarship: masa iur (bulan); stmb: lama tidak mampu bekerja.",
    ),
    _param("cause", {"type": "string", "enum": ["jkm", "jkk"]}, "scholarship: penyebab (bawaan jkm)."),
    _param(
        "child",
        {"type": "string"},
        "scholarship: rincian anak jenjang:tahun-ke:usia (mis. sd:3:9), boleh diulang.",
    ),
    _param(
        "part", {"type": "string"}, "jkk-partial-disability: bagian tubuh dari tabel cacat (mis. one_eye)."
    ),
    _param("percent", {"type": "number"}, "jkk-partial-disability: persentase cacat dari formulir dokter."),
    _param("function_loss", {"type": "number"}, "jkk-partial-disability: persentase kehilangan fungsi."),
    _param("land", _MONEY, "jkk-transport: biaya darat/sungai/danau."),
    _param("sea", _MONEY, "jkk-transport: biaya laut."),
    _param("air", _MONEY, "jkk-transport: biaya udara."),
]

STATUS_PARAMS = [
    _param(
        "paid",
        {"type": "string"},
        "Bulan dibayar, dipisah koma; rentang TTTT-BB..TTTT-BB boleh.",
        required=True,
        example="2026-01,2026-02",
    ),
    _param("on", _DATE, "Tanggal (bawaan hari ini, WIB).", example="2026-06-20"),
    _param("start", _MONTH, "Bulan mulai kepesertaan (bawaan: bulan dibayar pertama)."),
    _param(
        "policy",
        {"type": "string", "enum": ["continue", "reregister"]},
        "Kebijakan masuk kembali (bawaan data).",
    ),
]

CLAIM_PARAMS = [
    _param("kind", {"type": "string", "enum": ["jkk", "jkm"]}, "Jenis klaim (bawaan jkk)."),
    _param(
        "event",
        {"type": "string"},
        "Tanggal kejadian TTTT-BB-HH atau TTTT-BB-HHTjj:mm.",
        required=True,
        example="2026-08-14",
    ),
    _param("doctor_statement", _DATE, "jkk: tanggal surat keterangan dokter (laporan Tahap II)."),
    _param("complete", _DATE, "Tanggal berkas klaim lengkap (batas pembayaran 7 hari kerja)."),
]


def _params(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name) for name in request.GET}


def _answer(compute, request: HttpRequest) -> Status:
    try:
        return Status(200, compute(_params(request)).as_dict())
    except RulesError as error:
        return Status(400, error.as_dict())


@router.get(
    "/contribution",
    response={200: ContributionOut, 400: ErrorOut},
    summary="Iuran BPU satu bulan",
    description="Tingkat penghasilan, satu baris per program (rupiah bulat), potongan PP 50/2025 bila "
    "berlaku, total, dan sumber setiap angka; `period` untuk pembayaran 1, 3, 6 atau 12 bulan sekaligus.",
    openapi_extra={"parameters": CONTRIBUTION_PARAMS},
)
def contribution(request: HttpRequest):
    return _answer(contribution_from_params, request)


@router.get(
    "/benefit",
    response={200: BenefitOut, 400: ErrorOut},
    summary="Manfaat JKM, beasiswa dan JKK",
    description="Baris manfaat (rupiah bulat) yang jumlahnya sama dengan total, dengan sumber setiap angka.",
    openapi_extra={"parameters": BENEFIT_PARAMS},
)
def benefit(request: HttpRequest):
    return _answer(benefit_from_params, request)


@router.get(
    "/status",
    response={200: StatusOut, 400: ErrorOut},
    summary="Status kepesertaan pada suatu tanggal",
    description="aktif, menunggak (1-2 bulan) atau nonaktif (3 bulan berturut-turut), dari bulan yang "
    "dibayar.",
    openapi_extra={"parameters": STATUS_PARAMS},
)
def status(request: HttpRequest):
    return _answer(status_from_params, request)


@router.get(
    "/claim",
    response={200: ClaimOut, 400: ErrorOut},
    summary="Batas waktu lapor, klaim dan pembayaran",
    openapi_extra={"parameters": CLAIM_PARAMS},
)
def claim(request: HttpRequest):
    return _answer(claim_from_params, request)
