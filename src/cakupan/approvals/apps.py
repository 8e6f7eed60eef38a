from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "cakupan.approvals"
    label = "approvals"
    verbose_name = "Persetujuan"
