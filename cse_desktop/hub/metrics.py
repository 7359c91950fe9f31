"""The hub's Prometheus metrics (``prometheus-client``).

Request latency by route and status, the group commit (pushes and changes per group, commit
time, time waiting in the queue, queue depth, failed groups and retries) and errors. With
several worker processes ``cse-hub serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before this module
is imported, so every worker writes its figures to a shared folder and the metrics listener
adds them up (:func:`exposition`).
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import REGISTRY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "cse_hub_request_seconds", "Time to answer an HTTP request, by route and status",
    ["method", "route", "status"], buckets=_LATENCY)
ERRORS = Counter("cse_hub_errors_total",
                 "Requests answered with a server error (5xx), by route", ["route"])
GROUP_PUSHES = Histogram("cse_hub_commit_group_pushes", "Pushes committed together in a group",
                         buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512))
GROUP_CHANGES = Histogram("cse_hub_commit_group_changes", "Changes committed together in a group",
                          buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000))
COMMIT_SECONDS = Histogram("cse_hub_commit_seconds",
                           "Time to apply and commit one group", buckets=_LATENCY)
QUEUE_WAIT = Histogram("cse_hub_commit_queue_wait_seconds",
                       "Time a push waited in the queue before its group started",
                       buckets=_LATENCY)
QUEUE_DEPTH = Gauge("cse_hub_commit_queue_depth", "Pushes waiting for a group to start",
                    multiprocess_mode="livesum")
COMMIT_FAILURES = Counter("cse_hub_commit_group_failures_total",
                          "Groups rolled back and applied again push by push")
COMMIT_RETRIES = Counter("cse_hub_commit_retries_total",
                         "Pushes tried again after a deadlock or a concurrent duplicate")


def exposition() -> bytes:
    """The metrics in the Prometheus text format: every worker's, in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


class RequestMetrics:
    """ASGI middleware: each request's latency by route template (never the path itself, which
    may hold a record id) and status; 5xx answers also count as errors."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            REQUEST_SECONDS.labels(scope.get("method", ""), route, str(status)).observe(
                time.perf_counter() - start)
            if status >= 500:
                ERRORS.labels(route).inc()
