"""Cakupan's own sign-in, sign-out, password change and reset (Django's views, our Bahasa templates) and
each role's home page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from cakupan.accounts import forms
from cakupan.accounts.models import Role

# Where each role's daily work starts.
ROLE_HOMES = {
    **dict.fromkeys(
        (
            Role.PROVINCIAL_COORDINATOR,
            Role.PROVINCIAL_ANALYST,
            Role.REGENCY_OFFICER,
            Role.VILLAGE_OPERATOR,
            Role.FIELD_AGENT,
            Role.FUNDER_OFFICER,
            Role.BPJS_LIAISON,
        ),
        "/kerja/",
    ),
    Role.AUDITOR: "/audit/",
    Role.SPONSOR: "/",
}


def role_home_url(user) -> str:
    if user.is_superuser and not user.role:
        return "/kerja/"
    return ROLE_HOMES.get(user.role, "/")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect(role_home_url(request.user))


login = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=forms.SignInForm,
    redirect_authenticated_user=True,
)
logout = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    form_class=forms.PasswordChangeForm,
    success_url=reverse_lazy("accounts:password-change-done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    form_class=forms.PasswordResetForm,
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password-reset-sent"),
)
password_reset_sent = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_sent.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password-reset-done"),
)
password_reset_done = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_done.html"
)
