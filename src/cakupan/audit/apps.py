from django.apps import AppConfig, apps


def _worker_region(worker) -> str | None:
    return worker.desa_id


def _membership_region(membership) -> str | None:
    return membership.worker.desa_id


def _user_region(user) -> str | None:
    return user.area_id


def _approval_region(approval) -> str | None:
    return approval.region_code


class AuditConfig(AppConfig):
    name = "cakupan.audit"
    label = "audit"
    verbose_name = "Jejak audit"

    def ready(self) -> None:
        from auditlog.signals import post_log
        from django.contrib.auth import signals as auth_signals

        from cakupan.audit import receivers, tracking

        tracking.track_model(apps.get_model("registry", "Worker"), region_of=_worker_region)
        tracking.track_model(apps.get_model("registry", "Membership"), region_of=_membership_region)
        # The password hash is a secret and last_login changes on every sign-in (recorded as a login event).
        tracking.track_model(
            apps.get_model("accounts", "User"),
            region_of=_user_region,
            exclude_fields=["password", "last_login"],
        )
        tracking.track_model(apps.get_model("approvals", "Approval"), region_of=_approval_region)

        post_log.connect(tracking.mirror_log_entry, dispatch_uid="cakupan.audit.mirror_log_entry")
        auth_signals.user_logged_in.connect(receivers.on_user_logged_in, dispatch_uid="cakupan.audit.login")
        auth_signals.user_login_failed.connect(
            receivers.on_user_login_failed, dispatch_uid="cakupan.audit.login_failed"
        )
        auth_signals.user_logged_out.connect(
            receivers.on_user_logged_out, dispatch_uid="cakupan.audit.logout"
        )
