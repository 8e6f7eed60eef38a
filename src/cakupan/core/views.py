from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cakupan.core import selectors


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "core/landing.html", {"headline": selectors.province_headline()})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """ "ok" for anyone (load balancers, uptime checks); the engine and row counts only for administrators:
    they tell an outsider what the registry holds."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_superuser:
        return JsonResponse({"status": "ok"})
    return JsonResponse({"status": "ok", "database": connection.vendor, "rows": selectors.table_row_counts()})
