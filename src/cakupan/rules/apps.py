from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "cakupan.rules"
    label = "rules"
    verbose_name = "Aturan iuran"
