"""The hub's edge: what every request passes through before and after its route.

* :class:`BodyLimit` answers 413 to any body over the limit, declared (``Content-Length``) or
  streamed (``Transfer-Encoding: chunked``): the body is read here, counted, and only handed
  to the route once it is known to fit.
* :class:`AccessLog` writes one line per request to the ``cse_hub.access`` logger: source
  address, method, the route's *template* (``/v1/records/{kind}/{record_id}``, never the raw
  path or query, which carry ids), status and duration. Nothing else: no ids, no names, no
  user agent, no bodies.
* :func:`proxy_options` is how uvicorn treats ``X-Forwarded-For``: trusted only from the
  addresses the operator names with ``cse-hub serve --trusted-proxy``; by default from none,
  not even this machine (uvicorn's own default trusts loopback, which let anyone behind a
  local proxy, or on the machine, choose the address the rate limits are keyed on).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cse_desktop.sync.protocol import Problem

PROBLEM = "application/problem+json"
ACCESS_LOGGER = "cse_hub.access"
access_log = logging.getLogger(ACCESS_LOGGER)


def problem(status: int, code: str, title: str, detail: str = "",
            headers: dict[str, str] | None = None) -> JSONResponse:
    """An error answer as application/problem+json with a stable ``code``."""
    body = Problem(title=title, status=status, code=code, detail=detail)
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM,
                        headers=headers)


def proxy_options(trusted: Sequence[str] = ()) -> dict[str, Any]:
    """uvicorn options: trust ``X-Forwarded-For``/``-Proto`` only from ``trusted`` addresses
    (or networks); with none given, the peer's own address is the client's, always."""
    if not trusted:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": list(trusted)}


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413, however they are sent."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.limit:
                    await self.refuse(scope, receive, send)
                    return
        # read the whole body here (the routes read it whole anyway), so that an oversized
        # stream is answered 413 by us rather than as a body the framework failed to parse
        parts: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self.refuse(scope, receive, send)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(parts), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 (the answer is made only for a request that needs it)."""
        await problem(413, "too_large", "Request too large",
                      f"Requests may not exceed {self.limit} bytes.")(scope, receive, send)


class AccessLog:
    """One line per request: ``ADDRESS METHOD ROUTE STATUS MILLISECONDS``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, logged = 0, False

        def log() -> None:
            nonlocal logged
            logged = True
            client = scope.get("client")
            route = getattr(scope.get("route"), "path", None) or "-"
            # made and handled directly (the level was checked when the request came in):
            # ``info`` would first look up the calling frame and its source file, which this
            # line never shows
            access_log.handle(access_log.makeRecord(
                ACCESS_LOGGER, logging.INFO, __file__, 0, "%s %s %s %d %.1fms",
                (client[0] if client else "-", _method(scope.get("method", "")), route,
                 status or 500, (time.perf_counter() - started) * 1000), None))

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                log()  # before the last byte leaves: a client never sees an answer unlogged
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if not logged:
                log()


#: the methods HTTP defines (the access log names any other ``OTHER``)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
                      "CONNECT"})


def _method(method: str) -> str:
    """The request's method, if it is one HTTP defines (anything else as ``OTHER``)."""
    return method if method in _METHODS else "OTHER"


def add_header(scope: Scope, name: str, value: str) -> None:
    """Ask :class:`LateHeaders` to add a header to this request's answer, whatever answers it
    (a route's model, a raw response or an error)."""
    scope.setdefault("state", {}).setdefault("late_headers", []).append(
        (name.lower().encode("latin-1"), value.encode("latin-1")))


class LateHeaders:
    """Adds the headers :func:`add_header` asked for when the answer starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = scope.get("state", {}).get("late_headers")
                if extra:
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, sending)


def start_access_log(*, enabled: bool = True) -> None:
    """Send the access log to standard error, one line per request (``cse-hub serve``)."""
    if not enabled:
        access_log.setLevel(logging.WARNING)
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s access %(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
