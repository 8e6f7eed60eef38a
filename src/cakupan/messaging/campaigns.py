"""Literacy campaigns: an officer picks whom (an area, sectors, deciles, coverage statuses) and sees how many
people that is and what it costs on each channel before scheduling; above a configured size another officer
approves it. Queueing is set-based (messaging.bulk); only people who agreed to literacy messages on that
channel are counted or sent anything, one message per phone number. Results are counted per kecamatan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.approvals.handlers import register_approval_handler
from cakupan.approvals.models import ApprovalKind
from cakupan.approvals.services import approval_submit
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.core.formatting import number, rupiah, rupiah_short
from cakupan.core.scoping import area_range_sql
from cakupan.core.sectors import SECTOR_LABELS
from cakupan.messaging import rendering
from cakupan.messaging.models import (
    Campaign,
    CampaignStatus,
    Channel,
    ConsentState,
    InboundMessage,
    Message,
    MessageState,
    MessageTemplate,
    Purpose,
)
from cakupan.messaging.services import schedule_drain
from cakupan.regions.models import Region
from cakupan.registry.models import Membership, MembershipStatus, Worker
from cakupan.rules.engine import Month, contribution, jkm_benefit

if TYPE_CHECKING:
    import polars as pl

# "Not yet a member" and the rules engine's membership statuses.
COVERAGE = {
    "belum": "Belum pernah terdaftar",
    MembershipStatus.AKTIF: "Aktif",
    MembershipStatus.MENUNGGAK: "Menunggak",
    MembershipStatus.NONAKTIF: "Nonaktif",
}
CAMPAIGN_CHANNELS = (Channel.SMS, Channel.WHATSAPP)
RESULT_DAYS = 30
# Messages rendered and inserted this many at a time: memory stays bounded whatever the campaign's size.
SLICE_ROWS = 200_000
MINIMUM_INCOME_LEVEL = 1_000_000


def _now() -> dt.datetime:
    return timezone.now()


@dataclass(frozen=True)
class Audience:
    region_code: str
    sectors: tuple[str, ...]
    deciles: tuple[int, ...]  # 0: decile unknown
    coverage: tuple[str, ...]
    channel: str


def audience_check(*, user, region_code: str, sectors, deciles, coverage, channel: str) -> Audience:
    """The choices as typed, checked one by one with a message that names the problem."""
    region_code = (region_code or "").strip()
    if not Region.objects.filter(code=region_code).exists():
        raise DomainError(
            "region_unknown", f"Wilayah '{region_code[:20]}' tidak dikenal.", field="region_code"
        )
    if not authz.can(user, authz.CAMPAIGN_CREATE, region_code):
        raise DomainError(
            "campaign_outside_area", "Wilayah itu di luar wilayah kerja Anda.", field="region_code"
        )
    unknown = [s for s in sectors if s not in SECTOR_LABELS]
    if unknown:
        raise DomainError(
            "sector_unknown", f"Sektor tidak dikenal: {', '.join(unknown)[:60]}.", field="sectors"
        )
    try:
        decile_numbers = tuple(sorted({int(d) for d in deciles}))
    except (TypeError, ValueError) as error:
        raise DomainError(
            "decile_invalid", "Desil harus angka 1–10 (0: belum diketahui).", field="deciles"
        ) from error
    if any(not 0 <= d <= 10 for d in decile_numbers):
        raise DomainError("decile_invalid", "Desil harus angka 1–10 (0: belum diketahui).", field="deciles")
    bad = [c for c in coverage if c not in COVERAGE]
    if bad:
        raise DomainError("coverage_status_unknown", "Status kepesertaan tidak dikenal.", field="coverage")
    if channel not in CAMPAIGN_CHANNELS:
        raise DomainError(
            "campaign_channel_invalid",
            "Kampanye dikirim lewat SMS atau WhatsApp: pekerja tidak punya e-mail.",
            field="channel",
        )
    return Audience(
        region_code, tuple(sorted(set(sectors))), decile_numbers, tuple(sorted(set(coverage))), channel
    )


def _audience_sql(audience: Audience, columns: str, join: str = "") -> tuple[str, list]:
    w, m, c = Worker._meta.db_table, Membership._meta.db_table, ConsentState._meta.db_table
    where, params = area_range_sql("w.desa_id", audience.region_code)
    conditions = [where, "w.phone <> ''"]
    if audience.sectors:
        conditions.append(f"w.sector IN ({', '.join(['%s'] * len(audience.sectors))})")
        params += list(audience.sectors)
    if audience.deciles:
        known = [d for d in audience.deciles if d]
        parts = []
        if known:
            parts.append(f"w.decile IN ({', '.join(['%s'] * len(known))})")
            params += known
        if 0 in audience.deciles:
            parts.append("w.decile IS NULL")
        conditions.append(f"({' OR '.join(parts)})")
    if audience.coverage:
        parts = []
        statuses = [s for s in audience.coverage if s != "belum"]
        if "belum" in audience.coverage:
            parts.append(f"NOT EXISTS (SELECT 1 FROM {m} mm WHERE mm.worker_id = w.id)")
        if statuses:
            parts.append(
                f"EXISTS (SELECT 1 FROM {m} mm WHERE mm.worker_id = w.id AND mm.status IN "
                f"({', '.join(['%s'] * len(statuses))}))"
            )
            params += statuses
        conditions.append(f"({' OR '.join(parts)})")
    sql = (
        f"SELECT {columns} FROM {w} w "
        f"JOIN {c} c ON c.address = w.phone AND c.channel = %s AND c.purpose = %s AND c.granted {join} "
        f"WHERE {' AND '.join(conditions)}"
    )
    return sql, [audience.channel, Purpose.LITERACY, *params]


def audience_count(audience: Audience) -> int:
    """People (phone numbers) the campaign would reach: only those who agreed to literacy messages there."""
    sql, params = _audience_sql(audience, "COUNT(DISTINCT w.phone)")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def _values(month: dt.date) -> dict[str, str]:
    price = contribution(
        income=MINIMUM_INCOME_LEVEL,
        programs=("jkk", "jkm"),
        month=Month.of(month),
        funding="self",
        sector="lainnya",
    )
    return {"iuran": rupiah(price.total), "santunan_jkm": rupiah_short(jkm_benefit(on=month).total)}


def _sample_body(template: MessageTemplate, month: dt.date) -> str:
    sample = {"nama_depan": "Siti", "desa": "Cilangkahan", **_values(month)}
    return rendering.render(
        template.body, template.variables, {k: sample.get(k, "x") for k in template.variables}
    )


def campaign_preview(
    *, audience: Audience, template: MessageTemplate, when: dt.datetime, compare: bool = True
) -> dict:
    """How many people and what it costs on the chosen channel and, with `compare`, on the other."""
    body = _sample_body(template, when.date())
    prices = settings.MESSAGING["prices"]
    rows = []
    for channel in CAMPAIGN_CHANNELS if compare else (audience.channel,):
        count = audience_count(Audience(**{**audience.__dict__, "channel": channel}))
        unit = prices[channel] * (rendering.sms_segments(body) if channel == Channel.SMS else 1)
        rows.append(
            {
                "channel": channel,
                "label": Channel(channel).label,
                "count": count,
                "unit": unit,
                "cost": count * unit,
                "chosen": channel == audience.channel,
            }
        )
    chosen = next(row for row in rows if row["chosen"])
    return {
        "rows": rows,
        "count": chosen["count"],
        "cost": chosen["cost"],
        "body": body,
        "segments": rendering.sms_segments(body),
        "needs_approval": chosen["count"] > settings.MESSAGING["campaign_approval_above"],
    }


def literacy_template(key: str) -> MessageTemplate:
    template = MessageTemplate.objects.filter(key=key, purpose=Purpose.LITERACY).order_by("-version").first()
    if template is None:
        raise DomainError("template_not_found", "Templat sosialisasi itu tidak ada.", field="template")
    return template


@transaction.atomic
def campaign_create(
    *, actor, name: str, audience: Audience, template_key: str, scheduled_at: dt.datetime
) -> Campaign:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError(
            "campaign_name_invalid", "Nama kampanye wajib diisi, paling banyak 120 huruf.", field="name"
        )
    now = _now()
    if scheduled_at < now - dt.timedelta(minutes=5):
        raise DomainError(
            "campaign_in_past", "Waktu kirim sudah lewat; pilih waktu yang akan datang.", field="scheduled_at"
        )
    if scheduled_at > now + dt.timedelta(days=366):
        raise DomainError(
            "campaign_too_far", "Waktu kirim paling lambat setahun dari sekarang.", field="scheduled_at"
        )
    template = literacy_template(template_key)
    preview = campaign_preview(audience=audience, template=template, when=scheduled_at, compare=False)
    if preview["count"] == 0:
        raise DomainError(
            "campaign_audience_empty",
            "Tidak ada penerima: tidak ada pekerja dengan nomor ponsel yang setuju menerima sosialisasi "
            "lewat saluran ini di pilihan tersebut.",
        )
    campaign = Campaign.objects.create(
        name=name,
        region_code=audience.region_code,
        sectors=list(audience.sectors),
        deciles=list(audience.deciles),
        coverage=list(audience.coverage),
        channel=audience.channel,
        template=template,
        scheduled_at=scheduled_at,
        status=CampaignStatus.PENDING if preview["needs_approval"] else CampaignStatus.QUEUED,
        audience=preview["count"],
        cost=preview["cost"],
        created_by=actor,
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=campaign,
        region_code=campaign.region_code,
        metadata={"audience": campaign.audience, "cost": campaign.cost, "channel": campaign.channel},
    )
    if preview["needs_approval"]:
        approval_submit(
            kind=ApprovalKind.LITERACY_CAMPAIGN,
            subject_id=campaign.pk,
            submitted_by=actor,
            region_code=campaign.region_code,
            title=f"Kampanye sosialisasi {name}: {number(campaign.audience)} penerima lewat "
            f"{Channel(campaign.channel).label}, {rupiah(campaign.cost)}",
            payload={"audience": campaign.audience, "cost": campaign.cost, "channel": campaign.channel},
        )
    else:
        campaign_queue(campaign=campaign)
    return campaign


def _recipients(campaign: Campaign) -> pl.DataFrame:
    """Whom the campaign reaches, one row per worker: four short columns (tens of MB for a million)."""
    # Polars and the bulk loaders only when a campaign is queued: the app loads this module at start-up to
    # register its approval handlers.
    import polars as pl

    from cakupan.registry import bulk

    audience = Audience(
        campaign.region_code,
        tuple(campaign.sectors),
        tuple(campaign.deciles),
        tuple(campaign.coverage),
        campaign.channel,
    )
    sql, params = _audience_sql(
        audience,
        "w.id, w.name, w.phone, r.code, r.name",
        join=f"JOIN {Region._meta.db_table} r ON r.code = w.desa_id",
    )
    return bulk.query_frame(
        sql,
        params,
        {
            "worker_id": pl.Int64,
            "name": pl.String,
            "address": pl.String,
            "region_code": pl.String,
            "desa": pl.String,
        },
    )


def campaign_queue(*, campaign: Campaign) -> int:
    """Queues the campaign's messages, to be sent from its scheduled time at the channel's rate, one per
    phone number. The recipients are read once; their messages are rendered, staged and inserted in
    slices, so that a million rendered texts are never in memory at once."""
    import polars as pl

    from cakupan.messaging.bulk import messages_queue_frame

    values = _values(campaign.scheduled_at.date())
    recipients = _recipients(campaign).unique(subset="address", keep="first", maintain_order=True)
    queued = 0
    for offset in range(0, recipients.height, SLICE_ROWS):
        frame = recipients.slice(offset, SLICE_ROWS).with_columns(
            pl.col("name").str.split(" ").list.first().str.to_titlecase().alias("nama_depan"),
            *[pl.lit(value).alias(name) for name, value in values.items()],
            (pl.lit(f"kampanye:{campaign.pk}:") + pl.col("address")).alias("idempotency_key"),
        )
        queued += messages_queue_frame(
            frame=frame,
            template=campaign.template,
            purpose=Purpose.LITERACY,
            channel=campaign.channel,
            send_at=campaign.scheduled_at,
            campaign_id=campaign.pk,
        ).queued
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.QUEUED, queued=queued, queued_at=timezone.now()
    )
    schedule_drain(campaign.channel)
    return queued


def _on_approved(approval) -> None:
    campaign = Campaign.objects.select_for_update().get(pk=int(approval.subject_id))
    campaign_queue(campaign=campaign)


def _on_rejected(approval) -> None:
    Campaign.objects.filter(pk=int(approval.subject_id)).update(status=CampaignStatus.REJECTED)


def register_campaign_handlers() -> None:
    register_approval_handler(
        ApprovalKind.LITERACY_CAMPAIGN, _on_approved, _on_rejected, on_cancelled=_on_rejected
    )


def campaign_results(*, campaign: Campaign) -> list[dict]:
    """Per kecamatan: sent, delivered, failed, replied and registered (a new BPJS TK membership) within
    30 days of the scheduled time."""
    start = campaign.scheduled_at
    end = start + dt.timedelta(days=RESULT_DAYS)
    replied = InboundMessage.objects.filter(
        sender=OuterRef("address"), received_at__gte=start, received_at__lt=end
    )
    registered = Membership.objects.filter(
        worker_id=OuterRef("worker_id"), created_at__gte=start, created_at__lt=end
    )
    sent = Q(state__in=[MessageState.SENT, MessageState.DELIVERED])
    rows = (
        Message.objects.filter(campaign=campaign)
        .annotate(
            kecamatan=Substr("region_code", 1, 8), replied=Exists(replied), registered=Exists(registered)
        )
        .values("kecamatan")
        .annotate(
            total=Count("id"),
            sent=Count("id", filter=sent),
            delivered=Count("id", filter=Q(state=MessageState.DELIVERED)),
            failed=Count("id", filter=Q(state__in=[MessageState.FAILED, MessageState.CANCELLED])),
            replied=Count("id", filter=Q(replied=True)),
            registered=Count("id", filter=Q(registered=True)),
        )
        .order_by("kecamatan")
    )
    names = dict(Region.objects.filter(code__in=[r["kecamatan"] for r in rows]).values_list("code", "name"))
    return [{**row, "name": names.get(row["kecamatan"], row["kecamatan"])} for row in rows]
