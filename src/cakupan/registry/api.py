from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from cakupan.accounts import authorization as authz
from cakupan.accounts.auth import API_AUTH
from cakupan.accounts.authorization import api_require_action
from cakupan.core.api_params import refuse_nul_characters
from cakupan.registry import selectors, services

router = Router(tags=["workers"], auth=API_AUTH)
# Region codes and sectors reach the database as typed: a NUL character is refused first (422).
router.add_decorator(refuse_nul_characters, mode="view")


class WorkerOut(Schema):
    id: int
    nik: str
    name: str
    # Only for roles that see identifiers (with the NIK, a birth date gives back its masked digits).
    birth_date: dt.date | None
    age_band: str
    sex: str
    desa_code: str
    employment: str
    sector: str
    monthly_income: int
    decile: int | None
    phone: str


class ErrorOut(Schema):
    code: str
    message: str


def _out(worker, user, *, unmasked: bool = False) -> WorkerOut:
    identity = (
        selectors.worker_identity(worker, full=True) if unmasked else selectors.identity_for(user, worker)
    )
    return WorkerOut(
        id=worker.id,
        nik=identity.nik,
        name=worker.name,
        birth_date=identity.birth_date,
        age_band=identity.age_band,
        sex=worker.sex,
        desa_code=worker.desa_id,
        employment=worker.employment,
        sector=worker.sector,
        monthly_income=worker.monthly_income,
        decile=worker.decile,
        phone=identity.phone,
    )


class WorkerPagination(PageNumberPagination):
    """Masks identifiers per the requesting user's role after the page is cut."""

    class Input(Schema):
        # Bounded so the offset stays a database integer (a huge page was a 500).
        page: int = Field(1, ge=1, le=10_000_000)
        page_size: int | None = Field(None, ge=1, le=1000)

    def paginate_queryset(self, queryset, pagination, **params):
        result = super().paginate_queryset(queryset, pagination, **params)
        request = params["request"]
        result["items"] = [_out(worker, request.user) for worker in result["items"]]
        return result


@router.get(
    "",
    response={200: list[WorkerOut], 403: ErrorOut, 404: ErrorOut},
    summary="Daftar pekerja di wilayah kerja Anda",
)
@paginate(WorkerPagination, page_size=50)
@api_require_action(authz.STAFF_PAGES)
def list_workers(request, region: str | None = None, sector: str | None = None):
    return selectors.worker_list(user=request.user, region_code=region, sector=sector)


@router.get(
    "/export.csv",
    response={200: None, 403: ErrorOut, 404: ErrorOut},
    summary="Ekspor CSV pekerja di wilayah kerja Anda (tercatat di jejak audit)",
    openapi_extra={
        "responses": {
            200: {"description": "CSV (UTF-8)", "content": {"text/csv": {"schema": {"type": "string"}}}}
        }
    },
)
@api_require_action(authz.STAFF_PAGES)
def export_workers(request, region: str | None = None, sector: str | None = None):
    body = services.worker_export_csv(user=request.user, region_code=region, sector=sector, request=request)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pekerja-{region or "wilayah-kerja"}.csv"'
    return response


@router.post(
    "/{worker_id}/unmask",
    response={200: WorkerOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="Buka NIK, telepon dan tanggal lahir (tercatat, dibatasi per hari)",
)
@api_require_action(authz.STAFF_PAGES)
def unmask_worker(request, worker_id: int):
    """Full identifiers of one worker, for roles that see them masked; every call is audited."""
    worker = services.worker_unmask(user=request.user, worker_id=worker_id, request=request)
    return _out(worker, request.user, unmasked=True)


@router.get("/{worker_id}", response={200: WorkerOut, 404: ErrorOut}, summary="Satu pekerja")
@api_require_action(authz.STAFF_PAGES)
def get_worker(request, worker_id: int):
    worker = selectors.worker_get(user=request.user, worker_id=worker_id)
    if worker is None:
        return Status(
            404, {"code": "worker_not_found", "message": "Pekerja tidak ditemukan di wilayah kerja Anda."}
        )
    return _out(worker, request.user)
