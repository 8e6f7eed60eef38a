from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "cakupan.coverage"
    label = "coverage"
    verbose_name = "Cakupan"

    def ready(self) -> None:
        from cakupan.coverage.selectors import latest_month
        from cakupan.coverage.services import coverage_add_workers, coverage_refresh
        from cakupan.registry.aggregates import Aggregates, aggregates_register

        # Imports keep the dashboards' aggregates current in their own transaction.
        aggregates_register(
            Aggregates(latest_month=latest_month, add_workers=coverage_add_workers, refresh=coverage_refresh)
        )
