from django.apps import AppConfig


class SponsorsConfig(AppConfig):
    name = "cakupan.sponsors"
    label = "sponsors"
    verbose_name = "SERTAKAN (sponsor perorangan)"
