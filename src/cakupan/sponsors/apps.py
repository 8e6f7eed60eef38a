from django.apps import AppConfig


class SponsorsConfig(AppConfig):
    name = "cakupan.sponsors"
    label = "sponsors"
    verbose_name = "SERTAKAN (sponsor perorangan)"

    def ready(self) -> None:
        from cakupan.core.waiting import waiting_register
        from cakupan.sponsors.services.sponsorships import phone_checks_waiting

        # The staff home lists the numbers its village operators must check (the workspace may not import
        # SERTAKAN, a face of its own layer).
        waiting_register("sertakan_phone_checks", phone_checks_waiting)
