from django.urls import path

from cakupan.coverage import views

app_name = "coverage"

urlpatterns = [
    path("", views.home, name="home"),
    path("peta/<str:code>.geojson", views.region_map, name="map"),
    path("<str:code>/", views.region_page, name="region"),
]
