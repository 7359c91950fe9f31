"""The hub's HTTP API (FastAPI). Every endpoint is a thin shell around :class:`Hub`.

* Devices authenticate with ``Authorization: Bearer <token>`` (the token from enrolment).
* Errors are ``application/problem+json`` with a stable ``code``; request bodies must match the
  protocol models exactly (unknown fields rejected) and may not exceed :data:`MAX_BODY` bytes.
* Enrolment attempts and authentication failures are rate limited per client address, the
  same limit for every worker process (:mod:`cse_desktop.hub.ratelimit`).
"""


import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from cse_desktop.hub import edge, threads, tuning
from cse_desktop.hub.apidoc import documented, exact_openapi, reads_body
from cse_desktop.hub.bodies import read_json
from cse_desktop.hub.changes import PreparedPush
from cse_desktop.hub.devices import RETIRED, Device
from cse_desktop.hub.edge import problem
from cse_desktop.hub.errors import HubError, Unauthenticated
from cse_desktop.hub.metrics import RequestMetrics
from cse_desktop.hub.ratelimit import RateLimiter
from cse_desktop.hub.repository import Hub
from cse_desktop.hub.signins import SignIns
from cse_desktop.hub.tables import digest
from cse_desktop.hub.tokens import ROTATE_HEADER
from cse_desktop.sync.protocol import (
    MAX_PAGE,
    PROTOCOL_VERSION,
    ConflictList,
    DeviceInfo,
    EnrolRequest,
    EnrolResponse,
    HubChange,
    PullResponse,
    PushRequest,
    PushResponse,
    RecordKind,
    ResolveRequest,
    ResolveResponse,
    TokenResponse,
)

#: the largest request body the hub reads (a full push batch is well under this)
MAX_BODY = 8 * 1024 * 1024


class TooManyAttempts(HubError):
    status, code, title = 429, "rate_limited", "Too many attempts"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def create_app(engine: sa.Engine, *, enrol_limit: int = 10, auth_failure_limit: int = 20,
               window: float = 300.0, openapi: bool = False,
               serving: bool = False) -> FastAPI:
    """The hub's API. ``openapi``: serve the OpenAPI document at ``/openapi.json`` (off by
    default: ``cse-hub serve --openapi``); the interactive ``/docs`` are never served.
    ``serving``: this process is a hub server (``cse-hub serve``), whose collector and
    allocator are tuned when it starts (:func:`hub.tuning.settle`); not for an app inside
    another program. Every route is async and does its blocking work in the request threads
    (:func:`hub.threads.run`)."""
    hub = Hub(engine)
    # shared by every worker process through the database (hub/ratelimit.py)
    enrolments = RateLimiter(engine, "enrol", enrol_limit, window)
    auth_failures = RateLimiter(engine, "auth_failure", auth_failure_limit, window)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if serving:
            tuning.settle()
        yield

    app = FastAPI(lifespan=lifespan, title="CSE Desktop hub",
                  version=f"protocol {PROTOCOL_VERSION}",
                  description="Sync hub for CSE Desktop laptops (DESIGN.md section 6).",
                  docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if openapi else None)
    app.state.hub = hub

    def client_key(request: Request) -> str:
        """The client's address: the peer's, or the one a trusted proxy named (uvicorn puts
        it here only for the proxies given with ``cse-hub serve --trusted-proxy``)."""
        return request.client.host if request.client else "unknown"

    bearer = HTTPBearer(auto_error=False, description="The device token from enrolment.")

    # (the hub's method looked up at each call, as the routes do)
    sign_ins = SignIns(lambda hashes: hub.sign_in_rows(hashes))

    def refused(request: Request) -> None:
        """A credential no device holds: rate limited (raises) and audited per address."""
        key = client_key(request)
        wait = auth_failures.attempt(key)
        if wait:
            raise TooManyAttempts("Too many failed sign-ins from this address; try again "
                                  "later.", wait)
        hub.record_auth_failure("unknown credential", key)

    async def signed_in(request: Request, *, final_push: bool = False,
                        retiring: bool = False) -> Device:
        """The device presenting a valid credential. Failed sign-ins are rate limited per
        address; a valid credential is never held up by other devices' failures behind the
        same address (tokens are 256-bit random: guessing them is hopeless anyway).

        The credential is looked up with those of the other requests waiting, in one query in
        a request thread (:mod:`hub.signins`); what writes (a failure, a first use of a
        rotated token, a retiring device retired) takes a request thread of its own.

        ``retiring``: a retiring device may use this route (its final push, its status);
        anywhere else it is retired there and then, and told so."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token or len(token) > 200:
                raise Unauthenticated("This request has no device credential.")
            hashed = digest(token.strip())
            dev, forget = hub.signed_in(hashed, await sign_ins.row(hashed),
                                        final_push=final_push)
        except Unauthenticated as exc:
            if exc.code != "unauthenticated":
                raise  # revoked, retired or expired: the device must hear it
            await threads.run(refused, request)
            raise
        if forget:
            await threads.run(hub.forget_previous_token, dev, hashed)
        if dev.status == "retiring" and not retiring:
            await threads.run(hub.retire_now, dev)
            raise Unauthenticated(RETIRED, code="device_retired")
        if dev.rotation_due:
            edge.add_header(request.scope, ROTATE_HEADER, "1")
        return dev

    Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

    async def device(request: Request, _scheme: Bearer) -> Device:
        return await signed_in(request)

    async def device_status(request: Request, _scheme: Bearer) -> Device:
        return await signed_in(request, retiring=True)

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
        if exc.status_code == 400:  # a body that is not JSON text: as any other invalid body
            return problem(422, "invalid_request", "Request not valid",
                           "body: not JSON text (UTF-8)")
        codes = {404: "no_such_endpoint", 405: "method_not_allowed", 400: "bad_request"}
        return problem(exc.status_code, codes.get(exc.status_code, "http_error"),
                       str(exc.detail)[:100] or "Error", headers=dict(exc.headers or {}))

    signed = (401, 429)  # every route that needs a device credential may answer these

    @app.get("/v1/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "protocol": PROTOCOL_VERSION}

    @app.post("/v1/enrol", response_model=EnrolResponse,
              responses=documented(400, 413, 422, 429))
    async def enrol(body: EnrolRequest, request: Request) -> EnrolResponse:
        def work() -> EnrolResponse:
            wait = enrolments.attempt(client_key(request))
            if wait:
                raise TooManyAttempts("Too many enrolment attempts from this address; try "
                                      "again later.", wait)
            return hub.enrol(body.code, body.device_name)

        return await threads.run(work)

    @app.get("/v1/device", response_model=DeviceInfo, responses=documented(*signed))
    async def me(dev: Annotated[Device, Depends(device_status)]) -> DeviceInfo:
        return await threads.run(hub.info, dev)

    @app.post("/v1/device/token", response_model=TokenResponse, responses=documented(*signed))
    async def rotate_token(dev: DeviceDep) -> TokenResponse:
        return await threads.run(hub.rotate_token, dev)

    @app.post("/v1/sync/push", response_model=PushResponse,
              responses=documented(*signed, 413, 422))
    @reads_body(PushRequest)
    async def push(request: Request, _scheme: Bearer) -> Response:
        # the route reads its own body, so that parsing and preparing it take one request
        # thread (a body parameter would cost FastAPI's parsing, and a second thread)
        raw = await request.body()
        # the credential first: without one, the answer is 401 (or 429), whatever the body
        dev = await signed_in(request, final_push=True, retiring=True)

        def prepare() -> PreparedPush:
            wanted = read_json(PushRequest, raw, request.headers.get("content-type"))
            return hub.prepare_push(dev, wanted)

        # then waits for its group commit on the event loop, holding no thread; its answer is
        # the JSON its group wrote, not validated or encoded again on the way out
        answer = await hub.commit_push(await threads.run(prepare))
        return Response(answer, media_type="application/json")

    @app.get("/v1/sync/pull", response_model=None,
             responses={200: {"model": PullResponse, "description": "A page of changes"},
                        **documented(*signed, 409, 422, s409="The hub is behind this "
                                     "laptop's cursor, e.g. restored from a backup "
                                     "(cursor_ahead)")})
    async def pull(dev: DeviceDep, since: Annotated[int, Query(ge=0, le=2**62)] = 0,
                   limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE) -> Response:
        page = await threads.run(hub.pull_json, dev, since, limit)
        return Response(page, media_type="application/json")

    @app.get("/v1/conflicts", response_model=ConflictList, responses=documented(*signed))
    async def conflicts(dev: DeviceDep) -> Response:
        # encoded in the thread: the list has no bound, and the event loop serves everyone
        listed = await threads.run(lambda: hub.conflicts(dev).model_dump_json())
        return Response(listed, media_type="application/json")

    @app.post("/v1/conflicts/{conflict_id}/resolve", response_model=ResolveResponse,
              responses=documented(*signed, 400, 404, 409, 413, 422,
                                   s400="The chosen value is not valid for the record "
                                   "(invalid)", s409="Already resolved (conflict_resolved)"))
    async def resolve(conflict_id: Annotated[str, Path(json_schema_extra={"format": "uuid"})],
                      body: ResolveRequest, dev: DeviceDep) -> ResolveResponse:
        return ResolveResponse(seq=await threads.run(hub.resolve, dev, conflict_id, body.value))

    @app.get("/v1/records/{kind}/{record_id}", response_model=HubChange,
             responses=documented(*signed, 404, 422))
    async def record(kind: RecordKind,
                     record_id: Annotated[str, Path(json_schema_extra={"format": "uuid"})],
                     dev: DeviceDep) -> HubChange:
        return await threads.run(hub.record, dev, kind, record_id)

    exact_openapi(app)
    app.add_middleware(edge.BodyLimit, limit=MAX_BODY)
    app.add_middleware(edge.LateHeaders)
    app.add_middleware(edge.AccessLog)
    app.add_middleware(RequestMetrics)  # outermost: every answer is timed, 413s too
    return app
