"""Reading many workbooks at once (contract 4.9, omxl/consolidation/reading.py): three branches' order books written
here (north, south, west) and a head office's supplier list, read in this process, on two local processes, on a
Dask LocalCluster and on a cluster started from Dask's own command line, by path and by bytes: every way gives the
same books as reading each file with read_book, frame for frame; the damaged workbook and the one without a table
give their reasons in words and the others are read."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pandas.testing import assert_frame_equal

import omxl
from conftest import ROOT, write_book
from omxl.consolidation import reading
from omxl.consolidation.reading import (ClusterError, WorkbookRead, decode_book, encode_book, expand_sources,
                                        read_workbooks, source_labels)

BRANCHES = ("north", "south", "west")
DAMAGED = ("the file is damaged (an incomplete or corrupt .xlsx/.ods package). "
           "Copy or export it again; if Excel can open it, save it again as .xlsx.")
NO_TABLES = ("no orders, inventory or purchase orders table was found; found: Suppliers (suppliers). Name a sheet "
             "'Orders' (order_id, order_date, customer_id, sku, qty), 'Inventory' (sku, on_hand) or 'Purchase "
             "Orders' (po_id, supplier_id, sku, qty), or give it a header row with those columns; or map your "
             "headers in omxl.toml with lines such as these, writing each header as you have it in place of Your "
             "header:\n[columns.orders]\n\"Your header\" = \"order_id\"")
LABELS = ["north/orders.xlsx", "south/orders.xlsx", "west/orders.xlsx", "office/suppliers.xlsx"]


def branch_sheets(number: int) -> dict[str, tuple[tuple, ...]]:
    """A branch's order book: 20 order lines and its stock. Each branch has its own orders, quantities and dates;
    one quantity typed as text ("1,200") and a Notes column of mixed values (text, a number, blanks), so reading
    has findings to carry and a column of Python objects to send back."""
    orders = [("Order #", "Order Date", "Customer", "SKU", "Qty", "Unit Price", "Promised Date", "Status", "Notes")]
    for i in range(20):
        orders.append((f"O-{1001 + i // 2}", dt.date(2026, 3, 1 + i), f"C-{number}{i % 4}", f"SKU-{i % 5}",
                       "1,200" if i == 7 else 2 + (i * number) % 9, 4.5 + i, dt.date(2026, 3, 10 + i),
                       "Open" if i % 3 else "Shipped", (None, "rush", 42)[i % 3]))
    stock = [("SKU", "Description", "On Hand", "Unit Cost")] + [
        (f"SKU-{k}", f"Widget {k}", 10 * number + k, 1.25 * (k + 1)) for k in range(5)]
    return {"Orders": tuple(orders), "Inventory": tuple(stock)}


@pytest.fixture(scope="module")
def branches(tmp_path_factory) -> list[Path]:
    """north/orders.xlsx, south/orders.xlsx (damaged: its first 2,000 bytes only), west/orders.xlsx and
    office/suppliers.xlsx (a supplier list, no table to work on)."""
    root = tmp_path_factory.mktemp("branches")
    paths = []
    for number, branch in enumerate(BRANCHES, start=1):
        (root / branch).mkdir()
        paths.append(write_book(root / branch / "orders.xlsx", branch_sheets(number)))
    south = paths[1]
    south.write_bytes(south.read_bytes()[:2000])
    (root / "office").mkdir()
    paths.append(write_book(root / "office" / "suppliers.xlsx", {
        "Suppliers": (("Supplier ID", "Supplier Name", "Lead Time Days"), ("S-1", "Acme", 7), ("S-2", "Beta", 12))}))
    return paths


@pytest.fixture(scope="module")
def expected(branches) -> dict[Path, omxl.Book]:
    """Each readable workbook read alone with read_book: what every way of reading many must give."""
    return {path: omxl.read_book(path) for path in (branches[0], branches[2])}


def assert_same_book(left: omxl.Book, right: omxl.Book) -> None:
    assert list(left.tables) == list(right.tables)
    for name in left.tables:
        assert_frame_equal(left.tables[name], right.tables[name], obj=f"table {name}")
    assert_frame_equal(left.findings, right.findings, obj="findings")
    assert_frame_equal(left.layout, right.layout, obj="layout")
    assert_frame_equal(left.column_map, right.column_map, obj="column_map")
    assert left.sources == right.sources


def assert_reads(reads: list[WorkbookRead], branches: list[Path], expected: dict[Path, omxl.Book]) -> None:
    """In the order given: north and west read as read_book reads them, south damaged, the office list without
    tables."""
    assert [r.path for r in reads] == branches
    assert [r.ok for r in reads] == [True, False, True, False]
    for read in reads:
        if read.ok:
            assert_same_book(read.book, expected[read.path])
            assert read.reason == "" and read.seconds > 0
    assert reads[1].book is None and reads[1].reason == DAMAGED
    assert reads[3].reason == NO_TABLES


# --- which files --------------------------------------------------------------------------------------------------

@pytest.mark.core
def test_expand_sources_sorts_globs_keeps_paths_in_order_and_drops_repeats(branches, tmp_path, monkeypatch):
    root = branches[0].parent.parent
    monkeypatch.chdir(root)
    (root / "west" / "~$orders.xlsx").write_bytes(b"owner file Excel keeps while the workbook is open")
    # A plain path first, then a pattern that matches it again: it stays where it first came.
    assert expand_sources(["west/orders.xlsx", "*/orders.xlsx"]) == [
        Path("west/orders.xlsx"), Path("north/orders.xlsx"), Path("south/orders.xlsx")]
    assert expand_sources("**/*.xlsx") == [Path("north/orders.xlsx"), Path("office/suppliers.xlsx"),
                                           Path("south/orders.xlsx"), Path("west/orders.xlsx")]
    assert expand_sources(Path("office/suppliers.xlsx")) == [Path("office/suppliers.xlsx")]
    # The same file by another spelling is the same file.
    assert expand_sources(["north/orders.xlsx", str(root / "north" / "orders.xlsx")]) == [Path("north/orders.xlsx")]


@pytest.mark.core
def test_expand_sources_names_what_is_missing(branches, monkeypatch):
    monkeypatch.chdir(branches[0].parent.parent)
    with pytest.raises(omxl.SourceError) as caught:
        expand_sources(["north/orders.xlsx", "east/*.xlsx"])
    assert str(caught.value) == (
        "east/*.xlsx: no file matches this pattern. Check the folder and the file names in it; * matches any name "
        "in one folder (regions/*/orders.xlsx), ** any number of folders (regions/**/*.xlsx).")
    with pytest.raises(omxl.SourceError) as caught:
        expand_sources(["north/orders.xlsx", "east/orders.xlsx"])
    assert str(caught.value) == "east/orders.xlsx: file not found. Check the path and the file name."
    with pytest.raises(omxl.SourceError) as caught:
        expand_sources("north")
    assert str(caught.value) == ("north: this is a folder, not a file. Name the workbooks inside it, or a pattern "
                                 "such as 'north/*.xlsx'.")
    with pytest.raises(omxl.SourceError) as caught:
        expand_sources([])
    assert str(caught.value) == ("consolidate: no workbook was given. Pass at least one path or pattern, such as "
                                 "'regions/*/orders.xlsx'.")


@pytest.mark.core
def test_source_labels_are_relative_to_the_common_folder(branches):
    assert source_labels(branches) == LABELS
    assert source_labels(branches[:1]) == ["orders.xlsx"]


# --- in this process and on local processes -----------------------------------------------------------------------

@pytest.mark.core
def test_read_one_after_the_other_in_the_order_given(branches, expected):
    heard: list[str] = []
    reads = read_workbooks(branches, progress=heard.append)
    assert_reads(reads, branches, expected)
    assert heard == ["Read north/orders.xlsx", "Could not read south/orders.xlsx", "Read west/orders.xlsx",
                     "Could not read office/suppliers.xlsx"]
    assert {r.worker for r in reads} == {"this process"} and {r.transfer_seconds for r in reads} == {0.0}
    # The same by bytes: the books name their file as when read by path.
    assert_reads(read_workbooks(branches, send="bytes"), branches, expected)
    # One path is a list of one.
    one, = read_workbooks(str(branches[0]))
    assert one.path == branches[0] and one.worker == "this process"
    assert_same_book(one.book, expected[branches[0]])


@pytest.mark.core
def test_two_local_processes_read_the_same_books(branches, expected):
    heard: list[str] = []
    reads = read_workbooks(branches, workers=2, progress=heard.append)
    assert_reads(reads, branches, expected)
    # In the order they finished, which is the processes' business: each once.
    assert sorted(heard) == sorted(["Read north/orders.xlsx", "Could not read south/orders.xlsx",
                                    "Read west/orders.xlsx", "Could not read office/suppliers.xlsx"])
    workers = {r.worker for r in reads}
    assert all(w.startswith("process ") and w != f"process {os.getpid()}" for w in workers)
    assert all(r.transfer_seconds > 0 for r in reads if r.ok)
    assert_reads(read_workbooks(branches, workers=2, send="bytes"), branches, expected)


@pytest.mark.core
def test_a_book_comes_back_identical_pickled_or_in_arrow(expected):
    book = next(iter(expected.values()))
    assert book.orders["Notes"].dtype == object   # mixed values: pickled even in the Arrow form
    payload, codec = encode_book(book, "pickle")
    assert codec == "pickle"
    assert_same_book(decode_book(payload, codec), book)


def test_a_book_comes_back_identical_in_arrow(expected):
    # Not a core test: the Arrow transport needs pyarrow, which the whole suite's environment has.
    import pyarrow  # noqa: F401  (fails, never skips, where it is missing)

    book = next(iter(expected.values()))
    payload, codec = encode_book(book, "arrow")
    assert codec == "arrow"
    back = decode_book(payload, codec)
    assert_same_book(back, book)
    assert back.config == book.config


def test_arrow_transport_on_local_processes(branches, expected):
    import pyarrow  # noqa: F401  (the whole suite's environment has it)

    assert_reads(read_workbooks(branches, workers=2, transport="arrow"), branches, expected)


@pytest.mark.core
def test_a_settings_error_raises_and_reads_nothing(branches):
    # Found here, before any task starts.
    with pytest.raises(omxl.ConfigError, match="max_file_mb"):
        read_workbooks(branches, workers=2, config={"max_file_mb": -5})
    # Found by read_book in a worker, on the sheets it read (a map for a table that does not exist): it comes
    # back and raises here too, never a reason of one workbook.
    with pytest.raises(omxl.ConfigError) as caught:
        read_workbooks(branches[:1], workers=2, config={"columns": {"ordres": {"Order #": "order_id"}}})
    assert str(caught.value).startswith("setting 'columns.ordres': no table is called 'ordres'")


@pytest.mark.core
def test_an_unexpected_error_is_the_reason_of_its_workbook_only(branches, expected, monkeypatch):
    real = reading.read_book

    def failing(source, **options):
        if Path(str(source)).parent.name == "west":   # not "west" in the path: a folder may be .../lowest-tmp/...
            raise KeyError("Unit Cost")
        return real(source, **options)

    monkeypatch.setattr(reading, "read_book", failing)
    reads = read_workbooks(branches[:3])
    assert [r.ok for r in reads] == [True, False, False]
    assert_same_book(reads[0].book, expected[branches[0]])
    assert reads[2].reason == ("reading it stopped on an unexpected error (KeyError: 'Unit Cost'). Check that Excel "
                               "opens it; if it does, please report this error with the file.")


def _crash_on_south(source, name, settings, password, codec):
    """A task whose process dies on the south branch's workbook, as on running out of memory."""
    if Path(str(source)).parent.name == "south":   # its folder, not a word of the path ("lowest-tmp" holds "west")
        os._exit(3)
    return reading._read_task(source, name, settings, password, codec)


@pytest.mark.core
def test_a_worker_process_that_dies_costs_only_its_own_workbook(branches, expected, monkeypatch):
    monkeypatch.setattr(reading._Run, "task", staticmethod(_crash_on_south))
    reads = read_workbooks(branches, workers=2)
    assert [r.ok for r in reads] == [True, False, True, False]
    assert_same_book(reads[2].book, expected[branches[2]])
    assert reads[1].reason == (
        "the process reading it stopped before it finished, as when it runs out of memory or crashes. Check that "
        "Excel opens it and save it again, or read it on its own (omxl read FILE) to see what happens.")
    assert reads[3].reason == NO_TABLES


# --- on a Dask cluster --------------------------------------------------------------------------------------------

@pytest.mark.core
def test_import_omxl_does_not_import_dask():
    result = subprocess.run(
        [sys.executable, "-c", "import sys, omxl, omxl.consolidation.reading; "
                               "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.core
def test_without_dask_a_cluster_says_how_to_install_it(branches, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)   # as if not installed: import fails
    with pytest.raises(ClusterError) as caught:
        read_workbooks(branches, scheduler="tcp://127.0.0.1:8786")
    assert str(caught.value) == ('Reading on a Dask cluster needs Dask, which is not installed here: pip install '
                                 '"omxl[dask]", then run again (or read on local processes with workers=N).')


@pytest.fixture(scope="module")
def local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) \
            as cluster, distributed.Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture(scope="module")
def unit_books(tmp_path_factory) -> tuple[Path, omxl.Book]:
    """tests/branch_books.py's branches (one corrupt, two sharing order numbers, a conflicting supplier) and the
    book consolidate makes of them reading one after the other."""
    from branch_books import write_branches
    folder = tmp_path_factory.mktemp("units")
    write_branches(folder)
    return folder, omxl.consolidate(str(folder / "*" / "orders.xlsx"))


def assert_same_consolidated(left: omxl.Book, right: omxl.Book) -> None:
    for name, frame in right.tables.items():
        assert_frame_equal(left.tables[name], frame)
    assert_frame_equal(left.findings, right.findings)
    assert_frame_equal(left.layout, right.layout)
    assert left.sources == right.sources


def test_consolidate_on_a_local_cluster_gives_the_serial_book(unit_books, local_cluster):
    folder, serial = unit_books
    on_cluster = omxl.consolidate(str(folder / "*" / "orders.xlsx"), client=local_cluster)
    assert_same_consolidated(on_cluster, serial)
    assert list(on_cluster.orders["unit"].unique()) == ["north", "south", "west"]
    assert "unreadable-source" in set(on_cluster.findings["code"])
    assert_same_consolidated(omxl.consolidate(str(folder / "*" / "orders.xlsx"), client=local_cluster,
                                              send="bytes"), serial)


def test_a_dask_cluster_reads_the_same_books_by_path_and_by_bytes(branches, expected, local_cluster):
    heard: list[str] = []
    reads = read_workbooks(branches, client=local_cluster, progress=heard.append)
    assert_reads(reads, branches, expected)
    assert sorted(heard) == sorted(["Read north/orders.xlsx", "Could not read south/orders.xlsx",
                                    "Read west/orders.xlsx", "Could not read office/suppliers.xlsx"])
    assert {r.worker for r in reads} <= set(local_cluster.scheduler_info()["workers"])
    assert_reads(read_workbooks(branches, client=local_cluster, send="bytes"), branches, expected)


def test_workers_that_do_not_see_the_files_are_told_to_send_bytes(branches, local_cluster, tmp_path, monkeypatch):
    """A worker on a machine that does not share the files finds nothing at the path it is sent: the reason says
    so and how to send the workbooks instead (played here by handing the task a path that exists nowhere)."""
    monkeypatch.setattr(reading._Run, "source", lambda self, job, absolute=True: str(tmp_path / "elsewhere.xlsx"))
    read, = read_workbooks(branches[:1], client=local_cluster)
    assert read.reason == (
        f"the Dask worker at {read.worker} cannot see the file {branches[0].resolve()}: it does not share this "
        "machine's files. Pass send=\"bytes\" to send the workbooks' contents, or put them on a drive every worker "
        "sees under the same path.")


def test_an_unreachable_scheduler_is_said_in_words(branches):
    dask = pytest.importorskip("dask")
    port = _free_port()
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(ClusterError) as caught:
        read_workbooks(branches, scheduler=f"tcp://127.0.0.1:{port}")
    assert str(caught.value).startswith(f"tcp://127.0.0.1:{port}: no Dask scheduler could be reached there (")
    assert str(caught.value).endswith("Check the address, and that `dask scheduler` runs there and this machine "
                                      "can reach its port.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def command_line_cluster(tmp_path):
    """A scheduler and two workers started with Dask's own command line (`dask scheduler`, `dask worker`) on
    127.0.0.1, as an administrator starts them on machines; stopped (their process groups killed) afterwards."""
    pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    started: list[subprocess.Popen] = []

    def start(*arguments: str) -> None:
        started.append(subprocess.Popen([sys.executable, "-m", "dask", *arguments], cwd=tmp_path, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True))

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        for name in ("one", "two"):
            start("worker", address, "--name", name, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                  "--host", "127.0.0.1", "--local-directory", str(tmp_path / name), "--death-timeout", "60")
        from distributed import Client
        with Client(address, set_as_default=False, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            assert sorted(w["name"] for w in client.scheduler_info()["workers"].values()) == ["one", "two"]
        yield address
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)   # its own session: the group is this process's id
            process.wait(timeout=30)


def test_a_cluster_started_from_the_command_line_by_its_address(branches, expected, command_line_cluster):
    by_path = read_workbooks(branches, scheduler=command_line_cluster)
    assert_reads(by_path, branches, expected)
    assert len({r.worker for r in by_path} - {"this process"}) >= 1
    assert_reads(read_workbooks(branches, scheduler=command_line_cluster, send="bytes"), branches, expected)


def test_the_command_line_reads_units_on_a_cluster_by_its_address(unit_books, command_line_cluster, tmp_path):
    """omxl reconcile --scheduler tcp://127.0.0.1:PORT (and --send-bytes): the same status workbook as read here."""
    folder, _ = unit_books
    pattern = str(folder / "*" / "orders.xlsx")
    sheets = {}
    for name, extra in (("here", []), ("cluster", ["--scheduler", command_line_cluster]),
                        ("bytes", ["--scheduler", command_line_cluster, "--send-bytes"])):
        out = tmp_path / f"{name}.xlsx"
        done = subprocess.run([sys.executable, "-m", "omxl", "reconcile", pattern, "--by-unit", "--as-of",
                               "2026-11-27", "--out", str(out), *extra], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 1, done.stderr   # the corrupt workbook and the conflicting supplier are errors
        sheets[name] = list(openpyxl.load_workbook(out)["Order Status"].iter_rows(values_only=True))
    assert sheets["cluster"] == sheets["here"] == sheets["bytes"]
    assert sheets["here"][0][:2] == ("Unit", "Order")
    assert len(sheets["here"]) == 8   # the header and the seven open lines of north, south and west


# --- what cannot be asked -----------------------------------------------------------------------------------------

@pytest.mark.core
@pytest.mark.parametrize("options, message", [
    ({"send": "files"}, "send must be 'paths' or 'bytes', not 'files'"),
    ({"workers": 0}, "workers must be a whole number of processes, 1 or more, not 0"),
    ({"client": object(), "scheduler": "tcp://127.0.0.1:8786"},
     "give client= or scheduler=, not both: scheduler= makes a client for that address"),
    ({"workers": 2, "scheduler": "tcp://127.0.0.1:8786"},
     "give workers= (local processes) or a Dask client/scheduler, not both"),
    ({"transport": "json"}, "transport must be 'pickle' or 'arrow', not 'json'"),
])
def test_arguments_that_contradict_each_other(branches, options, message):
    with pytest.raises(ValueError) as caught:
        read_workbooks(branches, **options)
    assert str(caught.value) == message


@pytest.mark.core
def test_a_program_read_from_standard_input_reads_on_local_processes(branches):
    """`python - < script.py` has a main module no new process can import again (forkserver and spawn import
    it): its worker processes are forked instead, and the workbooks are read."""
    script = ("import sys\nfrom omxl.consolidation.reading import read_workbooks\n"
              f"reads = read_workbooks({[str(p) for p in branches]!r}, workers=2)\n"
              "print([read.ok for read in reads])\n")
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    # north and west are read; south is damaged and the head office's workbook has no table (as above)
    assert done.stdout.strip() == "[True, False, True, False]"
