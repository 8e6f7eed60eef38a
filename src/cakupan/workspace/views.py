"""The staff workspace: each role's home (what waits), the worklists and search of village operators and
field agents, a worker's page, and adding or changing a worker by hand (a one-row import)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.core.errors import DomainError
from cakupan.core.params import parse_month
from cakupan.core.scoping import area_filter
from cakupan.core.sectors import SECTOR_LABELS
from cakupan.funding import selectors as funding_selectors
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry.models import Sex, Worker
from cakupan.registry.selectors import identity_for
from cakupan.workspace import selectors, services
from cakupan.workspace.selectors import WORKLIST_SLUGS, WORKLISTS

PAGE_SIZE = 25
MAX_PAGE = 100_000


def _month(request: HttpRequest):
    """The list month: ?bulan=YYYY-MM within the months built (2020-01 up to the latest), else the
    latest."""
    latest = selectors.list_month()
    if latest is None:
        return None
    return (
        parse_month(request.GET.get("bulan"), earliest=dt.date(2020, 1, 1), latest=latest, label="Bulan")
        or latest
    )


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "1")
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise DomainError(
            "page_invalid",
            f"Nomor halaman '{text[:20]}' tidak sah: gunakan 1 sampai {MAX_PAGE:,}.".replace(",", "."),
            field="page",
        )
    return int(text)


def _bad_request(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "workspace/bad_request.html", {"error": error}, status=400)


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def home(request: HttpRequest) -> HttpResponse:
    try:
        month = _month(request)
    except DomainError as error:
        return _bad_request(request, error)
    region = selectors.area_region(request.user)
    counts = selectors.worklist_counts(user=request.user, month=month) if month else {}
    figures = selectors.dashboard_figures(area_code=region.code, month=month) if (region and month) else None
    return render(
        request,
        "workspace/home.html",
        {
            "region": region,
            "month": month,
            "worklists": [(item, counts.get(item.slug, 0)) for item in WORKLISTS],
            "lazy_counts": any(count is None for count in counts.values()),
            "figures": figures,
            "waiting": selectors.waiting_for(request.user),
            "tasks_healthy": selectors.tasks_healthy(),
            "may_register": authz.can(request.user, authz.WORKER_REGISTER),
        },
    )


@login_required
@require_GET
@require_action(authz.STAFF_PAGES)
def health(request: HttpRequest) -> HttpResponse:
    """The staff health page: is background work being done, and which imports of my area it holds up."""
    return render(request, "workspace/health.html", selectors.system_health(user=request.user))


@dataclass(frozen=True)
class _UncountedPaginator:
    num_pages = None


@dataclass(frozen=True)
class SeekPage:
    """A page of a list whose total is not known yet: whether there is a next page is read by fetching
    one row more than the page holds."""

    number: int
    has_next: bool
    paginator: _UncountedPaginator = _UncountedPaginator()

    def has_previous(self) -> bool:
        return self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _list_request(request: HttpRequest, slug: str):
    """The list's month, page number, search terms and queryset; DomainError for a bad parameter."""
    if slug and slug not in WORKLIST_SLUGS:
        raise Http404("Daftar kerja tidak dikenal.")
    month = _month(request)
    page_number = _page_number(request)
    terms = selectors.parse_search(request.GET.get("q", ""))
    if slug and month is not None:
        workers = selectors.worklist_queryset(user=request.user, slug=slug, month=month)
    else:
        workers = selectors.everyone_queryset(user=request.user)
    workers = selectors.worker_search(workers, user=request.user, terms=terms).select_related("desa")
    return month, page_number, terms, workers


def _count_text(count: int, terms) -> tuple[int, int | None]:
    """Only a search's count is capped (SEARCH_COUNT_CAP + 1 means more); a list's count is exact."""
    capped = not terms.empty and count > selectors.SEARCH_COUNT_CAP
    return count, selectors.SEARCH_COUNT_CAP if capped else None


@login_required
@require_GET
@require_action(authz.WORKER_VIEW)
def worker_list(request: HttpRequest, slug: str = "") -> HttpResponse:
    """One worklist (or, without one, everyone in the area), optionally narrowed by a search."""
    try:
        month, page_number, terms, workers = _list_request(request, slug)
    except DomainError as error:
        return _bad_request(request, error)
    quick = month is None or selectors.count_is_quick(user=request.user, slug=slug, month=month, terms=terms)
    total = more_than = None
    if quick:
        paginator = Paginator(workers, PAGE_SIZE)
        if month is not None:
            # Paginator reads `count`: the roll-up's figure or a capped search count, not a COUNT of the area.
            paginator.count = selectors.list_count(
                user=request.user, slug=slug, month=month, terms=terms, queryset=workers
            )
        total, more_than = _count_text(paginator.count, terms)
        page = paginator.get_page(min(page_number, max(paginator.num_pages, 1)))
        listed = list(page.object_list)
    else:
        offset = (page_number - 1) * PAGE_SIZE
        fetched = list(workers[offset : offset + PAGE_SIZE + 1])
        page = SeekPage(number=page_number, has_next=len(fetched) > PAGE_SIZE)
        listed = fetched[:PAGE_SIZE]
    rows = [
        {
            "worker": worker,
            "identity": identity_for(request.user, worker),
            "state": selectors.worker_state(worker, month=month) if month else None,
            "sector": SECTOR_LABELS.get(worker.sector, worker.sector),
        }
        for worker in listed
    ]
    query = request.GET.get("q", "")
    return render(
        request,
        "workspace/worker_list.html",
        {
            "worklist": WORKLIST_SLUGS.get(slug),
            "worklists": WORKLISTS,
            "month": month,
            "query": query,
            "page": page,
            "rows": rows,
            "total": total,
            "more_than": more_than,
            "count_query": urlencode(
                {"daftar": slug, "q": query, "bulan": f"{month:%Y-%m}" if month else ""}
            ),
            "masked_search": (terms.nik or terms.kpj) and not authz.sees_identifiers(request.user),
            "may_register": authz.can(request.user, authz.WORKER_REGISTER),
        },
    )


@login_required
@require_GET
@require_action(authz.WORKER_VIEW)
def worker_count(request: HttpRequest) -> HttpResponse:
    """The count of a list of a large area, fetched by its page once shown (?daftar=&q=&bulan=)."""
    slug = request.GET.get("daftar", "")
    try:
        month, _, terms, workers = _list_request(request, slug)
    except DomainError as error:
        return render(request, "workspace/_count.html", {"error": error}, status=400)
    if month is None:
        total = 0
    else:
        total = selectors.list_count(user=request.user, slug=slug, month=month, terms=terms, queryset=workers)
    count, more_than = _count_text(total, terms)
    return render(
        request,
        "workspace/_count.html",
        {"total": count, "more_than": more_than, "query": request.GET.get("q", "")},
    )


def _scoped_worker(request: HttpRequest, worker_id: int) -> Worker:
    worker = Worker.objects.for_user(request.user).select_related("desa").filter(pk=worker_id).first()
    if worker is None:
        raise Http404("Pekerja tidak ditemukan di wilayah kerja Anda.")
    return worker


@login_required
@require_GET
@require_action(authz.WORKER_VIEW)
def worker_detail(request: HttpRequest, worker_id: int) -> HttpResponse:
    worker = _scoped_worker(request, worker_id)
    month = selectors.list_month() or timezone.localdate().replace(day=1)
    identity = identity_for(request.user, worker)
    memberships = selectors.membership_rows(worker, today=timezone.localdate())
    return render(
        request,
        "workspace/worker_detail.html",
        {
            "worker": worker,
            "identity": identity,
            "month": month,
            "state": selectors.worker_state(worker, month=month),
            "memberships": memberships,
            "funded": funding_selectors.funded_spans(worker),
            "sector": SECTOR_LABELS.get(worker.sector, worker.sector),
            "may_edit": authz.can(request.user, authz.WORKER_REGISTER, worker),
        },
    )


def _form_context(request, *, values, problems=None, warnings=None, worker=None, error=None) -> dict:
    area = request.user.area_id
    villages = (
        Region.objects.filter(level=RegionLevel.VILLAGE).filter(area_filter("code", area))
        if area
        else Region.objects.filter(level=RegionLevel.VILLAGE)
    )
    return {
        "values": values,
        "problems": problems or {},
        "warnings": warnings or [],
        "error": error,
        "worker": worker,
        "villages": villages.order_by("code")[:2000],
        "sectors": list(SECTOR_LABELS.items()),
        "sexes": Sex.choices,
    }


FORM_FIELDS = services.HAND_COLUMNS


def _posted_values(request: HttpRequest) -> dict[str, str]:
    return {name: request.POST.get(name, "").strip()[:200] for name in FORM_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
@require_action(authz.WORKER_REGISTER)
def worker_add(request: HttpRequest) -> HttpResponse:
    return _hand_entry(request, worker=None)


@login_required
@require_http_methods(["GET", "POST"])
@require_action(authz.WORKER_REGISTER)
def worker_edit(request: HttpRequest, worker_id: int) -> HttpResponse:
    worker = _scoped_worker(request, worker_id)
    if not authz.can(request.user, authz.WORKER_REGISTER, worker):
        raise Http404("Pekerja tidak ditemukan di wilayah kerja Anda.")
    return _hand_entry(request, worker=worker)


def _hand_entry(request: HttpRequest, *, worker: Worker | None) -> HttpResponse:
    template = "workspace/worker_form.html"
    if request.method == "GET":
        values = services.worker_form_values(worker) if worker else {"kode_desa": request.user.area_id or ""}
        return render(request, template, _form_context(request, values=values, worker=worker))
    values = _posted_values(request)
    if worker is not None:
        values["nik"] = worker.nik
    try:
        record = services.worker_submit_by_hand(
            user=request.user, values=values, worker=worker, request=request
        )
    except services.HandEntryProblems as problems:
        context = _form_context(request, values=values, problems=problems.errors, worker=worker)
        return render(request, template, context, status=400)
    except DomainError as error:
        context = _form_context(request, values=values, worker=worker, error=error)
        return render(request, template, context, status=400)
    return redirect(f"/impor/{record.pk}/")
