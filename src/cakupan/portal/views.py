"""The public face: pages for anyone, no sign-in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cakupan.coverage.selectors import province_headline

PROVINCE = "36"


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html", {"headline": province_headline(PROVINCE)})
