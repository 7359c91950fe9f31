"""How the worker processes of ``cse-hub serve --workers N`` share the hub's port.

uvicorn's way is one listening socket, made by the supervising process and shared by every
worker: each worker's event loop is woken for every new connection and accepts all it can.
When many laptops connect at once, the first worker awake takes most of them, and the others
idle while it works through its queue (measured with 1,000 laptops pulling at once: one of
two workers took 83 % of them; bench/README.md).

On Linux each worker has a listening socket of its own instead, all on the same address with
``SO_REUSEPORT``: the kernel deals new connections out among them evenly (by a hash of each
connection's addresses), whichever worker happens to be awake. The supervising process still
binds the address first (without listening, so it never takes a connection), which reserves
it and reports an address in use before any worker starts. Elsewhere (no ``SO_REUSEPORT``
balancing) the shared socket is kept.

A worker that dies takes the connections waiting in its own queue with it (those laptops get
a connection error and sync again at their next try); new connections go to the other
workers' sockets until uvicorn has started a new worker.
"""

from __future__ import annotations

import socket
import sys

from uvicorn import Config
from uvicorn.supervisors import multiprocess

from cse_desktop.domain.errors import CseError

#: whether the kernel balances connections among sockets sharing a port (Linux 3.9 on)
BALANCED = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind(config: Config) -> socket.socket:
    """The supervising process's socket: bound to the hub's address, not listening."""
    if not BALANCED:
        return config.bind_socket()  # uvicorn's shared socket
    try:
        sock = _socket(config.host, config.port)
    except OSError as exc:
        raise CseError(f"Cannot serve on {config.host}:{config.port}: "
                       f"{exc.strerror or exc}. Is another hub (or another program) "
                       "using that port? Choose another with --port.") from None
    sock.set_inheritable(True)
    return sock


def own(shared: socket.socket) -> socket.socket:
    """A worker's own socket on the same address as ``shared`` (which it closes)."""
    host, port = shared.getsockname()[:2]
    sock = _socket(host, port)
    shared.close()
    return sock


def _socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _Worker(multiprocess.Process):
    """A worker process of uvicorn's supervisor that listens on a socket of its own."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        # runs in the worker process (the tests serve through real worker processes)
        super().target([own(s) for s in sockets] if sockets and BALANCED else sockets)


def serve(config: Config) -> None:
    """Run ``config.workers`` worker processes under uvicorn's supervisor until it is told to
    stop, each with a listening socket of its own where the kernel balances them."""
    sock = bind(config)
    # uvicorn's supervisor makes its workers from this module-level name
    multiprocess.Process = _Worker  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
