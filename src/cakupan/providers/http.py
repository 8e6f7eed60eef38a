"""A small HTTP client over the standard library for the adapters: bounded time-outs, and every failure
turned into a ProviderError that says whether a retry may help."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

from cakupan.providers.base import ProviderError

TIMEOUT_SECONDS = 15.0


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> tuple[int, Any]:
    """(status, parsed JSON body) for a 2xx or 4xx answer; a 5xx, a time-out or a refused connection
    raise a transient ProviderError, since the provider may take the same request later."""
    call = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        payload = _json(error.read())
        if error.code >= 500:
            raise ProviderError(f"http_{error.code}", _short(payload), transient=True) from error
        return error.code, payload
    except TimeoutError as error:
        raise ProviderError(
            "timeout", f"tidak ada jawaban dalam {timeout:g} detik", transient=True
        ) from error
    except (urllib.error.URLError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError | socket.timeout):
            raise ProviderError(
                "timeout", f"tidak ada jawaban dalam {timeout:g} detik", transient=True
            ) from error
        raise ProviderError("unreachable", str(reason)[:200], transient=True) from error


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"raw": raw[:200].decode("utf-8", "replace")}


def _short(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)[:300]
