"""A funder's bank statement: uploaded and checked against the funder's open invoices (step 1), then
the matched transfers recorded as payments (step 2), from exactly the file that was checked."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.core.errors import DomainError
from cakupan.funding.services import (
    STATEMENT_MAX_BYTES,
    bank_statement_check,
    bank_statement_import,
    bank_statement_store,
)
from cakupan.funding.views.overview import _scoped_funder


def _render(request: HttpRequest, funder, *, status: int = 200, **context) -> HttpResponse:
    return render(
        request,
        "funding/statement.html",
        {"funder": funder, "check": None, "payments": None, "error": None, **context},
        status=status,
    )


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def statement_check(request: HttpRequest, funder_id: int) -> HttpResponse:
    funder = _scoped_funder(request, funder_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError("statement_file_required", "Pilih berkas mutasi rekening (CSV).", field="file")
        if upload.size > STATEMENT_MAX_BYTES:
            raise DomainError("statement_too_large", "Berkas mutasi lebih dari 10 MB; bagi per bulan.")
        content = upload.read()
        check = bank_statement_check(funder=funder, content=content, actor=request.user)
    except DomainError as error:
        return _render(request, funder, error=error, status=400)
    if check.matched:
        bank_statement_store(content)
    return _render(request, funder, check=check)


@login_required
@require_POST
@require_action(authz.STAFF_PAGES)
def statement_apply(request: HttpRequest, funder_id: int) -> HttpResponse:
    funder = _scoped_funder(request, funder_id)
    try:
        payments = bank_statement_import(
            funder=funder, sha256=request.POST.get("sha256", "").strip().lower(), actor=request.user
        )
    except DomainError as error:
        return _render(request, funder, error=error, status=400)
    return _render(request, funder, payments=payments)
