from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cakupan.accounts.authorization import sees_identifiers
from cakupan.audit import selectors
from cakupan.audit.forms import AuditFilterForm
from cakupan.core.masking import mask_identifiers_in_text

PAGE_SIZE = 50
ROW_PAGE_SIZE = 100
_NOT_ALLOWED = "Halaman ini hanya untuk auditor dan koordinator provinsi."


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not selectors.audit_viewer_allowed(request.user):
        raise PermissionDenied(_NOT_ALLOWED)
    form = AuditFilterForm(request.GET)
    full = sees_identifiers(request.user)
    page = None
    if form.is_valid():
        events = selectors.audit_event_list(user=request.user, filters=form.filters()).annotate(
            rows=Count("row_changes")
        )
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        for event in page.object_list:
            event.change_rows = selectors.change_rows(event.changes, full=full)
            event.shown_repr = event.object_repr if full else mask_identifiers_in_text(event.object_repr)
    alerts = list(selectors.recent_alerts(user=request.user)[:10])
    return render(request, "audit/event_list.html", {"form": form, "page": page, "alerts": alerts})


@require_GET
@login_required
def event_rows(request: HttpRequest, event_id: int) -> HttpResponse:
    """The rows one bulk change inserted, updated or deleted, before and after."""
    if not selectors.audit_viewer_allowed(request.user):
        raise PermissionDenied(_NOT_ALLOWED)
    event = selectors.event_get(user=request.user, event_id=event_id)
    if event is None:
        raise Http404("Peristiwa audit tidak ditemukan di wilayah kerja Anda.")
    full = sees_identifiers(request.user)
    page = Paginator(selectors.row_changes_of(user=request.user, event=event), ROW_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for change in page.object_list:
        change.rows = selectors.row_change_rows(change, full=full)
    return render(request, "audit/event_rows.html", {"event": event, "page": page})
