"""Giving the memory a big read has freed back to the system, and the cycle collector paused while it reads.

glibc's malloc keeps what a thread frees in that thread's own arena, and trims only the top of the main one. The
reader scans sheets on worker threads: the scratch memory of a million-line sheet's scan, over a gigabyte, stayed
in the process after the read, where the steps after it (on the main thread) could not use it, so the pipeline's
peak was the read's leftovers plus the steps' own. `malloc_trim(0)` returns the free pages of every arena; it
takes some 50 ms after a million-line read. Elsewhere (Windows, macOS, musl) there is nothing to call and
nothing is done: those allocators give memory back their own way.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
from typing import Iterator

# Below this many bytes of sheet XML the scratch memory is a few megabytes: not worth a call.
TRIM_FROM = 16 << 20
# ... and below this many rows in the book's tables, what typing freed.
TRIM_FROM_ROWS = 100_000


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import platform   # these two only when a big read asks, not at every command's start
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def give_back_free_memory() -> bool:
    """Return the heap's free pages to the system; False where the C library has no malloc_trim."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while a book is read. The rows read from a CSV file or by calamine are
    new lists of strings, which can never be part of a cycle, yet every 700 of them set off a collection, and the
    lists kept set off full ones that walk every object alive. Paused file by file, the collections between
    Online Retail's 305 files still took 0.55 s; paused for the whole read, one runs as it ends (0.07-0.09 s),
    and the peak memory is the same. Restarted after (when it was running before), so the garbage it would have
    looked for is found then."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
