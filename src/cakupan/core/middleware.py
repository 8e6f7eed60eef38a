"""The interface speaks Bahasa Indonesia whatever the browser asks for; English only when the user chose
it (the language cookie that Django's `set_language` view writes). Replaces LocaleMiddleware, which would
follow the browser's Accept-Language."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response


BUSY_MESSAGE = (
    "Sistem sedang menulis data dalam jumlah besar (impor atau pembaruan cakupan). Permintaan Anda tidak "
    "diproses; coba lagi dalam beberapa detik."
)


def _locked(exception: BaseException) -> bool:
    """A write lock that did not come free in time: SQLite's 'database is locked' (its busy timeout ran
    out under a long import) or PostgreSQL's lock or statement timeout."""
    from django.db import OperationalError

    if not isinstance(exception, OperationalError):
        return False
    text = str(exception).lower()
    return "database is locked" in text or "lock timeout" in text or "statement timeout" in text


class BusyDatabaseMiddleware:
    """A request that waited for the database's write lock past its timeout answers 503 with Retry-After and
    a clear message (JSON with a stable code under /api/), not a 500: nothing it did was kept (its
    transaction rolled back), and trying again a little later works."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not _locked(exception):
            return None
        from django.http import HttpResponse, JsonResponse
        from django.utils.html import escape

        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "database_busy", "message": BUSY_MESSAGE}, status=503)
        else:
            response = HttpResponse(
                '<!doctype html><html lang="id"><meta charset="utf-8"><title>Sedang sibuk</title>'
                f'<main><h1>Sedang sibuk</h1><p role="alert">{escape(BUSY_MESSAGE)}</p></main></html>',
                status=503,
            )
        response["Retry-After"] = "5"
        return response
