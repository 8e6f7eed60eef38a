from django.urls import path

from cakupan.claims import views

app_name = "claims"

# The fixed pages first: a case number never reads "baru", "keputusan", "kalender" or "layanan".
urlpatterns = [
    path("kasus-klaim/", views.case_list, name="list"),
    path("kasus-klaim/baru/", views.case_report, name="report"),
    path("kasus-klaim/keputusan/", views.decisions_upload, name="decisions"),
    path("kasus-klaim/kalender/", views.calendar, name="calendar"),
    path("kasus-klaim/layanan/", views.service, name="service"),
    path("kasus-klaim/<str:number>/", views.case_detail, name="case"),
    path("kasus-klaim/<str:number>/dokumen/", views.document_receive, name="document-receive"),
    path("kasus-klaim/<str:number>/dokumen/<str:code>/berkas", views.document_file, name="document-file"),
    path("kasus-klaim/<str:number>/tunda/", views.case_pause, name="pause"),
    path("kasus-klaim/<str:number>/lanjut/", views.case_resume, name="resume"),
    path("kasus-klaim/<str:number>/keputusan/", views.case_decide, name="decide"),
]
