"""Guards for the JSON API's query parameters, applied per router (`router.add_decorator(…, mode="view")`)."""

from __future__ import annotations

import functools

from django.http import JsonResponse


def refuse_nul_characters(view):
    """A NUL character cannot be stored or compared in PostgreSQL text (psycopg refuses the whole statement),
    so on the routers that hand query strings to the database (region codes, sectors) a parameter holding
    one is refused before any handler reads it, in the shape of the API's other parameter errors (422,
    `parameter_invalid`). It was a 500 for ?region=%00 on /api/v1/workers and /api/v1/coverage."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        names = sorted({key for key, values in request.GET.lists() if "\x00" in key + "".join(values)})
        if not names:
            return view(request, *args, **kwargs)
        shown = ", ".join(name.replace("\x00", "\\0") for name in names)
        payload = {
            "code": "parameter_invalid",
            "message": f"Nilai parameter tidak sah: {shown} (berisi karakter NUL).",
            "errors": [{"type": "nul_character", "loc": ["query", name]} for name in names],
        }
        return JsonResponse(payload, status=422)

    return wrapped
