"""How the worker processes of ``cse-hub serve --workers N`` share the hub's port.

uvicorn's way is one listening socket, made by the supervising process and shared by every
worker: each worker's event loop is woken for every new connection and accepts all it can.
When many laptops connect at once, the first worker awake takes most of them, and the others
idle while it works through its queue (1,000 laptops pulling at once: one of two workers took
about five sixths of the work; bench/README.md).

On Linux each worker listens on a socket of its own instead, all on the same address with
``SO_REUSEPORT``: the kernel deals new connections out among them evenly (by a hash of each
connection's addresses), whichever worker happens to be awake. The supervising process binds
the address too, without listening (so it never takes a connection): that keeps the address
for the workers while one is being replaced. Elsewhere the shared socket is kept.

``SO_REUSEPORT`` would also let a second hub of the same user listen on the same port, and
the kernel would then split the laptops between the two. :func:`check_free` refuses to start
when anything listens on the port already, whoever it belongs to.

A worker that dies takes the connections waiting in its own queue with it (those laptops get
a connection error and sync again at their next try); new connections go to the other
workers' sockets until uvicorn has started a new worker. The worker class is swapped into
uvicorn's supervisor module (:func:`serve`): the tests start real worker processes, so a
uvicorn release that changed that module would fail them rather than pass unnoticed.
"""

from __future__ import annotations

import errno
import socket
import sys

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import multiprocess

from cse_desktop.domain.errors import CseError

#: whether the kernel balances connections among sockets sharing a port (Linux 3.9 on)
BALANCED = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


class CannotListen(CseError):
    code = "cannot_listen"


def check_free(host: str, port: int) -> None:
    """Refuse (:class:`CannotListen`) when the hub could not have the address to itself:
    something listens on it already (another hub too), or it cannot be bound at all. On
    Linux; elsewhere uvicorn's own bind says so."""
    if not BALANCED:
        return
    probe = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        # as a restarted hub binds (past connections of its last run still closing), but
        # without SO_REUSEPORT: a socket listening on the address, of any program, refuses it
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        raise _refused(host, port, exc) from None
    finally:
        probe.close()


def serve(config: Config) -> None:
    """Run ``config.workers`` worker processes under uvicorn's supervisor until it is told to
    stop, each with a listening socket of its own where the kernel balances them."""
    if not BALANCED:
        multiprocess.Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    try:
        sock = _socket(config.host, config.port)
    except OSError as exc:
        raise _refused(config.host, config.port, exc) from None
    sock.set_inheritable(True)
    shared = multiprocess.Process
    multiprocess.Process = _Worker  # type: ignore[misc]  # its supervisor makes workers so
    try:
        multiprocess.Multiprocess(config, sockets=[sock]).run()
    finally:
        multiprocess.Process = shared  # type: ignore[misc]
        sock.close()


class _Worker(multiprocess.Process):
    """A worker process of uvicorn's supervisor that listens on a socket of its own."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        # runs in the worker process (the tests serve through real worker processes)
        if sockets:
            try:
                sockets = [_own(s) for s in sockets]
            except OSError as exc:
                # the supervisor stops (rather than start workers that fail the same way)
                print(f"cse-hub: {_refused(self.config.host, self.config.port, exc)}",
                      file=sys.stderr, flush=True)
                sys.exit(STARTUP_FAILURE)
        super().target(sockets)


def _own(shared: socket.socket) -> socket.socket:
    """A worker's own socket on the same address as ``shared`` (which it closes)."""
    host, port = shared.getsockname()[:2]
    sock = _socket(host, port)
    shared.close()
    return sock


def _socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _refused(host: str, port: int, exc: OSError) -> CannotListen:
    reasons = {
        errno.EADDRINUSE: "another hub or another program is using that port; choose another "
                          "with --port",
        errno.EACCES: "this user may not use that port (ports below 1024 need privileges); "
                      "choose another with --port",
        errno.EADDRNOTAVAIL: "this machine has no such address; check --host",
    }
    return CannotListen(f"Cannot serve on {host}:{port}: "
                        f"{reasons.get(exc.errno or 0, exc.strerror or str(exc))}.")
