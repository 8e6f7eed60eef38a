from django.urls import path

from cakupan.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<int:message_id>/kirim-ulang/", views.message_resend, name="resend"),
    path("kabar/sms/<uuid:reference>/", views.sms_status, name="sms_status"),
    path("masuk/sms/", views.sms_inbound, name="sms_inbound"),
    path("kabar/whatsapp/", views.whatsapp_webhook, name="whatsapp_webhook"),
    path("berhenti/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("kampanye/", views.campaign_list, name="campaigns"),
    path("kampanye/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("kampanye/<int:campaign_id>/keputusan", views.campaign_decide, name="campaign_decide"),
]
