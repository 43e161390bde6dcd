"""The memory a big read frees goes back to the system (omxl/io/heap.py): glibc keeps what a worker thread frees in
that thread's arena, where the steps after the read cannot use it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import omxl
import omxl.io.heap as heap
from tests.conftest import ROOT

pytestmark = pytest.mark.core


# Run in a fresh process, so the allocator's state is known. The blocks are taken straight from the C library, so
# nothing but glibc decides where they live: a worker thread's arena, below one block still in use (as the read's
# results are), so freeing them trims nothing by itself, whatever glibc's thresholds have become.
WORKER_SCRATCH = """
import ctypes, threading
import omxl.io.heap as heap
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
BLOCK = 64 << 10   # under glibc's smallest mmap threshold (128 KB): served from the thread's arena
pinned = []

def resident():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) // 1024

def scratch():
    blocks = [libc.malloc(BLOCK) for _ in range(300 * 16)]   # 300 MB
    for block in blocks:
        libc.memset(block, 1, BLOCK)   # touched, so resident
    pinned.append(libc.malloc(BLOCK))   # still in use above them, as the read's results are: no trim on free
    for block in blocks:
        libc.free(block)

before = resident()
worker = threading.Thread(target=scratch)
worker.start()
worker.join()
kept = resident()
given = heap.give_back_free_memory()
print(before, kept, resident(), given)
"""


def test_what_a_worker_thread_freed_is_given_back():
    done = subprocess.run([sys.executable, "-c", WORKER_SCRATCH], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    before, kept, after, given = done.stdout.split()
    assert given == "True"
    assert int(kept) - int(before) > 200   # freed by the worker, yet kept by the process
    assert int(kept) - int(after) > 200    # given back


def test_nothing_is_called_without_glibc(monkeypatch):
    monkeypatch.setattr("platform.libc_ver", lambda: ("", ""))
    heap._malloc_trim.cache_clear()
    try:
        assert heap.give_back_free_memory() is False
    finally:
        heap._malloc_trim.cache_clear()


def test_a_big_read_gives_back_what_its_scan_and_typing_freed(monkeypatch):
    calls = []
    monkeypatch.setattr("omxl.io.read.sources.give_back_free_memory", lambda: calls.append("scan"))
    monkeypatch.setattr("omxl.io.read.tables.give_back_free_memory", lambda: calls.append("book"))
    omxl.read_book(ROOT / "workbooks" / "sample.xlsx")
    assert calls == []   # a small book: nothing to give back
    monkeypatch.setattr("omxl.io.read.sources.TRIM_FROM", 1)
    monkeypatch.setattr("omxl.io.read.tables.TRIM_FROM_ROWS", 1)
    book = omxl.read_book(ROOT / "workbooks" / "sample.xlsx")
    sheets = (book.layout["kind"] == "xlsx").sum()
    assert calls == ["scan"] * int(sheets) + ["book"]


# --- the cycle collector paused while a book is read -------------------------------------------------------

def _collections_while(read) -> tuple[list[int], list[bool]]:
    """The generations the cycle collector went over while `read(progress)` ran, and whether it was running each
    time the read said what it was doing."""
    import gc

    collected: list[int] = []
    running: list[bool] = []

    def count(phase, info):
        if phase == "start":
            collected.append(info["generation"])

    gc.callbacks.append(count)
    try:
        read(lambda words: running.append(gc.isenabled()))
    finally:
        gc.callbacks.remove(count)
    return collected, running


def test_no_collection_runs_while_the_online_retail_files_are_read():
    """At most the one collection the pause puts off runs as the read ends; paused file by file, 150 ran."""
    from tests.conftest import ONLINE_RETAIL
    import gc

    files = sorted(ONLINE_RETAIL.glob("*.csv"))
    config = {"columns": {"orders": {"InvoiceNo": "order_id", "StockCode": "sku", "InvoiceDate": "order_date",
                                     "CustomerID": "customer_id", "Quantity": "qty", "UnitPrice": "unit_price"}}}
    assert gc.isenabled()
    books = []
    collected, running = _collections_while(lambda progress: books.append(omxl.read_book(*files, config=config,
                                                                                         progress=progress)))
    assert len(books[0].orders) == 5_910 and len(files) == 4
    assert len(collected) <= 1 and running == [False] * 4
    assert gc.isenabled()


def test_the_collector_is_left_as_it_was_also_when_the_read_fails(tmp_path):
    import gc

    broken = tmp_path / "orders.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(omxl.errors.SourceError, match="orders.xlsx"):
        omxl.read_book(broken)
    assert gc.isenabled()
    gc.disable()
    try:
        omxl.read_book(ROOT / "workbooks" / "sample.xlsx")
        assert not gc.isenabled()     # a caller's own pause stays
    finally:
        gc.enable()
