from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "cakupan.agents"
    label = "agents"
    verbose_name = "Agen lapangan (Perisai)"

    def ready(self) -> None:
        from cakupan.agents import rowaudit, selectors  # noqa: F401  (rowaudit declares the trail's tables)
        from cakupan.core.waiting import waiting_register

        waiting_register("agents", selectors.waiting_for)
        # Configuration kept by administrators: every save and delete audited with its region.
        from cakupan.agents.models import AgentInstitution, AgentProfile, CommissionRule
        from cakupan.audit import tracking

        tracking.track_model(AgentInstitution, region_of=lambda institution: institution.area_id)
        tracking.track_model(AgentProfile, region_of=lambda profile: profile.user.area_id)
        tracking.track_model(CommissionRule, region_of=lambda rule: "36")
