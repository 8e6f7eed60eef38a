"""Django's sign-in and password forms with Cakupan's own Bahasa wording: Django's Indonesian catalogue
says "Masukkan nama pengguna nama pengguna dan sandi" and calls the password "sandi"."""

from __future__ import annotations

from django.contrib.auth import forms as auth_forms


class SignInForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "Nama pengguna atau kata sandi salah. Periksa huruf besar dan kecil, lalu coba lagi."
        ),
        "inactive": "Akun ini tidak aktif. Hubungi admin wilayah Anda.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Nama pengguna"
        self.fields["password"].label = "Kata sandi"


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
