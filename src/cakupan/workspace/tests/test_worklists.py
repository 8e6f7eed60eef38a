"""Worklists, search, the worker page and hand entry of the staff workspace."""

import datetime as dt

import pytest

from cakupan.accounts.models import User
from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.approvals.models import Approval
from cakupan.coverage.models import RegionCoverage
from cakupan.coverage.services import coverage_refresh, membership_record
from cakupan.registry.models import ImportStatus, Worker, WorkerImport
from cakupan.registry.services import worker_register
from cakupan.workspace import selectors

AS_OF = dt.date(2026, 11, 1)
TODAY = dt.date(2026, 11, 20)
DESA = "36.02.01.2002"


@pytest.fixture
def accounts(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    for account in DEMO_ACCOUNTS:
        user_upsert_demo(account=account, password="Banten-UCJ-2026")
    return {user.username: user for user in User.objects.all()}


def _person(nik, name, *, desa=DESA, paid=None, kpj=None):
    worker = worker_register(
        nik=nik, name=name, birth_date=dt.date(1990, 6, 5), sex="P", desa_code=desa,
        sector="nelayan", monthly_income=1_500_000,
    )  # fmt: skip
    if paid:
        membership_record(worker=worker, kpj=kpj, segment="BPU", paid_through=paid)
    return worker


@pytest.fixture
def village(accounts):
    people = {
        "active": _person("3602014506900001", "Siti Aminah", paid=dt.date(2026, 12, 1), kpj="10000000001"),
        "ending": _person("3602014506900002", "Nur Aisyah", paid=dt.date(2026, 11, 1), kpj="10000000002"),
        "arrears": _person(
            "3602014506900003", "NUR AISYAH PUTRI", paid=dt.date(2026, 9, 1), kpj="10000000003"
        ),
        "lapsed": _person("3602014506900004", "Nür Aïsyah", paid=dt.date(2026, 8, 1), kpj="10000000004"),
        "never": _person("3602014506900005", "Nur Hasanah"),
        # Same kecamatan, another desa: outside the village operator's area.
        "neighbour": _person("3602014506900006", "Nur Aisyah Lain", desa="36.02.01.2003"),
    }
    coverage_refresh(month=AS_OF)
    return people


def _names(queryset):
    return sorted(queryset.values_list("name", flat=True))


def test_each_list_holds_exactly_who_it_says(village, accounts):
    desa = accounts["desa"]

    def names(slug):
        return _names(selectors.worklist_queryset(user=desa, slug=slug, month=AS_OF, today=TODAY))

    assert names("belum-terlindungi") == ["NUR AISYAH PUTRI", "Nur Hasanah", "Nür Aïsyah"]
    assert names("menunggak") == ["NUR AISYAH PUTRI"]
    # Paid through November only: cover ends 30 November, within 30 days of 20 November.
    assert names("akan-berakhir") == ["Nur Aisyah"]
    assert names("dana-berakhir") == []


@pytest.mark.parametrize("username, area", [("desa", DESA), ("agen", "36.02.01"), ("lebak", "36.02")])
def test_list_counts_equal_the_dashboard_figures(village, accounts, username, area):
    user = accounts[username]
    # The rows each list really holds, counted: pages show the roll-up's figure in their place.
    counts = {
        slug: selectors.worklist_queryset(user=user, slug=slug, month=AS_OF, today=TODAY).count()
        for slug in ("belum-terlindungi", "menunggak")
    }
    assert selectors.worklist_counts(user=user, month=AS_OF, today=TODAY)["menunggak"] == counts["menunggak"]
    row = RegionCoverage.objects.get(region_id=area, month=AS_OF)
    assert counts["belum-terlindungi"] == row.workers - row.active
    assert counts["menunggak"] == row.in_arrears
    expected_not_covered = {"desa": 3, "agen": 4, "lebak": 4}[username]
    assert counts["belum-terlindungi"] == expected_not_covered


def test_search_by_full_name_ignores_case_accents_and_word_order_of_spaces(village, accounts, client):
    client.force_login(accounts["desa"])
    page = client.get("/pekerja/", {"q": "  nur   AISYAH "}).content.decode()
    assert 'data-testid="total">3 pekerja' in page
    for name in ("Nur Aisyah", "NUR AISYAH PUTRI", "Nür Aïsyah"):
        assert name in page
    assert "Nur Hasanah" not in page and "Nur Aisyah Lain" not in page
    # Accents in the query match plain letters too.
    assert 'data-testid="total">3 pekerja' in client.get("/pekerja/", {"q": "nür aïsyah"}).content.decode()


def test_search_by_nik_and_kpj_for_roles_that_see_identifiers_only(village, accounts, client):
    client.force_login(accounts["desa"])
    by_nik = client.get("/pekerja/", {"q": "3602 0145 0690 0003"}).content.decode()
    assert 'data-testid="total">1 pekerja' in by_nik and "NUR AISYAH PUTRI" in by_nik
    by_kpj = client.get("/pekerja/", {"q": "100.000.000-04"}).content.decode()
    assert 'data-testid="total">1 pekerja' in by_kpj and "Nür Aïsyah" in by_kpj
    # A kab/kota officer sees identifiers masked: an exact NIK search would confirm a guessed NIK.
    client.force_login(accounts["lebak"])
    masked = client.get("/pekerja/", {"q": "3602014506900003"}).content.decode()
    assert 'data-testid="total">0 pekerja' in masked and "tidak tersedia untuk peran Anda" in masked


def test_worklist_pages_and_their_bad_parameters(village, accounts, client):
    client.force_login(accounts["desa"])
    page = client.get("/pekerja/daftar/menunggak/").content.decode()
    assert 'data-testid="total">1 pekerja' in page and "2 bulan belum dibayar" in page
    assert client.get("/pekerja/daftar/tidak-ada/").status_code == 404
    for params, text in [
        ({"bulan": "9999-12"}, "di luar rentang"),
        ({"bulan": "2026-13"}, "tidak sah"),
        ({"page": "-1"}, "Nomor halaman"),
        ({"page": "99999999999"}, "Nomor halaman"),
    ]:
        response = client.get("/pekerja/daftar/menunggak/", params)
        assert response.status_code == 400 and text in response.content.decode()
    assert client.get("/pekerja/", {"page": "500"}).status_code == 200
    home = client.get("/kerja/").content.decode()
    assert 'data-testid="count-belum-terlindungi">3<' in home and 'data-testid="count-menunggak">1<' in home


def test_worker_page_shows_history_and_what_is_due(village, accounts, client):
    client.force_login(accounts["desa"])
    lapsed = village["lapsed"]
    page = client.get(f"/pekerja/{lapsed.pk}/").content.decode()
    assert 'data-testid="status">Nonaktif' in page
    assert "3 bulan belum dibayar sampai November 2026" in page
    assert "10000000004" in page and "Agustus 2026" in page
    # Outside the area and unknown ids look alike.
    assert client.get(f"/pekerja/{village['neighbour'].pk}/").status_code == 404
    assert client.get("/pekerja/99999999/").status_code == 404


VALUES = {
    "nik": "3602014506900009",
    "nama": "Siti Baru",
    "tanggal_lahir": "1990-06-05",
    "jenis_kelamin": "P",
    "kode_desa": DESA,
    "sektor": "nelayan",
    "penghasilan": "1500000",
    "desil": "2",
    "telepon": "081234567890",
}


def test_a_worker_added_by_hand_goes_through_the_import_and_its_approval(
    village, accounts, client, django_capture_on_commit_callbacks
):
    client.force_login(accounts["desa"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/pekerja/baru/", VALUES)
    record = WorkerImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/impor/{record.pk}/"
    assert (record.status, record.rows, record.inserted) == (ImportStatus.PENDING_APPROVAL, 1, 1)
    assert not Worker.objects.filter(nik=VALUES["nik"]).exists()
    # The same form sent again while the first is open changes nothing.
    again = client.post("/pekerja/baru/", VALUES)
    assert again.status_code == 400 and f"impor #{record.pk}" in again.content.decode()
    assert WorkerImport.objects.count() == 1

    client.force_login(accounts["lebak"])
    home = client.get("/kerja/").content.decode()
    assert f'href="/impor/{record.pk}/"' in home
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/impor/{record.pk}/keputusan", {"decision": "approve", "sha256": record.file_sha256})
    worker = Worker.objects.get(nik=VALUES["nik"])
    assert (worker.name, worker.source, worker.phone) == ("Siti Baru", "import", "+6281234567890")
    assert Approval.objects.get().status == "approved"


def test_hand_entry_applies_the_import_rules(village, accounts, client):
    client.force_login(accounts["desa"])
    bad_nik = client.post("/pekerja/baru/", {**VALUES, "nik": "123"})
    assert bad_nik.status_code == 400 and 'data-testid="error-nik"' in bad_nik.content.decode()
    outside = client.post("/pekerja/baru/", {**VALUES, "kode_desa": "36.02.01.2003"})
    assert outside.status_code == 400
    assert "di luar wilayah kerja Anda" in outside.content.decode()
    taken = client.post("/pekerja/baru/", {**VALUES, "nik": village["never"].nik})
    assert taken.status_code == 400 and f"pekerja #{village['never'].pk}" in taken.content.decode()
    elsewhere = client.post("/pekerja/baru/", {**VALUES, "nik": village["neighbour"].nik})
    page = elsewhere.content.decode()
    assert elsewhere.status_code == 400 and "tidak dapat didaftarkan dari wilayah kerja Anda" in page
    assert "Nur Aisyah Lain" not in page
    income = client.post("/pekerja/baru/", {**VALUES, "penghasilan": "-5"})
    assert income.status_code == 400 and 'data-testid="error-penghasilan"' in income.content.decode()
    assert WorkerImport.objects.count() == 0


def test_an_edit_is_a_one_row_update_import(village, accounts, client, django_capture_on_commit_callbacks):
    client.force_login(accounts["desa"])
    worker = village["never"]
    form = client.get(f"/pekerja/{worker.pk}/ubah/").content.decode()
    assert 'value="Nur Hasanah"' in form and "readonly" in form
    values = {**VALUES, "nik": "9999999999999999", "nama": "Nur Hasanah Binti Ali"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/pekerja/{worker.pk}/ubah/", values)
    record = WorkerImport.objects.get()
    assert response.status_code == 302
    assert (record.on_duplicate, record.updated, record.status) == (
        "update",
        1,
        ImportStatus.PENDING_APPROVAL,
    )
    worker.refresh_from_db()
    assert worker.name == "Nur Hasanah"  # not before approval


def test_read_only_roles_are_not_offered_what_they_may_not_do(village, accounts, client):
    client.force_login(accounts["analis"])
    home = client.get("/kerja/").content.decode()
    assert "Daftarkan pekerja baru" not in home
    assert client.get("/pekerja/baru/").status_code == 403
    page = client.get(f"/pekerja/{village['never'].pk}/").content.decode()
    assert 'data-testid="edit"' not in page
    client.force_login(accounts["desa"])
    assert 'data-testid="edit"' in client.get(f"/pekerja/{village['never'].pk}/").content.decode()


def test_a_search_counts_its_matches_only_up_to_the_cap(village, accounts, client, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 2)
    client.force_login(accounts["desa"])
    page = client.get("/pekerja/", {"q": "nur"}).content.decode()
    assert 'data-testid="total">Lebih dari 2 pekerja cocok dengan “nur”.' in page
    assert "Tambahkan kata lain" in page
    # Four match; the pages hold the first cap + 1 of them.
    assert page.count('class="status ') == 3
    exact = client.get("/pekerja/", {"q": "hasanah"}).content.decode()
    assert 'data-testid="total">1 pekerja cocok' in exact and "Tambahkan kata lain" not in exact


def test_a_list_page_reads_the_states_in_one_query_not_one_per_row(village, accounts, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(accounts["desa"])

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    before = {path: queries(path) for path in ("/pekerja/", "/pekerja/daftar/belum-terlindungi/")}
    for serial in range(7, 17):
        _person(
            f"36020145069000{serial:02d}", f"Tetangga {serial}", paid=dt.date(2026, 9, 1),
            kpj=f"200000000{serial:02d}",
        )  # fmt: skip
    coverage_refresh(month=AS_OF)
    after = {path: queries(path) for path in before}
    assert after == before
    page = client.get("/pekerja/").content.decode()
    assert page.count('class="status status-menunggak"') == 11, page


def test_a_large_areas_counts_arrive_after_its_page(village, accounts, client, monkeypatch):
    """Above INLINE_COUNT_LIMIT workers, lists the roll-up does not count show their page at once and fetch
    their count from /pekerja/jumlah/; the roll-up's counts stay inline."""
    from cakupan.workspace import views

    monkeypatch.setattr(selectors, "INLINE_COUNT_LIMIT", 0)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(accounts["lebak"])
    page = client.get("/pekerja/daftar/akan-berakhir/").content.decode()
    assert 'data-testid="count-pending"' in page and "htmx-2.0.11.min.js" in page
    assert 'hx-get="/pekerja/jumlah/?daftar=akan-berakhir&amp;q=&amp;bulan=2026-11"' in page
    assert "Nur Aisyah" in page
    fragment = client.get("/pekerja/jumlah/", {"daftar": "akan-berakhir", "bulan": "2026-11"})
    assert fragment.status_code == 200 and 'data-testid="count">1<' in fragment.content.decode()

    # A search: the page is paged by looking one row ahead; its count comes afterwards.
    first = client.get("/pekerja/", {"q": "nur"}).content.decode()
    assert first.count('class="status ') == 2 and "Berikutnya" in first and "Halaman 1<" in first
    third = client.get("/pekerja/", {"q": "nur", "page": "3"}).content.decode()
    assert third.count('class="status ') == 1 and "Berikutnya" not in third and "Sebelumnya" in third
    past = client.get("/pekerja/", {"q": "nur", "page": "9"}).content.decode()
    assert 'data-testid="past-the-end"' in past and "Tidak ada pekerja di halaman 9" in past
    assert 'data-testid="count">5<' in client.get("/pekerja/jumlah/", {"q": "nur"}).content.decode()

    # The roll-up's lists stay counted inline, and the home page fetches only the others.
    assert 'data-testid="count-pending"' not in client.get("/pekerja/daftar/menunggak/").content.decode()
    home = client.get("/kerja/").content.decode()
    assert 'data-testid="count-belum-terlindungi">4<' in home
    assert 'hx-get="/pekerja/jumlah/?daftar=akan-berakhir&amp;bulan=2026-11"' in home


def test_the_count_fragment_refuses_bad_parameters(village, accounts, client):
    client.force_login(accounts["lebak"])
    response = client.get("/pekerja/jumlah/", {"daftar": "menunggak", "bulan": "9999-12"})
    assert response.status_code == 400 and "di luar rentang" in response.content.decode()
    assert client.get("/pekerja/jumlah/", {"daftar": "tidak-ada"}).status_code == 404
    assert (
        'data-testid="count">1<' in client.get("/pekerja/jumlah/", {"daftar": "menunggak"}).content.decode()
    )


@pytest.mark.parametrize(
    ("month", "today", "expected"),
    [
        # 1 October + 30 days is 31 October, the last day of October: cover paid through October counts.
        (dt.date(2026, 10, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
        (dt.date(2026, 11, 1), dt.date(2026, 11, 20), dt.date(2026, 12, 1)),
        # 30 January + 30 days is 1 March: February's cover (to 28 February) ends within the 30 days.
        (dt.date(2027, 1, 1), dt.date(2027, 1, 30), dt.date(2027, 3, 1)),
        # A past month looks ahead from its last day: 30 September + 30 days is 30 October, before
        # October's cover ends.
        (dt.date(2026, 9, 1), dt.date(2026, 11, 20), dt.date(2026, 10, 1)),
    ],
)
def test_cover_ending_within_30_days_includes_a_month_ending_on_the_30th_day(month, today, expected):
    assert selectors._ends_before(month, today) == expected


def test_only_a_searchs_count_is_capped(village, accounts, client, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 2)
    client.force_login(accounts["lebak"])
    assert 'data-testid="total">6 pekerja.' in client.get("/pekerja/").content.decode()
    fragment = client.get("/pekerja/jumlah/", {"daftar": "belum-terlindungi"}).content.decode()
    assert 'data-testid="count">4<' in fragment
    assert (
        'data-testid="count">Lebih dari 2<' in client.get("/pekerja/jumlah/", {"q": "nur"}).content.decode()
    )
