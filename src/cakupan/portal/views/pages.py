"""The public face: pages for anyone, no sign-in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cakupan.coverage.selectors import province_headline
from cakupan.portal import information
from cakupan.portal.villages import MAX_QUERY, MAX_RESULTS, MIN_QUERY, regency_names, village_search
from cakupan.rules.engine import today_jakarta

PROVINCE = "36"


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html", {"headline": province_headline(PROVINCE)})


@require_GET
def how_to_pay(request: HttpRequest) -> HttpResponse:
    """Where a renewal reminder's link leads: what this month costs a self-paying worker, by when, and where
    to pay; the figures from the rules engine (`portal.information`), so the page never disagrees with it."""
    page = information.payment_page(today=today_jakarta())
    return render(request, "portal/how_to_pay.html", {"page": page, "current": "cara-bayar"})


# Information pages: each figure is computed by `portal.information` from the rules engine for today's date
# in Jakarta, so the pages change with the rule data and the month, never by hand.


@require_GET
def information_index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/info/index.html", {"current": "informasi"})


@require_GET
def benefits(request: HttpRequest) -> HttpResponse:
    page = information.benefits_page(today=today_jakarta())
    return render(request, "portal/info/benefits.html", {"page": page, "current": "manfaat"})


@require_GET
def contributions(request: HttpRequest) -> HttpResponse:
    page = information.contributions_page(today=today_jakarta())
    return render(request, "portal/info/contributions.html", {"page": page, "current": "iuran"})


@require_GET
def registration(request: HttpRequest) -> HttpResponse:
    page = information.registration_page(today=today_jakarta())
    return render(request, "portal/info/registration.html", {"page": page, "current": "cara-daftar"})


@require_GET
def claims(request: HttpRequest) -> HttpResponse:
    page = information.claims_page(today=today_jakarta())
    return render(request, "portal/info/claims.html", {"page": page, "current": "klaim"})


@require_GET
def offices(request: HttpRequest) -> HttpResponse:
    """The village operator of a typed desa (a GET form, no script) and the BPJS TK offices of Banten."""
    context = {
        "search": village_search(text=request.GET.get("q")),
        "regencies": information.offices_by_regency(regency_names(province=PROVINCE)),
        "max_query": MAX_QUERY,
        "min_query": MIN_QUERY,
        "max_results": MAX_RESULTS,
        "current": "kantor",
    }
    return render(request, "portal/info/offices.html", context)
