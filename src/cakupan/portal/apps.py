from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "cakupan.portal"
    label = "portal"
    verbose_name = "Halaman publik"
