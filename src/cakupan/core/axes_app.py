from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    """django-axes under a Bahasa name in the admin (its own reads "Axes")."""

    verbose_name = "Pembatasan percobaan masuk"
