"""The hub's OpenAPI document, exact: every error status each route answers, as the
``application/problem+json`` it is (FastAPI would also list ``application/json``, and its own
422 schema, neither of which the hub ever sends); and the body of a route that reads its own
(the push: :func:`reads_body`) as FastAPI documents a body parameter.

Served at ``/openapi.json`` only when the operator asks (``cse-hub serve --openapi``); the
suite checks the hub against it with schemathesis (``tests/hub/test_schemathesis.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from cse_desktop.hub.edge import PROBLEM
from cse_desktop.sync.protocol import Problem

#: what each error status means, as the OpenAPI document says it
ERRORS = {
    400: "Enrolment code not valid (enrolment_code_invalid)",
    401: "No valid device credential (unauthenticated, token_expired, device_revoked or "
         "device_retired)",
    404: "Not found, or outside this device's scope (not_found)",
    409: "Conflict with the hub's state",
    413: "Request too large (too_large)",
    422: "Request not valid: unknown fields, wrong types, caps (invalid_request), or another "
         "protocol version (protocol_unsupported)",
    429: "Rate limited (rate_limited; see Retry-After)",
}
#: the attribute that marks an endpoint reading its own body (:func:`reads_body`)
BODY = "reads_body"
E = TypeVar("E", bound=Callable[..., Any])


def documented(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route: each error status it may answer, as problem+json
    (``described`` overrides the wording, keyed ``s409``)."""
    doc: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": Problem,
                                 "description": described.get(f"s{status}", ERRORS[status])}
        if status == 429:
            entry["headers"] = {"Retry-After": {"description": "Seconds to wait",
                                                "schema": {"type": "integer"}}}
        doc[status] = entry
    return doc


def reads_body(model: type[BaseModel]) -> Callable[[E], E]:
    """Mark a route's endpoint as one that reads its body itself, as a ``model``: the
    document says what FastAPI says for a ``body: model`` parameter (:func:`exact_openapi`)."""
    def mark(endpoint: E) -> E:
        setattr(endpoint, BODY, model)
        return endpoint
    return mark


def body_doc(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What FastAPI documents for a route's ``body: model`` parameter: the operation's
    ``requestBody``, and the schemas it refers to (asked of FastAPI, for a route of one)."""
    def endpoint(body: Any) -> None:
        """A route with one parameter, the body."""

    endpoint.__annotations__ = {"body": model, "return": None}
    spec = get_openapi(title="", version="", routes=[APIRoute("/", endpoint, methods=["POST"])])
    schemas = spec["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, never sent
        schemas.pop(name, None)
    return spec["paths"]["/"]["post"]["requestBody"], schemas


def _document_body(spec: dict[str, Any], item: dict[str, Any], method: str,
                   model: type[BaseModel]) -> None:
    """Document the body of a route that reads its own (:func:`reads_body`) as FastAPI
    documents a body parameter: the ``requestBody`` just before the responses, the schemas
    among the others, in name order."""
    request_body, schemas = body_doc(model)
    entries = list(item[method].items())
    at = [name for name, _ in entries].index("responses")
    item[method] = dict([*entries[:at], ("requestBody", request_body), *entries[at:]])
    known = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        if known.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas named {name} in the OpenAPI document")
    spec["components"]["schemas"] = dict(sorted(known.items()))


def exact_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` publish error answers as problem+json only, and the bodies of
    routes that read their own (:func:`reads_body`) as FastAPI publishes a body parameter."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            for route in app.routes:
                model = getattr(getattr(route, "endpoint", None), BODY, None)
                if isinstance(route, APIRoute) and route.include_in_schema and model:
                    for method in sorted(route.methods or ()):
                        _document_body(spec, spec["paths"][route.path_format], method.lower(),
                                       model)
            for item in spec.get("paths", {}).values():
                for operation in item.values():
                    for status, answer in operation.get("responses", {}).items():
                        if int(status) >= 400 and "content" in answer:
                            schema = answer["content"].get("application/json", {}).get(
                                "schema", {"$ref": "#/components/schemas/Problem"})
                            answer["content"] = {PROBLEM: {"schema": schema}}
            spec["components"]["schemas"].pop("HTTPValidationError", None)
            spec["components"]["schemas"].pop("ValidationError", None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
