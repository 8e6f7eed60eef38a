import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.settings")
application = get_wsgi_application()

# Load every view and the API's routes now rather than on the first request, then take all that was loaded
# out of the cyclic collector's sight: otherwise each full collection walks these ~150.000 long-lived
# objects, a 40–80 ms pause on this machine that lands on whichever request is running (it was the tail of
# the status check's latency). gunicorn imports this module in each worker after the fork, so each worker
# freezes its own heap.
get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
