"""The outbox page for officers, the providers' webhooks (receipts and replies), and the e-mail link that
withdraws consent. Webhooks trust nothing before the provider's signature verifies."""

from __future__ import annotations

import logging
import urllib.parse

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cakupan.accounts import authorization as authz
from cakupan.accounts.authorization import require_action
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_decide, may_decide
from cakupan.core.errors import DomainError, domain_error_status
from cakupan.core.masking import mask_phone
from cakupan.core.sectors import SECTOR_LABELS
from cakupan.messaging import campaigns, selectors, services
from cakupan.messaging.forms import CampaignForm
from cakupan.messaging.links import unsubscribe_address
from cakupan.messaging.models import Campaign, Channel, ConsentSource, Message, MessageState, Purpose
from cakupan.providers import config, sms, whatsapp
from cakupan.providers.base import SignatureError

logger = logging.getLogger("cakupan.security")
PAGE_SIZE = 50


def _masked(message: Message) -> str:
    if message.channel == Channel.EMAIL:
        name, _, domain = message.address.partition("@")
        return f"{name[:2]}***@{domain}"
    return mask_phone(message.address)


@require_GET
@login_required
@require_action(authz.OUTBOX_VIEW)
def outbox(request: HttpRequest) -> HttpResponse:
    channel = request.GET.get("saluran", "")
    state = request.GET.get("status", "")
    purpose = request.GET.get("tujuan", "")
    problems = [
        label
        for value, allowed, label in (
            (channel, Channel.values, "saluran"),
            (state, MessageState.values, "status"),
            (purpose, Purpose.values, "tujuan"),
        )
        if value and value not in allowed
    ]
    if problems:
        return render(
            request,
            "messaging/outbox.html",
            {"error": f"Pilihan {', '.join(problems)} tidak dikenal."},
            status=400,
        )
    messages = selectors.outbox_messages(user=request.user, channel=channel, state=state, purpose=purpose)
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page.object_list:
        message.shown_address = _masked(message)
        message.may_resend = message.state == MessageState.FAILED and authz.can(
            request.user, authz.MESSAGE_RESEND, message
        )
    context = {
        "counts": selectors.outbox_counts(user=request.user),
        "page": page,
        "inbound": selectors.inbound_recent(user=request.user),
        "effect": selectors.reminder_effect(user=request.user),
        "channels": Channel.choices,
        "states": MessageState.choices,
        "purposes": Purpose.choices,
        "chosen": {"saluran": channel, "status": state, "tujuan": purpose},
    }
    return render(request, "messaging/outbox.html", context)


@login_required
@require_POST
def message_resend(request: HttpRequest, message_id: int) -> HttpResponse:
    message = Message.objects.for_user(request.user).filter(pk=message_id).first()
    if message is None:
        raise Http404("Pesan tidak ditemukan di wilayah kerja Anda.")
    if not authz.can(request.user, authz.MESSAGE_RESEND, message):
        raise PermissionDenied("Peran Anda tidak dapat mengirim ulang pesan.")
    try:
        services.message_requeue(message=message, actor=request.user)
    except DomainError as error:
        return render(request, "messaging/outbox.html", {"error": error.message}, status=400)
    return redirect("messaging:outbox")


# --- webhooks ----------------------------------------------------------------------------------------------


def _refused(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _form(request: HttpRequest) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))


def _sms_verified(request: HttpRequest):
    gateway = config.sms_gateway()
    if gateway is None:
        return None, _refused("channel_off", "Saluran SMS tidak aktif.", 404)
    params = _form(request)
    try:
        gateway.verify(
            url=config.public_url(request.path),
            params=params,
            given=request.headers.get(sms.SIGNATURE_HEADER, ""),
        )
    except SignatureError:
        logger.warning("sms webhook with a bad signature path=%s", request.path)
        return None, _refused("webhook_signature_invalid", "Tanda tangan webhook tidak sah.", 403)
    return params, None


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest, reference: str) -> HttpResponse:
    params, refused = _sms_verified(request)
    if refused:
        return refused
    update = sms.parse_status(params)
    if update is None:
        return JsonResponse({"code": "ignored", "message": "Status antara; tidak ada yang berubah."})
    from dataclasses import replace

    message = services.receipt_apply(channel=Channel.SMS, update=replace(update, reference=str(reference)))
    if message is None:
        return _refused("message_unknown", "Pesan tidak dikenal; laporan disimpan.", 404)
    return JsonResponse({"code": "ok", "state": message.state})


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    params, refused = _sms_verified(request)
    if refused:
        return refused
    inbound = sms.parse_inbound(params)
    if inbound is not None:
        services.inbound_receive(channel=Channel.SMS, inbound=inbound)
    # An empty TwiML answer: no automatic reply (a reply to a STOP would itself be unwanted).
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    cloud = config.whatsapp_cloud()
    if cloud is None:
        return _refused("channel_off", "Saluran WhatsApp tidak aktif.", 404)
    if request.method == "GET":
        if cloud.verify_subscription(
            mode=request.GET.get("hub.mode", ""), token=request.GET.get("hub.verify_token", "")
        ):
            return HttpResponse(request.GET.get("hub.challenge", "")[:200], content_type="text/plain")
        return _refused("webhook_verify_failed", "Token verifikasi tidak cocok.", 403)
    try:
        cloud.verify(body=request.body, given=request.headers.get(whatsapp.SIGNATURE_HEADER, ""))
    except SignatureError:
        logger.warning("whatsapp webhook with a bad signature")
        return _refused("webhook_signature_invalid", "Tanda tangan webhook tidak sah.", 403)
    try:
        batch = whatsapp.parse_webhook(request.body)
    except ValueError as error:
        return _refused("webhook_malformed", f"Isi webhook tidak dapat dibaca: {error}.", 400)
    unknown = 0
    for update in batch.updates:
        unknown += services.receipt_apply(channel=Channel.WHATSAPP, update=update) is None
    for inbound in batch.inbound:
        services.inbound_receive(channel=Channel.WHATSAPP, inbound=inbound)
    return JsonResponse(
        {"code": "ok", "receipts": len(batch.updates), "unknown": unknown, "inbound": len(batch.inbound)}
    )


# --- the e-mail link --------------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (a link scanner must not unsubscribe anyone); POST — the page's button, or a mail client's
    one-click unsubscribe (RFC 8058) — withdraws every consent of that address."""
    address = unsubscribe_address(token)
    if address is None:
        return render(request, "messaging/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.consent_withdraw_person(email=address, source=ConsentSource.EMAIL_LINK)
        return render(request, "messaging/unsubscribe.html", {"done": True, "address": address})
    return render(request, "messaging/unsubscribe.html", {"address": address})


# --- literacy campaigns ----------------------------------------------------------------------------------


def _campaign_audience(request: HttpRequest, form):
    data = form.cleaned_data
    return campaigns.audience_check(
        user=request.user,
        region_code=data["region_code"],
        sectors=data["sectors"],
        deciles=data["deciles"],
        coverage=data["coverage"],
        channel=data["channel"],
    )


@login_required
@require_action(authz.OUTBOX_VIEW)
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The area's campaigns, and for the labour offices the form: preview (GET with ?pratinjau=1), then
    schedule (POST)."""
    may_create = authz.can(request.user, authz.CAMPAIGN_CREATE)
    source = (
        request.POST if request.method == "POST" else (request.GET if "pratinjau" in request.GET else None)
    )
    form = CampaignForm(source, initial={"region_code": request.user.area_id or ""})
    preview = error = None
    status = 200
    if source is not None:
        if not may_create:
            raise PermissionDenied("Peran Anda tidak dapat membuat kampanye.")
        if form.is_valid():
            try:
                audience = _campaign_audience(request, form)
                if request.method == "POST":
                    campaign = campaigns.campaign_create(
                        actor=request.user,
                        name=form.cleaned_data["name"],
                        audience=audience,
                        template_key=form.cleaned_data["template"],
                        scheduled_at=form.cleaned_data["scheduled_at"],
                    )
                    return redirect("messaging:campaign", campaign_id=campaign.pk)
                template = campaigns.literacy_template(form.cleaned_data["template"])
                preview = campaigns.campaign_preview(
                    audience=audience, template=template, when=form.cleaned_data["scheduled_at"]
                )
            except DomainError as problem:
                error, status = problem.message, 400
        else:
            status = 400
    listed = Campaign.objects.for_user(request.user).select_related("template", "created_by")[:50]
    # What the preview was computed from, carried into the form that schedules exactly that.
    carry = [(name, value) for name, values in request.GET.lists() if name != "pratinjau" for value in values]
    context = {
        "form": form if may_create else None,
        "preview": preview,
        "error": error,
        "campaigns": listed,
        "carry": carry,
        "threshold": settings.MESSAGING["campaign_approval_above"],
    }
    return render(request, "messaging/campaigns.html", context, status=status)


@login_required
@require_action(authz.OUTBOX_VIEW)
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = (
        Campaign.objects.for_user(request.user)
        .select_related("template", "created_by")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404("Kampanye tidak ditemukan di wilayah kerja Anda.")
    approval = Approval.objects.filter(
        kind=ApprovalKind.LITERACY_CAMPAIGN, subject_id=str(campaign.pk)
    ).first()
    context = {
        "campaign": campaign,
        "approval": approval,
        "may_decide": may_decide(approval, request.user),
        "results": campaigns.campaign_results(campaign=campaign),
        "coverage_labels": [campaigns.COVERAGE[c] for c in campaign.coverage],
        "sector_labels": [SECTOR_LABELS[s] for s in campaign.sectors],
    }
    return render(request, "messaging/campaign.html", context)


@login_required
@require_POST
def campaign_decide(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = Campaign.objects.for_user(request.user).filter(pk=campaign_id).first()
    approval = (
        Approval.objects.filter(kind=ApprovalKind.LITERACY_CAMPAIGN, subject_id=str(campaign.pk)).first()
        if campaign
        else None
    )
    if approval is None:
        raise Http404("Kampanye tidak ditemukan di wilayah kerja Anda.")
    try:
        approval_decide(
            approval=approval,
            approver=request.user,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", "").strip()[:1000],
        )
    except DomainError as problem:
        status = domain_error_status(problem)
        if status == 403:
            raise PermissionDenied(problem.message) from problem
        context = {
            "campaign": campaign,
            "approval": approval,
            "may_decide": may_decide(approval, request.user),
            "results": [],
            "error": problem.message,
            "coverage_labels": [],
            "sector_labels": [],
        }
        return render(request, "messaging/campaign.html", context, status=status)
    return redirect("messaging:campaign", campaign_id=campaign.pk)
