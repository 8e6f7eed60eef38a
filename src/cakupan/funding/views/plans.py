"""The plan builder: a funder officer (or a coordinator of the funder's area) picks the funder's
programs, the solver chooses whom they fund, and the plan goes to another officer for approval."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.core.errors import DomainError
from cakupan.funding import selectors
from cakupan.funding.models import FundingProgram
from cakupan.funding.services import allocation_plan_create, program_renewal_limit_set
from cakupan.funding.views.overview import _scoped_funder

# The page waits for the solver; past this it returns the best plan found with its proven gap.
PLAN_SOLVER_SECONDS = 30.0
TITLE_MAX = 200


def _chosen_programs(request: HttpRequest, funder) -> list[FundingProgram]:
    raw = request.POST.getlist("program")
    if not raw:
        raise DomainError("allocation_no_programs", "Pilih minimal satu program pendanaan.", field="program")
    try:
        ids = sorted({int(value) for value in raw})
    except ValueError as error:
        raise DomainError("program_invalid", "Pilihan program tidak dikenal.", field="program") from error
    programs = list(funder.programs.filter(pk__in=ids))
    if len(programs) != len(ids):
        raise DomainError(
            "program_unknown", "Program yang dipilih bukan milik pemberi dana ini.", field="program"
        )
    return programs


@login_required
@require_http_methods(["GET", "POST"])
@require_action(authz.STAFF_PAGES)
def plan_new(request: HttpRequest, funder_id: int) -> HttpResponse:
    funder = _scoped_funder(request, funder_id)
    if not authz.can(request.user, authz.PLAN_CREATE, funder):
        return render(
            request,
            "funding/plan_new.html",
            {"funder": funder, "not_allowed": True, "programs": []},
            status=403,
        )
    error = None
    if request.method == "POST":
        title = request.POST.get("title", "").strip()
        try:
            if len(title) > TITLE_MAX:
                raise DomainError(
                    "title_too_long", f"Judul paling panjang {TITLE_MAX} karakter.", field="title"
                )
            plan = allocation_plan_create(
                programs=_chosen_programs(request, funder),
                actor=request.user,
                sector_risk=request.POST.get("sector_risk") == "1",
                prefer_renewals=request.POST.get("prefer_renewals") == "1",
                max_seconds=PLAN_SOLVER_SECONDS,
                title=title,
            )
        except DomainError as caught:
            error = caught
        else:
            return redirect("funding:plan", plan_id=plan.pk)
    context = {
        "funder": funder,
        "programs": selectors.plan_builder_programs(funder=funder),
        "error": error,
        "chosen": set(request.POST.getlist("program")) if request.method == "POST" else None,
        "sector_risk": request.method == "GET" or request.POST.get("sector_risk") == "1",
        "prefer_renewals": request.method == "GET" or request.POST.get("prefer_renewals") == "1",
        "title": request.POST.get("title", "") if request.method == "POST" else "",
    }
    return render(request, "funding/plan_new.html", context, status=400 if error else 200)


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def renewal_limit_set(request: HttpRequest, program_id: int) -> HttpResponse:
    """A standing approval of a program's monthly renewals, up to a limit (empty: withdrawn)."""
    program = (
        FundingProgram.objects.filter(pk=program_id, funder__in=selectors.funders_for_user(user=request.user))
        .select_related("funder")
        .first()
    )
    if program is None:
        raise Http404("Program tidak ditemukan di antara yang boleh Anda lihat.")
    raw = request.POST.get("renewal_limit", "").strip().replace(".", "").replace("Rp", "").strip()
    try:
        if raw and not raw.isdigit():
            raise DomainError(
                "renewal_limit_invalid",
                "Batas perpanjangan harus bilangan bulat rupiah lebih dari 0 (kosongkan untuk mencabut).",
                field="renewal_limit",
            )
        program_renewal_limit_set(program=program, limit=int(raw) if raw else None, actor=request.user)
    except DomainError as error:
        return render(
            request,
            "funding/message.html",
            {"title": program.name, "error": error, "back": program.funder},
            status=400,
        )
    return redirect("funding:funder", funder_id=program.funder_id)
