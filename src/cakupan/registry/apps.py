from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "cakupan.registry"
    label = "registry"
