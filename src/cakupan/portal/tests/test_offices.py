"""The office finder (/kantor/): a village look-up that says whether the desa has an operator, never who,
and answers every bad query with a calm Bahasa message; each kab/kota's BPJS TK office with its source."""

from __future__ import annotations

import datetime as dt

import pytest

from cakupan.accounts.models import Role, User
from cakupan.portal import information
from cakupan.portal.tests.reading import visible
from cakupan.portal.villages import MAX_QUERY, MAX_RESULTS

OPERATOR_DESA = "36.02.01.2002"  # Cilangkahan, Malingping, Kabupaten Lebak


# --- /kantor/ -----------------------------------------------------------------------------------------------


def operator(username: str, desa: str, *, active: bool = True) -> User:
    return User.objects.create_user(
        username=username,
        password="Banten-UCJ-2026",
        role=Role.VILLAGE_OPERATOR,
        area_id=desa,
        is_staff=True,
        is_active=active,
        first_name="Siti Rahasia Operator",
        email=f"{username}@demo.cakupan.invalid",
    )


@pytest.mark.django_db
def test_a_desa_with_an_operator_says_so_without_personal_data(client):
    operator("op-cilangkahan", OPERATOR_DESA)
    response = client.get("/kantor/", {"q": "cilangkahan"})
    assert response.status_code == 200
    villages = visible(response, "villages")
    assert "Desa Cilangkahan, Kecamatan Malingping, Kabupaten Lebak." in villages
    assert "Ada operator desa: datang ke kantor desa Cilangkahan." in villages
    html = response.content.decode()
    for secret in ("op-cilangkahan", "Siti Rahasia", "demo.cakupan.invalid"):
        assert secret not in html


@pytest.mark.django_db
def test_an_inactive_or_other_roles_account_is_no_operator(client):
    operator("op-lama", OPERATOR_DESA, active=False)
    User.objects.create_user(username="agen", role=Role.FIELD_AGENT, area_id=OPERATOR_DESA, is_staff=True)
    villages = visible(client.get("/kantor/", {"q": "Cilangkahan"}), "villages")
    assert (
        "Belum ada operator desa di sini. Tanyakan di kantor desa Cilangkahan atau kantor kecamatan "
        "Malingping. "
        "Atau datang ke kantor cabang BPJS Ketenagakerjaan untuk Kabupaten Lebak."
    ) in villages
    # The link leads to the offices of the village's own kab/kota.
    html = client.get("/kantor/", {"q": "Cilangkahan"}).content.decode()
    assert 'href="#kantor-3602"' in html and 'id="kantor-3602"' in html
    assert "Ada operator desa" not in villages


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["CILANGKAHAN", "  cilangkahan  ", "Cilangkahán", "cilangkahan malingping", "\x00cilangkahan"]
)
def test_the_lookup_forgives_case_accents_spaces_and_control_characters(client, query):
    response = client.get("/kantor/", {"q": query})
    assert response.status_code == 200
    assert "Desa Cilangkahan, Kecamatan Malingping" in visible(response, "villages")


@pytest.mark.django_db
def test_a_kecamatan_word_narrows_a_common_name(client):
    everywhere = visible(client.get("/kantor/", {"q": "sukamaju"}), "villages")
    narrowed = visible(client.get("/kantor/", {"q": "sukamaju kibin"}), "villages")
    assert everywhere.count("Desa Sukamaju") > 1
    assert narrowed.count("Desa Sukamaju") == 1 and "Kecamatan Kibin, Kabupaten Serang" in narrowed


@pytest.mark.django_db
def test_too_many_matches_asks_for_the_kecamatan(client):
    response = client.get("/kantor/", {"q": "suka"})
    assert visible(response, "villages").count("Kecamatan") == MAX_RESULTS
    assert f"Ada lebih dari {MAX_RESULTS} desa atau kelurahan yang cocok" in visible(response, "more")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", None),
        ("   ", None),
        ("ab", "Ketik paling sedikit 3 huruf."),
        ("x" * (MAX_QUERY + 1), "Nama terlalu panjang."),
        ("desa " * 2000, "Nama terlalu panjang."),
        ("zzqqxx", "Desa atau kelurahan “zzqqxx” tidak ditemukan di Banten."),
        ("%_%", "Desa atau kelurahan “%_%” tidak ditemukan di Banten."),
        ("<b>cilang</b>", "tidak ditemukan di Banten."),
    ],
    ids=["empty", "spaces", "too-short", "too-long", "very-long", "nothing", "wildcards", "markup"],
)
def test_bad_queries_get_a_calm_message_never_an_error(client, query, message):
    response = client.get("/kantor/", {"q": query})
    assert response.status_code == 200
    text = visible(response)
    html = response.content.decode()
    assert 'data-testid="villages"' not in html
    if message is None:
        assert 'id="q-error"' not in html and 'data-testid="not-found"' not in html
    else:
        assert message in text
    if len(query) > MAX_QUERY:
        # A pasted text is neither echoed in the page nor put back into the box.
        assert "x" * 20 not in text and "desa desa desa" not in text
        assert 'name="q" value=""' in html
    assert "<b>cilang" not in html
    assert "Kantor cabang BPJS Ketenagakerjaan di Banten" in text


@pytest.mark.django_db
def test_every_kabkota_is_listed_with_its_sourced_office_or_the_operator_hint(client):
    response = client.get("/kantor/")
    text = visible(response)
    html = response.content.decode()
    offices = information.load_offices()
    for office in offices:
        assert office.name in text and f'href="{office.source_url}"' in html
    assert "Kantor Cabang Serang. Alamat: Jalan Letkol TB Suwandi, Kota Serang." in text
    assert html.count('data-testid="office"') == len(offices)
    recorded = {office.regency_code for office in offices}
    assert html.count('data-testid="office-unknown"') == 8 - len(recorded)
    # No dead end: where neither an office nor its address is known, where to ask instead.
    assert (
        "Kantor cabang untuk Kabupaten Pandeglang belum ada di sini. Tanyakan di kantor desa atau kantor "
        "kecamatan."
    ) in text
    without_address = [office for office in offices if not office.address]
    assert text.count("Alamat belum ada di sini. Tanyakan di kantor desa atau kantor kecamatan.") == len(
        without_address
    )
    assert "tanyakan kepada operator desa" not in text.lower() and "di operator desa" not in text
    # The sources are small print, folded away.
    sources = html.split('<details class="sources">')[1].split("</details>")[0]
    for office in offices:
        assert f'href="{office.source_url}"' in sources
    for name in ("Kabupaten Pandeglang", "Kabupaten Tangerang", "Kota Tangerang Selatan"):
        assert name in text


# --- the office data ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_file_names_real_kabkota_and_a_source_for_each_row():
    from cakupan.regions.models import Region, RegionLevel

    regencies = set(Region.objects.filter(level=RegionLevel.REGENCY).values_list("code", flat=True))
    offices = information.load_offices()
    assert offices
    for office in offices:
        assert office.regency_code in regencies
        assert office.source_url.startswith("https://") and office.source
        assert office.accessed <= dt.date.today()


def test_an_office_row_without_a_source_is_refused(tmp_path):
    path = tmp_path / "offices.csv"
    path.write_text(
        "kabkota_code,office,address,source_url,source,accessed\n"
        "36.01,Kantor Cabang Contoh,Jalan Ada,,,2026-12-07\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="https source"):
        information.load_offices(path)


def test_offices_by_regency_keeps_every_kabkota_in_order():
    office = information.Office(
        "36.73", "Kantor Cabang Serang", "", "https://example.org/a", "Contoh", dt.date(2026, 1, 1)
    )
    rows = information.offices_by_regency(
        [("36.01", "Kabupaten Pandeglang"), ("36.73", "Kota Serang")], [office]
    )
    assert [(row.code, len(row.offices)) for row in rows] == [("36.01", 0), ("36.73", 1)]
