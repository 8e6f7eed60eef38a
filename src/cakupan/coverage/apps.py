from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "cakupan.coverage"
    label = "coverage"
