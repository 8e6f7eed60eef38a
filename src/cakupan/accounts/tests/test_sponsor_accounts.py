"""Public sponsor accounts (django-allauth under /sponsor/akun/): sign-up, the e-mailed code, sign-in by
e-mail address, each sign-in refusing the other kind of account, lockouts and rate limits, and pages in
Bahasa that never answer a bad input with a server error."""

import re
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import caches

from cakupan.accounts.models import Role, User
from cakupan.accounts.services import DEMO_ACCOUNTS, user_upsert_demo

PASSWORD = "Pesisir-Lebak-2027"
NEW_PASSWORD = "Sawah-Baduy-2028"
EMAIL = "siti.aminah@contoh.id"
SIGN_UP = "/sponsor/akun/daftar/"
SIGN_IN = "/sponsor/akun/masuk/"
CODE_PAGE = "/sponsor/akun/konfirmasi/"
RESET = "/sponsor/akun/lupa-sandi/"
SPONSOR_HOME = "/sponsor/"


@pytest.fixture(autouse=True)
def own_default_cache(settings, tmp_path):
    """allauth counts its rate limits in the default cache, the project's file cache under var/: each test
    gets a file cache of its own, so counts neither leak between tests nor linger from an earlier run."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        },
    }


@pytest.fixture
def staff(db):
    """Two demo staff accounts (a regency officer and the demo sponsor made the demo's way)."""
    wanted = [a for a in DEMO_ACCOUNTS if a.username in ("lebak", "sponsor")]
    return {a.username: user_upsert_demo(account=a, password=PASSWORD) for a in wanted}


def _sign_up(client, email=EMAIL, password=PASSWORD, again=None):
    return client.post(SIGN_UP, {"email": email, "password1": password, "password2": again or password})


def _sign_in(client, email=EMAIL, password=PASSWORD):
    return client.post(SIGN_IN, {"login": email, "password": password})


def _code(message) -> str:
    return re.search(r"\b(\d{4}-\d{4})\b", message.body)[1]


def _signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def _text(response) -> str:
    return response.content.decode()


def _verified_sponsor(client, email=EMAIL):
    _sign_up(client, email)
    client.post(CODE_PAGE, {"code": _code(mail.outbox[-1])})
    client.post("/sponsor/akun/keluar/")
    return User.objects.get(email=email)


# --- pages --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SIGN_UP, SIGN_IN, RESET])
def test_the_pages_are_bahasa_for_an_english_browser_and_look_like_the_portal(client, db, url):
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = _text(page)
    assert page.status_code == 200 and page["Content-Language"] == "id"
    assert '<html lang="id">' in body and 'class="brand" href="/">Cakupan</a>' in body
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
    # The portal's stylesheet, written into the page; nothing from another origin.
    assert "<style nonce=" in body and "http://" not in body and "https://" not in body
    assert '<label for="id_' in body and "Alamat email" in body
    for english in ("Sign", "Password", "Email address", "Forgot", "Remember"):
        assert english not in body, english


def test_the_sign_up_and_sign_in_pages_label_every_field(client, db):
    sign_up = _text(client.get(SIGN_UP))
    assert '<label for="id_email">Alamat email</label>' in sign_up
    assert '<label for="id_password1">Kata sandi</label>' in sign_up
    hint = '<span class="source" id="id_password1_helptext">paling sedikit 10 karakter, jangan hanya angka'
    assert hint in sign_up
    assert 'aria-describedby="id_password1_helptext"' in sign_up
    assert '<label for="id_password2">Ulangi kata sandi</label>' in sign_up
    assert 'type="email"' in sign_up and 'autocomplete="new-password"' in sign_up
    sign_in = _text(client.get(SIGN_IN))
    assert '<label for="id_login">Alamat email</label>' in sign_in
    assert '<label for="id_password">Kata sandi</label>' in sign_in
    assert 'href="/sponsor/akun/daftar/"' in sign_in and 'href="/sponsor/akun/lupa-sandi/"' in sign_in
    assert 'href="/akun/masuk/"' in sign_in  # where staff sign in
    # A label says what to type; allauth's placeholders said "Sandi".
    assert "placeholder=" not in sign_up + sign_in and "aria-describedby" not in sign_in


# --- sign-up and the code -----------------------------------------------------------------------------------


def test_sign_up_sends_a_code_and_the_code_signs_the_sponsor_in(client, db):
    signed_up = _sign_up(client, "Siti.Aminah@Contoh.ID")
    assert (signed_up.status_code, signed_up["Location"]) == (302, CODE_PAGE)
    assert _signed_in_user(client) is None

    user = User.objects.get(email=EMAIL)
    assert (user.role, user.is_staff, user.is_superuser, user.area) == (Role.SPONSOR, False, False, None)
    assert user.username == EMAIL  # the key django-axes counts failures under
    assert not EmailAddress.objects.get(user=user).verified

    (message,) = mail.outbox
    assert message.to == [EMAIL]
    code = _code(message)
    assert message.subject == f"[Cakupan] Kode konfirmasi akun sponsor: {code}"
    assert message.body.startswith("Halo,") and "dalam 30 menit" in message.body

    page = _text(client.get(CODE_PAGE))
    assert "Masukkan kode dari email" in page and EMAIL in page
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page

    wrong = client.post(CODE_PAGE, {"code": "0000-0000" if code != "0000-0000" else "1111-1111"})
    assert wrong.status_code == 200 and "Kode salah." in _text(wrong)
    assert _signed_in_user(client) is None

    # Typed on a phone's number pad: no dash.
    confirmed = client.post(CODE_PAGE, {"code": code.replace("-", "")})
    assert (confirmed.status_code, confirmed["Location"]) == (302, SPONSOR_HOME)
    assert _signed_in_user(client) == user
    assert EmailAddress.objects.get(user=user).verified

    client.post("/sponsor/akun/keluar/")
    assert _signed_in_user(client) is None
    again = _sign_in(client, EMAIL.upper())
    assert (again.status_code, again["Location"]) == (302, SPONSOR_HOME)
    assert _signed_in_user(client) == user


def test_an_unverified_address_cannot_sign_in(client, db):
    _sign_up(client)
    client.post("/sponsor/akun/keluar/")
    mail.outbox.clear()
    # allauth sends one code per address every 10 seconds; the sponsor comes back later.
    caches["default"].clear()

    attempt = _sign_in(client)
    assert (attempt.status_code, attempt["Location"]) == (302, CODE_PAGE)
    assert _signed_in_user(client) is None
    # A fresh code goes out; without it, the sponsor's page stays closed.
    (message,) = mail.outbox
    assert message.to == [EMAIL] and _code(message)
    assert client.get(SPONSOR_HOME).wsgi_request.user.is_anonymous


def test_a_second_sign_up_with_a_known_address_looks_like_a_new_one(client, staff):
    """Nobody learns from the sign-up page whether an address has an account: a known address gets the
    same page as a new one, and its owner an e-mail saying someone tried."""
    first = _sign_up(client)
    client.post("/sponsor/akun/keluar/")
    for email in (EMAIL, EMAIL.upper(), "lebak@demo.cakupan.invalid"):
        # allauth sends one e-mail per address every 10 seconds; each attempt here is a later one.
        caches["default"].clear()
        mail.outbox.clear()
        again = _sign_up(client, email)
        assert (again.status_code, again["Location"]) == (first.status_code, first["Location"]), email
        (message,) = mail.outbox
        assert message.to[0].lower() == email.lower()
        assert "Cakupan" in message.subject and "already" not in message.body
        client.post("/sponsor/akun/keluar/")
    assert User.objects.filter(role=Role.SPONSOR, email__iexact=EMAIL).count() == 1
    assert not User.objects.filter(role=Role.SPONSOR, email__iexact="lebak@demo.cakupan.invalid").exists()


def test_sign_up_mistakes_get_bahasa_messages(client, db):
    mismatch = _text(_sign_up(client, again="Pesisir-Lebak-2028"))
    assert "You must type the same password" not in mismatch
    short = _text(_sign_up(client, password="pendek"))
    assert "Kata sandi terlalu pendek. Harus mengandung setidaknya 10 karakter." in short
    invalid = _text(_sign_up(client, email="bukan-alamat"))
    assert "Masukkan alamat email yang valid." in invalid
    assert not User.objects.exists() and not mail.outbox


def test_an_address_longer_than_the_column_is_refused_not_stored(client, db):
    # 300 characters: forms accept up to 320, the user's e-mail column holds 254.
    long_address = "a" * 60 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * 54 + ".id"
    for response in (_sign_up(client, long_address), _sign_in(client, long_address)):
        assert response.status_code == 200
        assert "paling banyak 254 karakter" in _text(response)
    assert not User.objects.exists() and not AccessAttempt.objects.exists()


def test_an_address_that_cannot_be_a_username_still_signs_up(client, db):
    signed_up = _sign_up(client, "o'neil+sponsor@contoh.id")
    assert signed_up.status_code == 302
    user = User.objects.get(email="o'neil+sponsor@contoh.id")
    assert user.role == Role.SPONSOR and user.username and "'" not in user.username


# --- each sign-in refuses the other kind of account ---------------------------------------------------------


def test_a_staff_account_is_refused_at_the_sponsor_sign_in(client, staff):
    refused = _sign_in(client, "lebak@demo.cakupan.invalid")
    body = _text(refused)
    assert refused.status_code == 200 and _signed_in_user(client) is None
    assert "Ini akun staf Cakupan, bukan akun sponsor." in body and "/akun/masuk/" in body
    # A wrong password says only that.
    wrong = _text(_sign_in(client, "lebak@demo.cakupan.invalid", "salah-sandi-sekali"))
    assert "Alamat email atau kata sandi salah." in wrong and "akun staf" not in wrong


def test_a_sponsor_is_refused_at_the_staff_sign_in(client, staff):
    sponsor = _verified_sponsor(client)
    for username in (sponsor.username, "sponsor"):  # a signed-up sponsor, and the demo's sponsor account
        refused = client.post("/akun/masuk/", {"username": username, "password": PASSWORD})
        body = _text(refused)
        assert refused.status_code == 200 and _signed_in_user(client) is None, username
        assert "Halaman ini untuk akun staf." in body and "/sponsor/akun/masuk/" in body
    # Staff still sign in there by username, and not by e-mail address.
    by_address = client.post("/akun/masuk/", {"username": "lebak@demo.cakupan.invalid", "password": PASSWORD})
    assert by_address.status_code == 200
    assert client.post("/akun/masuk/", {"username": "lebak", "password": PASSWORD}).status_code == 302


def test_who_is_signed_in_is_sent_to_their_own_home_from_the_sign_in_page(client, staff):
    sponsor = _verified_sponsor(client)
    client.force_login(sponsor)
    assert client.get(SIGN_IN)["Location"] == SPONSOR_HOME
    client.force_login(staff["lebak"])
    assert client.get(SIGN_IN)["Location"] == "/akun/beranda/"


@pytest.mark.parametrize("url", ["/sponsor/akun/email/", "/sponsor/akun/sandi/", "/sponsor/akun/sandi/buat/"])
def test_the_sponsor_account_pages_are_for_sponsors(client, staff, url):
    sponsor = _verified_sponsor(client)
    assert client.get(url)["Location"] == f"{SIGN_IN}?next={url}"  # not the staff sign-in (LOGIN_URL)
    client.force_login(staff["lebak"])
    assert client.get(url).status_code == 403
    client.force_login(sponsor)
    assert client.get(url).status_code in (200, 302)


# --- lockouts and rate limits -------------------------------------------------------------------------------


def test_axes_counts_failures_per_address_and_locks_only_that_address(client, db):
    sponsor = _verified_sponsor(client)
    other = _verified_sponsor(client, "budi@contoh.id")
    for attempt in range(1, 6):
        response = _sign_in(client, EMAIL, "salah-sandi-sekali")
        assert response.status_code == (429 if attempt == 5 else 200), attempt
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {sponsor.username}
    # Even the right password is refused: first by allauth's own limit (five failures an address in five
    # minutes), then, once that has passed, by the axes lock, which lasts the hour.
    refused = _sign_in(client, EMAIL)
    assert "Terlalu banyak percobaan masuk yang gagal." in _text(refused)
    caches["default"].clear()
    locked = _sign_in(client, EMAIL)
    assert locked.status_code == 429 and "Akun terkunci sementara" in _text(locked)
    assert _signed_in_user(client) is None
    # Another sponsor from the same address is not locked out with them.
    assert _sign_in(client, other.email)["Location"] == SPONSOR_HOME


def test_a_successful_sign_in_clears_the_address_failures(client, db):
    _verified_sponsor(client)
    for _ in range(3):
        _sign_in(client, EMAIL, "salah-sandi-sekali")
    assert AccessAttempt.objects.get(username=EMAIL).failures_since_start == 3
    assert _sign_in(client)["Location"] == SPONSOR_HOME
    assert not AccessAttempt.objects.exists()


def test_allauth_rate_limits_answer_in_bahasa(client, db):
    _verified_sponsor(client)
    mail.outbox.clear()
    answers = [client.post(RESET, {"email": EMAIL}).status_code for _ in range(6)]
    assert answers == [302] * 5 + [429]
    limited = client.post(RESET, {"email": EMAIL})
    assert "Terlalu banyak permintaan" in _text(limited) and "Too Many Requests" not in _text(limited)
    assert len(mail.outbox) == 5


# --- password reset -----------------------------------------------------------------------------------------


def test_a_sponsor_resets_the_password_by_a_link(client, db):
    _verified_sponsor(client)
    mail.outbox.clear()
    sent = client.post(RESET, {"email": EMAIL})
    assert (sent.status_code, sent["Location"]) == (302, "/sponsor/akun/lupa-sandi/terkirim/")
    (message,) = mail.outbox
    assert message.subject == "[Cakupan] Kata sandi baru untuk akun sponsor Cakupan"
    link = re.search(r"http://testserver(/sponsor/akun/atur-sandi/\S+/)", message.body)[1]
    form = client.get(link, follow=True)
    assert "Buat kata sandi baru" in _text(form)
    done = client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert (done.status_code, done["Location"]) == (302, "/sponsor/akun/atur-sandi/selesai/")
    assert _sign_in(client, EMAIL, NEW_PASSWORD)["Location"] == SPONSOR_HOME
    assert 'data-testid="reset-invalid"' in _text(client.get(link, follow=True))


def test_staff_asking_the_sponsor_reset_are_sent_to_the_staff_reset(client, staff):
    client.post(RESET, {"email": "lebak@demo.cakupan.invalid"})
    (message,) = mail.outbox
    assert message.subject == "[Cakupan] Kata sandi akun staf Cakupan"
    assert "http://testserver/akun/lupa-sandi/" in message.body and "atur-sandi" not in message.body
    # An unknown address gets the same answer as a known one; the e-mail to it says there is no account.
    mail.outbox.clear()
    caches["default"].clear()
    unknown = client.post(RESET, {"email": "siapa@contoh.id"})
    known = client.post(RESET, {"email": "lebak@demo.cakupan.invalid"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mail.outbox] == [["siapa@contoh.id"], ["lebak@demo.cakupan.invalid"]]
    assert "Belum ada akun" not in _text(unknown)


# --- bad inputs ---------------------------------------------------------------------------------------------

JUNK = [
    "",
    " ",
    "\x00",
    "a" * 10_000,
    "é" * 300,
    "<script>x</script>",
    "１２３４-５６７８",
    "'; --",
    "%00",
    "@",
    "a@",
]


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_bad_inputs_never_answer_with_a_server_error(client, db, junk):
    posts = [
        (SIGN_UP, {"email": junk, "password1": junk, "password2": junk}),
        (SIGN_UP, {"email": f"x{junk}@contoh.id", "password1": PASSWORD}),
        (SIGN_IN, {"login": junk, "password": junk}),
        (SIGN_IN, {"login": f"{junk}@contoh.id"}),
        (RESET, {"email": junk}),
        (CODE_PAGE, {"code": junk}),
        ("/sponsor/akun/keluar/", {"next": junk}),
        ("/akun/masuk/", {"username": junk, "password": junk}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code < 500, (url, data)
    # With a pending code, a junk code is just a wrong code.
    _sign_up(client, f"junk{len(junk)}@contoh.id")
    assert client.post(CODE_PAGE, {"code": junk, "action": junk}).status_code < 500
    gets = (f"{SIGN_IN}?next={quote(junk)}", "/sponsor/akun/atur-sandi/zz-x/", "/sponsor/akun/", CODE_PAGE)
    for url in gets:
        assert client.get(url).status_code < 500, url
