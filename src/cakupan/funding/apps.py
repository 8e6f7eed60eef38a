from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "cakupan.funding"
    label = "funding"
    verbose_name = "Pendanaan"
