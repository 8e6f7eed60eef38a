"""The phone's rulebook, manifest and service worker: built from the server's own definitions, scoped to
the user's area, and the same words as the import's checks (the NIK's are held to parse_nik in a browser by
tests/browser/test_nik_parity_browser.py)."""

from __future__ import annotations

import datetime as dt
import re
import struct

import polars as pl
import pytest
from django.contrib.staticfiles import finders

from cakupan.agents import device
from cakupan.core.sectors import SECTOR_LABELS
from cakupan.regions.models import Region
from cakupan.registry.intake import validate_workers
from cakupan.registry.intake.columns import WORKER_COLUMNS, WORKER_REQUIRED
from cakupan.registry.nik import NIK_RULES, parse_nik

from .conftest import DESA

TODAY = dt.date(2026, 12, 3)
GOOD = {
    "nik": "3602014506900001",
    "nama": "Siti Aminah",
    "tanggal_lahir": "1990-06-05",
    "jenis_kelamin": "P",
    "kode_desa": DESA,
    "sektor": "pedagang",
    "penghasilan": "1500000",
    "desil": "3",
    "telepon": "081234567890",
}


def test_the_rulebook_is_the_servers_own_rules_and_the_agents_villages(people):
    book = device.rulebook(user=people["agent"])
    assert book["nik"] == NIK_RULES.to_dict()
    assert book["columns"] == list(WORKER_COLUMNS)
    assert book["required"] == list(WORKER_REQUIRED)
    assert [(s["code"], s["label"]) for s in book["sectors"]] == list(SECTOR_LABELS.items())
    villages = {village["code"]: village for village in book["villages"]}
    expected = Region.objects.filter(level="village", code__startswith="36.02.01.")
    assert set(villages) == set(expected.values_list("code", flat=True)) and len(villages) > 5
    assert villages[DESA] == {
        "code": DESA,
        "name": Region.objects.get(code=DESA).name,
        "district": "Malingping",
    }
    assert re.fullmatch(r"[0-9a-f]{16}", book["version"])


def test_a_village_operator_gets_her_one_desa_and_another_version(people):
    agent_book = device.rulebook(user=people["agent"])
    operator_book = device.rulebook(user=people["operator"])
    assert [village["code"] for village in operator_book["villages"]] == [DESA]
    assert operator_book["version"] != agent_book["version"]
    assert device.rulebook(user=people["agent"])["version"] == agent_book["version"]


def test_the_nik_rules_say_what_parse_nik_does():
    rules = NIK_RULES.to_dict()
    assert (rules["length"], rules["separators"], rules["female_day_offset"]) == (16, " .-", 40)
    assert (rules["months"], rules["days"], rules["invalid_serial"]) == ([1, 12], [1, 31], "0000")
    # Every code parse_nik can give has its template, and a template renders parse_nik's message.
    assert set(rules["messages"]) == set(rules["errors"]) | set(rules["warnings"])
    message = parse_nik("3602019913900000", today=TODAY).errors
    assert [issue.message for issue in message] == [
        NIK_RULES.message("nik_invalid_day", digits="99", male_days="01-31", female_days="41-71"),
        NIK_RULES.message("nik_invalid_month", digits="13", months="01-12"),
        NIK_RULES.message("nik_invalid_serial", serial="0000"),
    ]
    # The kecamatan prefixes travel grouped by regency, two digits each.
    assert "01" in re.findall("..", rules["districts"]["3602"])
    assert "\u3000" in rules["whitespace"] and "\ufeff" not in rules["whitespace"]
    assert rules["not_printable"].startswith("0-1f,7f-a0,")


def _server_messages(**changes) -> dict[str, list[str]]:
    row = {**GOOD, **changes}
    frame = pl.DataFrame(
        [{"row": 2, **row}], schema={"row": pl.Int64, **dict.fromkeys(WORKER_COLUMNS, pl.String)}
    )
    issues = validate_workers(frame, today=TODAY, villages=frozenset({DESA})).issues
    found: dict[str, list[str]] = {}
    for issue in issues.iter_rows(named=True):
        found.setdefault(issue["code"], []).append(issue["message"])
    return found


@pytest.mark.parametrize(
    ("changes", "code", "template", "values"),
    [
        ({"nama": ""}, "name_missing", "required", {"label": "Nama"}),
        ({"penghasilan": ""}, "income_missing", "required", {"label": "Penghasilan"}),
        ({"nik": ""}, "nik_missing", "required", {"label": "NIK"}),
        ({"nama": "A" * 151}, "name_too_long", "name_too_long", {}),
        ({"nama": "=HYPERLINK(1)"}, "formula_like_text", "formula_like_text", {}),
        ({"tanggal_lahir": "2027-01-01"}, "birth_date_invalid", "birth_date_future", {}),
        ({"tanggal_lahir": "1899-12-31"}, "birth_date_invalid", "birth_date_too_early", {}),
        ({"tanggal_lahir": "1990-06-06"}, "birth_date_mismatch_nik", "birth_date_mismatch_nik",
         {"nik_birth": "05/06/90"}),
        ({"jenis_kelamin": "L"}, "sex_mismatch_nik", "sex_mismatch_nik", {"nik_sex": "P"}),
        ({"penghasilan": "abc"}, "income_invalid", "income_invalid", {}),
        ({"penghasilan": "1.500.000,50"}, "income_not_integer", "income_not_integer", {}),
        ({"penghasilan": "-5000"}, "income_negative", "income_negative", {}),
        ({"desil": "11"}, "decile_invalid", "decile_invalid", {}),
    ],
)  # fmt: skip
def test_the_phones_field_messages_are_the_imports_own(changes, code, template, values):
    rendered = device.FIELD_MESSAGES[template].format(**values)
    assert rendered in _server_messages(**changes)[code]


def test_the_column_labels_in_the_required_message_are_the_imports():
    book_labels = device._shared_rules()["labels"]
    for column in ("nama", "tanggal_lahir", "jenis_kelamin", "kode_desa", "sektor", "penghasilan"):
        code = {
            "nama": "name_missing", "tanggal_lahir": "birth_date_missing", "jenis_kelamin": "sex_missing",
            "kode_desa": "region_missing", "sektor": "sector_missing", "penghasilan": "income_missing",
        }[column]  # fmt: skip
        expected = device.FIELD_MESSAGES["required"].format(label=book_labels[column])
        assert _server_messages(**{column: ""})[code] == [expected]


def test_cache_version_names_rules_and_files():
    version = device.cache_version()
    assert re.fullmatch(r"[0-9a-f]{16}", version) and device.cache_version() == version
    for name in device.APP_FILES:
        assert (device.STATIC_DIR / name).exists(), name


def _png_size(path) -> tuple[int, int]:
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_the_manifest_is_installable_and_its_icons_exist():
    manifest = device.manifest()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/agen/aplikasi/",
        "/agen/",
        "standalone",
    )
    assert manifest["lang"] == "id" and manifest["name"] and manifest["short_name"]
    sizes = {}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon
        if icon["type"] == "image/png":
            sizes[icon["sizes"]] = _png_size(path)
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}


def test_the_endpoints_answer_the_agent_and_refuse_the_signed_out(client, people):
    assert client.get("/agen/sinkron/aturan.json").status_code == 401
    client.force_login(people["agent"])
    answer = client.get("/agen/sinkron/aturan.json")
    assert answer.status_code == 200 and answer.json() == device.rulebook(user=people["agent"])
    worker = client.get("/agen/sw.js")
    assert (
        worker["Content-Type"].startswith("application/javascript") and worker["Cache-Control"] == "no-cache"
    )
    text = worker.content.decode()
    assert f'var VERSION = "{device.cache_version()}";' in text and "{%" not in text
    assert '"/static/agents/app.js"' in text and '"/agen/sinkron/aturan.json"' in text
    # Every script of the app is cached for offline use; the visit list (other people's data) is not.
    for name in device.APP_FILES:
        assert f'"/static/agents/{name}"' in text, name
    assert "/agen/kunjungan.json" not in text
    manifest = client.get("/agen/manifest.webmanifest")
    assert (
        manifest["Content-Type"] == "application/manifest+json"
        and manifest.json()["start_url"] == "/agen/aplikasi/"
    )


def test_the_app_page_loads_its_scripts_from_files_only(client, people):
    client.force_login(people["agent"])
    page = client.get("/agen/aplikasi/")
    assert page.status_code == 200
    html = page.content.decode()
    # The site's Content-Security-Policy allows no inline script: every <script> names a file.
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
    assert scripts and all(body.strip() == "" for body in scripts)
    assert re.findall(r'<script src="([^"]+)"', html) == [
        "/static/agents/rules.js",
        "/static/agents/store.js",
        "/static/agents/ui.js",
        "/static/agents/sync.js",
        "/static/agents/records.js",
        "/static/agents/forms.js",
        "/static/agents/app.js",
    ]
    # Every script the page loads is one of the app's files (in cache_version) and no file is over the
    # project's 600 lines.
    scripts = [name for name in device.APP_FILES if name.endswith(".js")]
    assert [f"/static/agents/{name}" for name in scripts] == re.findall(r'<script src="([^"]+)"', html)
    for name in scripts:
        assert len((device.STATIC_DIR / name).read_text(encoding="utf-8").splitlines()) <= 600, name
    # The page names its user, so that a phone shared by two users shows each only her own records.
    assert f'data-user="{people["agent"].get_username()}"' in html
    assert 'rel="manifest" href="/agen/manifest.webmanifest"' in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
