from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cakupan.audit"
    label = "audit"
