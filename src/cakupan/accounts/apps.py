from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cakupan.accounts"
    label = "accounts"
