"""What is left of the key and the passphrase in the process's memory after ``lock()``
(issue 16, item 7).

A child process (this file, run as a script) reads the passphrase from stdin as the command
line does, unlocks a workspace, writes a record and a backup, and scans its own memory
(``/proc/self/maps`` and ``/proc/self/mem``: every writable or anonymous mapping) for the raw
database key, its hex form (either case) and the passphrase: once while unlocked, once after
``lock()``.  It is told the key and passphrase only masked (XOR), and builds the needles in one
buffer that the scan leaves out, so the scan never finds its own copies.

What is guaranteed, and asserted: after ``lock()`` neither the raw key nor its hex form is
anywhere in the process (our buffers are wiped; the key reached SQLCipher as a buffer, never as
a ``str``; SQLCipher wipes its own copy when the connection closes).  While unlocked the key
is found (the scan works).  The passphrase: when the caller reads it into a buffer it wipes
and drops its ``str`` (``buffer``), no copy is left after ``lock()``: the store keeps none.
Read through ``sys.stdin`` as the command line reads it (``stdin``), one copy stays in the
stream's own buffers, which the store cannot reach (the desktop: Qt's text field and the
``str`` it hands over).  The findings go to ``test-artifacts/key-memory-<how>.json``.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHUNK = 4 << 20
NAMES = ("raw key", "hex key", "HEX KEY", "passphrase")


# -- the child --------------------------------------------------------------------------------


def _unmask(masked: str, mask: str) -> bytearray:
    out = bytearray.fromhex(masked)
    for i, m in enumerate(bytearray.fromhex(mask)):
        out[i] ^= m
    return out


def _needles(request: dict) -> tuple[bytearray, dict[str, tuple[int, int]]]:
    """One buffer holding every needle; (start, end) of each within it."""
    key = _unmask(request["key"], request["key_mask"])
    phrase = _unmask(request["passphrase"], request["passphrase_mask"])
    digits = b"0123456789abcdef"
    blob = bytearray(len(key) * 5 + len(phrase))
    blob[0:32] = key
    for i, byte in enumerate(key):
        for base in (32, 96):
            blob[base + 2 * i] = digits[byte >> 4]
            blob[base + 2 * i + 1] = digits[byte & 15]
    for i in range(96, 160):
        if 97 <= blob[i] <= 102:
            blob[i] -= 32  # upper case
    blob[160:] = phrase
    key[:] = bytes(len(key))
    phrase[:] = bytes(len(phrase))
    return blob, {"raw key": (0, 32), "hex key": (32, 96), "HEX KEY": (96, 160),
                  "passphrase": (160, len(blob))}


def _address(buf: bytearray) -> int:
    return ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))


def _scan(blob: bytearray, spans: dict[str, tuple[int, int]],
          buf: bytearray) -> dict[str, list[str]]:
    """Where each needle occurs in this process's memory (mapping names), our own needle
    buffer and scan buffer left out."""
    skip = [(_address(blob), _address(blob) + len(blob)), (_address(buf), _address(buf) + len(buf))]
    found: dict[str, list[str]] = {name: [] for name in spans}
    view = memoryview(blob)
    overlap = max(end - start for start, end in spans.values())
    with open("/proc/self/maps") as maps:
        regions = maps.read().splitlines()
    with open("/proc/self/mem", "rb", buffering=0) as mem:
        for line in regions:
            parts = line.split(None, 5)
            start, end = (int(x, 16) for x in parts[0].split("-"))
            perms, label = parts[1], (parts[5] if len(parts) > 5 else "[anonymous]")
            if "r" not in perms or label in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
                continue
            if "w" not in perms and not label.startswith("["):
                continue  # a file mapped read-only: nothing of ours is written there
            at = start
            while at < end:
                n = min(CHUNK, end - at)
                try:
                    mem.seek(at)
                    got = mem.readinto(memoryview(buf)[:n]) or 0
                except OSError:
                    break
                for name, (s, e) in spans.items():
                    i = buf.find(view[s:e], 0, got)
                    while i != -1:
                        where = at + i
                        if not any(a <= where < b for a, b in skip):
                            found[name].append(label)
                        i = buf.find(view[s:e], i + 1, got)
                if at + n >= end:
                    break
                at += n - overlap
    view.release()
    return found


def _read_secrets(how: str) -> tuple[dict, str]:
    """The request and the passphrase from stdin: through ``sys.stdin`` as the command line
    reads it (``stdin``), or into a buffer that is wiped once the str is made (``buffer``)."""
    if how == "stdin":
        return json.loads(sys.stdin.readline()), sys.stdin.readline().rstrip("\n")
    raw = bytearray()
    while raw.count(b"\n") < 2:
        chunk = os.read(0, 4096)
        if not chunk:
            break
        raw += chunk
    first = raw.index(b"\n")
    request = json.loads(bytes(raw[:first]))
    phrase = raw[first + 1:raw.index(b"\n", first + 1)]
    passphrase = phrase.decode("utf-8")
    phrase[:] = bytes(len(phrase))
    raw[:] = bytes(len(raw))
    return request, passphrase


def _child(folder: str, how: str) -> None:
    from datetime import date

    from cse_desktop.domain.models import Person
    from cse_desktop.store import Workspace, memory

    request, passphrase = _read_secrets(how)
    blob, spans = _needles(request)
    buf = bytearray(CHUNK)
    ws = Workspace.open(folder, passphrase)
    del passphrase  # what the caller holds is the caller's to drop
    ws.people.add(Person(given_name="Fenn", family_name="Memorytest", dob=date(2011, 3, 4)))
    ws.backup(Path(folder).parent / f"memory-test-{how}.csebackup")
    unlocked = _scan(blob, spans, buf)
    ws.lock()
    del ws
    gc.collect()
    locked = _scan(blob, spans, buf)
    print(json.dumps({"unlocked": unlocked, "locked": locked,
                      "mlock": memory.lock(bytearray(32))}), flush=True)


# -- the parent -------------------------------------------------------------------------------


def test_the_raw_key_form_is_sqlciphers_and_buffers_are_wiped() -> None:
    from cse_desktop.store import memory

    key = bytearray(os.urandom(32))
    form = memory.raw_key_form(key)
    assert isinstance(form, bytearray)
    assert bytes(form) == f"x'{key.hex()}'".encode()
    memory.release(form)
    assert form == bytearray(len(form))
    data = os.urandom(32)
    memory.scrub(data)
    assert data == bytes(32)
    one = b"a"
    memory.scrub(one)  # shared singletons are never touched
    assert one == b"a"


def test_a_refused_mlock_is_not_an_error() -> None:
    resource = pytest.importorskip("resource")
    from cse_desktop.store import memory

    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, hard))
    try:
        # refused for an ordinary user; root (CAP_IPC_LOCK) may still lock: either way no error
        assert memory.lock(bytearray(4096)) in (True, False)
    finally:
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (soft, hard))
    assert memory.lock(bytearray()) is False




def _mask(secret: bytes) -> tuple[str, str]:
    mask = os.urandom(len(secret))
    return bytes(a ^ b for a, b in zip(secret, mask, strict=True)).hex(), mask.hex()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", ["stdin", "buffer"])
def test_after_lock_the_key_is_nowhere_in_the_process(ws_folder: Path, how: str) -> None:
    from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, KeyFile

    from .conftest import PASSPHRASE

    key = KeyFile.load(ws_folder / KEY_FILE_NAME).unwrap(PASSPHRASE_SLOT, PASSPHRASE)
    masked_key, key_mask = _mask(bytes(key))
    masked_phrase, phrase_mask = _mask(PASSPHRASE.encode())
    request = {"key": masked_key, "key_mask": key_mask, "passphrase": masked_phrase,
               "passphrase_mask": phrase_mask}
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "child",
                           str(ws_folder), how],
                          input=json.dumps(request) + "\n" + PASSPHRASE + "\n",
                          capture_output=True, text=True, timeout=300, cwd=REPO,
                          env=dict(os.environ))  # (conftest: this checkout and the test KDF)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"key-memory-{how}.json").write_text(json.dumps(result, indent=1))

    counts = {when: {name: len(result[when][name]) for name in NAMES}
              for when in ("unlocked", "locked")}
    print(how, json.dumps(counts))
    assert counts["unlocked"]["raw key"] >= 1, counts  # the scan finds what is there
    assert counts["unlocked"]["passphrase"] + counts["locked"]["passphrase"] >= (
        1 if how == "stdin" else 0)
    assert counts["locked"]["raw key"] == 0, result["locked"]["raw key"]
    assert counts["locked"]["hex key"] == counts["locked"]["HEX KEY"] == 0, result["locked"]
    if how == "buffer":
        # the passphrase came in a buffer the caller wiped, and its str was dropped: the
        # store kept no copy of its own (its UTF-8 copy for Argon2id is scrubbed)
        assert counts["locked"]["passphrase"] == 0, result["locked"]["passphrase"]


if __name__ == "__main__" and sys.argv[1:2] == ["child"]:
    _child(sys.argv[2], sys.argv[3])
