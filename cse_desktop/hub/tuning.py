"""How a serving hub process (``cse-hub serve``) tunes its runtime once it has started.

Two things the defaults get wrong for a hub under load, each measured (bench/README.md):

* **The garbage collector.** A push allocates many small containers (the request's models,
  rows, answers); with Python's default thresholds the collector runs every 700 of them, and
  each older collection walks every object the process holds, the imported libraries' too.
  On a push of 50 records that was a fifth of the hub's CPU.
* **The C allocator (glibc).** A pull page is one text of up to a few MiB, made and dropped
  several times on its way out (the rows joined, encoded, framed). glibc gives blocks that
  large their own memory mapping and hands it back when freed, so every copy page-faults its
  way in again: about 170 faults per 700 KiB copy, a quarter of a 1,000-change pull's CPU.
  The cost: freed memory is kept for reuse, up to :data:`TRIM_THRESHOLD` at the top of each of
  glibc's arenas (one per busy thread, at most eight per core), so a worker's resident memory
  stays nearer its peak (the load tests report the hub's peak; bench/README.md).

Neither is touched for an app inside another program (the tests, a tool), only for a
process that is a hub server.
"""

from __future__ import annotations

import ctypes
import gc
import platform
import sys

#: the collector's thresholds in a serving process (Python's default is 700, 10, 10). Under
#: load the young generation is mostly pushes still in flight, walked at every young
#: collection: with 50,000, 1,000 pushes at once took 7 young collections per worker and 3% of
#: the hub's CPU; with 200,000, one (eighth session, 2 workers)
GC_THRESHOLDS = (200_000, 20, 100)
#: blocks up to this size come from the heap, not their own mapping (glibc's default starts
#: at 128 KiB): above the largest request body (8 MiB) and an ordinary pull page (about 4 MiB:
#: pages.PAGE_BYTES counts characters, so a page of mostly non-ASCII text can be larger and
#: is then mapped as before)
MMAP_THRESHOLD = 16 * 1024 * 1024
#: free memory kept at the top of a heap before it is handed back to the system (glibc's
#: default is twice the mapping threshold as it adapts): a busy hub reuses it at once. 16 and
#: 64 MiB measured the same CPU; the smaller keeps less memory
TRIM_THRESHOLD = 16 * 1024 * 1024

# mallopt's parameter numbers (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def settle() -> None:
    """Tune this process for serving: the collector, then the allocator where it is glibc."""
    settle_collector()
    settle_allocator()


def settle_collector() -> None:
    """Move the objects alive at start-up (modules, the app, the engine) out of the
    collector's sight (:func:`gc.freeze`), and run young collections after
    :data:`GC_THRESHOLDS` allocations. Reference counting still frees nearly everything at
    once; only cycles wait longer."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def settle_allocator() -> bool:
    """Keep large blocks on the heap (:data:`MMAP_THRESHOLD`, :data:`TRIM_THRESHOLD`), so a
    pull page's copies reuse memory the process already has. True if it was done: on Linux
    with glibc; elsewhere (musl, macOS, Windows) nothing is changed."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt answers 1 on success; setting either also stops glibc adapting the thresholds
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
