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


def test_online_retail_case_runs_from_another_directory_on_the_excerpt(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "performance.py"), "online_retail", "--runs",
                             "1", "--retail-data", str(ROOT / "tests" / "data" / "online_retail"), "--json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"omxl from {ROOT}  python ")
    figures = json.loads(lines[-1])["online_retail"]
    assert list(figures) == ["reconcile --out status.xlsx", "weekly --out", "reconcile (no --out)", "notes"]
    for label in ("reconcile --out status.xlsx", "weekly --out", "reconcile (no --out)"):
        assert figures[label]["seconds"] > 0 and len(figures[label]["runs"]) == 1
        assert 60 < figures[label]["peak_mb"] < 1000
    assert figures["notes"][0] == f"4 files in {ROOT / 'tests' / 'data' / 'online_retail'}"


def test_an_unknown_case_is_a_usage_error():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "performance.py"), "weekly", "nightly"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "python benchmarks/performance.py: error: unknown case(s): nightly; known: weekly, million, online_retail, "
        "write_back")
