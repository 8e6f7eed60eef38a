from django.conf import settings
from django.urls import path

from cakupan.core import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
# The load benchmark's peer (bench/status_check_bench.py): the least a view can do on this server, through
# the same middleware. Only when the benchmark turns it on.
if settings.BENCH_HELLO:
    urlpatterns.append(path("_bench/hello", views.hello, name="hello"))
