import pytest

from cakupan.coverage.services import coverage_refresh


@pytest.mark.django_db
def test_landing_without_data_explains_what_to_do(client):
    response = client.get("/")
    text = response.content.decode()
    assert response.status_code == 200
    # The public reads what they can do; the command line is for staff only.
    assert "Data cakupan belum tersedia." in text and 'href="/cek/">Cek kepesertaan' in text
    assert "cakupan coverage refresh" not in text


def test_landing_shows_the_headline_and_every_regency(client, small_population):
    coverage_refresh(month=small_population.as_of)
    page = client.get("/").content.decode()
    assert '<html lang="id">' in page
    # The labour force (6,170,000 × 0.001) is the denominator, as on the dashboard.
    assert (
        '<div class="label">Angkatan kerja</div><div class="value" data-testid="denominator">6.170<' in page
    )
    assert 'data-testid="covered">2.647<' in page
    assert 'data-testid="coverage-pct">42,9%<' in page
    # 99.5% of 6,170 is 6,139.15 → 6,140 workers; 6,140 - 2,647 = 3,493 still to cover.
    assert 'data-testid="gap">3.493<' in page
    assert "Sumber penyebut: BPS Sakernas Agustus 2025, angkatan kerja × skala demo 0,001" in page
    assert '(<a href="https://banten.idntimes.com/' in page
    for name in ("Kabupaten Pandeglang", "Kabupaten Lebak", "Kabupaten Tangerang", "Kabupaten Serang",
                 "Kota Tangerang", "Kota Cilegon", "Kota Serang", "Kota Tangerang Selatan"):  # fmt: skip
        assert f"<td>{name}</td>" in page
    assert "November 2026" in page
    assert "skala demo 0,001" in page


def test_healthz_tells_anyone_ok_and_administrators_the_counts(client, small_population, django_user_model):
    from django.db import connection

    assert client.get("/healthz").json() == {"status": "ok"}
    staff = django_user_model.objects.create_user(
        username="lebak", password="x", role="regency_officer", area_id="36.02"
    )
    client.force_login(staff)
    assert client.get("/healthz").json() == {"status": "ok"}
    client.force_login(django_user_model.objects.create_superuser(username="root", password="x"))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == connection.vendor
    assert body["rows"]["registry_worker"] == 5760
    assert body["rows"]["regions_region"] == 9389
    assert body["rows"]["registry_membership"] == small_population.memberships


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_api_docs_are_served(client):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    # Swagger UI from the app's own static files: the page works offline and under the CSP.
    assert "/static/ninja/swagger-ui-bundle" in docs.content.decode() and "cdn" not in docs.content.decode()
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Cakupan API"


@pytest.mark.django_db
def test_error_pages_are_in_bahasa_whatever_the_browser(client, django_user_model):
    operator = django_user_model.objects.create_user(
        username="desa", password="x", role="village_operator", area_id="36.02.01.2002"
    )
    client.force_login(operator)
    english = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    missing = client.get("/impor/999999/", **english)
    assert missing.status_code == 404
    assert "Impor tidak ditemukan di wilayah kerja Anda." in missing.content.decode()
    unknown = client.get("/tidak-ada/", **english).content.decode()
    assert "Tidak ditemukan" in unknown and "Resolver404" not in unknown and "Not Found" not in unknown
    refused = client.get("/audit/", **english)
    assert refused.status_code == 403
    assert "Halaman ini hanya untuk auditor dan koordinator provinsi." in refused.content.decode()
