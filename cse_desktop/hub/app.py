"""The hub's HTTP API (FastAPI). Every endpoint is a thin shell around :class:`Hub`.

* Devices authenticate with ``Authorization: Bearer <token>`` (the token from enrolment).
* Errors are ``application/problem+json`` with a stable ``code``; request bodies must match the
  protocol models exactly (unknown fields rejected) and may not exceed :data:`MAX_BODY` bytes.
* Enrolment attempts and authentication failures are rate limited per client address.
"""


import threading
import time
from collections import deque
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cse_desktop.hub.devices import Device
from cse_desktop.hub.errors import HubError, Unauthenticated
from cse_desktop.hub.metrics import RequestMetrics
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import (
    MAX_PAGE,
    PROTOCOL_VERSION,
    ConflictList,
    DeviceInfo,
    EnrolRequest,
    EnrolResponse,
    HubChange,
    Problem,
    PullResponse,
    PushRequest,
    PushResponse,
    RecordKind,
    ResolveRequest,
    ResolveResponse,
)

#: the largest request body the hub reads (a full push batch is well under this)
MAX_BODY = 8 * 1024 * 1024
PROBLEM = "application/problem+json"


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each key (a client address)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        if len(self._events) > 10_000:  # forget addresses whose events have all expired
            for stale in [k for k, v in self._events.items() if not v or v[-1] <= now -
                          self.window]:
                del self._events[stale]
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked_for(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        now = time.monotonic()
        with self._lock:
            events = self._recent(key, now)
            if len(events) < self.limit:
                return 0.0
            return max(1.0, events[0] + self.window - now)

    def hit(self, key: str) -> None:
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())


class TooManyAttempts(HubError):
    status, code, title = 429, "rate_limited", "Too many attempts"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def problem(status: int, code: str, title: str, detail: str = "",
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(title=title, status=status, code=code, detail=detail)
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM,
                        headers=headers)


class BodyLimit:
    """Refuse bodies over ``limit`` bytes: by Content-Length up front, or while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = problem(413, "too_large", "Request too large",
                          f"Requests may not exceed {self.limit} bytes.")
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.limit:
                    await too_big(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await too_big(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def create_app(engine: sa.Engine, *, enrol_limit: int = 10, auth_failure_limit: int = 20,
               window: float = 300.0) -> FastAPI:
    hub = Hub(engine)
    enrolments = RateLimiter(enrol_limit, window)
    auth_failures = RateLimiter(auth_failure_limit, window)

    problem_doc = {"model": Problem, "content": {PROBLEM: {}},
                   "description": "An error as application/problem+json with a stable code"}
    errors: dict[int | str, dict[str, Any]] = {
        status: {**problem_doc, "description": text} for status, text in (
            (400, "Bad request"), (401, "No valid device credential (code unauthenticated, "
                                        "device_revoked or device_retired)"),
            (404, "Not found, or outside this device's scope"), (413, "Request too large"),
            (422, "Request not valid (unknown fields, wrong types, caps)"),
            (429, "Rate limited (see Retry-After)"))}
    app = FastAPI(title="CSE Desktop hub", version=f"protocol {PROTOCOL_VERSION}",
                  description="Sync hub for CSE Desktop laptops (DESIGN.md section 6).",
                  docs_url=None, redoc_url=None, responses=errors)
    app.state.hub = hub

    def client_key(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    bearer = HTTPBearer(auto_error=False, description="The device token from enrolment.")

    def signed_in(request: Request, *, final_push: bool = False) -> Device:
        """The device presenting a valid credential. Failed sign-ins are rate limited per
        address; a valid credential is never held up by other devices' failures behind the
        same address (tokens are 256-bit random: guessing them is hopeless anyway)."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token or len(token) > 200:
                raise Unauthenticated("This request has no device credential.")
            return hub.authenticate(token.strip(), final_push=final_push)
        except Unauthenticated as exc:
            if exc.code != "unauthenticated":
                raise  # revoked or retired: the device must hear it to wipe itself
            key = client_key(request)
            wait = auth_failures.blocked_for(key)
            if wait:
                raise TooManyAttempts("Too many failed sign-ins from this address; try again "
                                      "later.", wait) from None
            auth_failures.hit(key)
            hub.record_auth_failure("unknown credential")
            raise

    def device(request: Request,
               _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
               ) -> Device:
        return signed_in(request)

    def pushing_device(request: Request,
                       _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                       ) -> Device:
        return signed_in(request, final_push=True)

    DeviceDep = Annotated[Device, Depends(device)]

    @app.exception_handler(HubError)
    async def _hub_error(request: Request, exc: HubError) -> JSONResponse:
        headers = ({"Retry-After": str(int(exc.retry_after + 0.999))}
                   if isinstance(exc, TooManyAttempts) else None)
        return problem(exc.status, exc.code, exc.title, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid"}
        if any(e.get("loc", ())[-1:] == ("protocol",) and e.get("type") == "value_error"
               for e in errors):
            return problem(422, "protocol_unsupported", "Sync protocol not supported",
                           f"This hub speaks sync protocol {PROTOCOL_VERSION}. Update CSE "
                           "Desktop (or the hub) so that both speak the same version; nothing "
                           "was changed.")
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem(422, "invalid_request", "Request not valid",
                       f"{where}: {first.get('msg', 'invalid')}"[:500])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "no_such_endpoint", 405: "method_not_allowed", 400: "bad_request"}
        return problem(exc.status_code, codes.get(exc.status_code, "http_error"),
                       str(exc.detail)[:100] or "Error", headers=dict(exc.headers or {}))

    @app.get("/v1/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "protocol": PROTOCOL_VERSION}

    @app.post("/v1/enrol", response_model=EnrolResponse)
    def enrol(body: EnrolRequest, request: Request) -> EnrolResponse:
        key = client_key(request)
        wait = enrolments.blocked_for(key)
        if wait:
            raise TooManyAttempts("Too many enrolment attempts from this address; try again "
                                  "later.", wait)
        enrolments.hit(key)
        return hub.enrol(body.code, body.device_name)

    @app.get("/v1/device", response_model=DeviceInfo)
    def me(dev: DeviceDep) -> DeviceInfo:
        return hub.info(dev)

    @app.post("/v1/sync/push", response_model=PushResponse)
    def push(body: PushRequest,
             dev: Annotated[Device, Depends(pushing_device)]) -> Response:
        # encoded once by its own model, not validated again on the way out
        return Response(hub.push(dev, body).model_dump_json(), media_type="application/json")

    @app.get("/v1/sync/pull", response_model=None,
             responses={200: {"model": PullResponse, "description": "A page of changes"}})
    def pull(dev: DeviceDep, since: Annotated[int, Query(ge=0, le=2**62)] = 0,
             limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE) -> Response:
        return Response(hub.pull_json(dev, since, limit), media_type="application/json")

    @app.get("/v1/conflicts", response_model=ConflictList)
    def conflicts(dev: DeviceDep) -> ConflictList:
        return hub.conflicts(dev)

    @app.post("/v1/conflicts/{conflict_id}/resolve", response_model=ResolveResponse)
    def resolve(conflict_id: str, body: ResolveRequest, dev: DeviceDep) -> ResolveResponse:
        return ResolveResponse(seq=hub.resolve(dev, conflict_id, body.value))

    @app.get("/v1/records/{kind}/{record_id}", response_model=HubChange)
    def record(kind: RecordKind, record_id: str, dev: DeviceDep) -> HubChange:
        return hub.record(dev, kind, record_id)

    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(RequestMetrics)  # outermost: every answer is timed, 413s too
    return app
