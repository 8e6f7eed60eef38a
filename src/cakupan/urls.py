from django.contrib import admin
from django.urls import include, path

from cakupan.api import api

# The API first: its prefix is its own, and the public status check (POST /api/v1/cek, the busiest path)
# is then matched before the resolver walks every page's pattern.
urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("cakupan.portal.urls")),
    path("", include("cakupan.sponsors.urls")),
    path("", include("cakupan.core.urls")),
    path("", include("cakupan.rules.urls")),
    path("", include("cakupan.registry.urls")),
    path("", include("cakupan.workspace.urls")),
    path("", include("cakupan.claims.urls")),
    path("agen/", include("cakupan.agents.urls")),
    path("agen/", include("cakupan.agents.urls_kpi")),
    path("cakupan/", include("cakupan.coverage.urls")),
    path("dana/", include("cakupan.funding.urls")),
    path("akun/", include("cakupan.accounts.urls")),
    path("sponsor/akun/", include("cakupan.accounts.sponsor_adapter")),  # sponsor accounts (django-allauth)
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("audit/", include("cakupan.audit.urls")),
    path("pesan/", include("cakupan.messaging.urls")),
]
