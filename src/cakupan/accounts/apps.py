from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cakupan.accounts"
    label = "accounts"
    verbose_name = "Akun dan peran"
