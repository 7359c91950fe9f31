"""The hub describes its API (when the operator asks: ``cse-hub serve --openapi``) exactly:
strict request schemas, the protocol a constant, ids UUIDs, every error status documented."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from support.hubserver import HubServer

from cse_desktop.sync.protocol import PushRequest

REQUEST_MODELS = ("PushRequest", "Change", "AuditAnchor", "EnrolRequest", "ResolveRequest")


@pytest.fixture
def hub_server(db_url: str) -> Iterator[HubServer]:
    with HubServer(db_url, openapi=True) as server:
        yield server


def _spec(hub_server: HubServer) -> dict[str, Any]:
    resp = httpx.get(f"{hub_server.url}/openapi.json", timeout=30)
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["content-type"].startswith("application/json")
    return dict(resp.json())


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def test_openapi_lists_the_sync_endpoints(hub_server: HubServer) -> None:
    spec = _spec(hub_server)
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, method in (("/v1/sync/push", "post"), ("/v1/sync/pull", "get"),
                         ("/v1/enrol", "post"), ("/v1/conflicts", "get"),
                         ("/v1/conflicts/{conflict_id}/resolve", "post")):
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not in /openapi.json"
    pull = {p["name"]: p for p in paths["/v1/sync/pull"]["get"]["parameters"]}
    assert pull["since"]["schema"]["minimum"] == 0
    assert pull["limit"]["schema"]["minimum"] == 1


def test_request_schemas_forbid_unknown_fields(hub_server: HubServer) -> None:
    spec = _spec(hub_server)
    push = _resolve(spec, spec["paths"]["/v1/sync/push"]["post"]["requestBody"]["content"]
                    ["application/json"]["schema"])
    assert push["additionalProperties"] is False
    assert push["properties"]["changes"]["maxItems"] == 500
    assert push["properties"]["changes"]["minItems"] == 1
    change = _resolve(spec, push["properties"]["changes"]["items"])
    assert change["additionalProperties"] is False
    assert set(change["required"]) >= {"change_id", "record_kind", "record_id", "op",
                                       "version", "base_version"}
    for name in REQUEST_MODELS:
        schema = spec["components"]["schemas"][name]
        assert schema.get("additionalProperties") is False, f"{name} accepts unknown fields"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody")
            if body:
                schema = _resolve(spec, body["content"]["application/json"]["schema"])
                assert schema.get("additionalProperties") is False, \
                    f"{method.upper()} {path} accepts unknown fields"


def test_constants_uuids_and_error_statuses_are_exact(hub_server: HubServer) -> None:
    spec = _spec(hub_server)
    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        if "protocol" in schema.get("properties", {}):
            assert schema["properties"]["protocol"]["const"] == 1, name
    for name, field in (("Change", "change_id"), ("Change", "record_id"),
                        ("ChangeResult", "change_id"), ("HubChange", "record_id"),
                        ("HubConflict", "id"), ("EnrolResponse", "device_id")):
        assert schemas[name]["properties"][field]["format"] == "uuid", (name, field)
    paths = spec["paths"]
    expected = {("get", "/v1/sync/pull"): {"200", "401", "409", "422", "429"},
                ("post", "/v1/sync/push"): {"200", "401", "413", "422", "429"},
                ("post", "/v1/enrol"): {"200", "400", "413", "422", "429"},
                ("post", "/v1/conflicts/{conflict_id}/resolve"):
                    {"200", "400", "401", "404", "409", "413", "422", "429"},
                ("get", "/v1/records/{kind}/{record_id}"): {"200", "401", "404", "422", "429"},
                ("get", "/v1/device"): {"200", "401", "429"},
                ("post", "/v1/device/token"): {"200", "401", "429"},
                ("get", "/v1/conflicts"): {"200", "401", "429"}}
    for (method, path), statuses in expected.items():
        answers = paths[path][method]["responses"]
        assert set(answers) == statuses, (method, path)
        for status, answer in answers.items():
            if status != "200":  # errors are problem+json, and nothing else
                assert set(answer["content"]) == {"application/problem+json"}
    assert "cursor_ahead" in paths["/v1/sync/pull"]["get"]["responses"]["409"]["description"]
    assert "HTTPValidationError" not in schemas


def test_interactive_docs_are_not_served(hub_server: HubServer) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        resp = httpx.get(f"{hub_server.url}{path}", timeout=30)
        assert resp.status_code == 404, f"{path}: {resp.status_code}"
        assert resp.headers["content-type"].startswith("application/problem+json")


def test_the_push_body_is_documented_as_fastapi_documents_a_body_parameter(
        hub_server: HubServer) -> None:
    """The push route reads its own body (one request thread, pydantic's parser): its
    document is still exactly what FastAPI writes for a ``body: PushRequest`` parameter."""
    spec = _spec(hub_server)
    tiny = FastAPI()

    @tiny.post("/push")
    def push(body: PushRequest) -> None:
        del body

    expected = tiny.openapi()
    operation = spec["paths"]["/v1/sync/push"]["post"]
    assert operation["requestBody"] == expected["paths"]["/push"]["post"]["requestBody"]
    assert list(operation).index("requestBody") == list(operation).index("responses") - 1
    body_schemas = set(expected["components"]["schemas"]) - {"HTTPValidationError",
                                                              "ValidationError"}
    assert body_schemas == {"PushRequest", "Change", "AuditAnchor"}
    for name in body_schemas:
        assert spec["components"]["schemas"][name] == expected["components"]["schemas"][name]
    assert list(spec["components"]["schemas"]) == sorted(spec["components"]["schemas"])
    assert operation["security"] == [{"HTTPBearer": []}]
