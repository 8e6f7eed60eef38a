from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "cakupan.messaging"
    label = "messaging"
    verbose_name = "Pesan"
