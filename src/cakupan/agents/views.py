"""Field work's pages and the phone's JSON endpoints (same origin, the agent's session; a phone that was
offline past the session's end gets 401 and keeps its records until she signs in again).

Thin: services write and check the authorization table, selectors read. JSON errors are
{"code", "message"} with a stable English code and a Bahasa message, never a 500."""

from __future__ import annotations

import functools
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.agents import device, selectors
from cakupan.agents.models import RecordStatus
from cakupan.agents.services.conflicts import conflict_resolve
from cakupan.agents.services.filing import queued, records_file
from cakupan.agents.services.settle import records_settle
from cakupan.agents.services.sync import MAX_RECORDS, records_status, records_sync
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError, domain_error_status
from cakupan.regions.models import Region

MAX_STATUS_IDS = MAX_RECORDS


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _phone_endpoint(action: str):
    """Signed in, allowed the action, and every refusal as JSON (the phone shows the message)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return _json_error(
                    "login_required", "Sesi Anda berakhir. Masuk lagi untuk mengirim data.", 401
                )
            if not authz.can(user, action):
                return _json_error("not_allowed", "Peran Anda tidak dapat memakai fitur ini.", 403)
            try:
                return view(request, *args, **kwargs)
            except DomainError as error:
                # Too large for one request: 413, which tells the phone to send half as many.
                status = 413 if error.code == "sync_too_large" else domain_error_status(error)
                return JsonResponse(error.as_dict(), status=status)

        return never_cache(wrapped)

    return decorator


def _json_body(request: HttpRequest):
    try:
        body = request.body
    except RequestDataTooBig as error:
        raise DomainError(
            "sync_too_large",
            f"Data sinkron terlalu besar; kirim paling banyak {MAX_RECORDS} rekaman sekaligus.",
        ) from error
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # ValueError covers malformed JSON and integers longer than Python converts; RecursionError, a
        # document nested deeper than the parser goes.
        raise DomainError("json_invalid", "Data yang dikirim bukan JSON yang sah.") from error


def _desa_filter(request: HttpRequest) -> str | None:
    code = (request.GET.get("desa") or "").strip()[:30]
    if not code:
        return None
    if "\x00" in code or not authz.can(request.user, authz.VISIT_LIST, code):
        raise DomainError("desa_outside_area", "Wilayah ini berada di luar wilayah kerja Anda.", field="desa")
    return code


@require_GET
@login_required
@require_action(authz.VISIT_LIST)
def home(request: HttpRequest) -> HttpResponse:
    try:
        desa = _desa_filter(request)
    except DomainError as error:
        return render(request, "agents/home.html", {"error": error.message, "visits": []}, status=403)
    records_settle(agent=request.user)
    visits = selectors.visit_list(user=request.user, desa=desa)
    villages = Region.objects.filter(level="village", code__startswith=f"{request.user.area_id}.").order_by(
        "name"
    )
    if request.user.area_id and Region.objects.filter(code=request.user.area_id, level="village").exists():
        villages = Region.objects.filter(code=request.user.area_id)
    return render(
        request,
        "agents/home.html",
        {
            "visits": visits,
            "desa": desa or "",
            "villages": villages[:500],
            "counts": _reason_counts(visits),
            "waiting": selectors.waiting_for(request.user),
        },
    )


def _reason_counts(visits) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for visit in visits:
        counts[visit.reason.label] = counts.get(visit.reason.label, 0) + 1
    return list(counts.items())


@require_GET
@_phone_endpoint(authz.VISIT_LIST)
def visits_json(request: HttpRequest) -> JsonResponse:
    desa = _desa_filter(request)
    raw = request.GET.get("limit") or ""
    limit = int(raw) if raw.isdigit() and len(raw) < 6 else selectors.VISIT_LIMIT
    visits = selectors.visit_list(user=request.user, desa=desa, limit=limit)
    # Identifiers in full go to a device: recorded like any export.
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        object_type="agents.visitlist",
        object_repr=f"Daftar kunjungan ke ponsel ({len(visits)} orang)",
        region_code=desa or request.user.area_id,
        metadata={"people": len(visits), "desa": desa or ""},
    )
    return JsonResponse({"visits": [visit.to_dict() for visit in visits]})


@require_GET
@login_required
@require_action(authz.FIELD_SYNC)
def records(request: HttpRequest) -> HttpResponse:
    records_settle(agent=request.user)
    status = request.GET.get("status") or ""
    if status not in RecordStatus.values:
        status = ""
    mine = selectors.records_of(user=request.user, status=status or None)[:200]
    rows = selectors.with_comparison(user=request.user, records=mine)
    filed = request.GET.get("diajukan", "")
    return render(
        request,
        "agents/records.html",
        {
            "records": rows,
            "status": status,
            "statuses": RecordStatus.choices,
            "waiting": queued(request.user).count(),
            "filed": int(filed) if filed.isdigit() and len(filed) < 3 else None,
        },
    )


@require_POST
@login_required
@require_action(authz.FIELD_SYNC)
def record_resolve(request: HttpRequest, client_id: str) -> HttpResponse:
    try:
        conflict_resolve(
            user=request.user, client_id=client_id, choice=request.POST.get("choice", ""), request=request
        )
    except DomainError as error:
        if error.code == "record_not_found":
            raise Http404(error.message) from error
        rows = selectors.records_of(user=request.user, status=RecordStatus.CONFLICT)[:200]
        return render(
            request,
            "agents/records.html",
            {"records": rows, "status": "conflict", "statuses": RecordStatus.choices, "error": error.message},
            status=domain_error_status(error),
        )
    return redirect(reverse("agents:records") + "?status=conflict")


@require_POST
@login_required
@require_action(authz.FIELD_SYNC)
def records_file_now(request: HttpRequest) -> HttpResponse:
    """The agent sends her waiting records to the checker now, without waiting for the batch."""
    made = records_file(agent=request.user, request=request)
    suffix = "?diajukan=" + str(len(made))
    return redirect(reverse("agents:records") + suffix)


@require_GET
@login_required
@require_action(authz.FIELD_SYNC)
def app_shell(request: HttpRequest) -> HttpResponse:
    return render(request, "agents/app.html", {})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(request, "agents/sw.js", {"cache_version": device.cache_version()},
                      content_type="application/javascript")  # fmt: skip
    response["Service-Worker-Allowed"] = "/agen/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    return JsonResponse(device.manifest(), content_type="application/manifest+json")


@require_GET
@_phone_endpoint(authz.FIELD_SYNC)
def sync_token(request: HttpRequest) -> JsonResponse:
    """The CSRF token for the next sync (the cookie is HttpOnly), and who is signed in."""
    user = request.user
    return JsonResponse({"csrf_token": get_token(request), "user": user.get_username(), "area": user.area_id})


@require_GET
@_phone_endpoint(authz.FIELD_SYNC)
def device_rules(request: HttpRequest) -> JsonResponse:
    return JsonResponse(device.rulebook(user=request.user))


@require_POST
@_phone_endpoint(authz.FIELD_SYNC)
def sync(request: HttpRequest) -> JsonResponse:
    body = _json_body(request)
    if not isinstance(body, dict):
        raise DomainError("json_invalid", "Data sinkron harus berupa objek JSON dengan daftar 'records'.")
    results = records_sync(user=request.user, records=body.get("records"), request=request)
    return JsonResponse({"results": [result.to_dict() for result in results]})


@require_POST
@_phone_endpoint(authz.FIELD_SYNC)
def sync_status(request: HttpRequest) -> JsonResponse:
    """The current state of records the phone sent earlier (after their imports were checked and approved)."""
    body = _json_body(request)
    ids = body.get("client_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or len(ids) > MAX_STATUS_IDS or not all(isinstance(i, str) for i in ids):
        raise DomainError(
            "client_ids_invalid", f"Kirim daftar ID perangkat (paling banyak {MAX_STATUS_IDS})."
        )
    records_settle(agent=request.user)
    results = records_status(user=request.user, client_ids=list(dict.fromkeys(ids)))
    return JsonResponse({"results": [result.to_dict() for result in results]})


@require_POST
@_phone_endpoint(authz.FIELD_SYNC)
def sync_resolve(request: HttpRequest) -> JsonResponse:
    body = _json_body(request)
    if not isinstance(body, dict):
        raise DomainError("json_invalid", "Data yang dikirim harus berupa objek JSON.")
    result = conflict_resolve(
        user=request.user,
        client_id=body.get("client_id"),
        choice=body.get("choice"),
        values=body.get("values"),
        new_client_id=body.get("new_client_id"),
        request=request,
    )
    return JsonResponse(result.to_dict())
