"""BPJS TK's answer to an enrolment batch, read and checked against the batch's rows as frames: no
database, no Django, no Python per row (a Banten batch has half a million rows).

The batch's rows come as a frame of `BATCH_ROW_SCHEMA`; the answer file (docs/enrolment-batch-format.md)
as CSV. `answer_check` says, row by row of the file, what is wrong, which rows are new decisions and how
many repeat a decision already applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cakupan.core.errors import DomainError

# The row statuses as stored (funding.models.RowStatus; a test keeps the two equal).
SENT, ACCEPTED, REJECTED = "sent", "accepted", "rejected"
ACCEPTED_WORDS = {"diterima": ACCEPTED, "accepted": ACCEPTED, "ditolak": REJECTED, "rejected": REJECTED}
ANSWER_COLUMNS = ("no_baris", "nik", "status", "kpj", "alasan")
REQUIRED_COLUMNS = ("no_baris", "nik", "status")

BATCH_ROW_SCHEMA = {
    "row_id": pl.Int64,
    "row_number": pl.Int64,
    "row_status": pl.String,
    "row_kpj": pl.String,
    "line_id": pl.Int64,
    "worker_id": pl.Int64,
    "row_nik": pl.String,
    "desa_id": pl.String,
    "first_month": pl.Date,
    "program_id": pl.Int64,
    "jht": pl.Boolean,
    "cost": pl.Int64,
    "funder_id": pl.Int64,
}


@dataclass
class AnswerCheck:
    """`decisions`: the batch rows the answer decides for the first time (the batch row's columns with
    `status`, `kpj`, `reason`), one per row number. `problems`: one message per faulty line of the
    file, in file order, then those about the whole answer."""

    decisions: pl.DataFrame
    problems: list[str]
    repeated: int


def answer_frame(content: bytes) -> pl.DataFrame:
    """The answer's rows as text columns `ANSWER_COLUMNS` (values trimmed, absent ones empty) with
    `line`, the row's number as the file's reader counts it (the header is line 1; blank lines are
    skipped). Separator ';' or ',' as the header uses."""
    try:
        text = content.decode("utf-8-sig") if content else ""
    except UnicodeDecodeError as error:
        raise DomainError("ack_encoding", "Berkas tanggapan harus CSV berpengodean UTF-8.") from error
    if not text.strip():
        raise DomainError("ack_empty", "Berkas tanggapan kosong.")
    first = text.lstrip("\r\n").splitlines()[0]
    separator = ";" if first.count(";") > first.count(",") else ","
    try:
        raw = pl.read_csv(text.encode(), separator=separator, infer_schema=False, truncate_ragged_lines=True)
    except (pl.exceptions.PolarsError, ValueError) as error:
        raise DomainError(
            "ack_unreadable",
            "Berkas tanggapan tidak dapat dibaca sebagai CSV (periksa tanda kutip dan pemisah kolom).",
        ) from error
    names = {}
    for name in raw.columns:
        names.setdefault(name.strip().lower(), name)
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise DomainError("ack_column_missing", f"Kolom wajib tidak ada: {', '.join(missing)}.")
    raw = raw.filter(~pl.all_horizontal(pl.all().is_null()))
    return raw.select(
        (pl.int_range(pl.len()) + 2).alias("line"),
        *(
            (pl.col(names[name]).fill_null("").str.strip_chars() if name in names else pl.lit(""))
            .cast(pl.String)
            .alias(name)
            for name in ANSWER_COLUMNS
        ),
    )


def answer_check(answer: pl.DataFrame, rows: pl.DataFrame, *, batch_id: int) -> AnswerCheck:
    """Each line of the answer against the batch's rows (`BATCH_ROW_SCHEMA`). A line's first fault is
    its message, in this order: an unknown row number, a NIK that is not the row's, a row number seen
    earlier in the file, an unknown status, a malformed KPJ, a rejection without a reason, a decision
    other than one already applied. A line repeating the applied decision is counted, not a fault."""
    digits = pl.col("no_baris").str.contains(r"^[0-9]+$")
    joined = answer.with_columns(
        pl.when(digits).then(pl.col("no_baris").cast(pl.Int64, strict=False)).alias("row_number"),
        pl.col("status").str.to_lowercase().replace_strict(ACCEPTED_WORDS, default=None).alias("decided"),
    ).join(rows, on="row_number", how="left", maintain_order="left")
    known = pl.col("row_id").is_not_null()
    joined = joined.with_columns(
        pl.when(known).then(pl.int_range(pl.len()).over("row_number")).alias("seen_before")
    )
    number = pl.col("no_baris")
    accepted, rejected = pl.col("decided") == ACCEPTED, pl.col("decided") == REJECTED
    answered = pl.col("row_status") != SENT
    same_decision = (pl.col("row_status") == pl.col("decided")) & (
        pl.col("row_kpj") == pl.when(accepted).then(pl.col("kpj")).otherwise(pl.lit(""))
    )
    line = pl.format("baris {}: ", pl.col("line"))
    fault = (
        pl.when(~known)
        .then(pl.format("{}no_baris '{}' tidak ada dalam batch #{}", line, number, pl.lit(batch_id)))
        .when(pl.col("row_nik") != pl.col("nik"))
        .then(pl.format("{}NIK tidak cocok dengan no_baris {}", line, number))
        .when(pl.col("seen_before") > 0)
        .then(pl.format("{}no_baris {} muncul lebih dari sekali", line, number))
        .when(pl.col("decided").is_null())
        .then(pl.concat_str(line, pl.lit("status harus 'diterima' atau 'ditolak'")))
        .when(accepted & ~pl.col("kpj").str.contains(r"^[0-9]{11}$"))
        .then(pl.format("{}KPJ '{}' tidak sah (11 digit angka)", line, pl.col("kpj")))
        .when(rejected & (pl.col("alasan") == ""))
        .then(pl.concat_str(line, pl.lit("alasan penolakan wajib diisi")))
        .when(answered & ~same_decision)
        .then(pl.format("{}no_baris {} sudah ditanggapi dengan keputusan lain", line, number))
    )
    joined = joined.with_columns(fault.alias("fault"))
    problems = joined["fault"].drop_nulls().to_list()
    repeated = joined.filter(known & answered & pl.col("fault").is_null()).height
    decisions = (
        joined.filter(known & ~answered)
        .unique("row_number", keep="last", maintain_order=True)
        .select(
            *(name for name in BATCH_ROW_SCHEMA if not name.startswith("row_") or name == "row_id"),
            "row_number",
            pl.col("decided").alias("status"),
            pl.when(accepted).then(pl.col("kpj")).otherwise(pl.lit("")).alias("kpj"),
            pl.col("alasan").str.slice(0, 300).alias("reason"),
        )
    )
    kpjs = decisions.filter(pl.col("status") == ACCEPTED)["kpj"]
    if kpjs.n_unique() != kpjs.len():
        problems.append("nomor KPJ yang sama dipakai untuk lebih dari satu baris")
    return AnswerCheck(decisions=decisions, problems=problems, repeated=repeated)
