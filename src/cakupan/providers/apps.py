from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "cakupan.providers"
    label = "providers"
    verbose_name = "Penyedia layanan pesan"
