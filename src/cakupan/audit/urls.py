from django.urls import path

from cakupan.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("<int:event_id>/baris/", views.event_rows, name="event_rows"),
]
