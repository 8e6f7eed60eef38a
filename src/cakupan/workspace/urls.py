from django.urls import path

from cakupan.workspace import views

app_name = "workspace"

urlpatterns = [
    path("kerja/", views.home, name="home"),
    path("kerja/kesehatan/", views.health, name="health"),
    path("pekerja/", views.worker_list, name="workers"),
    path("pekerja/daftar/<slug:slug>/", views.worker_list, name="worklist"),
    path("pekerja/jumlah/", views.worker_count, name="worker-count"),
    path("pekerja/baru/", views.worker_add, name="worker-add"),
    path("pekerja/<int:worker_id>/", views.worker_detail, name="worker"),
    path("pekerja/<int:worker_id>/ubah/", views.worker_edit, name="worker-edit"),
]
