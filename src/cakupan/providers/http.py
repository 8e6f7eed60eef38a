"""A small HTTP client over the standard library for the adapters: bounded time-outs, and every failure
turned into a ProviderError that says whether a retry may help.

GET requests (a payment's status, asked again for every notification) keep their connection open for the
next one, one per thread and host: a burst of a thousand notifications then costs no thousand TCP set-ups
and no thousand threads on the provider's side. A kept connection the provider closed meanwhile is opened
again once, which is safe only because a GET changes nothing; every other method gets a fresh connection,
so a charge is never sent twice."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.parse
from typing import Any

from cakupan.providers.base import ProviderError

TIMEOUT_SECONDS = 15.0

_kept = threading.local()
# A kept connection that was closed by the other side fails with one of these before any answer.
_STALE = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    http.client.CannotSendRequest,
)


def _new_connection(url: urllib.parse.SplitResult, timeout: float) -> http.client.HTTPConnection:
    if url.scheme == "https":
        return http.client.HTTPSConnection(url.hostname, url.port, timeout=timeout)
    if url.scheme == "http":
        return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    raise ProviderError("unreachable", f"skema URL tidak didukung: {url.scheme[:10]}", transient=False)


def _exchange(
    connection: http.client.HTTPConnection, method: str, target: str, headers: dict[str, str], body
) -> tuple[int, bytes, bool]:
    connection.request(method, target, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read(), response.will_close


def _send(method: str, url: urllib.parse.SplitResult, headers: dict[str, str], body, timeout: float):
    target = url.path or "/"
    if url.query:
        target += f"?{url.query}"
    if method != "GET":
        connection = _new_connection(url, timeout)
        try:
            return _exchange(connection, method, target, {**headers, "Connection": "close"}, body)[:2]
        finally:
            connection.close()
    pool: dict = getattr(_kept, "pool", None) or {}
    _kept.pool = pool
    key = (url.scheme, url.hostname, url.port)
    connection = pool.pop(key, None)
    reused = connection is not None
    for attempt in (1, 2):
        if connection is None:
            connection = _new_connection(url, timeout)
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        try:
            status, raw, will_close = _exchange(connection, method, target, headers, body)
        except _STALE:
            connection.close()
            connection = None
            if reused and attempt == 1:
                reused = False
                continue
            raise
        except BaseException:
            connection.close()
            raise
        if will_close:
            connection.close()
        else:
            pool[key] = connection
        return status, raw
    raise AssertionError("unreachable")


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
    try:
        status, raw = _send(method, urllib.parse.urlsplit(url), dict(headers or {}), body, timeout)
    except TimeoutError as error:
        raise ProviderError(
            "timeout", f"tidak ada jawaban dalam {timeout:g} detik", transient=True
        ) from error
    except (http.client.HTTPException, ConnectionError, OSError, ValueError) as error:
        if isinstance(error, socket.timeout):
            raise ProviderError(
                "timeout", f"tidak ada jawaban dalam {timeout:g} detik", transient=True
            ) from error
        raise ProviderError(
            "unreachable", str(error)[:200] or type(error).__name__, transient=True
        ) from error
    payload = _json(raw)
    if status >= 500:
        raise ProviderError(f"http_{status}", _short(payload), transient=True)
    return status, payload


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"raw": raw[:200].decode("utf-8", "replace")}


def _short(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)[:300]
