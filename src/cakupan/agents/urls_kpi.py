"""Agents' performance, commission statements and back-checks, mounted under /agen/ beside `agents.urls`."""

from django.urls import path

from cakupan.agents import views_kpi

app_name = "agent_kpi"

urlpatterns = [
    path("kinerja/", views_kpi.ranking, name="ranking"),
    path("kinerja/peringkat.xlsx", views_kpi.ranking_xlsx, name="ranking-xlsx"),
    path("kinerja/<int:agent_id>/", views_kpi.agent_detail, name="agent"),
    path("komisi/<int:agent_id>/<str:month>.pdf", views_kpi.statement_pdf, name="statement-pdf"),
    path("komisi/<int:agent_id>/<str:month>.xlsx", views_kpi.statement_xlsx, name="statement-xlsx"),
    path("cek-ulang/", views_kpi.back_checks, name="back-checks"),
    path("cek-ulang/<int:check_id>/", views_kpi.back_check_call, name="back-check-call"),
]
