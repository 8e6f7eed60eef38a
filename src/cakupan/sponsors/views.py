"""SERTAKAN pages: the sponsor's (mobile-first, Bahasa), the worker's answer, the public receipt check,
and the officers' money trail and company matching. Thin: services write, selectors read."""

from __future__ import annotations

import functools
import uuid
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.core.errors import DomainError
from cakupan.core.masking import mask_phone, national_phone
from cakupan.core.sectors import FORMAL_SECTOR, SECTOR_LABELS
from cakupan.providers.config import public_url
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry.models import WorkerSource
from cakupan.registry.selectors import identity_for
from cakupan.sponsors import selectors, services
from cakupan.sponsors.models import (
    EndReason,
    OrderState,
    PaymentOrder,
    Sponsorship,
    SponsorshipKind,
    SponsorshipStatus,
)
from cakupan.sponsors.receipt_pdf import ReceiptFacts, qr_svg, receipt_pdf
from cakupan.sponsors.services import common, reversal, staff
from cakupan.sponsors.services.orders import METHOD_LABELS
from cakupan.sponsors.services.sponsorships import phone_checks_for, sponsorship_by_token, sponsorship_label

SPONSOR_LOGIN = "/sponsor/akun/masuk/"
SECTORS = [(code, label) for code, label in SECTOR_LABELS.items() if code != FORMAL_SECTOR]
MONTH_CHOICES = (1, 3, 6, 12)


def sponsor_required(view):
    """Signed in with a sponsor account; anyone else is sent to the sponsors' sign-in."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), SPONSOR_LOGIN)
        if not authz.can(request.user, authz.SPONSORSHIP_OWN):
            raise PermissionDenied("Halaman ini untuk akun sponsor SERTAKAN. Staf masuk lewat /akun/masuk/.")
        return view(request, *args, **kwargs)

    return wrapped


def _text(value, limit: int = 200) -> str:
    """A form value as text: at most `limit` characters, without NUL (which PostgreSQL refuses)."""
    return str(value or "")[:limit].replace("\x00", "")


def _int(text, default=None):
    text = str(text or "").strip().replace(".", "")
    return int(text) if text.isdigit() and len(text) <= 12 else default


def _reference(text: str):
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def _sponsorship(request, reference):
    found = selectors.sponsorship_of(request.user, _reference(reference))
    if found is None or not authz.can(request.user, authz.SPONSORSHIP_OWN, found):
        raise Http404("Dukungan tidak ditemukan.")
    return found


# --- the sponsor ----------------------------------------------------------------------------------------


@require_GET
@sponsor_required
def home(request: HttpRequest) -> HttpResponse:
    rows = [(s, selectors.cover_of(s), sponsorship_label(s)) for s in selectors.sponsorships_of(request.user)]
    return render(request, "sponsors/home.html", {"rows": rows})


@require_GET
@sponsor_required
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "sponsors/start.html", {"price": _monthly_price()})


def _monthly_price() -> int:
    return common.price(sector="petani", first_month=common.current_month(), months=1).total


def _region_choice(code: str) -> Region | None:
    if not code:
        return None
    return Region.objects.filter(code=code[:13]).select_related("parent__parent").first()


@require_GET
@sponsor_required
def regions(request: HttpRequest) -> HttpResponse:
    """Regions whose name contains the text (a phone's search box instead of three long lists)."""
    text = " ".join(_text(request.GET.get("q"), 60).split())
    levels = (
        [RegionLevel.VILLAGE]
        if request.GET.get("tingkat") == "desa"
        else [RegionLevel.REGENCY, RegionLevel.DISTRICT, RegionLevel.VILLAGE]
    )
    found = []
    if len(text) >= 3:
        found = list(
            Region.objects.filter(
                name__icontains=text, level__in=levels, code__startswith=common.config()["province"]
            )
            .select_related("parent__parent")
            .order_by("level", "name")[:20]
        )
    name = "desa" if request.GET.get("tingkat") == "desa" else "wilayah"
    return render(request, "sponsors/_regions.html", {"found": found, "text": text, "name": name})


def _sponsorship_form(request, *, template: str, fields: tuple[str, ...], region_field: str, create):
    """A form that makes a sponsorship: on success to its page; on a refusal the same form with the
    message and the values typed (400)."""
    error, values = None, {}
    if request.method == "POST":
        values = {key: _text(request.POST.get(key)) for key in (*fields, "bulan", "berulang")}
        try:
            sponsorship = create(values, months=_int(values["bulan"], 1), recurring=values["berulang"] == "1")
        except DomainError as problem:
            error = problem
        else:
            return redirect("sponsors:detail", sponsorship.reference)
    context = {
        "error": error,
        "values": values,
        "region": _region_choice(values.get(region_field, "")),
        "sectors": SECTORS,
        "months": MONTH_CHOICES,
    }
    return render(request, template, context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@sponsor_required
def named(request: HttpRequest) -> HttpResponse:
    return _sponsorship_form(
        request,
        template="sponsors/named.html",
        fields=("nik", "nama", "desa", "hp", "sektor"),
        region_field="desa",
        create=lambda values, **choice: services.sponsorship_create_named(
            sponsor=request.user, nik=values["nik"], name=values["nama"], desa_code=values["desa"],
            phone=values["hp"], sector=values["sektor"], **choice,
        ),
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@sponsor_required
def pool(request: HttpRequest) -> HttpResponse:
    return _sponsorship_form(
        request,
        template="sponsors/pool.html",
        fields=("wilayah", "sektor"),
        region_field="wilayah",
        create=lambda values, **choice: services.sponsorship_create_pool(
            sponsor=request.user, area_code=values["wilayah"], sector=values["sektor"], **choice
        ),
    )


@require_http_methods(["GET", "POST"])
@sponsor_required
def gift(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            sponsorship = services.sponsorship_create_gift(
                sponsor=request.user, listing_id=_int(request.POST.get("program"), 0)
            )
        except DomainError as problem:
            error = problem
        else:
            return redirect("sponsors:detail", sponsorship.reference)
    return render(
        request,
        "sponsors/gift.html",
        {"error": error, "listings": selectors.gift_listings()},
        status=400 if error else 200,
    )


def _pay_context(request, sponsorship, *, months=None, method="qris", amount=0, error=None) -> dict:
    quote = None
    if sponsorship.status in (SponsorshipStatus.READY, SponsorshipStatus.ACTIVE):
        try:
            quote = services.quote(sponsorship=sponsorship, months=months, method=method, amount=amount)
        except DomainError as problem:
            error = error or problem
    return {
        "quote": quote,
        "method": method,
        "methods": METHOD_LABELS,
        "months": MONTH_CHOICES,
        "chosen_months": months or sponsorship.months,
        "amount": amount,
        "pay_error": error,
        "recurring": sponsorship.recurring,
        "card_token_url": _card_token_url(),
        "card_client_key": common.config()["midtrans"].get("client_key", ""),
    }


def _card_token_url() -> str:
    return common.config()["midtrans"]["base_url"].rstrip("/") + "/v2/token"


def _card_tokens_allowed(response: HttpResponse) -> HttpResponse:
    """The page may call the provider's token endpoint from the browser (and nothing else of its origin)."""
    parts = urlsplit(_card_token_url())
    response._csp_update = {"connect-src": [f"{parts.scheme}://{parts.netloc}"]}
    return response


@require_GET
@sponsor_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    sponsorship = _sponsorship(request, reference)
    months = _int(request.GET.get("bulan"))
    method = _text(request.GET.get("cara", "qris"), 12)
    amount = _int(request.GET.get("jumlah"), 50_000)
    context = {
        "s": sponsorship,
        "label": sponsorship_label(sponsorship),
        "cover": selectors.cover_of(sponsorship),
        "orders": selectors.orders_of(sponsorship),
        "benefits": selectors.benefits_summary(on=common.current_month()),
        "payable": sponsorship.status in (SponsorshipStatus.READY, SponsorshipStatus.ACTIVE),
        **_pay_context(request, sponsorship, months=months, method=method, amount=amount),
    }
    template = "sponsors/_quote.html" if request.headers.get("HX-Request") else "sponsors/detail.html"
    return _card_tokens_allowed(render(request, template, context))


@require_POST
@sponsor_required
def checkout(request: HttpRequest, reference: str) -> HttpResponse:
    sponsorship = _sponsorship(request, reference)
    months = _int(request.POST.get("bulan"))
    method = _text(request.POST.get("cara"), 12)
    amount = _int(request.POST.get("jumlah"), 0)
    # The card's one-time token from the provider (card.js); the card's own details are never posted here.
    card_token = _text(request.POST.get("token_kartu"), 200)
    try:
        order = services.order_create(
            sponsorship=sponsorship,
            sponsor=request.user,
            method=method,
            months=months,
            amount=amount,
            card_token=card_token,
        )
    except DomainError as problem:
        context = {
            "s": sponsorship,
            "label": sponsorship_label(sponsorship),
            "cover": selectors.cover_of(sponsorship),
            "orders": selectors.orders_of(sponsorship),
            "payable": True,
            "benefits": selectors.benefits_summary(on=common.current_month()),
            **_pay_context(
                request, sponsorship, months=months, method=method or "qris", amount=amount, error=problem
            ),
        }
        return _card_tokens_allowed(render(request, "sponsors/detail.html", context, status=400))
    return redirect("sponsors:order", order.order_id)


def _order(request, order_id):
    order = selectors.order_of(request.user, order_id)
    if order is None:
        raise Http404("Pesanan tidak ditemukan.")
    return order


@require_GET
@sponsor_required
def order(request: HttpRequest, order_id: str) -> HttpResponse:
    found = _order(request, order_id)
    fragment = bool(request.headers.get("HX-Request"))
    qr_string = found.instructions.get("qr_string", "")
    # The polled fragment shows only the state: the QR code is drawn for the whole page.
    qr = qr_svg(qr_string, title="Kode QRIS untuk membayar") if qr_string and not fragment else ""
    context = {
        "order": found,
        "qr": qr,
        "method_label": METHOD_LABELS.get(found.method, found.method),
        "label": sponsorship_label(found.sponsorship),
    }
    template = "sponsors/_order_state.html" if fragment else "sponsors/order.html"
    return render(request, template, context)


@require_POST
@sponsor_required
def order_refresh(request: HttpRequest, order_id: str) -> HttpResponse:
    found = _order(request, order_id)
    try:
        services.order_refresh(order=found)
    except DomainError as problem:
        return render(request, "sponsors/problem.html", {"error": problem}, status=503)
    return redirect("sponsors:order", found.order_id)


@require_POST
@sponsor_required
def order_cancel(request: HttpRequest, order_id: str) -> HttpResponse:
    found = _order(request, order_id)
    if found.state == OrderState.PENDING:
        try:
            services.order_cancel(order=found, actor=request.user)
        except DomainError as problem:
            return render(request, "sponsors/problem.html", {"error": problem}, status=503)
    return redirect("sponsors:detail", found.sponsorship.reference)


@require_POST
@sponsor_required
def end(request: HttpRequest, reference: str) -> HttpResponse:
    sponsorship = _sponsorship(request, reference)
    try:
        services.sponsorship_end(sponsorship=sponsorship, by=EndReason.SPONSOR, actor=request.user)
    except DomainError as problem:
        return render(request, "sponsors/problem.html", {"error": problem}, status=400)
    return redirect("sponsors:detail", sponsorship.reference)


def _verify_url(order) -> str:
    return public_url(
        reverse("sponsors:verify", args=[order.receipt_number, selectors.receipt_code(order.receipt_number)])
    )


@require_GET
@sponsor_required
def receipt(request: HttpRequest, order_id: str) -> HttpResponse:
    found = _order(request, order_id)
    if not found.receipt_number:
        raise Http404("Tanda terima ada setelah pembayaran diterima.")
    if found.state == OrderState.REVERSED:
        raise Http404(
            "Pembayaran ini sudah dibatalkan atau dikembalikan; tanda terimanya tidak berlaku lagi."
        )
    sponsorship = found.sponsorship
    if sponsorship.kind == SponsorshipKind.GIFT:
        purpose = f"Sumbangan untuk {sponsorship.program.name}"
    else:
        purpose = f"Iuran BPJS Ketenagakerjaan (JKK dan JKM) untuk {sponsorship_label(sponsorship)}"
    matched = ""
    if found.matched_amount:
        matched = (
            f"{found.matched_months} bulan ({_rupiah(found.matched_amount)}) untuk satu pekerja lain di "
            "sekitar, dari program CSR mitra"
        )
    facts = ReceiptFacts(
        number=found.receipt_number,
        paid_on=found.paid_at.astimezone(common.timezone.get_current_timezone()).date(),
        sponsor_name=request.user.get_full_name() or request.user.email,
        purpose=purpose,
        first_month=found.first_month,
        months=found.months,
        contribution=found.contribution,
        fee=found.fee,
        total=found.gross_amount,
        method=METHOD_LABELS.get(found.method, found.method),
        order_id=found.order_id,
        matched=matched,
        verify_url=_verify_url(found),
        receiver=common.config()["funder_name"],
    )
    response = HttpResponse(receipt_pdf(facts), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tanda-terima-{found.receipt_number}.pdf"'
    return response


def _rupiah(value: int) -> str:
    from cakupan.core.formatting import rupiah

    return rupiah(value)


# --- the worker and the public ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, token: str) -> HttpResponse:
    """The worker's one-time link: agree or decline; after agreeing, the same link can end it."""
    sponsorship = sponsorship_by_token(token)
    if sponsorship is None:
        return render(request, "sponsors/consent.html", {"unknown": True}, status=404)
    error, done = None, ""
    if request.method == "POST":
        action = request.POST.get("jawaban", "")
        try:
            if action in ("setuju", "tolak"):
                sponsorship = services.sponsorship_answer(token=token, agree=action == "setuju")
                done = action
            elif action == "hentikan":
                sponsorship = services.sponsorship_end(
                    sponsorship=sponsorship, by=EndReason.WORKER, token=token
                )
                done = action
            else:
                raise DomainError("answer_unknown", "Pilih setuju atau tolak.")
        except DomainError as problem:
            error = problem
    sponsor = sponsorship.sponsor
    context = {
        "s": sponsorship,
        "sponsor_name": (sponsor.first_name or sponsor.email.split("@")[0]).split()[0].title(),
        "error": error,
        "done": done,
    }
    return render(request, "sponsors/consent.html", context, status=400 if error else 200)


@require_GET
def verify(request: HttpRequest, number: str, kode: str) -> HttpResponse:
    found = selectors.receipt_verify(number=number, code=kode)
    context = {"order": found, "number": number[:24]}
    if found is not None:
        context["label"] = sponsorship_label(found.sponsorship)
        # What this receipt bought, not the person's cover: that may hold months others paid.
        context["bought"] = selectors.receipt_cover(found)
    return render(request, "sponsors/verify.html", context, status=200 if found else 404)


# --- officers ----------------------------------------------------------------------------------------------


@require_GET
def trail(request: HttpRequest) -> HttpResponse:
    """The money trail for those who watch it; the matching and gift forms for a company's officers."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    sees_trail = authz.can(request.user, authz.SERTAKAN_VIEW)
    programs = staff.programs_for(request.user)
    if not sees_trail and not programs:
        raise PermissionDenied("Halaman ini bukan untuk peran Anda.")
    context = {
        "trail": selectors.money_trail() if sees_trail else None,
        "refunds_given": authz.can(request.user, authz.SERTAKAN_REFUND),
        "api_refundable": reversal.API_REFUNDABLE,
        "programs": programs,
        "ok": request.GET.get("ok", "")[:20],
    }
    return render(request, "sponsors/trail.html", context)


def _trail_problem(request: HttpRequest, problem: DomainError) -> HttpResponse:
    """An officer's form on the money trail refused: the reason in Bahasa, and the way back."""
    return render(
        request, "sponsors/problem.html", {"error": problem, "back": reverse("sponsors:trail")}, status=400
    )


@require_POST
@require_action(authz.SERTAKAN_REFUND)
def refund(request: HttpRequest, order_id: str) -> HttpResponse:
    """The SERTAKAN treasurer gives back an order listed for refund (through the provider, or by recording
    the bank transfer made for a virtual account)."""
    order = PaymentOrder.objects.filter(order_id=_text(order_id, 50)).first()
    if order is None:
        raise Http404("Pesanan tidak ditemukan.")
    try:
        reversal.order_refund(
            order=order, actor=request.user, transfer_reference=_text(request.POST.get("bukti"), 60)
        )
    except DomainError as problem:
        return _trail_problem(request, problem)
    return redirect(reverse("sponsors:trail") + "?" + urlencode({"ok": "dikembalikan"}))


@require_POST
@require_action(authz.MATCHING_MANAGE)
def matching_create(request: HttpRequest) -> HttpResponse:
    try:
        staff.matching_rule_create(actor=request.user, values=request.POST)
    except DomainError as problem:
        return _trail_problem(request, problem)
    return redirect(reverse("sponsors:trail") + "?" + urlencode({"ok": "pendamping"}))


@require_POST
@require_action(authz.MATCHING_MANAGE)
def listing_create(request: HttpRequest) -> HttpResponse:
    try:
        staff.gift_listing_create(actor=request.user, values=request.POST)
    except DomainError as problem:
        return _trail_problem(request, problem)
    return redirect(reverse("sponsors:trail") + "?" + urlencode({"ok": "sumbangan"}))


# --- the village operator: numbers typed by sponsors, checked before the person is asked -------------------

PHONE_CHECKS_SHOWN = 100
PHONE_CHECK_DONE = {
    "benar": "Nomor dipastikan; permintaan persetujuan sudah dikirim lewat SMS ke nomor itu.",
    "bukan": "Nomor ditolak; dukungan dihentikan dan tidak ada pesan yang dikirim ke nomor itu.",
}


@login_required
@require_GET
@require_action(authz.SPONSOR_PHONE_CHECK)
def phone_checks(request: HttpRequest) -> HttpResponse:
    """The sponsorships of the operator's area whose typed number waits for her check, oldest first."""
    checks = phone_checks_for(user=request.user)
    # The typed number follows the masking rules of the registry's phones.
    shown_phone = national_phone if authz.sees_identifiers(request.user) else mask_phone
    rows = [
        {
            "s": sponsorship,
            "identity": identity_for(request.user, sponsorship.worker),
            "phone": shown_phone(sponsorship.consent_phone),
            "new": sponsorship.worker.source == WorkerSource.SPONSOR,
            "sponsor": _first_word(sponsorship.sponsor.first_name or sponsorship.sponsor.email.split("@")[0]),
        }
        for sponsorship in checks[:PHONE_CHECKS_SHOWN]
    ]
    context = {"rows": rows, "total": checks.count(), "done": PHONE_CHECK_DONE.get(request.GET.get("ok", ""))}
    return render(request, "sponsors/phone_checks.html", context)


def _first_word(text: str) -> str:
    return (text.split() or [""])[0].title()


@login_required
@require_POST
@require_action(authz.SPONSOR_PHONE_CHECK)
def phone_check(request: HttpRequest, reference: str) -> HttpResponse:
    """The operator's answer on one number: `jawaban` benar (hers: ask her) or bukan (not hers: end it).
    A sponsorship outside her area, or none, is 404."""
    sponsorship = (
        Sponsorship.objects.for_user(request.user)
        .filter(reference=_reference(reference), kind=SponsorshipKind.NAMED)
        .first()
    )
    if sponsorship is None:
        raise Http404("Dukungan tidak ditemukan.")
    answer = request.POST.get("jawaban", "")
    back = reverse("sponsors:phone-checks")
    try:
        if answer == "benar":
            services.sponsorship_phone_confirm(sponsorship=sponsorship, actor=request.user)
        elif answer == "bukan":
            services.sponsorship_phone_reject(sponsorship=sponsorship, actor=request.user)
        else:
            raise DomainError("answer_unknown", "Pilih: nomor benar, atau nomor bukan miliknya.")
    except DomainError as problem:
        return render(request, "sponsors/problem.html", {"error": problem, "back": back}, status=400)
    return redirect(back + "?" + urlencode({"ok": answer}))
