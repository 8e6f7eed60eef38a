from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "cakupan.funding"
    label = "funding"
    verbose_name = "Pendanaan"

    def ready(self) -> None:
        from cakupan.funding.services import register_handlers

        register_handlers()
