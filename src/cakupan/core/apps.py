from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cakupan.core"
    label = "core"
    verbose_name = "Dasar"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from cakupan.core import checks  # noqa: F401  (registers the deployment checks)
        from cakupan.core.folding import register_sqlite_function

        # A database function, not business logic: SQLite gets the accent folding PostgreSQL has built in.
        connection_created.connect(register_sqlite_function, dispatch_uid="cakupan.core.folding")
