from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "cakupan.registry"
    label = "registry"
    verbose_name = "Registri pekerja"

    def ready(self) -> None:
        from cakupan.registry import rowaudit  # noqa: F401  (declares the tables of the row-level trail)
        from cakupan.registry.importing import register_handlers

        register_handlers()
