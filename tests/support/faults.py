"""Faults injected in-process, between the laptop's sync client and the real hub.

:class:`FaultyTransport` is an httpx transport around the real one. For each request it may:

* ``drop_before`` - fail before anything is sent (the connection dropped);
* ``drop_after`` - send the request, let the hub commit and answer, then lose the answer;
* ``cut_pull`` - deliver only the first part of a pull page (cut mid-page).

It also records every change id it saw leave in a push, so a test can check that each change
was applied exactly once however many times it was sent.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import httpx

FAULTS = ("drop_before", "drop_after", "cut_pull")


class FaultyTransport(httpx.BaseTransport):
    def __init__(self, rng: random.Random | None = None, rate: float = 0.0) -> None:
        self.inner = httpx.HTTPTransport()
        self.rng = rng or random.Random(0)
        self.rate = rate
        self.injected: Counter[str] = Counter()
        self.sent_change_ids: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.rng.choice(FAULTS) if self.rng.random() < self.rate else None
        if fault == "cut_pull" and "/sync/pull" not in request.url.path:
            fault = "drop_after"
        if fault == "drop_before":
            self.injected[fault] += 1
            raise httpx.ConnectError("injected: dropped before the request", request=request)
        if request.url.path.endswith("/sync/push"):
            body = json.loads(request.content)
            self.sent_change_ids.update(c["change_id"] for c in body["changes"])
        response = self.inner.handle_request(request)
        content = response.read()
        response.close()
        if fault == "drop_after":
            self.injected[fault] += 1
            raise httpx.ReadError("injected: answer lost after the hub committed",
                                  request=request)
        if fault == "cut_pull":
            self.injected[fault] += 1
            content = content[: self.rng.randint(0, max(0, len(content) - 1))]
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "content-encoding",
                                        "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=content,
                              request=request)

    def close(self) -> None:
        """Kept open: one transport serves many syncs (each sync closes its client)."""

    def shutdown(self) -> None:
        self.inner.close()
