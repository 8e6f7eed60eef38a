"""The row rules of worker lists and rosters, and the two public validators."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cakupan.core.spreadsheet import FORMULA_PREFIX_PATTERN
from cakupan.registry.intake import columns as cols
from cakupan.registry.intake.nikcheck import check_niks
from cakupan.registry.intake.reader import NIK_NUMERIC_COLUMN
from cakupan.registry.intake.validate.codes import (
    BIRTH_DATE_INVALID,
    BIRTH_DATE_MISMATCH_NIK,
    DECILE_INVALID,
    EARLIEST_BIRTH_DATE,
    FORMULA_LIKE_TEXT,
    INCOME_INVALID,
    INCOME_NEGATIVE,
    INCOME_NOT_INTEGER,
    ISSUE_SCHEMA,
    KPJ_INVALID,
    MISSING_CODES,
    NAME_MAX_LENGTH,
    NAME_TOO_LONG,
    NIK_NUMERIC_CELL,
    PAID_MONTH_INVALID,
    PHONE_INVALID,
    PROGRAMS_INVALID,
    REGION_NOT_VILLAGE,
    REGION_UNKNOWN,
    ROSTER_ROW_SCHEMA,
    SECTOR_UNKNOWN,
    SEGMENT_INVALID,
    SEX_INVALID,
    SEX_MISMATCH_NIK,
    STATUS_INVALID,
    VALUE_MAX_LENGTH,
    WORKER_ROW_SCHEMA,
)
from cakupan.registry.intake.validate.fields import (
    Validated,
    _Checks,
    _dotted_region,
    _label,
    _map_unique,
    _other_level_codes,
    _phones,
    _present,
    _sector_code,
    _today_in_jakarta,
    _with_income,
    clean_name_expr,
    name_key_expr,
    parse_date_expr,
    parse_month_expr,
    parse_sex_expr,
)

# --- shared worker-field checks ------------------------------------------------------------------


def _check_nik(checks: _Checks, today: dt.date) -> None:
    """NIK rules on the present values; adds nik_norm, nik_valid, nik_birth, nik_sex to the frame."""
    frame = checks.frame
    present = frame.filter(pl.col("nik").is_not_null())
    result = check_niks(present["nik"], today=today)
    rows = present["row"]
    checks.add_frame(
        result.issues.with_columns(
            row=rows.gather(result.issues["index"]),
            field=pl.lit("nik"),
            value=present["nik"].gather(result.issues["index"]).str.slice(0, VALUE_MAX_LENGTH),
        ).select(list(ISSUE_SCHEMA))
    )
    typed = result.results.select(
        rows.alias("row"),
        pl.col("nik").alias("nik_norm"),
        pl.col("valid").alias("nik_valid"),
        pl.col("birth_date").alias("nik_birth"),
        pl.col("sex").alias("nik_sex"),
    )
    checks.frame = frame.join(typed, on="row", how="left", maintain_order="left")
    checks.add(
        pl.col(NIK_NUMERIC_COLUMN),
        "nik",
        NIK_NUMERIC_CELL,
        "NIK tersimpan sebagai angka di Excel, sehingga digit terakhirnya kemungkinan sudah berubah "
        "(Excel hanya menyimpan 15 digit). Format kolom NIK sebagai Teks lalu ketik ulang NIK-nya.",
    )


def _check_worker_fields(
    checks: _Checks, *, today: dt.date, villages: frozenset[str], required: bool
) -> None:
    """Nama, tanggal lahir, jenis kelamin, kode desa, sektor, penghasilan: typed columns and issues.

    With `required` False (roster), an empty cell is simply absent.
    """
    village_list = sorted(villages)
    frame = checks.frame.with_columns(
        name=clean_name_expr(pl.col("nama")),
        birth_date=parse_date_expr(pl.col("tanggal_lahir")),
        sex=parse_sex_expr(pl.col("jenis_kelamin")),
        region=_dotted_region(pl.col("kode_desa")),
        sector=_map_unique(checks.frame, "sektor", _sector_code),
    )
    frame = _with_income(frame, "penghasilan").with_columns(
        desa_id=pl.when(pl.col("region").is_in(village_list)).then(pl.col("region")),
        name_key=name_key_expr(clean_name_expr(pl.col("nama"))),
    )
    frame = frame.with_columns(
        employment=pl.when(pl.col("sector") == cols.FORMAL_SECTOR)
        .then(pl.lit("formal"))
        .when(pl.col("sector").is_not_null())
        .then(pl.lit("informal"))
    )
    checks.frame = frame
    if required:
        for field in ("nama", "tanggal_lahir", "jenis_kelamin", "kode_desa", "sektor", "penghasilan"):
            checks.add(pl.col(field).is_null(), field, MISSING_CODES[field], f"{_label(field)} wajib diisi.")

    checks.add(
        pl.col("name").str.len_chars() > NAME_MAX_LENGTH,
        "nama",
        NAME_TOO_LONG,
        f"Nama terlalu panjang: paling banyak {NAME_MAX_LENGTH} karakter.",
    )
    checks.add(
        pl.col("nama").str.contains(FORMULA_PREFIX_PATTERN),
        "nama",
        FORMULA_LIKE_TEXT,
        "Nama tidak boleh diawali =, +, -, @ atau baris baru: Excel akan menjalankannya sebagai rumus. "
        "Perbaiki nama pada berkas lalu unggah kembali.",
    )

    date_format = "gunakan format YYYY-MM-DD atau DD/MM/YYYY (contoh 1990-06-05 atau 05/06/1990)"
    given = pl.col("tanggal_lahir").is_not_null()
    checks.add(
        given & pl.col("birth_date").is_null(),
        "tanggal_lahir",
        BIRTH_DATE_INVALID,
        f"Tanggal lahir tidak dapat dibaca atau tidak ada di kalender; {date_format}.",
    )
    checks.add(
        pl.col("birth_date") > today,
        "tanggal_lahir",
        BIRTH_DATE_INVALID,
        "Tanggal lahir berada di masa depan.",
    )
    checks.add(
        pl.col("birth_date") < EARLIEST_BIRTH_DATE,
        "tanggal_lahir",
        BIRTH_DATE_INVALID,
        "Tanggal lahir sebelum tahun 1900 tidak masuk akal.",
    )
    nik_birth = pl.col("nik_birth")
    stated = pl.col("birth_date")
    differs = (
        (stated.dt.day() != nik_birth.dt.day())
        | (stated.dt.month() != nik_birth.dt.month())
        | (stated.dt.year() % 100 != nik_birth.dt.year() % 100)
    )
    checks.add(
        pl.col("nik_valid") & stated.is_between(EARLIEST_BIRTH_DATE, today) & differs,
        "tanggal_lahir",
        BIRTH_DATE_MISMATCH_NIK,
        pl.format(
            "Tanggal lahir berbeda dengan yang tercantum di NIK ({}); tanggal lahir yang diisi dipakai.",
            nik_birth.dt.strftime("%d/%m/%y"),
        ),
        severity="warning",
    )

    checks.add(
        pl.col("jenis_kelamin").is_not_null() & pl.col("sex").is_null(),
        "jenis_kelamin",
        SEX_INVALID,
        "Jenis kelamin harus L (laki-laki) atau P (perempuan).",
    )
    checks.add(
        pl.col("nik_valid") & pl.col("sex").is_not_null() & (pl.col("sex") != pl.col("nik_sex")),
        "jenis_kelamin",
        SEX_MISMATCH_NIK,
        pl.format(
            "Jenis kelamin berbeda dengan yang tercantum di NIK ({}); jenis kelamin yang diisi dipakai.",
            pl.col("nik_sex"),
        ),
        severity="warning",
    )

    region_given = pl.col("kode_desa").is_not_null() & pl.col("desa_id").is_null()
    other_level = pl.col("region").is_in(_other_level_codes())
    checks.add(
        region_given & other_level,
        "kode_desa",
        REGION_NOT_VILLAGE,
        pl.format(
            "Kode {} adalah kode provinsi, kabupaten/kota atau kecamatan; isi kode desa/kelurahan "
            "(10 digit, contoh 36.02.01.2002).",
            pl.col("region"),
        ),
    )
    checks.add(
        region_given & ~other_level,
        "kode_desa",
        REGION_UNKNOWN,
        "Kode desa/kelurahan tidak dikenal; gunakan kode Kemendagri 10 digit (contoh 36.02.01.2002).",
    )

    codes = ", ".join(cols.SECTOR_LABELS)
    checks.add(
        pl.col("sektor").is_not_null() & pl.col("sector").is_null(),
        "sektor",
        SECTOR_UNKNOWN,
        f"Sektor tidak dikenal; gunakan salah satu kode: {codes}.",
    )

    checks.add(
        pl.col("income_negative"),
        "penghasilan",
        INCOME_NEGATIVE,
        "Penghasilan tidak boleh negatif.",
    )
    checks.add(
        pl.col("income_not_integer"),
        "penghasilan",
        INCOME_NOT_INTEGER,
        "Penghasilan harus rupiah bulat tanpa sen (contoh 1.500.000).",
    )
    checks.add(
        pl.col("income_invalid"),
        "penghasilan",
        INCOME_INVALID,
        "Penghasilan harus berupa angka rupiah per bulan (contoh 1500000, 1.500.000 atau Rp1.500.000).",
    )


def _check_decile_and_phone(checks: _Checks) -> None:
    """Desil (optional, 1-10) and telepon (optional; invalid is only a warning): decile, phone_e164."""
    decile_text = pl.col("desil").str.replace(r"\.0+$", "")
    decile = pl.when(decile_text.str.contains(r"^[0-9]{1,2}$")).then(decile_text.cast(pl.Int64, strict=False))
    frame = checks.frame.with_columns(
        decile=pl.when(decile.is_between(1, 10)).then(decile),
        phone_e164=_phones(checks.frame["telepon"]),
    )
    checks.frame = frame
    checks.add(
        pl.col("desil").is_not_null() & pl.col("decile").is_null(),
        "desil",
        DECILE_INVALID,
        "Desil harus angka bulat 1 sampai 10, atau dikosongkan.",
    )
    checks.add(
        pl.col("telepon").is_not_null() & pl.col("phone_e164").is_null(),
        "telepon",
        PHONE_INVALID,
        "Nomor telepon tidak sah sehingga dikosongkan; contoh yang benar 081234567890 atau +6281234567890.",
        severity="warning",
    )


# --- public validators -------------------------------------------------------------------------------


def validate_workers(chunk: pl.DataFrame, *, today: dt.date, villages: frozenset[str]) -> Validated:
    """Validate a worker chunk from `read_table(kind="workers")`."""
    checks = _Checks(_present(chunk, cols.WORKER_COLUMNS))
    checks.add(pl.col("nik").is_null(), "nik", MISSING_CODES["nik"], "NIK wajib diisi.")
    _check_nik(checks, today)
    _check_worker_fields(checks, today=today, villages=villages, required=True)

    _check_decile_and_phone(checks)
    rows = checks.clean().select(
        pl.col("row"),
        pl.col("nik_norm").alias("nik"),
        pl.col("name"),
        pl.col("birth_date"),
        pl.col("sex"),
        pl.col("desa_id"),
        pl.col("employment"),
        pl.col("sector"),
        pl.col("monthly_income"),
        pl.col("decile"),
        pl.col("phone_e164").fill_null("").alias("phone"),
        pl.col("name_key"),
    )
    return Validated(rows.cast(WORKER_ROW_SCHEMA), checks.issues())


def validate_roster(
    chunk: pl.DataFrame, *, villages: frozenset[str], today: dt.date | None = None
) -> Validated:
    """Validate a roster chunk from `read_table(kind="roster")`; `today` defaults to today in Jakarta."""
    if today is None:
        today = _today_in_jakarta()
    checks = _Checks(_present(chunk, cols.ROSTER_COLUMNS + cols.ROSTER_OPTIONAL_COLUMNS))
    for field in cols.ROSTER_COLUMNS:
        checks.add(pl.col(field).is_null(), field, MISSING_CODES[field], f"{_label(field)} wajib diisi.")
    _check_nik(checks, today)
    _check_worker_fields(checks, today=today, villages=villages, required=False)
    _check_decile_and_phone(checks)

    kpj = pl.col("kpj").str.replace_all(r"[\s.\-]", "")
    segment_key = pl.col("segmen").str.to_lowercase().str.replace_all(r"[^a-z]", "")
    tokens = (
        pl.col("program")
        .str.to_lowercase()
        .str.replace_all(r"[\s,+/;&]+", ",")
        .str.strip_chars(",")
        .str.split(",")
    )
    status_key = pl.col("status").str.to_lowercase().str.replace_all(r"[^a-z]", "")
    frame = checks.frame.with_columns(
        kpj_clean=pl.when(kpj.str.contains(r"^[0-9]{11}$")).then(kpj),
        segment=pl.when(segment_key.is_in(["pu", "penerimaupah"]))
        .then(pl.lit("PU"))
        .when(segment_key.is_in(["bpu", "bukanpenerimaupah"]))
        .then(pl.lit("BPU")),
        programs_ok=tokens.list.eval(pl.element().is_in(["jkk", "jkm", "jht"])).list.all()
        & tokens.list.contains("jkk")
        & tokens.list.contains("jkm"),
        jht=tokens.list.contains("jht"),
        status_clean=pl.when(status_key.is_in(["aktif", "menunggak", "nonaktif"])).then(status_key),
        paid_through=parse_month_expr(pl.col("bulan_terakhir_dibayar")),
    )
    checks.frame = frame
    checks.add(
        pl.col("kpj").is_not_null() & pl.col("kpj_clean").is_null(),
        "kpj",
        KPJ_INVALID,
        "Nomor KPJ harus 11 digit angka.",
    )
    checks.add(
        pl.col("segmen").is_not_null() & pl.col("segment").is_null(),
        "segmen",
        SEGMENT_INVALID,
        "Segmen harus PU (penerima upah) atau BPU (bukan penerima upah).",
    )
    checks.add(
        pl.col("program").is_not_null() & ~pl.col("programs_ok"),
        "program",
        PROGRAMS_INVALID,
        "Program harus berisi JKK dan JKM, boleh ditambah JHT, dipisah koma (contoh: JKK, JKM, JHT).",
    )
    checks.add(
        pl.col("status").is_not_null() & pl.col("status_clean").is_null(),
        "status",
        STATUS_INVALID,
        "Status harus aktif, menunggak atau nonaktif.",
    )
    checks.add(
        pl.col("bulan_terakhir_dibayar").is_not_null() & pl.col("paid_through").is_null(),
        "bulan_terakhir_dibayar",
        PAID_MONTH_INVALID,
        "Bulan terakhir dibayar harus berformat YYYY-MM atau MM/YYYY (contoh 2026-10 atau 10/2026).",
    )
    rows = checks.clean().select(
        pl.col("row"),
        pl.col("nik_norm").alias("nik"),
        pl.col("kpj_clean").alias("kpj"),
        pl.col("segment"),
        pl.lit(True).alias("jkk"),
        pl.lit(True).alias("jkm"),
        pl.col("jht"),
        pl.col("status_clean").alias("status"),
        pl.col("paid_through"),
        pl.col("name"),
        pl.col("birth_date"),
        pl.col("sex"),
        pl.col("desa_id"),
        pl.col("employment"),
        pl.col("sector"),
        pl.col("monthly_income"),
        pl.col("decile"),
        pl.col("phone_e164").fill_null("").alias("phone"),
        pl.when(pl.col("name").is_not_null()).then(pl.col("name_key")).alias("name_key"),
    )
    return Validated(rows.cast(ROSTER_ROW_SCHEMA), checks.issues())
