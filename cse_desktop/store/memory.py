"""Key material in memory: kept in buffers we can wipe, and out of swap where the OS allows.

Python's ``str`` and ``bytes`` are immutable: a copy of a secret in one of them stays in the
process's memory until that memory happens to be reused.  So the store keeps the database key
(and everything derived from it) in ``bytearray`` buffers, hands them to SQLCipher and the
ciphers as buffers (no ``str``/``bytes`` copy on the way), and wipes them when it is done or
when the workspace locks.  ``mlock`` keeps those buffers out of swap when the OS allows it
(best effort: a refusal, e.g. under ``RLIMIT_MEMLOCK``, is not an error).

:func:`scrub` overwrites a ``bytes`` object that the store itself made and alone holds (the
UTF-8 copy of a passphrase handed to Argon2id, a key-encryption key).  It relies on CPython's
layout and is only used on objects no one else can see.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

_HEX = b"0123456789abcdef"


def _libc() -> Any:
    if sys.platform == "win32":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _address(buf: bytearray) -> int:
    return ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))


def wipe(buf: bytearray) -> None:
    """Overwrite a buffer with zeros, in place."""
    buf[:] = bytes(len(buf))


def lock(buf: bytearray) -> bool:
    """Keep the pages of ``buf`` out of swap; False when the OS refuses (never raises)."""
    if not buf:
        return False
    try:
        if _LIBC is not None:
            return int(_LIBC.mlock(ctypes.c_void_p(_address(buf)),
                                   ctypes.c_size_t(len(buf)))) == 0
        if sys.platform == "win32":
            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
            return bool(kernel32.VirtualLock(ctypes.c_void_p(_address(buf)),
                                             ctypes.c_size_t(len(buf))))
    except (OSError, AttributeError, ValueError, TypeError):
        pass
    return False


def unlock(buf: bytearray) -> None:
    """Undo :func:`lock` (best effort)."""
    if not buf:
        return
    try:
        if _LIBC is not None:
            _LIBC.munlock(ctypes.c_void_p(_address(buf)), ctypes.c_size_t(len(buf)))
        elif sys.platform == "win32":
            ctypes.windll.kernel32.VirtualUnlock(  # type: ignore[attr-defined,unused-ignore]
                ctypes.c_void_p(_address(buf)), ctypes.c_size_t(len(buf)))
    except (OSError, AttributeError, ValueError, TypeError):
        pass


def release(buf: bytearray) -> None:
    """Wipe a buffer and undo its :func:`lock`: the end of a key's life."""
    wipe(buf)
    unlock(buf)


def secure_buffer(size: int) -> bytearray:
    """A zeroed buffer for key material, locked in memory where the OS allows."""
    buf = bytearray(size)
    lock(buf)
    return buf


def raw_key_form(key: bytes | bytearray) -> bytearray:
    """SQLCipher's raw-key form ``x'<hex>'`` of ``key``, written straight into a new locked
    buffer (no ``str`` or ``bytes`` copy of the hex is ever made).  Wipe it after use."""
    out = secure_buffer(2 * len(key) + 3)
    out[0:2] = b"x'"
    for i, byte in enumerate(key):
        out[2 + 2 * i] = _HEX[byte >> 4]
        out[3 + 2 * i] = _HEX[byte & 15]
    out[-1] = 39  # the closing quote
    return out


def scrub(data: bytes) -> None:
    """Overwrite, in place, a ``bytes`` object the caller made and alone holds (CPython)."""
    if type(data) is not bytes or len(data) < 2:
        return  # the empty and one-byte objects are shared singletons: never touch them
    address = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
    if address:
        ctypes.memset(address, 0, len(data))
