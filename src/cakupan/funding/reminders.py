"""Renewal reminders, tied to the lapse rules, and a notice to the funders of program-funded renewals. At
the monthly cycle for month M (decided the day after M's due date) the rules engine's dates say who is
told what, and when (the offsets are settings):

- paid through M: M+1 is due on due(M+1); told `before_due_days` before it ("pengingat_jatuh_tempo");
- paid through M−1 (M missed): told `after_missed_days` after due(M) ("pengingat_terlewat"), with the day
  the membership would lapse;
- paid through M−2 (one more missed month and it lapses): told `before_lapse_days` before the day it
  becomes nonaktif ("pengingat_nonaktif").

Only BPU members who pay for themselves are reminded here (a program's renewals go to its funder's
approval) and only where they agreed to reminders; WhatsApp where they agreed to it, else SMS. Each
reminder is about one contribution month and is dropped at sending time if that month has been paid.
A fixed share, chosen by a hash of worker and month, is held back (recorded, not sent): the comparison
group for the outbox page's "did reminders work"."""

from __future__ import annotations

import datetime as dt
import zlib
from zoneinfo import ZoneInfo

import polars as pl
from django.conf import settings
from django.utils import timezone

from cakupan.core.formatting import date_long, month_long, number, rupiah
from cakupan.funding.candidates import add_months
from cakupan.funding.models import FundedMonth
from cakupan.messaging.bulk import messages_queue_frame
from cakupan.messaging.models import Channel, ConsentState, Purpose
from cakupan.messaging.services import schedule_drain, template_current
from cakupan.providers.config import public_url
from cakupan.registry import bulk
from cakupan.registry.models import Membership, Segment, Worker
from cakupan.rules.engine import Month, contribution, declared_income_level, default_book, due_date

JAKARTA = ZoneInfo("Asia/Jakarta")
SEND_HOUR = 9  # in the morning, not at night
# One tap from the message to the public page that says where and how to pay (portal: /cara-bayar/).
HOW_TO_PAY_TEXT = "Bayar lewat JMO, kantor pos, Indomaret, Alfamart atau bank dengan nomor KPJ Anda:"
PROGRAMS = ("jkk", "jkm")


def _now() -> dt.datetime:
    return timezone.now()


def _send_at(day: dt.date) -> dt.datetime:
    """09:00 WIB on the day; now, when the day has passed (a cycle run late)."""
    at = dt.datetime.combine(day, dt.time(SEND_HOUR), tzinfo=JAKARTA)
    return max(at, _now())


def _lapse_day(paid_through: dt.date) -> dt.date:
    """The day a membership paid through this month becomes nonaktif: the day after the due date of the
    third unpaid month (rules §8, the lapse day is data)."""
    months = default_book().for_month(Month.of(paid_through))["lapse_unpaid_months"].value
    return due_date(Month.of(add_months(paid_through, months))) + dt.timedelta(days=1)


def _kinds(month: dt.date) -> list[dict]:
    offsets = settings.MESSAGING["reminders"]
    following = add_months(month, 1)
    missed = add_months(month, -1)
    nearly = add_months(month, -2)
    return [
        {
            "key": "pengingat_jatuh_tempo",
            "paid_through": month,
            "about": following,
            "send_on": due_date(Month.of(following)) - dt.timedelta(days=offsets["before_due_days"]),
            "values": {"jatuh_tempo": date_long(due_date(Month.of(following)))},
        },
        {
            "key": "pengingat_terlewat",
            "paid_through": missed,
            "about": month,
            "send_on": due_date(Month.of(month)) + dt.timedelta(days=offsets["after_missed_days"]),
            "values": {"batas": date_long(_lapse_day(missed) - dt.timedelta(days=1))},
        },
        {
            "key": "pengingat_nonaktif",
            "paid_through": nearly,
            "about": add_months(nearly, 1),
            "send_on": _lapse_day(nearly) - dt.timedelta(days=offsets["before_lapse_days"]),
            "values": {"tanggal_nonaktif": date_long(_lapse_day(nearly))},
        },
    ]


def _recipients(paid_through: dt.date, about: dt.date) -> pl.DataFrame:
    """Self-paying BPU members paid through `paid_through`, with a phone that agreed to reminders on some
    channel, and whether it agreed to WhatsApp."""
    return bulk.query_frame(
        f"""SELECT w.id, w.name, w.phone, w.desa_id, w.sector, w.monthly_income,
                   MAX(CASE WHEN c.channel = %s THEN 1 ELSE 0 END)
            FROM {Membership._meta.db_table} m
            JOIN {Worker._meta.db_table} w ON w.id = m.worker_id
            JOIN {ConsentState._meta.db_table} c
              ON c.address = w.phone AND c.purpose = %s AND c.granted AND c.channel IN (%s, %s)
            WHERE m.segment = %s AND m.paid_through = %s AND w.phone <> ''
              AND NOT EXISTS (SELECT 1 FROM {FundedMonth._meta.db_table} f
                              WHERE f.worker_id = w.id AND f.month = %s)
            GROUP BY w.id, w.name, w.phone, w.desa_id, w.sector, w.monthly_income
            ORDER BY w.id""",
        [Channel.WHATSAPP, Purpose.REMINDER, Channel.SMS, Channel.WHATSAPP, Segment.BPU, paid_through, about],
        {
            "worker_id": pl.Int64,
            "name": pl.String,
            "address": pl.String,
            "region_code": pl.String,
            "sector": pl.String,
            "income": pl.Int64,
            "whatsapp": pl.Int64,
        },
    )


def _contribution_amounts(frame: pl.DataFrame, about: dt.date) -> pl.Series:
    """What each member pays for `about` by the rules engine: one call per income level and sector."""
    month = Month.of(about)
    ruleset = default_book().for_month(month)
    levels = {
        income: declared_income_level(income, ruleset)[0] for income in frame["income"].unique().to_list()
    }
    pairs = frame.select(
        pl.col("income").replace_strict(levels, return_dtype=pl.Int64).alias("level"), "sector"
    )
    prices = {
        (level, sector): contribution(
            income=level, programs=PROGRAMS, month=month, funding="self", sector=sector
        ).total
        for level, sector in pairs.unique().iter_rows()
    }
    return pl.Series([rupiah(prices[pair]) for pair in pairs.iter_rows()], dtype=pl.String)


def _held_back(worker_ids: list[int], about: dt.date, percent: int) -> list[bool]:
    return [zlib.crc32(f"{worker_id}:{about:%Y-%m}".encode()) % 100 < percent for worker_id in worker_ids]


def reminders_queue(*, month: dt.date) -> dict[str, int]:
    """Queues this cycle's reminders (idempotent: a second run queues nothing new). Returns counts."""
    counts = {"queued": 0, "held_back": 0}
    percent = int(settings.MESSAGING["reminders"]["holdout_percent"])
    for kind in _kinds(month):
        frame = _recipients(kind["paid_through"], kind["about"])
        if frame.is_empty():
            continue
        template = template_current(kind["key"])
        frame = frame.with_columns(
            pl.col("name").str.split(" ").list.first().str.to_titlecase().alias("nama_depan"),
            pl.lit(month_long(kind["about"])).alias("bulan"),
            _contribution_amounts(frame, kind["about"]).alias("iuran"),
            pl.lit(f"{HOW_TO_PAY_TEXT} {public_url('/cara-bayar/')}").alias("cara_bayar"),
            *[pl.lit(value).alias(name) for name, value in kind["values"].items()],
            (pl.lit(f"{kind['key']}:{kind['about']:%Y-%m}:") + pl.col("worker_id").cast(pl.String)).alias(
                "idempotency_key"
            ),
            pl.lit(kind["about"]).alias("about_month"),
            pl.Series("held_back", _held_back(frame["worker_id"].to_list(), kind["about"], percent)),
        ).select(
            "address",
            "worker_id",
            "region_code",
            "idempotency_key",
            "about_month",
            "whatsapp",
            "held_back",
            *template.variables,
        )
        for channel in (Channel.WHATSAPP, Channel.SMS):
            # WhatsApp where the person agreed to it; SMS for the rest (a key already used is skipped).
            part = frame.filter(pl.col("whatsapp") == 1) if channel == Channel.WHATSAPP else frame
            for held in (False, True):
                rows = part.filter(pl.col("held_back") == held)
                result = messages_queue_frame(
                    frame=rows,
                    template=template,
                    purpose=Purpose.REMINDER,
                    channel=channel,
                    send_at=_send_at(kind["send_on"]),
                    held_back=held,
                )
                counts["held_back" if held else "queued"] += result.queued
                counts[kind["key"]] = counts.get(kind["key"], 0) + (0 if held else result.queued)
    if counts["queued"]:
        for channel in (Channel.WHATSAPP, Channel.SMS):
            schedule_drain(channel)
    return counts


def funder_notices_queue(*, month: dt.date, plan_ids: list[int], waiting: bool) -> int:
    """Tells the officers of each funder whose money a renewal commits (by e-mail, where they gave one)
    that its workers' cover runs out: a renewal waiting for their approval, or one already invoiced under
    their standing approval. Once per plan and officer. Returns the messages queued."""
    from cakupan.funding.models import AllocationPlan, FunderOfficer
    from cakupan.messaging.services import message_queue
    from cakupan.providers.config import public_url

    template = template_current("pemberitahuan_perpanjangan")
    queued = 0
    following = add_months(month, 1)
    for plan in (
        AllocationPlan.objects.filter(pk__in=plan_ids).prefetch_related("programs__funder").order_by("pk")
    ):
        for program in plan.programs.all():
            officers = (
                FunderOfficer.objects.filter(funder=program.funder)
                .exclude(user__email="")
                .select_related("user")
            )
            lines = (plan.summary or {}).get("per_program", [])
            line = next((row for row in lines if row.get("program_id") == program.pk), {})
            for officer in officers.order_by("user_id"):
                message_queue(
                    purpose=Purpose.FUNDER_NOTICE,
                    channel=Channel.EMAIL,
                    address=officer.user.email,
                    template=template,
                    values={
                        "nama": officer.user.get_full_name() or officer.user.username,
                        "program": program.name,
                        "bulan": month_long(following),
                        "jumlah": number(int(line.get("funded", plan.funded))),
                        "biaya": rupiah(int(line.get("cost", plan.cost))),
                        "tindakan": "perpanjangan ini menunggu persetujuan Anda."
                        if waiting
                        else "tagihannya sudah terbit di bawah persetujuan tetap program; mohon dibayar.",
                        "tautan": public_url(f"/dana/rencana/{plan.pk}/"),
                    },
                    idempotency_key=f"perpanjangan:{plan.pk}:{program.pk}:{officer.user_id}",
                    region_code=program.funder.area_id,
                )
                queued += 1
    return queued
