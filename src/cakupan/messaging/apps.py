from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "cakupan.messaging"
    label = "messaging"
    verbose_name = "Pesan"

    def ready(self) -> None:
        from cakupan.messaging.campaigns import register_campaign_handlers

        register_campaign_handlers()
