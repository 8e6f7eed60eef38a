from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "cakupan.regions"
    label = "regions"
    verbose_name = "Wilayah"
