"""Public sponsor accounts (SERTAKAN) with django-allauth, apart from the staff accounts.

Sponsors sign up at /sponsor/akun/daftar/ with an e-mail address and a password, prove the address with a
code sent by e-mail, and sign in at /sponsor/akun/masuk/ with the address. Staff keep their own sign-in by
username at /akun/masuk/; each sign-in refuses the other kind of account and says where to go instead.

* `SponsorAccountAdapter` (ACCOUNT_ADAPTER): new accounts are sponsors (no staff flag, no area); the
  sign-in refuses every account whose role is not sponsor; sponsors land on the sponsor page.
* `SponsorEmailBackend` (AUTHENTICATION_BACKENDS): allauth's backend for an `email` credential only, so the
  staff form's `username` is never read as an e-mail address.
* The forms of ACCOUNT_FORMS: allauth's, with Cakupan's Bahasa labels and hints and without placeholders
  (allauth's Indonesian catalogue calls the password "Sandi" there).
* `urlpatterns`: allauth's pages under /sponsor/akun/ (included by cakupan.urls), under Bahasa paths.

django-axes keys failed sign-ins by username: the adapter hands axes the e-mail address as the username, and a
sponsor's username is the address itself, so a successful sign-in clears that address's failures.
"""

from __future__ import annotations

import functools
import re

from allauth.account import app_settings as allauth_settings
from allauth.account import forms as allauth_forms
from allauth.account import urls as allauth_urls
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.internal.stagekit import clear_login
from allauth.account.utils import user_email, user_username
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core import validators
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, register_converter

from cakupan.accounts.forms import SPONSOR_LOGIN_URL
from cakupan.accounts.models import Role, User

# The sponsor's own page (URL name `sponsors:home`, the sponsor app's): a literal path until it exists.
SPONSOR_HOME_URL = "/sponsor/"
STAFF_LOGIN_URL = "/akun/masuk/"
STAFF_HOME_URL = "/akun/beranda/"
STAFF_PASSWORD_RESET_URL = "/akun/lupa-sandi/"

STAFF_ACCOUNT_REFUSED = (
    "Ini akun staf Cakupan, bukan akun sponsor. Petugas masuk dengan nama pengguna di halaman staf: "
    f"{STAFF_LOGIN_URL}"
)

# What Django's username field accepts (letters, digits and @ . + - _): the address itself when it fits.
_USERNAME_FIELD = User._meta.get_field("username")
# Forms accept addresses up to 320 characters; the user's e-mail column (and allauth's) holds 254.
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
_USERNAME_CHARACTERS = re.compile(r"^[\w.@+-]+\Z")


def is_sponsor(user) -> bool:
    return getattr(user, "role", None) == Role.SPONSOR


class SponsorEmailBackend(AuthenticationBackend):
    """allauth's e-mail sign-in, for the `email` credential only (allauth's sign-in form sends it). allauth's
    own backend would also read a `username` as an e-mail address, which would let the staff form sign in
    by address and count the failures under another name."""

    def authenticate(self, request, **credentials):
        email = credentials.get("email")
        if not email:
            return None
        return super().authenticate(request, email=email, password=credentials.get("password"))


class SponsorAccountAdapter(DefaultAccountAdapter):
    # Bahasa for the messages a sponsor meets (allauth's Indonesian catalogue says "e-mail" and "Seorang
    # pengguna sudah terdaftar"); the rest come from that catalogue.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": "Akun ini tidak aktif. Hubungi pengelola Cakupan.",
        "email_password_mismatch": (
            "Alamat email atau kata sandi salah. Periksa huruf besar dan kecil, lalu coba lagi."
        ),
        "email_taken": (
            "Alamat email ini sudah dipakai oleh akun lain. Jika itu akun Anda, masuk saja, atau pilih "
            "“Lupa kata sandi?” di halaman masuk."
        ),
        "incorrect_code": "Kode salah. Periksa kode di email terbaru dari Cakupan, lalu ketik lagi.",
        "invalid_or_expired_key": "Tautan ini tidak berlaku lagi. Minta tautan baru.",
        "invalid_password_reset": "Tautan ini tidak berlaku lagi atau sudah dipakai. Minta tautan baru.",
        "too_many_login_attempts": (
            "Terlalu banyak percobaan masuk yang gagal. Tunggu beberapa menit, lalu coba lagi."
        ),
        "unknown_email": "Belum ada akun dengan alamat email ini. Periksa ejaannya atau daftar dulu.",
        "same_as_current": "Alamat baru harus berbeda dari alamat yang sekarang.",
        "rate_limited": "Terlalu banyak permintaan. Tunggu sebentar, lalu coba lagi.",
    }

    # --- sign-up ---

    def populate_username(self, request, user) -> None:
        """The username is the e-mail address (the key django-axes counts failures under), unless it is too
        long, holds characters a username cannot, or is someone's username already."""
        email = (user_email(user) or "").lower()
        if (
            email
            and len(email) <= _USERNAME_FIELD.max_length
            and _USERNAME_CHARACTERS.match(email)
            and not User.objects.filter(username__iexact=email).exists()
        ):
            user_username(user, email)
            return
        super().populate_username(request, user)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.SPONSOR
        user.is_staff = False
        user.is_superuser = False
        user.area = None
        if commit:
            user.save()
            # The role's group, as for every account (admin lists and reports; it carries no permissions).
            user.groups.set(Group.objects.filter(name=Role.SPONSOR))
        return user

    # --- sign-in ---

    def authenticate(self, request, **credentials):
        email = credentials.get("email")
        if email and len(email) > EMAIL_MAX_LENGTH:
            # No account has such an address (and axes could not store it as a username).
            return None
        if email and not credentials.get("username"):
            # django-axes reads the username from the credentials: without one every sponsor's failures
            # would count under a single empty name, and ten of them would lock out every sponsor.
            credentials = {**credentials, "username": email.strip().lower()}
        user = super().authenticate(request, **credentials)
        if user is not None and not is_sponsor(user):
            raise ValidationError(STAFF_ACCOUNT_REFUSED, code="staff_account")
        return user

    def pre_login(self, request, user, **kwargs):
        # The form refuses staff accounts already; this holds for every other way allauth signs someone in.
        if not is_sponsor(user):
            clear_login(request)
            messages.error(request, STAFF_ACCOUNT_REFUSED)
            return HttpResponseRedirect(SPONSOR_LOGIN_URL)
        return super().pre_login(request, user, **kwargs)

    def get_login_redirect_url(self, request) -> str:
        # Also where allauth sends someone already signed in who opens the sign-in or sign-up page.
        return SPONSOR_HOME_URL if is_sponsor(request.user) else STAFF_HOME_URL

    def get_signup_redirect_url(self, request) -> str:
        return SPONSOR_HOME_URL

    # Notes that only repeat what the next page shows, or that would wait for a page that shows messages
    # (the portal's pages do not) and then greet the sponsor long after the fact.
    SILENT_MESSAGES = frozenset(
        f"account/messages/{name}.txt"
        for name in ("logged_in", "logged_out", "email_confirmation_sent", "email_confirmed")
    )

    def add_message(
        self, request, level, message_template=None, message_context=None, extra_tags="", message=None
    ):
        if message_template in self.SILENT_MESSAGES:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    # --- e-mail ---

    def send_mail(self, template_prefix, email, context) -> None:
        # How long a code and a reset link last, for the messages to say.
        context = {
            "code_minutes": allauth_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT // 60,
            "reset_days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
            **context,
        }
        super().send_mail(template_prefix, email, context)

    def send_password_reset_mail(self, user, email, context) -> None:
        """Staff reset their password on the staff pages: their mail points there instead of carrying a
        link that would set it from the sponsor pages."""
        if is_sponsor(user):
            super().send_password_reset_mail(user, email, context)
            return
        request = context.get("request") or self.request
        self.send_mail(
            "account/email/staff_password_reset",
            email,
            {"user": user, "staff_reset_url": request.build_absolute_uri(STAFF_PASSWORD_RESET_URL)},
        )


# --- forms (ACCOUNT_FORMS) ----------------------------------------------------------------------------------


def password_hint() -> str:
    """What a new password needs, from the validators in force (AUTH_PASSWORD_VALIDATORS)."""
    in_force = password_validation.get_default_password_validators()
    least = max((getattr(v, "min_length", 0) for v in in_force), default=0)
    hint = f"paling sedikit {least} karakter" if least else "bebas panjangnya"
    if any(isinstance(v, password_validation.NumericPasswordValidator) for v in in_force):
        hint += ", jangan hanya angka"
    return hint


class _BahasaFields:
    """Cakupan's labels and hints (a hint of "password" is the password's requirements) for allauth's form
    fields, no placeholders (a label above each field says what to type), and e-mail addresses no longer
    than the user's column holds."""

    field_text: dict[str, tuple[str, str]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if isinstance(field, forms.EmailField):
                field.max_length = EMAIL_MAX_LENGTH
                field.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)
                field.validators.append(validators.MaxLengthValidator(EMAIL_MAX_LENGTH))
            label, hint = self.field_text.get(name, (field.label, ""))
            field.label = label
            field.help_text = password_hint() if hint == "password" else hint


class SponsorLoginForm(_BahasaFields, allauth_forms.LoginForm):
    field_text = {"login": ("Alamat email", ""), "password": ("Kata sandi", "")}


class SponsorSignupForm(_BahasaFields, allauth_forms.SignupForm):
    field_text = {
        "email": ("Alamat email", ""),
        "password1": ("Kata sandi", "password"),
        "password2": ("Ulangi kata sandi", ""),
    }


class SponsorResetPasswordForm(_BahasaFields, allauth_forms.ResetPasswordForm):
    field_text = {"email": ("Alamat email", "")}


class SponsorResetPasswordKeyForm(_BahasaFields, allauth_forms.ResetPasswordKeyForm):
    field_text = {"password1": ("Kata sandi baru", "password"), "password2": ("Ulangi kata sandi baru", "")}


class SponsorChangePasswordForm(_BahasaFields, allauth_forms.ChangePasswordForm):
    field_text = {
        "oldpassword": ("Kata sandi sekarang", ""),
        "password1": ("Kata sandi baru", "password"),
        "password2": ("Ulangi kata sandi baru", ""),
    }


class SponsorAddEmailForm(_BahasaFields, allauth_forms.AddEmailForm):
    field_text = {"email": ("Alamat email baru", "")}


class SponsorChangeEmailForm(_BahasaFields, allauth_forms.ChangeEmailForm):
    field_text = {"email": ("Alamat email yang benar", "")}


# --- URLs (under /sponsor/akun/) ---------------------------------------------------------------------------
# allauth's own patterns (with their names, which allauth reverses), each under a Bahasa path; a pattern that
# a later allauth adds keeps its own path until it gets one here.
BAHASA_PATHS = {
    "account_login": "masuk/",
    "account_logout": "keluar/",
    "account_inactive": "nonaktif/",
    "account_signup": "daftar/",
    "account_reauthenticate": "konfirmasi-sandi/",
    "account_email": "email/",
    "account_email_verification_sent": "konfirmasi/",
    "account_change_password": "sandi/",
    "account_set_password": "sandi/buat/",
    "account_reset_password": "lupa-sandi/",
    "account_confirm_login_code": "masuk/kode/konfirmasi/",
    "account_reset_password_from_key_done": "atur-sandi/selesai/",
    "account_reset_password_from_key": "atur-sandi/<base36:uidb36>-<str:key>/",
    "account_reset_password_done": "lupa-sandi/terkirim/",
}


# A signed-in sponsor's own account pages: staff manage their accounts on the staff pages (/akun/sandi/).
SPONSORS_ONLY = frozenset(
    {"account_email", "account_change_password", "account_set_password", "account_reauthenticate"}
)


def sponsors_only(view):
    """The public is sent to the sponsor sign-in (allauth's own check sends it to LOGIN_URL, the staff
    one); a signed-in account that is not a sponsor's is refused."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), SPONSOR_LOGIN_URL)
        if not is_sponsor(request.user):
            raise PermissionDenied("Halaman ini untuk akun sponsor.")
        return view(request, *args, **kwargs)

    return guarded


class Base36Converter:
    """The user's id in a reset link (allauth's), which cannot contain the dash before the key."""

    regex = "[0-9A-Za-z]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Base36Converter, "base36")


def _bahasa(pattern):
    route = BAHASA_PATHS.get(pattern.name)
    if route is None:
        return pattern
    view = sponsors_only(pattern.callback) if pattern.name in SPONSORS_ONLY else pattern.callback
    return path(route, view, pattern.default_args, name=pattern.name)


urlpatterns = [_bahasa(pattern) for pattern in allauth_urls.urlpatterns]
