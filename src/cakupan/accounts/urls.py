from django.urls import path

from cakupan.accounts import views

app_name = "accounts"

urlpatterns = [
    path("masuk/", views.login, name="login"),
    path("keluar/", views.logout, name="logout"),
    path("beranda/", views.home, name="home"),
    path("sandi/", views.password_change, name="password-change"),
    path("sandi/selesai/", views.password_change_done, name="password-change-done"),
    path("lupa-sandi/", views.password_reset, name="password-reset"),
    path("lupa-sandi/terkirim/", views.password_reset_sent, name="password-reset-sent"),
    path("atur-sandi/<uidb64>/<token>/", views.password_reset_confirm, name="password-reset-confirm"),
    path("atur-sandi/selesai/", views.password_reset_done, name="password-reset-done"),
]
