from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cakupan.core"
    label = "core"

    def ready(self) -> None:
        from cakupan.core import checks  # noqa: F401  (registers the deployment checks)
