from django.urls import path

from cakupan.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.funding_home, name="home"),
    path("tabel/<str:table>.<str:fmt>", views.funding_export, name="export"),
    path("<int:funder_id>/", views.funder_detail, name="funder"),
    path("<int:funder_id>/tabel/<str:table>.<str:fmt>", views.funder_export, name="funder-export"),
    path("rencana/<int:plan_id>/", views.plan_detail, name="plan"),
    path("rencana/<int:plan_id>/keputusan", views.plan_decide, name="plan-decide"),
]
