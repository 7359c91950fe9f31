"""The load tests' client: many devices' HTTP/1.1 requests at once, from one thread.

Each device has its own keep-alive connection and makes its requests one after another; all
devices start together. One thread drives every connection with non-blocking sockets and the
operating system's readiness notification (:mod:`selectors`), so:

* every device's first request is sent within a few milliseconds of the start, not when a
  thread of its own happens to be scheduled (with a thread per device, 1,000 threads reached
  their first request over a second or more, on the same two cores as the hub);
* the client costs the machine little CPU beside the hub and PostgreSQL it measures (the
  kernel's work of moving the bytes is the same either way).

A request's time runs from the moment the client starts it (every device's first request
from one moment for all, connecting included, as a laptop's would) to the last byte of its
answer. IPv4 only: the load tests serve on 127.0.0.1. The answers the
hub gives here always carry a ``Content-Length``; anything else is reported as an error.
"""

from __future__ import annotations

import errno
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: a device's next request from its previous answer (status, body), or None when it is done
Next = Callable[[int, int, bytearray], bytes | None]

_READ = 256 * 1024


@dataclass
class _Device:
    index: int
    sock: socket.socket
    out: memoryview
    started: float
    connected: bool = False
    #: the answer's head as it comes, then its body (its length known from the head)
    inbox: bytearray = field(default_factory=bytearray)
    status: int = 0
    body: bytearray | None = None
    got: int = 0


@dataclass
class Outcome:
    """What the devices saw: every request's time (per device, in order), errors in words."""

    latencies: list[list[float]]
    errors: list[str]
    wall_s: float


def request(method: str, path: str, host: str, port: int, token: str,
            body: bytes | None = None) -> bytes:
    """An HTTP/1.1 request's bytes, as the laptop's client sends them (keep-alive)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}",
             f"Authorization: Bearer {token}", "Accept-Encoding: identity"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + (body or b"")


def run(host: str, port: int, first: list[bytes], after: Next,
        timeout: float = 600.0) -> Outcome:
    """Start device ``i`` with request ``first[i]``, all at once; when an answer is complete,
    ``after(i, status, body)`` gives the device's next request (or None: it is done)."""
    count = len(first)
    latencies: list[list[float]] = [[] for _ in range(count)]
    errors: list[str] = []
    selector = selectors.DefaultSelector()
    open_devices: dict[int, _Device] = {}

    def close(dev: _Device) -> None:
        selector.unregister(dev.sock)
        dev.sock.close()
        del open_devices[dev.index]

    def fail(dev: _Device, message: str) -> None:
        errors.append(f"device {dev.index}: {message}"[:300])
        close(dev)

    # every device starts now: its first request's time includes connecting, and waiting for
    # the others' connections to be opened (a few milliseconds for 1,000)
    start = time.perf_counter()
    try:
        for i, data in enumerate(first):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            dev = _Device(i, sock, memoryview(data), start)
            code = sock.connect_ex((host, port))
            if code not in (0, errno.EINPROGRESS):
                sock.close()
                errors.append(f"device {i}: connect: {errno.errorcode.get(code, code)}")
                continue
            open_devices[i] = dev
            selector.register(sock, selectors.EVENT_WRITE, dev)

        deadline = start + timeout
        while open_devices:
            left = deadline - time.perf_counter()
            if left <= 0:
                for dev in list(open_devices.values()):
                    fail(dev, f"no answer within {timeout:.0f} s")
                break
            for key, _events in selector.select(min(left, 1.0)):
                dev = key.data
                try:
                    if dev.out:
                        _send(dev, selector)
                    else:
                        _receive(dev, latencies, after, selector, close)
                except OSError as exc:
                    fail(dev, f"{type(exc).__name__}: {exc}")
                except ValueError as exc:
                    fail(dev, str(exc))
    finally:  # whatever went wrong (an error in ``after`` too), no socket is left open
        for dev in open_devices.values():
            dev.sock.close()
        selector.close()
    return Outcome(latencies, errors, time.perf_counter() - start)


def _send(dev: _Device, selector: selectors.BaseSelector) -> None:
    if not dev.connected:
        code = dev.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise OSError(code, f"connect: {errno.errorcode.get(code, code)}")
        dev.connected = True
    try:
        sent = dev.sock.send(dev.out)
    except BlockingIOError:
        return
    dev.out = dev.out[sent:]
    if not dev.out:
        selector.modify(dev.sock, selectors.EVENT_READ, dev)


def _receive(dev: _Device, latencies: list[list[float]], after: Next,
             selector: selectors.BaseSelector, close: Callable[[_Device], None]) -> None:
    if dev.body is None:  # the answer's head first, then its body straight into its buffer
        try:
            chunk = dev.sock.recv(_READ)
        except BlockingIOError:
            return
        if not chunk:
            raise ValueError("the hub closed the connection before answering")
        dev.inbox += chunk
        end = dev.inbox.find(b"\r\n\r\n")
        if end < 0:
            return
        dev.status, length = _head(bytes(dev.inbox[:end]))
        already = dev.inbox[end + 4:]
        if len(already) > length:
            raise ValueError("the hub sent more than its answer")
        dev.body, dev.got = bytearray(length), len(already)
        dev.body[:len(already)] = already
        dev.inbox = bytearray()
    elif dev.got < len(dev.body):
        try:
            got = dev.sock.recv_into(memoryview(dev.body)[dev.got:])
        except BlockingIOError:
            return
        if not got:
            raise ValueError("the hub closed the connection in the middle of an answer")
        dev.got += got
    if dev.got < len(dev.body):
        return
    latencies[dev.index].append(time.perf_counter() - dev.started)
    body, status, dev.body = dev.body, dev.status, None
    following = after(dev.index, status, body)
    if following is None:
        close(dev)
        return
    dev.out, dev.started = memoryview(following), time.perf_counter()
    selector.modify(dev.sock, selectors.EVENT_WRITE, dev)


def _head(head: bytes) -> tuple[int, int]:
    """An answer's status and Content-Length."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP answer: {lines[0][:80]!r}")
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return int(parts[1]), int(value.strip())
    raise ValueError("an answer without Content-Length")
