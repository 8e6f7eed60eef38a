from django.urls import path

from cakupan.registry import views

app_name = "registry"

urlpatterns = [
    path("impor/", views.import_list, name="import-list"),
    path("impor/templat.<str:fmt>", views.import_template, name="import-template"),
    path("impor/<int:import_id>/", views.import_detail, name="import-detail"),
    path("impor/<int:import_id>/status", views.import_status, name="import-status"),
    path("impor/<int:import_id>/keputusan", views.import_decide, name="import-decide"),
    path("impor/<int:import_id>/laporan.<str:fmt>", views.import_report, name="import-report"),
]
