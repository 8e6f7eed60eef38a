from django.urls import path

from cakupan.sponsors import views

app_name = "sponsors"

urlpatterns = [
    path("sponsor/", views.home, name="home"),
    path("sponsor/dukung/", views.start, name="start"),
    path("sponsor/dukung/kenal/", views.named, name="named"),
    path("sponsor/dukung/wilayah/", views.pool, name="pool"),
    path("sponsor/dukung/sumbangan/", views.gift, name="gift"),
    path("sponsor/wilayah/", views.regions, name="regions"),
    path("sponsor/dukungan/<str:reference>/", views.detail, name="detail"),
    path("sponsor/dukungan/<str:reference>/bayar/", views.checkout, name="checkout"),
    path("sponsor/dukungan/<str:reference>/hentikan/", views.end, name="end"),
    path("sponsor/pesanan/<str:order_id>/", views.order, name="order"),
    path("sponsor/pesanan/<str:order_id>/cek/", views.order_refresh, name="order-refresh"),
    path("sponsor/pesanan/<str:order_id>/batal/", views.order_cancel, name="order-cancel"),
    path("sponsor/pesanan/<str:order_id>/tanda-terima.pdf", views.receipt, name="receipt"),
    path("sertakan/setuju/<str:token>/", views.consent, name="consent"),
    path("sertakan/periksa-nomor/", views.phone_checks, name="phone-checks"),
    path("sertakan/periksa-nomor/<str:reference>/", views.phone_check, name="phone-check"),
    path("cek/tanda-terima/<str:number>/<str:kode>/", views.verify, name="verify"),
    path("dana/sertakan/", views.trail, name="trail"),
    path("dana/sertakan/pendamping/", views.matching_create, name="matching-create"),
    path("dana/sertakan/sumbangan/", views.listing_create, name="listing-create"),
    path("dana/sertakan/kembalikan/<str:order_id>/", views.refund, name="refund"),
]
