from django.urls import path

from cakupan.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("cara-bayar/", views.how_to_pay, name="how_to_pay"),
]
