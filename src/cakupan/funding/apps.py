from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "cakupan.funding"
    label = "funding"
    verbose_name = "Pendanaan"

    def ready(self) -> None:
        from cakupan.coverage.pending import register_pending_cover
        from cakupan.funding import rowaudit  # noqa: F401  (declares the tables of the row-level trail)
        from cakupan.funding.enrolment import register_batch_handlers
        from cakupan.funding.selectors import unpaid_funded_workers
        from cakupan.funding.services import register_handlers

        register_handlers()
        register_batch_handlers()
        register_pending_cover(unpaid_funded_workers)
