from django.urls import path

from cakupan.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.funding_home, name="home"),
    path("tabel/<str:table>.<str:fmt>", views.funding_export, name="export"),
    path("<int:funder_id>/", views.funder_detail, name="funder"),
    path("<int:funder_id>/tabel/<str:table>.<str:fmt>", views.funder_export, name="funder-export"),
    path("<int:funder_id>/rencana/baru", views.plan_new, name="plan-new"),
    path("<int:funder_id>/mutasi", views.statement_check, name="statement-check"),
    path("<int:funder_id>/mutasi/terapkan", views.statement_apply, name="statement-apply"),
    path("program/<int:program_id>/perpanjangan", views.renewal_limit_set, name="renewal-limit"),
    path("rencana/<int:plan_id>/", views.plan_detail, name="plan"),
    path("rencana/<int:plan_id>/keputusan", views.plan_decide, name="plan-decide"),
    path("rencana/<int:plan_id>/batch", views.batch_create, name="batch-create"),
    path("batch/<int:batch_id>/", views.batch_detail, name="batch"),
    path("batch/<int:batch_id>/keputusan", views.batch_decide, name="batch-decide"),
    path("batch/<int:batch_id>/berkas.<str:fmt>", views.batch_download, name="batch-download"),
    path("batch/<int:batch_id>/tanggapan", views.batch_ack_check, name="batch-ack-check"),
    path("batch/<int:batch_id>/tanggapan/terapkan", views.batch_ack_apply, name="batch-ack-apply"),
    path("tagihan/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("tagihan/<int:invoice_id>/tagihan.pdf", views.invoice_pdf, name="invoice-pdf"),
    path("tagihan/<int:invoice_id>/bayar", views.payment_create, name="payment-create"),
]
