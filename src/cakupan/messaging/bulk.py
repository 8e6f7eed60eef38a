"""Queueing many messages at once (reminders, campaigns): the recipients as a frame, rendered with Polars,
staged (COPY on PostgreSQL) and inserted with one INSERT … SELECT that joins the current consent and skips
idempotency keys already used. No object per message; the rows themselves record their queueing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.db import connection, transaction

from cakupan.messaging import rendering
from cakupan.messaging.models import (
    CONSENT_PURPOSES,
    ConsentState,
    Message,
    MessageState,
    MessageTemplate,
)
from cakupan.registry import bulk as registry_bulk

MESSAGE = Message._meta.db_table
CONSENT = ConsentState._meta.db_table


@dataclass(frozen=True)
class Queued:
    queued: int
    skipped: int  # no consent, or the key already used


def render_expr(text: str, variables: list[str]) -> pl.Expr:
    """The template's text with each placeholder replaced by its column, as one Polars expression."""
    rendering.check_template([text], variables)
    parts: list[pl.Expr] = []
    import string

    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            parts.append(pl.col(name).cast(pl.String))
    return pl.concat_str(parts) if parts else pl.lit("")


def _json_list(variables: list[str]) -> pl.Expr:
    """["value 1", "value 2", …] per row, each value JSON-escaped by Polars itself."""
    if not variables:
        return pl.lit("[]")
    items = [
        pl.struct(pl.col(name).cast(pl.String).alias("v")).struct.json_encode().str.slice(5).str.head(-1)
        for name in variables
    ]
    return pl.concat_str([pl.lit("["), pl.concat_str(items, separator=","), pl.lit("]")])


def _uuid_sql() -> str:
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"


@transaction.atomic
def messages_queue_frame(
    *,
    frame: pl.DataFrame,
    template: MessageTemplate,
    purpose: str,
    channel: str,
    send_at: dt.datetime,
    campaign_id: int | None = None,
    actor=None,
    held_back: bool = False,
) -> Queued:
    """Queues one message per row of `frame` (columns: address in its normalised form, worker_id,
    region_code, idempotency_key, about_month (may be null), and each of the template's variables).
    Rows without consent, when the purpose needs it, and keys already used are skipped. `held_back` rows
    are written already cancelled (`holdout`): the comparison group that shows whether reminders work."""
    if frame.is_empty():
        return Queued(queued=0, skipped=0)
    variables = list(template.variables)
    missing = [name for name in variables if name not in frame.columns]
    if missing:
        raise rendering.TemplateError(
            "template_variable_missing", f"Nilai untuk variabel {', '.join(missing)} belum diberikan."
        )
    subject = render_expr(template.subject, variables) if template.subject else pl.lit("")
    staged = frame.select(
        pl.col("address").cast(pl.String),
        pl.col("worker_id").cast(pl.Int64),
        pl.col("region_code").cast(pl.String),
        pl.col("idempotency_key").cast(pl.String),
        pl.col("about_month").cast(pl.Date).cast(pl.String)
        if "about_month" in frame.columns
        else pl.lit(None, pl.String).alias("about_month"),
        subject.alias("subject"),
        render_expr(template.body, variables).alias("body"),
        _json_list(variables).alias("parameters"),
    )
    stage = registry_bulk.stage_frame(
        name="outbox",
        frame=staged,
        columns={
            "address": "TEXT",
            "worker_id": "BIGINT",
            "region_code": "TEXT",
            "idempotency_key": "TEXT",
            "about_month": "TEXT",
            "subject": "TEXT",
            "body": "TEXT",
            "parameters": "TEXT",
        },
    )
    now = registry_bulk.timestamp_literal()
    send_at_text = _timestamp(send_at)
    consent_join = ""
    params: list = []
    if purpose in CONSENT_PURPOSES:
        consent_join = (
            f"JOIN {CONSENT} c ON c.address = s.address AND c.channel = %s AND c.purpose = %s AND c.granted"
        )
        params += [channel, purpose]
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    date_cast = "::date" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {MESSAGE} (reference, purpose, channel, address, worker_id, region_code,
                    template_id, subject, body, parameters, idempotency_key, about_month, campaign_id, state,
                    attempts, next_attempt_at, queued_at, claim_token, provider_id, error_code, error_detail,
                    created_by_id)
                SELECT {_uuid_sql()}, %s, %s, s.address, s.worker_id, s.region_code, %s, s.subject, s.body,
                       s.parameters{json_cast}, s.idempotency_key, s.about_month{date_cast}, %s, %s, 0,
                       %s, %s, '', '', %s, %s, %s
                FROM {stage} s {consent_join}
                WHERE true
                ON CONFLICT (idempotency_key) DO NOTHING""",
            [
                purpose,
                channel,
                template.pk,
                campaign_id,
                MessageState.CANCELLED if held_back else MessageState.QUEUED,
                send_at_text,
                now,
                "holdout" if held_back else "",
                "ditahan sebagai pembanding untuk mengukur dampak pengingat" if held_back else "",
                getattr(actor, "pk", None),
                *params,
            ],
        )
        queued = cursor.rowcount
        cursor.execute(f"DROP TABLE {stage}")
    return Queued(queued=queued, skipped=frame.height - queued)


def _timestamp(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    if connection.vendor == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()
