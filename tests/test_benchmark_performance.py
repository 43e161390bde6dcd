"""benchmarks/performance.py measures what it says (its figures are taken by hand: benchmarks/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl

import omxl
from benchmarks import performance
from benchmarks.online_retail import CONFIG

ROOT = Path(__file__).resolve().parents[1]


def test_a_child_reports_its_own_peak_memory_and_cpu_time():
    # 300 MB touched in the child; the parent (this test process) never holds it.
    code = performance.PEAK_PRELUDE + "block = bytearray(300 * 1024 * 1024)\nprint('done')\n"
    seconds, peak_mb, stdout = performance.run_child(code, [])
    assert stdout == "done\n"
    assert 300 <= peak_mb < 400
    assert 0 < performance.LAST_CPU <= seconds


def test_sheet_shapes_count_rows_columns_and_filled_cells(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["KPI", "value"])
    book.active.append(["fill rate", 0.97])
    lines = book.create_sheet("Order Status")
    for row in (["order", "line", "status", None], ["SO-1", 1, None, None], [None, None, None, "late"]):
        lines.append(row)
    book.save(tmp_path / "w.xlsx")
    assert performance.sheet_shapes(tmp_path / "w.xlsx") == {"Summary": (2, 2, 4), "Order Status": (3, 4, 6)}


def test_the_online_retail_config_is_the_one_omxl_reads(tmp_path):
    path, as_of = performance.retail_config(tmp_path)
    assert as_of == "2011-12-31"
    config = omxl.config.load_config(path)
    assert config.cancelled_order_pattern == "^C"
    assert path.read_text(encoding="utf-8").splitlines()[:4] == [
        'cancelled_order_pattern = "^C"', "", "[columns.orders]", '"InvoiceNo" = "order_id"']
    assert len(CONFIG["columns"]["orders"]) == 6


def test_omxl_runs_in_a_fresh_process_measured(tmp_path):
    seconds, peak_mb, cpu = performance.omxl_run(["demo", "--out", str(tmp_path / "s.xlsx"), "--lines", "200",
                                                  "-q"], cwd=tmp_path)
    assert len(omxl.read_book(tmp_path / "s.xlsx").orders) == 200
    assert 60 < peak_mb < 1000
    assert 0 < cpu and 0 < seconds


def test_runs_from_another_directory_and_says_what_it_skipped(tmp_path):
    # The whole data set is not part of the suite: without it the case says so and the run goes on.
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "performance.py"), "online_retail",
                             "--retail-data", str(tmp_path / "none"), "--json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"omxl from {ROOT}  python ")
    assert json.loads(lines[-1]) == {"online_retail": {
        "notes": [f"skipped: no CSV files in {tmp_path / 'none'} (pass --retail-data DIR)"]}}


def test_an_unknown_case_is_a_usage_error():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "performance.py"), "weekly", "nightly"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "python benchmarks/performance.py: error: unknown case(s): nightly; known: weekly, million, online_retail, "
        "write_back")


def test_the_timed_omxl_is_byte_compiled_first_as_an_installed_package_is():
    package = Path(omxl.__file__).resolve().parent
    assert performance.compile_timed() == f"byte-compiled {package} first"
    compiled = {p.name.split(".")[0] for p in (package / "io" / "read" / "__pycache__").glob("*.pyc")}
    assert {"tables", "normalize", "together", "sheet_xml"} <= compiled


def test_the_million_stages_validate_once_or_from_the_book_each_time(tmp_path):
    book = (ROOT / "workbooks" / "sample.xlsx").resolve()
    once = performance.stage_run(book, tmp_path)
    each = performance.stage_run(book, tmp_path, each_from_book=True)
    stages = ["read", "validate", "reconcile", "plan", "read+validate+reconcile+plan", "process (imports included)"]
    assert list(once) == stages and list(each) == stages
    for stages_run in (once, each):
        assert stages_run["read+validate+reconcile+plan"][0] == sum(stages_run[s][0] for s in stages[:4])
        assert all(stages_run[s][0] > 0 and stages_run[s][1] > 50 for s in stages)
