"""Sign-in, failed sign-in and sign-out come from Django's auth signals: they are framework events with
no business logic behind them, and the signal is the only place every login path (admin, site, API
session) passes through."""

from __future__ import annotations

from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditAction.LOGIN, actor=user, obj=user, request=request)


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials`; only the typed username is kept.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        actor_username=username,
        request=request,
        metadata={"attempted_username": username},
    )


def on_user_logged_out(sender, request, user=None, **kwargs) -> None:
    if user is None:
        return
    audit_record(action=AuditAction.LOGOUT, actor=user, obj=user, request=request)
