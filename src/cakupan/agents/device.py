"""What the phone needs to work offline: the rulebook it checks a record with, the app's manifest and the
version that names the service worker's cache.

The rulebook is built from the server's own definitions (the NIK rules of `cakupan.registry.nik`, the
import's columns and required columns, the sector list) so that the phone refuses what the server would
refuse, with the same words, and never keeps a second copy of a rule. The phone's validator
(static/agents/rules.js) only interprets it; test_nik_parity.py runs both over the same NIKs.

Messages of the other fields are the import's own (registry.intake.validate); they are written inline
there, so they are restated here once and test_device.py holds the two to the same text."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from django.templatetags.static import static

from cakupan.core.sectors import SECTOR_LABELS
from cakupan.core.spreadsheet import FORMULA_PREFIXES
from cakupan.registry.intake.columns import COLUMN_LABELS, WORKER_COLUMNS, WORKER_REQUIRED
from cakupan.registry.intake.validate.codes import EARLIEST_BIRTH_DATE, NAME_MAX_LENGTH
from cakupan.registry.nik import NIK_RULES

STATIC_DIR = Path(__file__).resolve().parent / "static" / "agents"
# The files of the app shell, in the order the page loads them; their content is part of cache_version,
# so a changed script reaches phones at their next visit online.
APP_FILES = (
    "app.css", "rules.js", "store.js", "ui.js", "sync.js", "records.js", "forms.js", "app.js",
    "icon.svg", "icon-192.png", "icon-512.png",
)  # fmt: skip
MAX_RECORDS_PER_SYNC = 1000

# The import's messages for the fields the phone checks besides the NIK: {code: template}. Templates use
# {name} fields only, filled the same way on the phone.
FIELD_MESSAGES = {
    "required": "{label} wajib diisi.",
    "name_too_long": f"Nama terlalu panjang: paling banyak {NAME_MAX_LENGTH} karakter.",
    "formula_like_text": (
        "Nama tidak boleh diawali =, +, -, @ atau baris baru: Excel akan menjalankannya sebagai rumus. "
        "Perbaiki nama pada berkas lalu unggah kembali."
    ),
    "birth_date_future": "Tanggal lahir berada di masa depan.",
    "birth_date_too_early": "Tanggal lahir sebelum tahun 1900 tidak masuk akal.",
    "birth_date_mismatch_nik": (
        "Tanggal lahir berbeda dengan yang tercantum di NIK ({nik_birth}); tanggal lahir yang diisi dipakai."
    ),
    "sex_mismatch_nik": (
        "Jenis kelamin berbeda dengan yang tercantum di NIK ({nik_sex}); jenis kelamin yang diisi dipakai."
    ),
    "income_invalid": (
        "Penghasilan harus berupa angka rupiah per bulan (contoh 1500000, 1.500.000 atau Rp1.500.000)."
    ),
    "income_not_integer": "Penghasilan harus rupiah bulat tanpa sen (contoh 1.500.000).",
    "income_negative": "Penghasilan tidak boleh negatif.",
    "decile_invalid": "Desil harus angka bulat 1 sampai 10, atau dikosongkan.",
    # The phone's own (the import has no list of the user's villages): the same words as the sync's refusal
    # of a desa outside the area, without a code the person may not have typed.
    "desa_outside_area": (
        "Desa/kelurahan \u201c{value}\u201d tidak ada dalam daftar wilayah kerja Anda; pilih dari daftar."
    ),
}


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@functools.cache
def _shared_rules() -> dict:
    """The part of the rulebook that is the same for every user (built once per process)."""
    return {
        "nik": NIK_RULES.to_dict(),
        "columns": list(WORKER_COLUMNS),
        "labels": {column: COLUMN_LABELS[column] for column in WORKER_COLUMNS},
        "required": list(WORKER_REQUIRED),
        "sectors": [{"code": code, "label": label} for code, label in SECTOR_LABELS.items()],
        "messages": FIELD_MESSAGES,
        "name_max_length": NAME_MAX_LENGTH,
        "formula_prefixes": list(FORMULA_PREFIXES),
        "earliest_birth_date": EARLIEST_BIRTH_DATE.isoformat(),
        "max_records_per_sync": MAX_RECORDS_PER_SYNC,
    }


def _app_files_digest() -> str:
    # Read on every request for sw.js (a few small files): a changed file reaches phones without a restart.
    digest = hashlib.sha256()
    for name in APP_FILES:
        digest.update(name.encode())
        digest.update((STATIC_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def cache_version() -> str:
    """Names the service worker's cache: changes when a rule or a file of the app changes, so a phone
    online drops its old copy and fetches the new one."""
    return _digest({"rules": _digest(_shared_rules()), "files": _app_files_digest()})


def villages_of(user) -> list[dict]:
    """The desa/kelurahan of the user's area (a village operator's area is one desa), by name."""
    from cakupan.regions.models import Region, RegionLevel

    area = getattr(user, "area_id", None)
    if not area:
        return []
    villages = Region.objects.filter(level=RegionLevel.VILLAGE).select_related("parent")
    villages = villages.filter(code=area) | villages.filter(code__startswith=f"{area}.")
    return [
        {
            "code": village.code,
            "name": village.name,
            "district": village.parent.name if village.parent else "",
        }
        for village in villages.order_by("name", "code")
    ]


def rulebook(*, user) -> dict:
    """The device rulebook for this user: the shared rules, the user's villages and a version of it all."""
    book = {**_shared_rules(), "villages": villages_of(user)}
    return {"version": _digest(book), **book}


def manifest() -> dict:
    """The web app manifest: installable on Android from Chrome's menu, opening on the field form."""
    return {
        "name": "Cakupan Lapangan",
        "short_name": "Cakupan",
        "description": "Pendaftaran dan kunjungan pekerja oleh agen lapangan dan operator desa, "
        "juga tanpa sinyal.",
        "lang": "id",
        "id": "/agen/aplikasi/",
        "start_url": "/agen/aplikasi/",
        "scope": "/agen/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b5d3b",
        "icons": [
            {"src": static("agents/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("agents/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("agents/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
