from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from cakupan.core import selectors


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """ "ok" for anyone (load balancers, uptime checks); the engine and row counts only for administrators:
    they tell an outsider what the registry holds. "degraded" when background tasks wait or run too long."""
    tasks = selectors.task_health()
    # "degraded": the web answers but background work (imports) is not being done.
    status = "ok" if selectors.tasks_healthy(tasks) else "degraded"
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_superuser:
        return JsonResponse({"status": status})
    return JsonResponse(
        {
            "status": status,
            "database": connection.vendor,
            "rows": selectors.table_row_counts(),
            "tasks": tasks,
        }
    )


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("halo", content_type="text/plain")
