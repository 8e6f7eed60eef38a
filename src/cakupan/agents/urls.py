from django.urls import path

from cakupan.agents import views

app_name = "agents"

urlpatterns = [
    path("", views.home, name="home"),
    path("kunjungan.json", views.visits_json, name="visits-json"),
    path("rekaman/", views.records, name="records"),
    path("rekaman/ajukan/", views.records_file_now, name="records-file"),
    path("rekaman/<str:client_id>/selesaikan/", views.record_resolve, name="record-resolve"),
    path("aplikasi/", views.app_shell, name="app"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sinkron/token/", views.sync_token, name="sync-token"),
    path("sinkron/aturan.json", views.device_rules, name="device-rules"),
    path("sinkron/", views.sync, name="sync"),
    path("sinkron/status/", views.sync_status, name="sync-status"),
    path("sinkron/konflik/", views.sync_resolve, name="sync-resolve"),
]
