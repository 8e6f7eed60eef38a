"""The public status check: "am I covered?" without signing in (first tier), and the worker's own cover in
more detail after a one-time code to her registered phone (second tier). Thin: the services decide."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cakupan.audit.services import request_ip
from cakupan.portal import services
from cakupan.portal.models import LookupChannel
from cakupan.rules.engine import Month, today_jakarta


@never_cache
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "portal/cek.html", {})
    answer = services.status_check(
        request=request, nik=request.POST.get("nik", ""), factor=request.POST.get("faktor", ""),
        ip=request_ip(request) or "", channel=LookupChannel.WEB,
    )  # fmt: skip
    return render(request, "portal/cek.html", {"answer": answer}, status=503 if answer.unavailable else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def code_request(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("portal:check")
    answer = services.code_request(
        request=request, ticket=request.POST.get("tiket", ""), ip=request_ip(request) or ""
    )
    if not answer.sent:
        return render(request, "portal/cek_code.html", {"failed": answer.message},
                      status=503 if answer.unavailable else 200)  # fmt: skip
    return render(request, "portal/cek_code.html", {"reference": answer.reference})


@never_cache
@require_POST
def code_verify(request: HttpRequest) -> HttpResponse:
    reference = request.POST.get("rujukan", "")
    detail = services.code_verify(
        reference=reference, code=request.POST.get("kode", ""), ip=request_ip(request) or ""
    )
    if detail is None:
        return render(
            request, "portal/cek_code.html", {"reference": reference, "wrong": services.CODE_FAILED}
        )
    return render(
        request, "portal/cek_detail.html", {"detail": detail, "month": Month.of(today_jakarta()).first_day}
    )


# The family's claim tracking: the claim number and the reporter's phone, then a one-time code to that phone.


@never_cache
@require_http_methods(["GET", "POST"])
def claim_check(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "portal/cek_klaim.html", {})
    answer = services.claim_check(
        request=request, number=request.POST.get("nomor", ""), factor=request.POST.get("faktor", ""),
        ip=request_ip(request) or "",
    )  # fmt: skip
    if not answer.sent:
        return render(request, "portal/cek_klaim.html", {"failed": answer.message},
                      status=503 if answer.unavailable else 200)  # fmt: skip
    return render(request, "portal/cek_klaim_kode.html", {"reference": answer.reference})


@never_cache
@require_POST
def claim_verify(request: HttpRequest) -> HttpResponse:
    reference = request.POST.get("rujukan", "")
    claim = services.claim_code_verify(
        reference=reference, code=request.POST.get("kode", ""), ip=request_ip(request) or ""
    )
    if claim is None:
        return render(
            request,
            "portal/cek_klaim_kode.html",
            {"reference": reference, "wrong": services.CLAIM_CODE_FAILED},
        )
    return render(request, "portal/cek_klaim_rincian.html", {"claim": claim})
