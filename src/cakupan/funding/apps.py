from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "cakupan.funding"
    label = "funding"
    verbose_name = "Pendanaan"

    def ready(self) -> None:
        from cakupan.funding import rowaudit  # noqa: F401  (declares the tables of the row-level trail)
        from cakupan.funding.enrolment import register_batch_handlers
        from cakupan.funding.services import register_handlers

        register_handlers()
        register_batch_handlers()
