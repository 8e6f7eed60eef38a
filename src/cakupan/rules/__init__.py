"""Jamsostek rules: contributions, payment status, benefits and claims for BPU participants.

The engine (`cakupan.rules.engine`) and its data (`data/`) are plain Python and must stay free of Django
imports, here included, so that bulk jobs and tests can use them without a configured project. The
Django side is `api.py`, `views.py`, `urls.py`, `templatetags/` and the `rules` management command.
"""
