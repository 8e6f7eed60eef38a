from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "cakupan.agents"
    label = "agents"
    verbose_name = "Agen lapangan (Perisai)"

    def ready(self) -> None:
        from cakupan.agents import rowaudit, selectors  # noqa: F401  (rowaudit declares the trail's tables)
        from cakupan.core.waiting import waiting_register

        waiting_register("agents", selectors.waiting_for)
