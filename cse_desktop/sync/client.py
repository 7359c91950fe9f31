"""The laptop's HTTP client for the hub (httpx).

TLS is verified against the operating system's trust store (``truststore``), or against one
pinned CA certificate when the hub uses a private CA. Plain ``http://`` is allowed only to this
machine itself (a hub on loopback, for development and tests).

Every failure becomes one of the domain errors: :class:`HubUnreachable` (no connection, cut
off, garbled or 5xx: nothing was lost, try later), :class:`HubUntrusted` (the certificate did
not verify) or :class:`HubRefused` (the hub said no, with its stable ``code``).
"""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import truststore
from pydantic import BaseModel, ValidationError

from cse_desktop import __version__
from cse_desktop.domain.errors import HubRefused, HubUnreachable, HubUntrusted, UsageError
from cse_desktop.sync.protocol import (
    MAX_PAGE,
    PROTOCOL_VERSION,
    TOKEN_ROTATE_HEADER,
    ConflictList,
    DeviceInfo,
    EnrolRequest,
    EnrolResponse,
    HubChange,
    PullResponse,
    PushRequest,
    PushResponse,
    ResolveRequest,
    ResolveResponse,
    TokenResponse,
)

M = TypeVar("M", bound=BaseModel)


def check_url(url: str) -> str:
    """The hub's base URL, cleaned; only https, or http to this machine."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"Not a hub address: {url!r}. It looks like https://hub.example.org.")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise UsageError("The hub must use https (plain http is allowed only to this machine).")
    if parts.query or parts.fragment or parts.username:
        raise UsageError("A hub address has no query, fragment or user name.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_context(ca_pem: str = "") -> ssl.SSLContext:
    if ca_pem:
        try:
            return ssl.create_default_context(cadata=ca_pem)
        except (ssl.SSLError, ValueError):
            raise UsageError("The CA file is not a PEM certificate.") from None
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class HubClient:
    def __init__(self, url: str, *, token: str = "", ca_pem: str = "",
                 transport: httpx.BaseTransport | None = None, timeout: float = 30.0) -> None:
        self.url = check_url(url)
        headers = {"User-Agent": f"cse-desktop/{__version__}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout,
                                  verify=tls_context(ca_pem), transport=transport,
                                  follow_redirects=False)
        #: the hub said this device's token is due for rotation (see :meth:`rotate_token`)
        self.rotation_due = False

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, answer: type[M], *, body: BaseModel | None = None,
              params: dict[str, Any] | None = None) -> M:
        content = body.model_dump_json().encode() if body is not None else None
        try:
            response = self._http.request(
                method, path, params=params, content=content,
                headers={"Content-Type": "application/json"} if content else None)
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or isinstance(
                    exc.__context__, ssl.SSLCertVerificationError):
                raise HubUntrusted("The hub's certificate could not be verified, so nothing "
                                   "was sent. Check the hub address, or the CA file your IT "
                                   "team gave you.") from None
            raise HubUnreachable("The hub cannot be reached (no connection). Your changes are "
                                 "kept on this laptop; sync again when online.") from None
        except httpx.HTTPError as exc:  # timeouts, transport and decoding errors
            raise HubUnreachable("The connection to the hub was lost "
                                 f"({type(exc).__name__}). Nothing was lost; sync again.") \
                from None
        if response.status_code >= 500:
            raise HubUnreachable(f"The hub had a problem (HTTP {response.status_code}). "
                                 "Nothing was lost; sync again later.")
        if response.status_code >= 400:
            try:
                problem = response.json()
                code, detail = str(problem["code"]), str(problem.get("detail", ""))
            except (ValueError, KeyError, TypeError):
                code, detail = "http_error", f"HTTP {response.status_code}"
            raise HubRefused(detail or f"The hub refused the request ({code}).", code=code,
                             status=response.status_code)
        if response.headers.get(TOKEN_ROTATE_HEADER):
            self.rotation_due = True
        try:
            result = answer.model_validate_json(response.content)
        except ValidationError:
            raise HubUnreachable("The hub's answer was incomplete or garbled. Nothing was "
                                 "lost; sync again.") from None
        spoken = getattr(result, "protocol", PROTOCOL_VERSION)
        if spoken != PROTOCOL_VERSION:
            raise HubRefused(f"The hub speaks sync protocol {spoken} and this laptop speaks "
                             f"{PROTOCOL_VERSION}: nothing was applied. Update CSE Desktop (or "
                             "ask for the hub to be updated) so both match.",
                             code="protocol_unsupported", status=response.status_code)
        return result

    def enrol(self, code: str, device_name: str) -> EnrolResponse:
        return self._call("POST", "/v1/enrol", EnrolResponse,
                          body=EnrolRequest(code=code, device_name=device_name))

    def info(self) -> DeviceInfo:
        return self._call("GET", "/v1/device", DeviceInfo)

    def rotate_token(self) -> TokenResponse:
        """A new token for this device; the one this client holds is replaced by it."""
        answer = self._call("POST", "/v1/device/token", TokenResponse)
        self._http.headers["Authorization"] = f"Bearer {answer.token}"
        self.rotation_due = False
        return answer

    def push(self, request: PushRequest) -> PushResponse:
        return self._call("POST", "/v1/sync/push", PushResponse, body=request)

    def pull(self, since: int, limit: int = MAX_PAGE) -> PullResponse:
        return self._call("GET", "/v1/sync/pull", PullResponse,
                          params={"since": since, "limit": limit})

    def record(self, kind: str, record_id: str) -> HubChange:
        return self._call("GET", f"/v1/records/{kind}/{record_id}", HubChange)

    def conflicts(self) -> ConflictList:
        return self._call("GET", "/v1/conflicts", ConflictList)

    def resolve(self, conflict_id: str, value: Any) -> ResolveResponse:
        return self._call("POST", f"/v1/conflicts/{conflict_id}/resolve", ResolveResponse,
                          body=ResolveRequest(value=value))
