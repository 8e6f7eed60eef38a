"""Cakupan's own sign-in: Bahasa whatever the browser's language, each role to its home, who is signed in
and a sign-out on every page, password change and reset through the configured e-mail backend."""

import re

import pytest
from django.core import mail

from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo
from cakupan.accounts.views import ROLE_HOMES
from cakupan.audit.models import AuditEvent

PASSWORD = "Banten-UCJ-2026"
NEW_PASSWORD = "Pesisir-Lebak-2027"


@pytest.fixture
def accounts(db):
    return {a.username: user_upsert_demo(account=a, password=PASSWORD) for a in DEMO_ACCOUNTS}


def _sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/akun/masuk/", {"username": username, "password": password}, **extra)


def test_the_sign_in_page_is_bahasa_for_an_english_browser(client, db):
    page = client.get("/akun/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = page.content.decode()
    assert page.status_code == 200 and page["Content-Language"] == "id"
    assert '<html lang="id">' in body and "Masuk ke Cakupan" in body
    assert "Nama pengguna" in body and "Lupa kata sandi?" in body and 'href="/"' in body
    assert "Username" not in body and "Password" not in body


def test_english_only_when_the_user_chose_it(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/akun/masuk/"})
    page = client.get("/akun/masuk/", HTTP_ACCEPT_LANGUAGE="id")
    assert page["Content-Language"] == "en" and '<html lang="en">' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert client.get("/akun/masuk/")["Content-Language"] == "id"


# Sponsors sign in at their own page (cakupan.accounts.sponsor_adapter); the staff sign-in refuses them.
@pytest.mark.parametrize(
    "account", [a for a in DEMO_ACCOUNTS if not a.superuser and a.role != "sponsor"], ids=lambda a: a.username
)
def test_each_role_lands_on_its_own_home(client, accounts, account):
    signed_in = _sign_in(client, account.username)
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/akun/beranda/")
    home = client.get("/akun/beranda/")
    assert (home.status_code, home["Location"]) == (302, ROLE_HOMES[account.role])


def test_every_page_says_who_is_signed_in_and_offers_sign_out(client, accounts):
    _sign_in(client, "lebak")
    body = client.get("/kalkulator/").content.decode()
    assert (
        'data-testid="who">petugas Kabupaten Lebak · LEBAK<' in body or "petugas Kabupaten Lebak · " in body
    )
    assert 'data-testid="logout"' in body
    signed_out = client.post("/akun/keluar/")
    assert (signed_out.status_code, signed_out["Location"]) == (302, "/")
    assert client.get("/impor/")["Location"] == "/akun/masuk/?next=/impor/"
    assert 'data-testid="login"' in client.get("/").content.decode()


def test_a_wrong_password_gets_a_bahasa_message_and_is_recorded(client, accounts):
    page = _sign_in(client, "lebak", "salah-sandi")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nama pengguna atau kata sandi salah. Periksa huruf besar dan kecil, lalu coba lagi." in body
    assert "nama pengguna nama pengguna" not in body
    assert AuditEvent.objects.filter(action="login_failed").count() == 1


def test_the_password_change(client, accounts):
    _sign_in(client, "desa")
    refused = client.post(
        "/akun/sandi/",
        {"old_password": "keliru", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert refused.status_code == 200 and "Kata sandi lama salah. Coba lagi." in refused.content.decode()
    changed = client.post(
        "/akun/sandi/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (changed.status_code, changed["Location"]) == (302, "/akun/sandi/selesai/")
    client.post("/akun/keluar/")
    assert _sign_in(client, "desa", PASSWORD).status_code == 200
    assert _sign_in(client, "desa", NEW_PASSWORD).status_code == 302


def test_the_password_reset_by_e_mail(client, accounts):
    unknown = client.post("/akun/lupa-sandi/", {"email": "siapa@contoh.invalid"})
    assert (unknown.status_code, unknown["Location"], len(mail.outbox)) == (
        302,
        "/akun/lupa-sandi/terkirim/",
        0,
    )
    sent = client.post("/akun/lupa-sandi/", {"email": "agen@demo.cakupan.invalid"})
    assert (sent.status_code, sent["Location"]) == (302, "/akun/lupa-sandi/terkirim/")
    (message,) = mail.outbox
    assert message.subject == "Kata sandi baru untuk Cakupan" and message.to == ["agen@demo.cakupan.invalid"]
    assert message.body.startswith("Halo agen lapangan Kecamatan Malingping,")
    link = re.search(r"http://testserver(/akun/atur-sandi/\S+/)", message.body)[1]
    form = client.get(link, follow=True)
    assert "Buat kata sandi baru" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert (done.status_code, done["Location"]) == (302, "/akun/atur-sandi/selesai/")
    assert _sign_in(client, "agen", NEW_PASSWORD).status_code == 302
    again = client.get(link).content.decode()
    assert 'data-testid="reset-invalid"' in again
