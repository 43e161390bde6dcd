"""Time reading many workbooks at once (omxl/consolidation/reading.py): one after the other in this process, on
local worker processes, and on a Dask LocalCluster of as many single-threaded worker processes.

    python -m benchmarks.many_books --books 40 --lines 10000 [--workers 2] [--modes serial,processes,cluster]
                                    [--repeat 3] [--json]
    python -m benchmarks.many_books --books 3 --lines 200 --modes serial,processes --json

The books are demo workbooks (omxl.demo.write_demo, one seed each), cached under benchmarks/.cache/. For each mode
it prints the seconds of the read_workbooks call, the peak memory of this process and of each worker process, and
where the time went: read_book's own seconds in the tasks, encoding and decoding the books on the way back, and
the rest (starting the processes, waiting). See benchmarks/README.md, "Many workbooks".
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import hashlib
import json
import os
import platform
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from omxl.consolidation.reading import read_workbooks
from omxl.demo import write_demo

CACHE = Path(__file__).resolve().parent / ".cache"
DEMO = Path(__file__).resolve().parents[1] / "omxl" / "demo"
MODES = ("serial", "processes", "cluster", "cluster_bytes")
_MB = 1024 * 1024


# --- the books --------------------------------------------------------------------------------------------------

def demo_key() -> str:
    """The first 8 hex digits of the SHA-256 of omxl/demo's sources: a changed generator names new books."""
    digest = hashlib.sha256()
    for path in sorted(DEMO.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def ensure_books(books: int, lines: int, cache: Path = CACHE) -> tuple[list[Path], float | None]:
    """unit-01/orders.xlsx ... one demo book per unit (seed = its number), built when missing. Returns the paths and
    the seconds it took to build the missing ones (None when all were cached)."""
    folder = cache / f"many-{lines}-{demo_key()}"
    paths = [folder / f"unit-{n:02d}" / "orders.xlsx" for n in range(1, books + 1)]
    missing = [p for p in paths if not p.exists()]
    started = time.perf_counter()
    for path in missing:
        write_demo(path, seed=int(path.parent.name.split("-")[1]), lines=lines)
    return paths, (time.perf_counter() - started if missing else None)


# --- memory of this process and its worker processes -----------------------------------------------------------

try:
    import psutil
except ImportError:   # the /proc files psutil reads, on Linux
    psutil = None


def _rss(pid: int) -> int:
    if psutil is not None:
        return psutil.Process(pid).memory_info().rss
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def _descendants(pid: int) -> list[int]:
    if psutil is not None:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").iterdir():
            children = [int(c) for c in (task / "children").read_text().split()]
            found += children
            todo += children
    return found


class TreeMemory:
    """Peak resident memory of this process and of each process under it (the pool's workers, the forkserver,
    a LocalCluster's nannies and workers) while the `with` block runs, sampled every 10 ms. This process's peak also
    takes the kernel's high-water mark (VmHWM, reset before the block) as benchmarks/pipeline.py does. A forked
    worker's RSS counts the pages it still shares with the process it was forked from."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self.before = 0   # this process's RSS at the start, after a gc.collect()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._hwm = False

    def __enter__(self) -> TreeMemory:
        gc.collect()
        _give_back()
        self.before = _rss(os.getpid())
        self._hwm = _reset_hwm()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._take(os.getpid())
        if self._hwm:
            self.peaks[os.getpid()] = max(self.peaks[os.getpid()], _read_hwm())

    def _take(self, pid: int) -> None:
        try:
            self.peaks[pid] = max(self.peaks.get(pid, 0), _rss(pid))
        except Exception:  # noqa: BLE001: psutil.NoSuchProcess, OSError: it ended between listing and reading
            pass

    def _sample(self) -> None:
        me, tree, listed = os.getpid(), [], 0.0
        while not self._stop.wait(self.interval):
            if time.monotonic() - listed > 0.1:   # listing the tree costs more than reading RSS: 10 times a second
                try:
                    tree, listed = _descendants(me), time.monotonic()
                except OSError:
                    pass
            for pid in (me, *tree):
                self._take(pid)


def _give_back() -> None:
    """Return the memory the previous mode's books left free to the system (glibc keeps it otherwise), so that
    each mode's "before" is where it really starts."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc
        pass


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _read_hwm() -> int:
    with open("/proc/self/status") as f:
        return next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:")), 0)


# --- one mode ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Task:
    """One book's figures (not the book: a mode's books are let go before the next mode runs)."""

    worker: str
    seconds: float
    transfer_seconds: float


@dataclass
class Timing:
    mode: str
    seconds: float
    parent_peak: int
    parent_before: int
    reads: list[Task]
    first_back: float                                           # seconds until the first book was back
    worker_peaks: dict[str, int] = field(default_factory=dict)  # worker -> peak RSS
    setup_seconds: float = 0.0                                  # starting the cluster, before the call

    def line(self, serial: Timing | None) -> str:
        speed = f"   {serial.seconds / self.seconds:.2f}x serial" if serial is not None and self is not serial else ""
        return (f"{self.mode:<15}{self.seconds:>9.2f} s{self.parent_peak / _MB:>10.1f} MB"
                f"{self.parent_before / _MB:>10.1f} MB{speed}")

    def details(self, workers: int) -> list[str]:
        read = sum(r.seconds for r in self.reads)
        moved = sum(r.transfer_seconds for r in self.reads)
        lanes = 1 if self.mode == "serial" else workers
        who = f"the {lanes} workers" if lanes > 1 else "this process"
        lines = [f"    read_book in the tasks {read:8.2f} s ({read / len(self.reads):.3f} s a book, "
                 f"median {statistics.median(r.seconds for r in self.reads):.3f}); {who} busy reading "
                 f"{read / (self.seconds * lanes):.0%} of the time",
                 f"    encoding + decoding    {moved:8.2f} s ({moved / len(self.reads) * 1000:.1f} ms a book: "
                 "pickling in the worker, unpickling here)",
                 f"    first book back after  {self.first_back:8.2f} s"]
        if self.setup_seconds:
            lines.append(f"    cluster start-up       {self.setup_seconds:8.2f} s (before the call, not counted)")
        by_worker: dict[str, list[Task]] = {}
        for r in self.reads:
            by_worker.setdefault(r.worker, []).append(r)
        for worker, mine in sorted(by_worker.items()):
            peak = self.worker_peaks.get(worker)
            lines.append(f"    {worker:<28}{len(mine):>4} books {sum(r.seconds for r in mine):8.2f} s read"
                         + (f"   peak {peak / _MB:7.1f} MB" if peak else ""))
        return lines

    def result(self) -> dict:
        return {"seconds": round(self.seconds, 3), "peak_rss_mb": round(self.parent_peak / _MB, 1),
                "before_rss_mb": round(self.parent_before / _MB, 1),
                "read_seconds": round(sum(r.seconds for r in self.reads), 3),
                "transfer_seconds": round(sum(r.transfer_seconds for r in self.reads), 3),
                "first_back_seconds": round(self.first_back, 3), "setup_seconds": round(self.setup_seconds, 3),
                "books": len(self.reads),
                "workers": {w: round(p / _MB, 1) for w, p in sorted(self.worker_peaks.items())}}


def run_mode(mode: str, paths: list[Path], workers: int, client=None, setup: float = 0.0) -> Timing:
    options = {"serial": {}, "processes": {"workers": workers}, "cluster": {"client": client},
               "cluster_bytes": {"client": client, "send": "bytes"}}[mode]
    firsts: list[float] = []
    with TreeMemory() as memory:
        started = time.perf_counter()
        reads = read_workbooks(paths, progress=lambda _: firsts.append(time.perf_counter()), **options)
        seconds = time.perf_counter() - started
    unread = [r for r in reads if not r.ok]
    if unread:
        raise SystemExit(f"many_books: {unread[0].path} could not be read: {unread[0].reason}")
    pids = {f"process {pid}": pid for pid in memory.peaks}
    if client is not None:   # a Dask worker's address -> its process
        pids.update(client.run(os.getpid))
    peaks = {worker: memory.peaks[pids[worker]] for worker in {r.worker for r in reads}
             if worker in pids and pids[worker] in memory.peaks}
    tasks = [Task(r.worker, r.seconds, r.transfer_seconds) for r in reads]
    return Timing(mode, seconds, memory.peaks[os.getpid()], memory.before, tasks, firsts[0] - started, peaks, setup)


# --- command line -----------------------------------------------------------------------------------------------

def _environment_line() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        import pyarrow
        arrow = f"pyarrow {pyarrow.__version__}"
    except ImportError:
        arrow = "no pyarrow"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"python {platform.python_version()}  pandas {pd.__version__}  numpy {np.__version__}  {arrow}  "
            f"cpus {os.cpu_count()} (usable {usable})  load {load}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.many_books", description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", type=int, default=40, help="workbooks to read (default 40)")
    parser.add_argument("--lines", type=int, default=10_000, help="order lines in each (default 10000; 200 at least)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, local and on the cluster (default 2)")
    parser.add_argument("--modes", default="serial,processes,cluster",
                        help=f"comma-separated, in this order: {', '.join(MODES)} (default serial,processes,cluster)")
    parser.add_argument("--cache", type=Path, default=CACHE,
                        help="where the books are kept (default benchmarks/.cache)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every mode in turn; each mode's figure is its best run (default 1)")
    parser.add_argument("--json", action="store_true", help="end with a JSON object of the figures per mode")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(unknown)}; known: {', '.join(MODES)}")

    print(_environment_line())
    paths, built = ensure_books(args.books, args.lines, args.cache)
    size = sum(p.stat().st_size for p in paths) / _MB
    print(f"books  {len(paths)} x {args.lines:,} lines in {paths[0].parent.parent}  {size:.1f} MB  "
          + (f"built in {built:.1f} s" if built is not None else "cached"))
    print(f"{'mode':<15}{'seconds':>11}{'peak MB':>13}{'before MB':>13}")
    runs: dict[str, list[Timing]] = {mode: [] for mode in modes}
    with contextlib.ExitStack() as stack:
        client, setup = None, 0.0
        if any(m.startswith("cluster") for m in modes):
            # One cluster for every round, started before the first: its start-up is printed, not timed.
            from distributed import Client, LocalCluster

            started = time.perf_counter()
            cluster = stack.enter_context(LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster, set_as_default=False))
            setup = time.perf_counter() - started
        # Rounds of every mode in turn, so that a stretch of load from other work on a shared machine falls on all
        # modes alike; each mode's best run is its figure.
        for round_ in range(args.repeat):
            if args.repeat > 1:
                print(f"round {round_ + 1} of {args.repeat}")
            for mode in modes:
                cluster_mode = mode.startswith("cluster")
                timing = run_mode(mode, paths, args.workers, client if cluster_mode else None,
                                  setup if cluster_mode else 0.0)
                runs[mode].append(timing)
                _show(timing, runs["serial"][-1] if runs.get("serial") else None, args.workers)
    best = {mode: min(timings, key=lambda t: t.seconds) for mode, timings in runs.items()}
    if args.repeat > 1:
        serial = best.get("serial")
        print(f"best of {args.repeat}: " + ", ".join(
            f"{mode} {t.seconds:.2f} s" + (f" ({serial.seconds / t.seconds:.2f}x serial)"
                                           if serial is not None and mode != "serial" else "")
            for mode, t in best.items()))
    if args.json:
        print(json.dumps({mode: {**timing.result(), "runs": [round(t.seconds, 3) for t in runs[mode]]}
                          for mode, timing in best.items()}))
    return 0


def _show(timing: Timing, serial: Timing | None, workers: int) -> None:
    print(timing.line(serial))
    print("\n".join(timing.details(workers)))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
