from django.urls import path

from cakupan.portal.views import pages, status

app_name = "portal"

urlpatterns = [
    path("", pages.landing, name="landing"),
    path("cara-bayar/", pages.how_to_pay, name="how_to_pay"),
    # The status check ("am I covered?") and its second tier (a one-time code to the registered phone).
    path("cek/", status.check, name="check"),
    path("cek/kode/", status.code_request, name="code_request"),
    path("cek/rincian/", status.code_verify, name="code_verify"),
    # The family's claim tracking (a death claim's worker gets no code): claim number + reporter's phone.
    path("cek/klaim/", status.claim_check, name="claim_check"),
    path("cek/klaim/rincian/", status.claim_verify, name="claim_verify"),
    # Information pages, generated from the rules engine.
    path("informasi/", pages.information_index, name="information"),
    path("manfaat/", pages.benefits, name="benefits"),
    path("iuran/", pages.contributions, name="contributions"),
    path("cara-daftar/", pages.registration, name="registration"),
    path("klaim/", pages.claims, name="claims"),
    path("kantor/", pages.offices, name="offices"),
]
