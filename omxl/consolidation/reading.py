"""Reading many workbooks at once: one plain Book per workbook, or the reason it could not be read (contract 4.9).

    paths = expand_sources(["north/*.xlsx", "south/orders.xlsx"])     # globs sorted, duplicates dropped
    reads = read_workbooks(paths, workers=2)                           # [WorkbookRead(path, book, reason), ...]

Each workbook is one task, `read_book(workbook, config=..., password=...)`, run

- in this process, one after the other (no `workers`, no cluster);
- on `workers` local processes (a ProcessPoolExecutor);
- on a Dask cluster: `client=` a `dask.distributed.Client`, or `scheduler=` the address of its scheduler
  ("tcp://host:8786"), for which a client is made here and closed after. Dask is imported only then, never by
  `import omxl` (`pip install "omxl[dask]"` installs it).

With `send="paths"` each task opens its file by path, so the workers must see the same files (local processes, a
cluster on a shared drive). With `send="bytes"` this process reads each file and ships its bytes, for workers on
machines that do not share the files; the task reads them from memory under the file's own name, so the books
are the same as read by path (the `source` column and the findings name the file alike).

Settings are resolved here, once per folder (`load_config(config, near=workbook)`: a workbook's omxl.toml beside
it counts, as for `read_book`), so a settings error raises before any task starts and every worker, wherever it
runs, reads with the same settings. A workbook that cannot be read (damaged, not a workbook, no table omxl needs,
or an unexpected error while reading it) becomes a `WorkbookRead` with no book and the reason in words, and the
others are read; a settings error (ConfigError) still raises. Results come in the order of `paths`, whatever
order the tasks finish in; `progress` hears of each as it finishes.
"""

from __future__ import annotations

import glob
import io
import multiprocessing
import os
import pickle
import sys
import time
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

import numpy as np
import pandas as pd

from ..book import Book
from ..config import Config, load_config
from ..errors import ConfigError, OmxlError, SourceError
from ..io.read import read_book
from ..io.read.encrypted import resolve_password
from ..io.read.sources import read_bytes

__all__ = ["ClusterError", "WorkbookRead", "expand_sources", "read_workbooks", "source_labels"]

Send = Literal["paths", "bytes"]
Transport = Literal["pickle", "arrow"]

DASK_INSTALL = 'pip install "omxl[dask]"'

# How a book read in another process comes back: pickled (protocol 5), or as Arrow IPC streams (one per frame, the
# columns of mixed Python objects pickled beside them) when pyarrow is installed. Measured on the 10,000-line demo
# book (10,000 orders, 9,486 shipments, 1,330 inventory rows; 13 frames, read_book about 0.45 s), encode + decode
# in one process, best (median) of 20, on 2 cores, pandas 3.1.1:
#   without pyarrow:          pickle 16.0 ms (18.7), 2.73 MB
#   with pyarrow 26.0.1:      pickle 16.9 ms (18.5), 2.78 MB;   Arrow IPC 41.1 ms (43.9), 3.60 MB
# Arrow is both slower and larger here: the book's text is in "string" columns of Python objects, which Arrow copies
# into its buffers and back into new Python strings, and it writes every value, where pickle writes a string object
# that recurs (a SKU, a status, the source file on every row) once and refers to it after. So pickle is the default;
# Arrow stays as transport="arrow" (tests/test_reading_many.py checks both give the same book).
DEFAULT_TRANSPORT: Transport = "pickle"

# The start method of the local worker processes. Measured on 2 cores (Linux, Python 3.11, pandas 3.1.1): a pool of
# 2 processes until both have run a first task with read_book imported, three pools one after the other,
#   fork 0.02 s each;  forkserver 0.73 s the first time in a process (its server imports pandas and omxl once),
#   then 0.04 s;  spawn 1.7-1.8 s every time (each process imports them).
# fork is the fastest but copies a process that may have threads running (a Jupyter kernel's, a Dask client's,
# the progress display's): a child can hang on a lock one of them held at the fork, and Python 3.12 warns of it.
# forkserver is as fast from its second pool on, and safe: workers are forked from a server process with no
# threads, which has imported this module (set_forkserver_preload in _context). Where there is no forkserver
# (Windows), spawn. Like spawn, forkserver imports the caller's main script in each worker, so a script that calls
# read_workbooks(workers=...) at its top level must do so under `if __name__ == "__main__":`.
START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class ClusterError(OmxlError):
    """The workbooks cannot be read on the cluster asked for: Dask is not installed, or its scheduler cannot be
    reached. Nothing was read; the message says what to do."""


@dataclass(frozen=True)
class WorkbookRead:
    """One workbook's read: its plain Book (no unit column), or None and the reason it could not be read.

    reason            one sentence or two for the user, what is wrong and what to do ("" when read); the
                      unreadable-source finding cites it
    seconds           how long read_book took, where it ran
    transfer_seconds  encoding the book where it was read and decoding it here (0 when read in this process)
    worker            where it was read: "this process", "process 4711", or a Dask worker's address
    """

    path: Path
    book: Book | None
    reason: str = ""
    seconds: float = 0.0
    transfer_seconds: float = 0.0
    worker: str = ""

    @property
    def ok(self) -> bool:
        return self.book is not None


# --- which files ------------------------------------------------------------------------------------------------

GLOB_CHARACTERS = frozenset("*?[")
# Excel keeps an owner file "~$orders.xlsx" beside a workbook while it is open: never a workbook of the user's.
OWNER_FILE_PREFIX = "~$"


def expand_sources(paths_or_globs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """The workbooks named: a path or pattern, or a list of them. Patterns ("regions/*/orders.xlsx", `**` for any
    depth) are expanded to their files in sorted order, plain paths kept in the order given; a file named twice
    comes once, where it first came. A pattern that matches no file, or a path that is not there, is a
    SourceError naming it."""
    items = [paths_or_globs] if isinstance(paths_or_globs, (str, os.PathLike)) else list(paths_or_globs)
    if not items:
        raise SourceError("consolidate", "no workbook was given.",
                          "Pass at least one path or pattern, such as 'regions/*/orders.xlsx'.")
    found: list[Path] = []
    seen: set[Path] = set()
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"a workbook is named by a path or a pattern (str or Path), not {type(item).__name__}")
        text = os.fspath(item)
        path = Path(text)
        # A file whose name holds [ or * is itself before it is a pattern.
        if GLOB_CHARACTERS & set(text) and not path.exists():
            matches = [Path(m) for m in sorted(glob.glob(text, recursive=True))
                       if os.path.isfile(m) and not Path(m).name.startswith(OWNER_FILE_PREFIX)]
            if not matches:
                raise SourceError(text, "no file matches this pattern.",
                                  "Check the folder and the file names in it; * matches any name in one folder "
                                  "(regions/*/orders.xlsx), ** any number of folders (regions/**/*.xlsx).")
        elif not path.exists():
            raise SourceError(text, "file not found.", "Check the path and the file name.")
        elif path.is_dir():
            raise SourceError(text, "this is a folder, not a file.",
                              f"Name the workbooks inside it, or a pattern such as '{Path(text, '*.xlsx')}'.")
        else:
            matches = [path]
        for match in matches:
            key = match.resolve()
            if key not in seen:
                seen.add(key)
                found.append(match)
    return found


def source_labels(paths: Iterable[str | os.PathLike]) -> list[str]:
    """Each path relative to the folder all of them are in ("north/orders.xlsx", "south/orders.xlsx"): how
    progress and messages name a workbook among many. One path is its file name."""
    resolved = [Path(p).resolve() for p in paths]
    if not resolved:
        return []
    try:
        common = Path(os.path.commonpath([p.parent for p in resolved]))
    except ValueError:   # on different drives (Windows): nothing in common
        return [str(p) for p in resolved]
    return [p.relative_to(common).as_posix() for p in resolved]


# --- reading them -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    index: int
    path: Path
    label: str
    settings: Config


def read_workbooks(paths: str | os.PathLike | Iterable[str | os.PathLike], *, workers: int | None = None,
                   client: Any = None, scheduler: str | None = None, send: Send = "paths",
                   config: "Config | dict | str | Path | None" = None, password: str | None = None,
                   progress: Callable[[str], object] | None = None,
                   transport: Transport | None = None) -> list[WorkbookRead]:
    """Read each workbook into its own Book, in parallel when asked; one WorkbookRead per path, in that order.

    workers    local processes to read on (None or 1: in this process, one after the other)
    client     a dask.distributed.Client: read on its cluster
    scheduler  instead of a client, the scheduler's address ("tcp://host:8786"): a client is made and closed here
    send       "paths": each task opens its file (the workers see the same files); "bytes": the file's bytes are
               read here and sent (workers on other machines)
    config     as for read_book; None: an omxl.toml beside each workbook, else the defaults
    password   for password-protected workbooks (default: the OMXL_PASSWORD variable of this process)
    progress   called with "Read north/orders.xlsx" or "Could not read south/orders.xlsx" as each finishes
    transport  how books come back from other processes: "pickle" (default) or "arrow" (needs pyarrow)

    A workbook that cannot be read gives `book=None` and the reason; the others are read. A settings error
    (ConfigError) raises, as does ClusterError when the cluster cannot be used.
    """
    paths = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
    if send not in ("paths", "bytes"):
        raise ValueError(f"send must be 'paths' or 'bytes', not {send!r}")
    if transport not in (None, "pickle", "arrow"):
        raise ValueError(f"transport must be 'pickle' or 'arrow', not {transport!r}")
    if client is not None and scheduler is not None:
        raise ValueError("give client= or scheduler=, not both: scheduler= makes a client for that address")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a whole number of processes, 1 or more, not {workers!r}")
    if workers not in (None, 1) and (client is not None or scheduler is not None):
        raise ValueError("give workers= (local processes) or a Dask client/scheduler, not both")
    codec = transport or DEFAULT_TRANSPORT
    if codec == "arrow" and not _has_pyarrow():
        raise ValueError('transport="arrow" needs pyarrow in this Python (pip install "omxl[dask]" installs it)')
    labels = source_labels(paths)
    # Settings here, once per folder: a settings error raises before any task starts, and remote workers (which
    # may not see an omxl.toml beside the workbook) read with what this machine found.
    found: dict[Path, Config] = {}
    shared = load_config(config) if config is not None else None
    jobs = []
    for index, (path, label) in enumerate(zip(paths, labels)):
        folder = path.resolve().parent
        if shared is None and folder not in found:
            found[folder] = load_config(None, near=path)
        jobs.append(_Job(index, path, label, shared or found[folder]))
    password = resolve_password(password)
    run = _Run(jobs, send, password, codec, progress)
    if client is not None or scheduler is not None:
        return run.on_dask(client, scheduler)
    if workers not in (None, 1):
        return run.on_processes(workers)
    return run.here()


@dataclass(frozen=True)
class _Outcome:
    """What a task sends back: the book encoded, or the reason it could not be read, or the settings error."""

    payload: bytes | None = None
    codec: str = ""
    reason: str = ""
    error: BaseException | None = None
    seconds: float = 0.0
    encode_seconds: float = 0.0
    worker: str = ""


def _read_task(source: str | bytes, name: str, settings: Config, password: str | None, codec: str) -> _Outcome:
    """One workbook, read where the task runs: a path, or the file's bytes and its name."""
    worker = _worker_name()
    started = time.perf_counter()
    try:
        book, reason = _attempt(source, name, settings, password)
    except ConfigError as error:
        return _Outcome(error=_portable(error), seconds=time.perf_counter() - started, worker=worker)
    seconds = time.perf_counter() - started
    if book is None:
        return _Outcome(reason=reason, seconds=seconds, worker=worker)
    started = time.perf_counter()
    payload, codec = encode_book(book, codec)
    return _Outcome(payload=payload, codec=codec, seconds=seconds, encode_seconds=time.perf_counter() - started,
                    worker=worker)


def _attempt(source: str | bytes, name: str, settings: Config, password: str | None) -> tuple[Book | None, str]:
    """(the book, "") or (None, the reason it could not be read); a settings error raises."""
    try:
        return _read(source, name, settings, password), ""
    except ConfigError:
        raise
    except BaseException as error:  # noqa: BLE001: calamine's Rust panics are BaseExceptions, not Exceptions
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return None, reason_for(error)


def _read(source: str | bytes | Path, name: str, settings: Config, password: str | None) -> Book:
    if isinstance(source, bytes):
        stream = io.BytesIO(source)
        stream.name = name   # read_book names an open file by its .name: the same source as by path
        return read_book(stream, config=settings, password=password)
    return read_book(source, config=settings, password=password)


def reason_for(error: BaseException) -> str:
    """Why a workbook could not be read, in the words the reader used (what is wrong, then what to do), without the
    file's name: the unreadable-source finding names the file itself."""
    if isinstance(error, SourceError):
        return f"{error.problem} {error.remedy}".strip()
    if isinstance(error, OmxlError):
        return str(error)
    detail = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return (f"reading it stopped on an unexpected error ({type(error).__name__}{': ' + detail if detail else ''}). "
            "Check that Excel opens it; if it does, please report this error with the file.")


def _portable(error: ConfigError) -> ConfigError:
    """The settings error itself when it survives pickling (to come back from another process), else a ConfigError
    with its text (an error with arguments of its own, like RuleError, may not)."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001: any failure to pickle means: send the text
        return ConfigError(str(error))


def _worker_name() -> str:
    if "distributed" in sys.modules:   # imported only on a Dask worker (or by a caller that uses Dask)
        try:
            from distributed import get_worker
            return get_worker().address
        except (ImportError, ValueError):
            pass
    return f"process {os.getpid()}"


class _Run:
    """One read_workbooks call: its jobs, where the results go and what progress hears."""

    # What each task runs where it runs (tests put a task in its place that makes its process die).
    task = staticmethod(_read_task)

    def __init__(self, jobs: list[_Job], send: Send, password: str | None, codec: str,
                 progress: Callable[[str], object] | None):
        self.jobs, self.send, self.password, self.codec, self.progress = jobs, send, password, codec, progress
        self.results: list[WorkbookRead | None] = [None] * len(jobs)

    def finish(self, job: _Job, read: WorkbookRead) -> None:
        self.results[job.index] = read
        if self.progress is not None:
            self.progress(f"Read {job.label}" if read.ok else f"Could not read {job.label}")

    def source(self, job: _Job, absolute: bool = True) -> str | bytes | WorkbookRead:
        """What a task is given: the file's absolute path (a worker's working folder may be another), or its
        bytes; a file this process cannot read for sending is already its failed WorkbookRead."""
        if self.send == "paths":
            return str(job.path.resolve()) if absolute else str(job.path)
        try:
            return read_bytes(job.path, job.settings.max_file_mb)[1]
        except SourceError as error:
            return WorkbookRead(job.path, None, reason_for(error), worker="this process")

    def outcome(self, job: _Job, outcome: _Outcome) -> WorkbookRead:
        """A task's outcome as the job's WorkbookRead, the book decoded; a settings error raises here."""
        if outcome.error is not None:
            raise outcome.error
        if outcome.payload is None:
            return WorkbookRead(job.path, None, outcome.reason, outcome.seconds, 0.0, outcome.worker)
        started = time.perf_counter()
        try:
            book = decode_book(outcome.payload, outcome.codec)
        except Exception as error:  # noqa: BLE001: a book pickled by other versions of pandas or omxl
            return WorkbookRead(job.path, None, (
                f"it was read on {outcome.worker}, but the book could not be brought back here "
                f"({type(error).__name__}: {error}). Install the same versions of omxl, pandas and pyarrow on the "
                "workers as here."), outcome.seconds, 0.0, outcome.worker)
        return WorkbookRead(job.path, book, "", outcome.seconds,
                            outcome.encode_seconds + time.perf_counter() - started, outcome.worker)

    # --- in this process ---

    def here(self) -> list[WorkbookRead]:
        for job in self.jobs:
            source = self.source(job, absolute=False)
            if isinstance(source, WorkbookRead):
                self.finish(job, source)
                continue
            started = time.perf_counter()
            book, reason = _attempt(source, job.path.name, job.settings, self.password)
            self.finish(job, WorkbookRead(job.path, book, reason, time.perf_counter() - started, 0.0,
                                          "this process"))
        return list(self.results)

    # --- on local processes ---

    def on_processes(self, workers: int) -> list[WorkbookRead]:
        waiting = deque(self.jobs)
        while waiting:
            for job in self._pool(waiting, workers):
                self.finish(job, self._alone(job))
        return list(self.results)

    def _pool(self, waiting: deque[_Job], workers: int) -> list[_Job]:
        """Run jobs from `waiting` on a pool until all are done or a worker process dies; then the jobs that were
        on the pool when it broke (the others stay waiting, for a new pool)."""
        # In flight at most two per worker: each worker has its next task at hand, and with send="bytes" no more
        # than that many files are held in memory here.
        window = 2 * workers
        broken: list[_Job] = []
        pool = ProcessPoolExecutor(workers, mp_context=_context())
        in_flight: dict[Future, _Job] = {}
        try:
            while waiting or in_flight:
                while waiting and len(in_flight) < window and not broken:
                    job = waiting.popleft()
                    source = self.source(job)
                    if isinstance(source, WorkbookRead):
                        self.finish(job, source)
                        continue
                    try:
                        in_flight[pool.submit(self.task, source, job.path.name, job.settings, self.password,
                                              self.codec)] = job
                    except BrokenProcessPool:
                        broken.append(job)
                if not in_flight:
                    break
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    job = in_flight.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken.append(job)
                        continue
                    except Exception as error:  # noqa: BLE001: e.g. a result that could not be pickled
                        self.finish(job, WorkbookRead(job.path, None, reason_for(error), worker="a worker process"))
                        continue
                    self.finish(job, self.outcome(job, outcome))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return sorted(broken, key=lambda j: j.index)

    def _alone(self, job: _Job) -> WorkbookRead:
        """A job that was on a pool when a worker process died, run again on a process of its own: the one that
        kills its process is the one that gets the reason, not the others that happened to be running."""
        source = self.source(job)
        if isinstance(source, WorkbookRead):
            return source
        with ProcessPoolExecutor(1, mp_context=_context()) as pool:
            try:
                return self.outcome(job, pool.submit(self.task, source, job.path.name, job.settings,
                                                     self.password, self.codec).result())
            except BrokenProcessPool:
                return WorkbookRead(job.path, None, (
                    "the process reading it stopped before it finished, as when it runs out of memory or crashes. "
                    "Check that Excel opens it and save it again, or read it on its own (omxl read FILE) to see "
                    "what happens."), worker="a worker process")

    # --- on a Dask cluster ---

    def on_dask(self, client: Any, scheduler: str | None) -> list[WorkbookRead]:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise ClusterError(f"Reading on a Dask cluster needs Dask, which is not installed here: {DASK_INSTALL}, "
                               "then run again (or read on local processes with workers=N).") from None
        own = None
        if client is None:
            try:
                client = own = Client(scheduler, set_as_default=False)
            except Exception as error:  # noqa: BLE001: OSError, TimeoutError or ValueError, all said the same way
                raise ClusterError(f"{scheduler}: no Dask scheduler could be reached there ({type(error).__name__}: "
                                   f"{error}). Check the address, and that `dask scheduler` runs there and this "
                                   "machine can reach its port.") from None
        try:
            return self._on_cluster(client, as_completed)
        finally:
            if own is not None:
                own.close()

    def _on_cluster(self, client: Any, as_completed: Any) -> list[WorkbookRead]:
        # With send="paths" every task goes to the scheduler at once (a path is a few bytes, and the scheduler
        # balances them); with send="bytes" two per worker thread at a time, so this process holds no more files
        # than that in memory however many there are.
        slots = sum(client.nthreads().values()) or 1
        window = 2 * slots if self.send == "bytes" else len(self.jobs)
        waiting = deque(self.jobs)
        on_cluster: dict[str, tuple[_Job, Any]] = {}

        def top_up() -> list[Any]:
            submitted = []
            while waiting and len(on_cluster) < window:
                job = waiting.popleft()
                source = self.source(job)
                if isinstance(source, WorkbookRead):
                    self.finish(job, source)
                    continue
                future = client.submit(self.task, source, job.path.name, job.settings, self.password, self.codec,
                                       key=f"read_workbook-{uuid.uuid4().hex}", pure=False)
                on_cluster[future.key] = (job, future)
                submitted.append(future)
            return submitted

        finished = as_completed(top_up(), loop=client.loop)   # this client's, not the default client's
        try:
            for future in finished:
                job, _ = on_cluster.pop(future.key)
                try:
                    outcome = future.result()
                except Exception as error:  # noqa: BLE001: the worker died (KilledWorker), the task was lost
                    self.finish(job, WorkbookRead(job.path, None, reason_for(error), worker="a Dask worker"))
                else:
                    read = self.outcome(job, outcome)
                    if not read.ok and self.send == "paths" and read.reason.startswith("file not found.") \
                            and job.path.exists():
                        read = replace(read, reason=(
                            f"the Dask worker at {read.worker} cannot see the file {job.path.resolve()}: it does "
                            "not share this machine's files. Pass send=\"bytes\" to send the workbooks' contents, "
                            "or put them on a drive every worker sees under the same path."))
                    self.finish(job, read)
                future.release()
                for more in top_up():
                    finished.add(more)
        except BaseException:
            client.cancel([future for _, future in on_cluster.values()])
            raise
        return list(self.results)


_preloaded = False


def _context() -> multiprocessing.context.BaseContext:
    """The start method of the worker processes (START_METHOD, chosen and measured above)."""
    global _preloaded
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file is not None and not os.path.exists(main_file) and "fork" in multiprocessing.get_all_start_methods():
        # A program read from standard input (`python - < script.py`) cannot be imported again by a new process,
        # as forkserver and spawn import the main module: its processes are forked instead.
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver" and not _preloaded:
        # The server imports this module (so pandas and omxl) once; every worker forked from it has them. Set
        # before its first start only: a server another part of the program started keeps its own list.
        context.set_forkserver_preload([__name__])
        _preloaded = True
    return context


# --- books across processes -------------------------------------------------------------------------------------

def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def encode_book(book: Book, codec: str = DEFAULT_TRANSPORT) -> tuple[bytes, str]:
    """The book as bytes to send to another process, and the codec used: "arrow" (Arrow IPC for the columns Arrow
    holds exactly, pickle for the rest) when asked and pyarrow is installed here, else "pickle"."""
    if codec == "arrow" and _has_pyarrow():
        return _arrow_encode(book), "arrow"
    return pickle.dumps(book, protocol=pickle.HIGHEST_PROTOCOL), "pickle"


def decode_book(payload: bytes, codec: str) -> Book:
    """The Book encode_book made `payload` from, identical to it (every frame, dtype and column name)."""
    if codec == "arrow":
        return _arrow_decode(payload)
    return pickle.loads(payload)


# The frames of a Book, by where they sit in it.
def _frames(book: Book) -> dict[tuple[str, str], pd.DataFrame]:
    return {**{("tables", name): frame for name, frame in book.tables.items()},
            ("findings", ""): book.findings, ("layout", ""): book.layout, ("column_map", ""): book.column_map}


@dataclass
class _ArrowFrame:
    """A frame as an Arrow IPC stream of the columns Arrow holds exactly, the rest (mixed Python objects) pickled
    with it, and what rebuilds the frame: column names, dtypes, index, attrs."""

    stream: bytes
    in_arrow: list[int]
    kept: dict[int, pd.Series]
    columns: pd.Index
    dtypes: list[Any]
    index: pd.Index
    attrs: dict = field(default_factory=dict)


def _exact_in_arrow(dtype: Any) -> bool:
    """Columns Arrow carries value for value: numpy numbers, booleans and dates (dates as their int64 nanoseconds,
    NaT included), and pandas' extension types that convert both ways (Int64, boolean, string, str, ...). Columns of
    Python objects (mixed values) are not: they are pickled."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in "biufmM"
    return hasattr(dtype, "__from_arrow__") and hasattr(dtype.construct_array_type(), "__arrow_array__")


def _arrow_encode(book: Book) -> bytes:
    import pyarrow as pa

    encoded = {}
    for key, frame in _frames(book).items():
        arrays, in_arrow, kept = [], [], {}
        for i in range(frame.shape[1]):
            series = frame.iloc[:, i]
            if _exact_in_arrow(series.dtype):
                values = series.to_numpy() if isinstance(series.dtype, np.dtype) else series.array
                if isinstance(series.dtype, np.dtype) and series.dtype.kind in "mM":
                    values = values.view("int64")   # NaT and all: the exact nanoseconds
                arrays.append(pa.array(values))
                in_arrow.append(i)
            else:
                kept[i] = series
        table = pa.Table.from_arrays(arrays, names=[str(i) for i in in_arrow])
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        encoded[key] = _ArrowFrame(sink.getvalue().to_pybytes(), in_arrow, kept, frame.columns, list(frame.dtypes),
                                   frame.index, dict(frame.attrs))
    shell = replace(book, tables={}, findings=None, layout=None, column_map=None)
    return pickle.dumps((shell, encoded), protocol=pickle.HIGHEST_PROTOCOL)


def _arrow_decode(payload: bytes) -> Book:
    import pyarrow as pa

    shell, encoded = pickle.loads(payload)
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    for key, part in encoded.items():
        table = pa.ipc.open_stream(part.stream).read_all()
        # Every column as a Series on 0..n-1 (the frame's own index is put back after): a Series keeps its dtype,
        # where a bare array of Python objects holding only text would be taken for text by pandas 3.
        rows = pd.RangeIndex(len(part.index))
        columns = {i: series.reset_index(drop=True) for i, series in part.kept.items()}
        for position, i in enumerate(part.in_arrow):
            dtype, chunked = part.dtypes[i], table.column(position)
            if isinstance(dtype, np.dtype):
                values = chunked.to_numpy()
                values = values.view(dtype) if dtype.kind in "mM" else values.astype(dtype, copy=False)
            else:
                values = dtype.__from_arrow__(chunked)
            columns[i] = pd.Series(values, index=rows, dtype=dtype, copy=False)
        frame = pd.DataFrame({i: columns[i] for i in range(len(part.dtypes))}, copy=False)
        frame.index = part.index
        frame.columns = part.columns
        frame.attrs = part.attrs
        frames[key] = frame
    tables = {name: frame for (where, name), frame in frames.items() if where == "tables"}
    return replace(shell, tables=tables, findings=frames[("findings", "")], layout=frames[("layout", "")],
                   column_map=frames[("column_map", "")])
