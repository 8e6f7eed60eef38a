"""Django's sign-in and password forms with Cakupan's own Bahasa wording: Django's Indonesian catalogue
says "Masukkan nama pengguna nama pengguna dan sandi" and calls the password "sandi"."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms

from cakupan.accounts.models import Role

# Sponsors (public accounts) sign in on their own page (cakupan.accounts.sponsor_adapter).
SPONSOR_LOGIN_URL = "/sponsor/akun/masuk/"


class SignInForm(auth_forms.AuthenticationForm):
    """The staff sign-in: refuses sponsor accounts, which sign in by e-mail address on their own page."""

    error_messages = {
        "invalid_login": (
            "Nama pengguna atau kata sandi salah. Periksa huruf besar dan kecil, lalu coba lagi."
        ),
        "inactive": "Akun ini tidak aktif. Hubungi admin wilayah Anda.",
        "sponsor_account": (
            "Halaman ini untuk akun staf. Akun sponsor masuk dengan alamat email di halaman sponsor: "
            f"{SPONSOR_LOGIN_URL}"
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Nama pengguna"
        self.fields["password"].label = "Kata sandi"

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.role == Role.SPONSOR:
            raise forms.ValidationError(self.error_messages["sponsor_account"], code="sponsor_account")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "Kata sandi lama salah. Coba lagi.",
        "password_mismatch": "Kedua kata sandi baru tidak sama.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Kata sandi lama"
        self.fields["new_password1"].label = "Kata sandi baru"
        self.fields["new_password2"].label = "Ulangi kata sandi baru"


class SetPasswordForm(auth_forms.SetPasswordForm):
    error_messages = {"password_mismatch": "Kedua kata sandi baru tidak sama."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Kata sandi baru"
        self.fields["new_password2"].label = "Ulangi kata sandi baru"


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Alamat surel"
