"""The claim pages' forms, read by hand (no JavaScript, fields named in Bahasa): what was typed, kept to show
again after a refusal, and turned into the services' arguments. A value that cannot be one (a date that is
not in the calendar, an NIK that is not 16 digits, an absurd number) is a DomainError naming the form's
field, so that the page puts the message beside it; the services check everything else."""

from __future__ import annotations

import datetime as dt
import re

from cakupan.claims.models import CalendarChange, ClaimKind, ClaimStatus, HeirRelation
from cakupan.claims.services import ChildInput, HeirInput
from cakupan.core.errors import DomainError
from cakupan.registry.models import Worker
from cakupan.rules.engine.errors import RulesError
from cakupan.rules.engine.figures import default_book

HEIR_ROWS = 4
# Short enough for a phone's select; the model's labels explain more on the case page.
HEIR_RELATIONS = (
    (HeirRelation.SPOUSE, "Suami / istri"),
    (HeirRelation.CHILD, "Anak"),
    (HeirRelation.BLOOD, "Orang tua, kakek, nenek, cucu"),
    (HeirRelation.SIBLING, "Saudara kandung"),
    (HeirRelation.IN_LAW, "Mertua"),
    (HeirRelation.WILL, "Ditunjuk dalam wasiat"),
)
SCHOLARSHIP_BASES = (
    ("jkm", "JKM (peserta meninggal)"),
    ("jkk", "JKK (meninggal atau cacat total karena kerja)"),
)
MAX_AMOUNT = 10**12  # Rp1 triliun: no single claim comes near it
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LOCAL_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

REPORT_FIELDS = {
    "nik": 40,
    "jenis": 10,
    "tanggal_kejadian": 20,
    "penyebab": 10,
    "akibat": 12,
    "lalu_lintas": 2,
    "nama_pelapor": 200,
    "hubungan_pelapor": 60,
    "hp_pelapor": 30,
    "nama_anak": 200,
    "jenjang": 8,
    "tahun_jenjang": 4,
    "umur_anak": 4,
    "tahun_ajaran": 6,
    "dasar_beasiswa": 4,
    **{
        f"ahli_waris_{index}_{part}": limit
        for index in range(1, HEIR_ROWS + 1)
        for part, limit in (("nama", 200), ("hubungan", 10), ("hp", 30))
    },
}
# The services' field names → the form's, so that a service's refusal lands beside the right field.
SERVICE_FIELDS = {
    "kind": "jenis",
    "incident_date": "tanggal_kejadian",
    "jkk_cause": "penyebab",
    "jkk_outcome": "akibat",
    "reporter_name": "nama_pelapor",
    "reporter_relation": "hubungan_pelapor",
    "reporter_phone": "hp_pelapor",
    "heirs": "ahli_waris",
    "heir_name": "ahli_waris",
    "child_name": "nama_anak",
    "level": "jenjang",
    "basis": "dasar_beasiswa",
    "school_year": "tahun_ajaran",
    "on": "tanggal",
    "amount": "jumlah",
    "reference": "nomor_keputusan",
    "reason": "alasan",
    "decision": "keputusan",
    "note": "catatan",
    "received_on": "diterima",
    "file": "berkas",
    "day": "tanggal",
    "change": "perubahan",
    "name": "nama",
    "decree": "dasar",
}


def text(value, limit: int = 200) -> str:
    """A form value as text: at most `limit` characters, without NUL (which PostgreSQL refuses)."""
    return str(value or "")[:limit].replace("\x00", "").strip()


def as_page_error(problem: DomainError | RulesError) -> DomainError:
    """A refusal from a service or the rules engine, its field renamed to the form's."""
    field = SERVICE_FIELDS.get(problem.field or "", problem.field)
    return DomainError(problem.code, problem.message, field=field)


def parse_date(raw: str, *, field: str, label: str, required: bool = True) -> dt.date | None:
    """'2026-12-07' (what a date field sends) or '07/12/2026' (what officers write)."""
    raw = raw.strip()
    if not raw:
        if required:
            raise DomainError(f"{field}_missing", f"{label} wajib diisi.", field=field)
        return None
    iso, local = _ISO_DATE.match(raw), _LOCAL_DATE.match(raw)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif local:
        day, month, year = (int(part) for part in local.groups())
    else:
        raise DomainError("date_invalid", f"{label} tidak sah: tulis seperti 07/12/2026.", field=field)
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise DomainError(
            "date_impossible", f"{label} tidak ada di kalender: periksa tanggal dan bulannya.", field=field
        ) from None
    if not 1900 <= value.year <= 2100:
        raise DomainError("date_out_of_range", f"{label} di luar rentang yang masuk akal.", field=field)
    return value


def parse_whole(
    raw: str, *, field: str, label: str, low: int, high: int, required: bool = True
) -> int | None:
    """A whole number typed by a person: thousands dots and 'Rp' allowed; beyond `high` is 'terlalu besar'."""
    cleaned = raw.strip().replace(" ", "").removeprefix("Rp").removeprefix("rp").replace(".", "")
    if not cleaned:
        if required:
            raise DomainError(f"{field}_missing", f"{label} wajib diisi.", field=field)
        return None
    if not cleaned.isascii() or not cleaned.isdigit():
        raise DomainError("number_invalid", f"{label} harus angka bulat.", field=field)
    if len(cleaned) > 15 or int(cleaned) > high:
        raise DomainError("number_too_large", f"{label} terlalu besar.", field=field)
    if int(cleaned) < low:
        raise DomainError("number_too_small", f"{label} terlalu kecil.", field=field)
    return int(cleaned)


def scholarship_levels(day: dt.date) -> list[tuple[str, str]]:
    """The school levels of the rules in force (code, label): TK, SD, SMP, SMA, perguruan tinggi."""
    try:
        schedule = default_book().for_date(day)["scholarship_schedule"]
    except RulesError:
        return []
    return [(level["code"], level["label"]) for level in schedule["levels"]]


# --- reporting a case ---------------------------------------------------------------------------------------


def report_values(data) -> dict[str, str]:
    return {name: text(data.get(name), limit) for name, limit in REPORT_FIELDS.items()}


def heir_rows(values: dict[str, str], error: DomainError | None = None) -> list[dict]:
    rows = []
    for index in range(1, HEIR_ROWS + 1):
        prefix = f"ahli_waris_{index}"
        fields = {part: f"{prefix}_{part}" for part in ("nama", "hubungan", "hp")}
        rows.append(
            {
                "index": index,
                "fields": fields,
                "values": {part: values.get(name, "") for part, name in fields.items()},
                "errors": {
                    part: error.message
                    for part, name in fields.items()
                    if error is not None and error.field == name
                },
            }
        )
    return rows


def _worker(nik: str, *, user) -> Worker:
    nik = "".join(nik.split()).replace(".", "").replace("-", "")
    if len(nik) != 16 or not nik.isascii() or not nik.isdigit():
        raise DomainError("nik_invalid", "NIK harus 16 angka.", field="nik")
    worker = Worker.objects.for_user(user).filter(nik=nik).first()
    if worker is None:
        raise DomainError(
            "worker_unknown", "Peserta dengan NIK ini tidak ada di registri wilayah Anda.", field="nik"
        )
    return worker


def _heirs(values: dict[str, str]) -> list[HeirInput]:
    heirs = []
    for index in range(1, HEIR_ROWS + 1):
        prefix = f"ahli_waris_{index}"
        name, relation, phone = (values[f"{prefix}_{part}"] for part in ("nama", "hubungan", "hp"))
        if not (name or relation or phone):
            continue
        if not name:
            raise DomainError("heir_name_missing", f"Isi nama ahli waris ke-{index}.", field=f"{prefix}_nama")
        if relation not in HeirRelation.values:
            raise DomainError(
                "heir_relation_missing", f"Pilih hubungan ahli waris ke-{index}.", field=f"{prefix}_hubungan"
            )
        heirs.append(HeirInput(name=name, relation=relation, phone=phone))
    return heirs


def _child(values: dict[str, str], *, day: dt.date) -> ChildInput:
    levels = dict(scholarship_levels(day))
    if values["jenjang"] not in levels:
        raise DomainError("child_level_missing", "Pilih jenjang sekolah anak.", field="jenjang")
    if values["dasar_beasiswa"] not in ("jkm", "jkk"):
        raise DomainError(
            "scholarship_basis_unknown", "Pilih dasar beasiswa: JKM atau JKK.", field="dasar_beasiswa"
        )
    return ChildInput(
        name=values["nama_anak"],
        level=values["jenjang"],
        year=parse_whole(values["tahun_jenjang"], field="tahun_jenjang", label="Tahun ke-", low=1, high=9),
        age=parse_whole(values["umur_anak"], field="umur_anak", label="Umur anak", low=0, high=40),
        school_year=parse_whole(
            values["tahun_ajaran"], field="tahun_ajaran", label="Tahun ajaran", low=2000, high=2100
        ),
        basis=values["dasar_beasiswa"],
    )


def report_arguments(values: dict[str, str], *, user, day: dt.date) -> dict:
    """The arguments of `services.claim_report` (without the actor), or DomainError on the first bad field."""
    worker = _worker(values["nik"], user=user)
    kind = values["jenis"]
    if kind not in ClaimKind.values:
        raise DomainError("claim_kind_unknown", "Pilih jenis klaim.", field="jenis")
    incident = parse_date(values["tanggal_kejadian"], field="tanggal_kejadian", label="Tanggal kejadian")
    jkk = kind == ClaimKind.JKK
    return {
        "worker": worker,
        "kind": kind,
        "incident_date": incident,
        "reporter_name": values["nama_pelapor"],
        "reporter_relation": values["hubungan_pelapor"],
        "reporter_phone": values["hp_pelapor"],
        "jkk_cause": values["penyebab"] if jkk else "",
        "jkk_outcome": values["akibat"] if jkk else "",
        "road_accident": jkk and values["lalu_lintas"] == "1",
        "heirs": _heirs(values),
        "child": _child(values, day=day) if kind == ClaimKind.SCHOLARSHIP else None,
    }


# --- the case's actions -------------------------------------------------------------------------------------

DECISION_FIELDS = {"keputusan": 10, "tanggal": 20, "jumlah": 30, "nomor_keputusan": 60, "alasan": 300}
DECISIONS = {"dibayar": ClaimStatus.PAID, "ditolak": ClaimStatus.REJECTED}


def decision_values(data) -> dict[str, str]:
    return {name: text(data.get(name), limit) for name, limit in DECISION_FIELDS.items()}


def decision_arguments(values: dict[str, str]) -> dict:
    """The arguments of `services.claim_decide` (without actor and case)."""
    decision = DECISIONS.get(values["keputusan"])
    if decision is None:
        raise DomainError("decision_unknown", "Pilih keputusan: dibayar atau ditolak.", field="keputusan")
    paid = decision == ClaimStatus.PAID
    return {
        "decision": decision,
        "on": parse_date(values["tanggal"], field="tanggal", label="Tanggal keputusan"),
        "amount": parse_whole(
            values["jumlah"], field="jumlah", label="Jumlah dibayar", low=1, high=MAX_AMOUNT
        )
        if paid
        else None,
        "reference": values["nomor_keputusan"],
        "reason": "" if paid else values["alasan"],
    }


CALENDAR_FIELDS = {"tanggal": 20, "perubahan": 10, "nama": 200, "dasar": 300}
CALENDAR_CHOICES = {"tambah": CalendarChange.ADD, "hapus": CalendarChange.REMOVE}


def calendar_values(data) -> dict[str, str]:
    return {name: text(data.get(name), limit) for name, limit in CALENDAR_FIELDS.items()}


def calendar_arguments(values: dict[str, str]) -> dict:
    """The arguments of `services.holiday_change_record` (without the actor)."""
    change = CALENDAR_CHOICES.get(values["perubahan"])
    if change is None:
        raise DomainError(
            "calendar_change_unknown", "Pilih: tambah atau hapus hari libur.", field="perubahan"
        )
    return {
        "day": parse_date(values["tanggal"], field="tanggal", label="Tanggal"),
        "change": change,
        "name": values["nama"],
        "decree": values["dasar"],
    }
