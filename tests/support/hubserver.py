"""The real hub under uvicorn on 127.0.0.1, in a thread of the test process.

In-process so tests can restart it (stop the server, start a new one on the same port and
database) and inject faults on the client side (see :mod:`support.faults`).
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import sqlalchemy as sa
import uvicorn

from cse_desktop.hub import db
from cse_desktop.hub.app import create_app
from cse_desktop.hub.edge import proxy_options
from cse_desktop.hub.repository import Hub


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HubServer:
    def __init__(self, db_url: str, *, port: int | None = None, tls: tuple[Path, Path] | None
                 = None, trusted_proxies: tuple[str, ...] = (), **app_options: object) -> None:
        """``trusted_proxies``: as ``cse-hub serve --trusted-proxy`` (none by default)."""
        self.db_url = db_url
        self.trusted_proxies = trusted_proxies
        self.port = port or free_port()
        self.tls = tls
        self.app_options = app_options
        self.engine: sa.Engine = db.make_engine(db_url)
        db.upgrade(self.engine)
        self.hub = Hub(self.engine)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> HubServer:
        config = uvicorn.Config(
            create_app(self.engine, **self.app_options), host="127.0.0.1", port=self.port,
            log_level="error", access_log=False, lifespan="off",
            **proxy_options(self.trusted_proxies),
            ssl_certfile=str(self.tls[0]) if self.tls else None,
            ssl_keyfile=str(self.tls[1]) if self.tls else None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="hub")
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self._server = self._thread = None

    def restart(self) -> None:
        """Stop and start again on the same port and database (a new app, fresh state)."""
        self.stop()
        for _ in range(50):
            try:
                self.start()
                break
            except RuntimeError:
                time.sleep(0.1)
        self.restarts += 1

    def close(self) -> None:
        self.stop()
        self.engine.dispose()

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
