"""The public face: pages for anyone, no sign-in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cakupan.coverage.selectors import province_headline
from cakupan.rules.engine import Month, contribution, due_date, jkm_benefit, today_jakarta

PROVINCE = "36"
# The lowest declared income level of the BPU rules: what "from Rp… a month" means.
MINIMUM_INCOME_LEVEL = 1_000_000


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html", {"headline": province_headline(PROVINCE)})


@require_GET
def how_to_pay(request: HttpRequest) -> HttpResponse:
    """Where a renewal reminder's link leads: what this month costs a self-paying worker, by when, and where
    to pay; the figures from the rules engine, so the page never disagrees with it."""
    today = today_jakarta()
    month = Month.of(today)
    price = contribution(income=MINIMUM_INCOME_LEVEL, programs=("jkk", "jkm"), month=month, funding="self",
                         sector="lainnya")  # fmt: skip
    context = {
        "month": month.first_day,
        "price": price,
        "due": due_date(month),
        "next_due": due_date(month.shift(1)),
        "jkm": jkm_benefit(on=today).total,
    }
    return render(request, "portal/how_to_pay.html", context)
