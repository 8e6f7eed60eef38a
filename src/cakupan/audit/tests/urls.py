"""The auditor page mounted as the lead will mount it, so these tests do not depend on the root urlconf."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("audit/", include("cakupan.audit.urls")),
    path("admin/", admin.site.urls),
    path("akun/", include("cakupan.accounts.urls")),
]
