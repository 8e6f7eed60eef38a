from django.urls import path

from cakupan.rules import views

app_name = "rules"

urlpatterns = [
    path("kalkulator/", views.calculator, name="calculator"),
]
