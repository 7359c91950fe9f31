"""The hub's OpenAPI document, exact: every error status each route answers, as the
``application/problem+json`` it is (FastAPI would also list ``application/json``, and its own
422 schema, neither of which the hub ever sends).

Served at ``/openapi.json`` only when the operator asks (``cse-hub serve --openapi``); the
suite checks the hub against it with schemathesis (``tests/hub/test_schemathesis.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

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


def exact_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` publish error answers as problem+json only."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
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
