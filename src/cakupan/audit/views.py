from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cakupan.audit.forms import AuditFilterForm
from cakupan.audit.selectors import audit_event_list, audit_viewer_allowed, change_rows

PAGE_SIZE = 50


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not audit_viewer_allowed(request.user):
        raise PermissionDenied("Halaman ini hanya untuk auditor dan koordinator provinsi.")
    form = AuditFilterForm(request.GET)
    page = None
    if form.is_valid():
        events = audit_event_list(user=request.user, filters=form.filters())
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        for event in page.object_list:
            event.change_rows = change_rows(event.changes)
    return render(request, "audit/event_list.html", {"form": form, "page": page})
