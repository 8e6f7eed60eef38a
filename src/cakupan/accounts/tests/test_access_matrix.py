"""The access matrix as a test: every URL and API route × every role × an object inside and outside the
narrow roles' area, with the status each must get, no out-of-area record in any answer and no identifier
that a masked role could use to rebuild a NIK. A route without an entry here fails the test."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from cakupan.accounts.tests.access_world import INSIDE_DESA, OUTSIDE, PEOPLE, build_world
from cakupan.core.formatting import date_long
from cakupan.workspace.services import token_create

ROLES = (
    "anon",
    "provinsi",
    "analis",
    "lebak",
    "desa",
    "agen",
    "baznas",
    "bpjs",
    "auditor",
    "sponsor",
    "admin",
)
# Their area holds Cilangkahan but not Kota Serang; everyone else with an area works province-wide.
NARROW = frozenset({"lebak", "desa", "agen"})
# Roles that see NIK, phone, birth date and KPJ masked (sponsors and the public see no records at all).
MASKED = frozenset({"provinsi", "analis", "lebak", "baznas", "auditor"})

STAFF = frozenset({"provinsi", "analis", "lebak", "desa", "agen", "baznas", "bpjs", "auditor", "admin"})
AUDIT = frozenset({"provinsi", "auditor", "admin"})
REGISTERING = frozenset({"desa", "agen", "admin"})
OUTBOX = frozenset({"provinsi", "analis", "lebak", "auditor", "admin"})


def _page(ok: frozenset, *, outside_ok: frozenset | None = None, denied: int = 403, anon: int = 302):
    """Expected statuses of a page: 200 for `ok`; the login redirect for the public; `denied` for other
    signed-in roles. On the outside object the narrow roles get 404 unless `outside_ok` says otherwise."""

    def expect(role: str, where: str) -> int:
        if role == "anon":
            return anon
        if role == "sponsor":
            # A public account: staff pages are not for it at all.
            return 403
        allowed = ok if where == "inside" or outside_ok is None else outside_ok
        if role in allowed:
            return 200
        if where == "outside" and role in NARROW and role in ok:
            return 404
        return denied

    return expect


def _fixed(status: int):
    return lambda role, where: status


OUTSIDE_OK_WIDE = STAFF - NARROW
COORDINATING = frozenset({"provinsi", "analis", "lebak", "auditor", "admin"})
RECIPIENTS_INSIDE = frozenset({"provinsi", "analis", "lebak", "desa", "auditor", "admin"})
RECIPIENTS_OUTSIDE = frozenset({"provinsi", "analis", "auditor", "admin"})
PLAN_MAKERS = {
    "inside": frozenset({"provinsi", "lebak", "admin"}),
    "outside": frozenset({"provinsi", "admin"}),
}


def _by(table: dict[str, int], default: int):
    return lambda role, where: table.get(f"{role}/{where}", table.get(role, default))


def _funder_page(kind: str):
    """Funder pages: the funder must be among those the user sees (a funder officer sees only its own: the
    BAZNAS officer sees neither the village's Dana Desa nor Serang's CSR); recipient lists only for the
    funder's officers and the coordinating and auditing staff (not the BPJS TK liaison, not agents)."""

    def expect(role: str, where: str) -> int:
        if role == "anon":
            return 401 if kind.startswith("api") else 302
        if role == "sponsor":
            return 403
        if role == "baznas" or (where == "outside" and role in NARROW):
            return 404
        if kind in ("recipients", "api-recipients"):
            allowed = RECIPIENTS_INSIDE if where == "inside" else RECIPIENTS_OUTSIDE
            if role not in allowed:
                return 403 if kind == "api-recipients" else 404
        return 200

    return expect


def _coverage(anon: int):
    """Aggregates of a region inside the area; a region outside it is refused by name (403)."""

    def expect(role: str, where: str) -> int:
        if role == "anon":
            return anon
        if role == "sponsor":
            return 403
        return 403 if where == "outside" and role in NARROW else 200

    return expect


def _unmask(role: str, where: str) -> int:
    """Only the checking officers unmask; outside the area the worker does not exist (404)."""
    if role == "anon":
        return 401
    if role == "sponsor" or (where == "outside" and role in NARROW):
        return 404 if role != "sponsor" else 403
    return 200 if role in ("provinsi", "lebak", "admin") else 403


def _plan_builder(role: str, where: str) -> int:
    """The funder's page for whoever sees it, but only those who may propose a plan for its money get the
    builder: the coordinators of its area and its own officers (PLAN_CREATE)."""
    seen = _funder_page("page")(role, where)
    if seen != 200:
        return seen
    return 200 if role in PLAN_MAKERS.get(where, frozenset()) else 403


def _sponsor_page(found: bool):
    """SERTAKAN's sponsor pages: the public goes to the sponsors' sign-in, staff are refused, a sponsor (and
    the superuser) gets the page, or 404 for a sponsorship or order that is not theirs (`found` False)."""

    def expect(role: str, where: str) -> int:
        if role == "anon":
            return 302
        if role in ("sponsor", "admin"):
            return 200 if found else 404
        return 403

    return expect


SERTAKAN_TRAIL = frozenset({"provinsi", "analis", "auditor", "admin"})
# Numbers typed by sponsors for people the registry has no phone for: checked by the village operator (who
# sees phones in full), her list scoped to her area, so never 404.
PHONE_CHECKERS = frozenset({"desa", "admin"})
# Claims: read by every staff role but the funder officer; reported and followed by those who meet the
# families and BPJS TK's liaison; decided by the liaison.
CLAIMS = STAFF - {"baznas"}
CLAIM_REPORTERS = frozenset({"desa", "agen", "bpjs", "admin"})
CLAIM_DECIDERS = frozenset({"bpjs", "admin"})
CLAIM_SCANNERS = frozenset({"desa", "agen", "bpjs", "admin"})

# Field work (visit lists, the phone's form and its sync): village operators and field agents. The phone's
# JSON endpoints answer the public 401 (the app keeps its records and asks her to sign in again).
FIELD = frozenset({"desa", "agen", "admin"})
AGENT_KPI = frozenset({"provinsi", "analis", "lebak", "auditor", "agen", "admin"})
BACK_CHECK_CALLERS = frozenset({"provinsi", "lebak", "admin"})
FIELD_JSON = _by({"anon": 401, **dict.fromkeys(FIELD, 200)}, 403)

# route pattern → expected status for (role, inside|outside).
MATRIX = {
    "agen/": _page(FIELD),
    "agen/kunjungan.json": FIELD_JSON,
    "agen/rekaman/": _page(FIELD),
    "agen/rekaman/<str:client_id>/selesaikan/": _fixed(405),
    "agen/rekaman/ajukan/": _fixed(405),
    "agen/aplikasi/": _page(FIELD),
    "agen/sw.js": _fixed(200),
    "agen/manifest.webmanifest": _fixed(200),
    "agen/sinkron/token/": FIELD_JSON,
    "agen/sinkron/aturan.json": FIELD_JSON,
    "agen/sinkron/": _fixed(405),
    "agen/sinkron/status/": _fixed(405),
    "agen/sinkron/konflik/": _fixed(405),
    # Agents' performance and commission: their supervisors (the labour offices, auditors) inside their
    # area; an agent only her own (the inside agent is `agen` herself).
    "agen/kinerja/": _page(AGENT_KPI),
    "agen/kinerja/peringkat.xlsx": _by(
        {"anon": 302, "agen": 404, **dict.fromkeys(AGENT_KPI - {"agen"}, 200)}, 403
    ),
    "agen/kinerja/<int:agent_id>/": _page(AGENT_KPI, outside_ok=AGENT_KPI - NARROW),
    "agen/komisi/<int:agent_id>/<str:month>.pdf": _page(AGENT_KPI, outside_ok=AGENT_KPI - NARROW),
    "agen/komisi/<int:agent_id>/<str:month>.xlsx": _page(AGENT_KPI, outside_ok=AGENT_KPI - NARROW),
    "agen/cek-ulang/": _page(BACK_CHECK_CALLERS),
    "agen/cek-ulang/<int:check_id>/": _fixed(405),
    "": _fixed(200),
    "healthz": _fixed(200),
    "kalkulator/": _fixed(200),
    "cara-bayar/": _fixed(200),
    # The public face: information and the status check, the same for everyone, signed in or not.
    "informasi/": _fixed(200),
    "manfaat/": _fixed(200),
    "iuran/": _fixed(200),
    "cara-daftar/": _fixed(200),
    "klaim/": _fixed(200),
    "kantor/": _fixed(200),
    "cek/": _fixed(200),
    "cek/kode/": _fixed(302),
    "cek/rincian/": _fixed(405),
    "cek/klaim/": _fixed(200),
    "cek/klaim/rincian/": _fixed(405),
    "api/v1/cek": _fixed(405),
    "impor/": _page(STAFF),
    "impor/templat.<str:fmt>": _fixed(200),
    "impor/<int:import_id>/": _page(STAFF, outside_ok=OUTSIDE_OK_WIDE, denied=404),
    "impor/<int:import_id>/status": _page(STAFF, outside_ok=OUTSIDE_OK_WIDE, denied=404),
    # The outside import had no problem rows, so it has no report for anyone.
    "impor/<int:import_id>/laporan.<str:fmt>": _page(STAFF, outside_ok=frozenset(), denied=404),
    "impor/<int:import_id>/keputusan": lambda role, where: 302 if role == "anon" else 405,
    "cakupan/": _by({"anon": 302, "sponsor": 403}, 302),
    "cakupan/peta/<str:code>.geojson": _coverage(302),
    "cakupan/<str:code>/": _coverage(302),
    # One funder seen: straight to its page; several: the list (the liaison); coordinators: the overview.
    "dana/": _by({"anon": 302, "sponsor": 403, "desa": 302, "agen": 302, "baznas": 302}, 200),
    "dana/tabel/<str:table>.<str:fmt>": _page(COORDINATING, denied=404),
    "dana/<int:funder_id>/": _funder_page("page"),
    "dana/<int:funder_id>/tabel/<str:table>.<str:fmt>": _funder_page("recipients"),
    "dana/<int:funder_id>/rencana/baru": _plan_builder,
    "dana/program/<int:program_id>/perpanjangan": lambda role, where: 302 if role == "anon" else 405,
    "dana/<int:funder_id>/mutasi": lambda role, where: 302 if role == "anon" else 405,
    "dana/<int:funder_id>/mutasi/terapkan": lambda role, where: 302 if role == "anon" else 405,
    "dana/rencana/<int:plan_id>/": _page(STAFF, outside_ok=OUTSIDE_OK_WIDE, denied=404),
    "dana/rencana/<int:plan_id>/keputusan": lambda role, where: 302 if role == "anon" else 405,
    "dana/rencana/<int:plan_id>/batch": lambda role, where: 302 if role == "anon" else 405,
    "dana/batch/<int:batch_id>/": _page(STAFF, outside_ok=OUTSIDE_OK_WIDE, denied=404),
    "dana/batch/<int:batch_id>/keputusan": lambda role, where: 302 if role == "anon" else 405,
    "dana/batch/<int:batch_id>/berkas.<str:fmt>": lambda role, where: 302 if role == "anon" else 405,
    "dana/batch/<int:batch_id>/tanggapan": lambda role, where: 302 if role == "anon" else 405,
    "dana/batch/<int:batch_id>/tanggapan/terapkan": lambda role, where: 302 if role == "anon" else 405,
    "dana/tagihan/<int:invoice_id>/": _funder_page("page"),
    "dana/tagihan/<int:invoice_id>/tagihan.pdf": _funder_page("page"),
    "dana/tagihan/<int:invoice_id>/bayar": lambda role, where: 302 if role == "anon" else 405,
    # Cakupan's own sign-in: a signed-in user asking for it goes to their home; sign-out is POST only.
    "akun/masuk/": _by({"anon": 200}, 302),
    "akun/keluar/": _fixed(405),
    "akun/beranda/": _fixed(302),
    "akun/sandi/": _by({"anon": 302}, 200),
    "akun/sandi/selesai/": _by({"anon": 302}, 200),
    "akun/lupa-sandi/": _fixed(200),
    "akun/lupa-sandi/terkirim/": _fixed(200),
    # A made-up link: the page says it is no longer valid.
    "akun/atur-sandi/<uidb64>/<token>/": _fixed(200),
    "akun/atur-sandi/selesai/": _fixed(200),
    # GET changes nothing and sends the browser back (to the home page when it names no page).
    "i18n/setlang/": _fixed(302),
    # The staff workspace: worklists and worker pages for every staff role inside its area; adding and
    # changing workers only for the roles that register them.
    "kerja/": _page(STAFF),
    "kerja/kesehatan/": _page(STAFF),
    "pekerja/": _page(STAFF),
    "pekerja/daftar/<slug:slug>/": _page(STAFF),
    "pekerja/jumlah/": _page(STAFF),
    "pekerja/baru/": _page(REGISTERING),
    "pekerja/<int:worker_id>/": _page(STAFF, outside_ok=OUTSIDE_OK_WIDE, denied=404),
    "pekerja/<int:worker_id>/ubah/": _page(REGISTERING, outside_ok=frozenset({"admin"})),
    # The outbox (masked addresses) for those who run reminders and campaigns and who audit them; the
    # providers' webhooks answer POST only, signed (a switched-off channel is not there); the e-mail link
    # with a made-up token says so.
    "pesan/": _page(OUTBOX),
    "pesan/<int:message_id>/kirim-ulang/": lambda role, where: 302 if role == "anon" else 405,
    "pesan/kabar/sms/<uuid:reference>/": _fixed(405),
    "pesan/masuk/sms/": _fixed(405),
    "pesan/kabar/whatsapp/": _fixed(404),
    "pesan/berhenti/<str:token>/": _fixed(400),
    "pesan/kampanye/": _page(OUTBOX),
    "pesan/kampanye/<int:campaign_id>/": _page(OUTBOX, outside_ok=OUTBOX - NARROW),
    "pesan/kampanye/<int:campaign_id>/keputusan": lambda role, where: 302 if role == "anon" else 405,
    "audit/": _page(AUDIT),
    "audit/<int:event_id>/baris/": _page(AUDIT),
    "api/v1/openapi.json": _fixed(200),
    "api/v1/docs": _fixed(200),
    "api/v1/": _fixed(404),
    "api/v1/rules/contribution": _fixed(200),
    "api/v1/rules/benefit": _fixed(200),
    "api/v1/rules/status": _fixed(200),
    "api/v1/rules/claim": _fixed(200),
    "api/v1/workers": _page(STAFF, anon=401),
    "api/v1/workers/export.csv": _page(STAFF, anon=401),
    "api/v1/workers/<worker_id>/unmask": _unmask,
    "api/v1/workers/<worker_id>": _page(STAFF, outside_ok=OUTSIDE_OK_WIDE, anon=401),
    "api/v1/coverage": _coverage(401),
    "api/v1/funding/funders": _page(STAFF, anon=401),
    "api/v1/funding/funders/<funder_id>": _funder_page("api"),
    "api/v1/funding/funders/<funder_id>/workers": _funder_page("api-recipients"),
    "api/v1/funding/funders/<funder_id>/reconciliation": _funder_page("api"),
    "api/v1/funding/funders/<funder_id>/coverage": _funder_page("api"),
    "api/v1/funding/next-rupiah": _page(STAFF, anon=401),
    "api/v1/funding/plans/<plan_id>": _page(STAFF, outside_ok=OUTSIDE_OK_WIDE, anon=401, denied=404),
    # Sponsor accounts (django-allauth): sign-in and sign-up for the public (the signed-in are sent on),
    # the pages of the pending sign-in, password reset with a made-up link, and the sponsor's own account
    # pages, which staff may not use.
    "sponsor/akun/masuk/": _by({"anon": 200}, 302),
    "sponsor/akun/daftar/": _by({"anon": 200}, 302),
    "sponsor/akun/keluar/": _by({"anon": 302}, 200),
    "sponsor/akun/nonaktif/": _fixed(200),
    "sponsor/akun/lupa-sandi/": _fixed(200),
    "sponsor/akun/lupa-sandi/terkirim/": _fixed(200),
    "sponsor/akun/atur-sandi/<base36:uidb36>-<str:key>/": _fixed(200),
    "sponsor/akun/atur-sandi/selesai/": _fixed(200),
    "sponsor/akun/konfirmasi/": _fixed(302),
    "sponsor/akun/masuk/kode/konfirmasi/": _fixed(302),
    "sponsor/akun/email/": _by({"anon": 302, "sponsor": 200}, 403),
    "sponsor/akun/sandi/": _by({"anon": 302, "sponsor": 200}, 403),
    "sponsor/akun/konfirmasi-sandi/": _by({"anon": 302, "sponsor": 200}, 403),
    "sponsor/akun/sandi/buat/": _by({"anon": 302, "sponsor": 302}, 403),
    # SERTAKAN: the sponsor's pages (made-up references and orders: 404 even for a sponsor); the worker's
    # link and the receipt check with made-up values; writes are POST only; the provider's notifications
    # are POST only; the money trail for the provincial officers and auditors.
    "sponsor/": _sponsor_page(True),
    "sponsor/dukung/": _sponsor_page(True),
    "sponsor/dukung/kenal/": _sponsor_page(True),
    "sponsor/dukung/wilayah/": _sponsor_page(True),
    "sponsor/dukung/sumbangan/": _sponsor_page(True),
    "sponsor/wilayah/": _sponsor_page(True),
    "sponsor/dukungan/<str:reference>/": _sponsor_page(False),
    "sponsor/dukungan/<str:reference>/bayar/": _fixed(405),
    "sponsor/dukungan/<str:reference>/hentikan/": _fixed(405),
    "sponsor/pesanan/<str:order_id>/": _sponsor_page(False),
    "sponsor/pesanan/<str:order_id>/cek/": _fixed(405),
    "sponsor/pesanan/<str:order_id>/batal/": _fixed(405),
    "sponsor/pesanan/<str:order_id>/tanda-terima.pdf": _sponsor_page(False),
    "sertakan/setuju/<str:token>/": _fixed(404),
    "cek/tanda-terima/<str:number>/<str:kode>/": _fixed(404),
    "sertakan/periksa-nomor/": _page(PHONE_CHECKERS),
    "sertakan/periksa-nomor/<str:reference>/": lambda role, where: 302 if role == "anon" else 405,
    "dana/sertakan/": lambda role, where: 302 if role == "anon" else 200 if role in SERTAKAN_TRAIL else 403,
    "dana/sertakan/pendamping/": _fixed(405),
    "dana/sertakan/sumbangan/": _fixed(405),
    "dana/sertakan/kembalikan/<str:order_id>/": _fixed(405),
    "api/v1/sertakan/midtrans/notifikasi": _fixed(405),
    # Claim cases (a JKM case inside and one outside the narrow roles' area, with a scan received): the
    # lists and figures for the roles that read claims; reporting and the decision file for those who
    # may; every action on a case is POST only.
    "kasus-klaim/": _page(CLAIMS),
    "kasus-klaim/baru/": _page(CLAIM_REPORTERS),
    "kasus-klaim/keputusan/": _page(CLAIM_DECIDERS),
    "kasus-klaim/kalender/": _page(CLAIMS),
    "kasus-klaim/layanan/": _page(CLAIMS),
    "kasus-klaim/<str:number>/": _page(CLAIMS, outside_ok=CLAIMS - NARROW),
    # The scans are identifiers in full: only the roles that see them unmasked.
    "kasus-klaim/<str:number>/dokumen/<str:code>/berkas": _page(
        CLAIM_SCANNERS, outside_ok=CLAIM_SCANNERS - NARROW
    ),
    "kasus-klaim/<str:number>/dokumen/": lambda role, where: 302 if role == "anon" else 405,
    "kasus-klaim/<str:number>/tunda/": lambda role, where: 302 if role == "anon" else 405,
    "kasus-klaim/<str:number>/lanjut/": lambda role, where: 302 if role == "anon" else 405,
    "kasus-klaim/<str:number>/keputusan/": lambda role, where: 302 if role == "anon" else 405,
    # Claims API: the payment deadline is public (without a query the kind is missing: 400 for everyone);
    # the case list is for the roles with claim.view, scoped to their area, so never 404.
    "api/v1/klaim/tenggat": _fixed(400),
    "api/v1/klaim/kasus": _page(STAFF - {"baznas"}, outside_ok=STAFF - {"baznas"}, anon=401),
}
QUERIES = {
    "api/v1/rules/contribution": {
        "income": "1000000",
        "programs": "jkk,jkm",
        "month": "2026-05",
        "funding": "self",
        "sector": "nelayan",
    },
    "api/v1/rules/benefit": {"kind": "jkk-death", "income": "1000000"},
    "api/v1/rules/status": {"paid": "2026-01,2026-02", "on": "2026-03-17"},
    "api/v1/rules/claim": {"event": "2026-08-14", "complete": "2026-08-14"},
    "api/v1/funding/funders/<funder_id>/coverage": {"month": "2026-12"},
}


def _patterns(resolvers, prefix="", namespace=None):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(
                entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace
            )
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield prefix + str(entry.pattern), name, entry


TABLES = {"funding:export": "pemberi-dana", "funding:funder-export": "pekerja"}


def _url(pattern: str, name: str, objects: dict) -> str:
    def fill(match):
        key = match.group(1)
        if name.startswith("claims:") and key in ("number", "code"):
            return objects["claim_number" if key == "number" else "document_code"]
        if key == "table":
            return TABLES[name]
        if key == "slug":
            return "menunggak"
        if key in ("uidb64", "token", "kode", "uidb36", "key"):
            return "tidak-berlaku"
        if key == "order_id":
            return "SRT-0-TIDAKADA"
        if key == "number":
            return "SRT-2026-0000000"
        if key == "month":
            return "2026-11"
        if key == "check_id":
            return "0"
        if key in ("reference", "client_id"):
            return "00000000-0000-0000-0000-000000000000"
        if key == "fmt":
            return "geojson" if name == "coverage:map" else "csv"
        return objects[key]

    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, pattern)
    if name == "coverage:map":
        path = path.replace(".geojson.geojson", ".geojson")
    return path


def _probes(world):
    """(route pattern, where, method, path, query) for every non-admin route."""
    probes = []
    for pattern, name, _ in _patterns(get_resolver().url_patterns):
        if pattern.startswith("admin/"):
            continue
        for where, objects in (("inside", world.inside), ("outside", world.outside)):
            query = dict(QUERIES.get(pattern, {}))
            if pattern == "api/v1/coverage":
                query = {"region": objects["code"]}
            method = "post" if pattern.endswith("/unmask") else "get"
            probes.append((pattern, where, method, _url(pattern, name, objects), query))
    return probes


@pytest.fixture
def world(db, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    world = build_world()
    _add_claims(world, monkeypatch)
    _add_phone_checks(world)
    return world


CLAIM_SCAN = b"%PDF-1.4\n%%EOF\n"


def _add_claims(world, monkeypatch) -> None:
    """A JKM case for the first inside person and one for the outside person, each with its membership
    card received as a scan (so that the scan's download has something to serve)."""
    from cakupan.claims import services as claims

    monkeypatch.setattr("cakupan.claims.services.common.today", lambda: dt.date(2026, 12, 7))
    admin = world.users["admin"]
    for objects, person in ((world.inside, PEOPLE[0]), (world.outside, OUTSIDE)):
        case = claims.claim_report(
            actor=admin, worker=world.workers[person.nik], kind="jkm", incident_date=dt.date(2026, 10, 15),
            reporter_name="Pelapor Keluarga", reporter_relation="suami", reporter_phone="081300000001",
            heirs=[claims.HeirInput("Ahli Waris Keluarga", "spouse", "081300000002")],
        )  # fmt: skip
        claims.claim_document_receive(actor=admin, case=case, code="kpj_card", content=CLAIM_SCAN)
        objects["claim_number"] = case.number
        objects["document_code"] = "kpj_card"


def _add_phone_checks(world) -> None:
    """A sponsor names a new person inside and one outside the narrow roles' area; the registry has no phone
    for either, so the numbers typed wait for the village operator's check. The outside one carries the
    outside person's name and phone, which no narrow role's page (the operator's list) may show."""
    from cakupan.sponsors.services import sponsorship_create_named

    for nik, name, desa, phone in (
        ("3602014505900001", "Baru Dalam Desa", INSIDE_DESA, "081211112222"),
        ("3673014505900001", OUTSIDE.name, OUTSIDE.desa, OUTSIDE.phone),
    ):
        sponsorship_create_named(
            sponsor=world.users["sponsor"], nik=nik, name=name, desa_code=desa, phone=phone, sector="prt"
        )


def _client_for(client, world, role):
    client.logout()
    if role == "anon":
        return {}
    user = world.users[role]
    client.force_login(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user)[1]}"}


def test_every_route_has_an_entry(world):
    patterns = {pattern for pattern, _, _ in _patterns(get_resolver().url_patterns)}
    patterns = {pattern for pattern in patterns if not pattern.startswith("admin/")}
    assert patterns - set(MATRIX) == set(), "add the new routes to MATRIX"
    assert set(MATRIX) - patterns == set(), "remove routes that no longer exist"


def test_statuses_follow_the_matrix(client, world):
    failures = []
    for role in ROLES:
        headers = _client_for(client, world, role)
        for name, where, method, path, query in _probes(world):
            call = getattr(client, method)
            response = call(path, query, **(headers if path.startswith("/api/") else {}))
            expected = MATRIX[name](role, where)
            if response.status_code != expected:
                failures.append((role, name, where, path, response.status_code, expected))
    assert failures == []


SEARCHES = ({"q": OUTSIDE.name.split()[0]}, {"region": "36.73"}, {"q": OUTSIDE.nik[:8]})


def _markers_outside() -> list[str]:
    return [OUTSIDE.name, OUTSIDE.nik, OUTSIDE.kpj, OUTSIDE.phone[3:], OUTSIDE.nik[:6] + "*" * 10]


def _birth_date_texts(person) -> list[str]:
    day = person.birth_date
    return [day.isoformat(), f"{day:%d/%m/%Y}", date_long(day)]


def rebuildable(person, text: str) -> bool:
    """Could someone holding `text` rebuild this person's NIK? The whole NIK, or its date part (the birth
    date in any form) together with its serial (the last four digits beside a masked NIK)."""
    if person.nik in text:
        return True
    date_seen = any(form in text for form in _birth_date_texts(person)) or person.nik[6:12] in text
    serial_seen = re.search(rf"{person.nik[:4]}[\d*]{{8}}{person.nik[12:]}", text) is not None
    return date_seen and serial_seen


def test_no_answer_leaks_out_of_the_area_or_unmasks_an_identifier(client, world):
    seen: dict[str, list[str]] = {role: [] for role in ROLES}
    for role in ROLES:
        headers = _client_for(client, world, role)
        for name, _where, method, path, query in _probes(world):
            if name.endswith("/unmask"):
                continue  # the audited, limited act of unmasking itself
            response = getattr(client, method)(path, query, **(headers if path.startswith("/api/") else {}))
            if response.status_code >= 500:
                pytest.fail(f"{role} {path}: {response.status_code}")
            body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(
                "utf-8", errors="replace"
            )
            seen[role].append(body)
            if role in NARROW or role in ("anon", "sponsor"):
                leaked = [marker for marker in _markers_outside() if marker in body]
                assert not leaked, (role, path, leaked)
    for role, bodies in _admin_bodies(client, world).items():
        seen[role].extend(bodies)
    for role in MASKED:
        text = "\n".join(seen[role])
        for person in PEOPLE:
            assert not rebuildable(person, text), (role, person.name)
            assert person.kpj not in text and (not person.phone or person.phone[3:] not in text), role


def _admin_expect(label: str, role: str) -> int:
    # The Django admin is for administrators only; everyone else is sent to its sign-in.
    return 200 if role == "admin" else 302


def _admin_bodies(client, world) -> dict[str, list[str]]:
    """Every admin list and the change pages of the inside and outside worker, as every role."""
    bodies: dict[str, list[str]] = {role: [] for role in ROLES}
    workers = {"inside": world.inside["worker_id"], "outside": world.outside["worker_id"]}
    for role in ROLES:
        _client_for(client, world, role)
        for model in admin.site._registry:
            label = f"{model._meta.app_label}.{model._meta.model_name}"
            response = client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
            assert response.status_code == _admin_expect(label, role), (role, label, response.status_code)
            bodies[role].append(response.content.decode())
        for where, worker_id in workers.items():
            response = client.get(f"/admin/registry/worker/{worker_id}/change/")
            body = response.content.decode()
            assert response.status_code == _admin_expect("registry.worker", role), (role, where)
            if role != "admin":
                assert OUTSIDE.name not in body, role
            bodies[role].append(body)
    return bodies


def test_admin_pages_follow_the_table(client, world):
    bodies = _admin_bodies(client, world)
    assert any(OUTSIDE.name in body for body in bodies["admin"])
    assert not any(OUTSIDE.name in body for role in ROLES if role != "admin" for body in bodies[role])


def test_the_rebuild_check_would_catch_the_old_masking():
    siti = PEOPLE[0]
    # What masked roles saw before: kecamatan and serial beside the birth date.
    old = f"{siti.nik[:4]}********{siti.nik[12:]} · lahir {siti.birth_date:%d/%m/%Y}"
    assert rebuildable(siti, old)
    assert not rebuildable(siti, f"{siti.nik[:6]}********** · 25–34 tahun")


def test_the_numbers_to_check_are_listed_within_the_area_only(client, world):
    """The walk above would pass on an empty list too: the village operator sees her desa's number, the
    administrator both, and the outside one stays outside."""
    _client_for(client, world, "desa")
    body = client.get("/sertakan/periksa-nomor/").content.decode()
    assert "Baru Dalam Desa" in body and "081211112222" in body
    assert OUTSIDE.name not in body and OUTSIDE.phone[3:] not in body
    _client_for(client, world, "admin")
    body = client.get("/sertakan/periksa-nomor/").content.decode()
    assert "Baru Dalam Desa" in body and OUTSIDE.name in body
