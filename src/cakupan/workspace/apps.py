from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "cakupan.workspace"
    label = "workspace"
    verbose_name = "Ruang kerja petugas"
