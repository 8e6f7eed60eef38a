from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "cakupan.claims"
    label = "claims"
    verbose_name = "Klaim (JKK, JKM, beasiswa, JHT)"
