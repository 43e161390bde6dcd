"""The benchmark harness runs end to end (its figures are measured by hand, not here)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import omxl
from benchmarks.make_book import build_book
from benchmarks.pipeline import book_path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["read", "validate", "reconcile", "reconcile_no_billing", "billing", "dispatch", "dispatch_out", "reorder",
          "write_back", "prepared", "write_status", "reconcile_out", "weekly", "weekly_out", "dispatch_book"]


def test_pipeline_benchmark_runs_every_stage_on_a_small_book():
    result = subprocess.run([sys.executable, "-m", "benchmarks.pipeline", "--lines", "1000", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    stages = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, result.stderr
    assert list(stages) == STAGES
    assert all(entry["seconds"] > 0 and entry["peak_rss_mb"] > 0 for entry in stages.values())
    # What the dispatch stage picked and held on the 1,000-line book, under its timing line.
    report = result.stdout.splitlines()
    start = next(i for i, line in enumerate(report) if line.startswith("dispatch "))
    assert [line.strip() for line in report[start + 1:start + 7]] == [
        "picks        86   lines 82 (3 split over locations)   orders 64   units 429",
        "EAST            14 picks           56 units",
        "MAIN            63 picks          326 units",
        "WEST             9 picks           47 units",
        "held            14   status 11   ship_complete 3",
        "slips           64 orders   manifests 4"]


def test_benchmark_book_has_locations_shelves_and_dispatch_columns(tmp_path):
    """The 1,000-line book read back: every SKU at MAIN, 44 of its 100 SKUs also at EAST or WEST, each row with a
    shelf and bin; 22 of 345 orders ship complete; every line has a carrier and a ship-to address; and these
    columns raise no finding beyond the ones the book always had."""
    book = omxl.read_book(build_book(tmp_path / "book.xlsx", 1000, seed=1))
    inventory, orders = book.inventory, book.orders
    assert len(inventory) == 150
    assert inventory["location"].value_counts().to_dict() == {"MAIN": 100, "EAST": 34, "WEST": 16}
    assert inventory.groupby("sku").size().value_counts().sort_index().to_dict() == {1: 56, 2: 38, 3: 6}
    assert inventory["shelf"].str.fullmatch(r"[A-H]-\d\d").all() and inventory["bin"].str.fullmatch(r"\d\d").all()
    first = inventory.iloc[0]
    assert (first["sku"], first["location"], first["shelf"], first["bin"], first["on_hand"]) == (
        "SKU-00001", "MAIN", "G-05", "01", 50.0)
    assert inventory[inventory["sku"] == "SKU-00001"]["on_hand"].tolist() == [50.0, 46.0, 45.0]
    assert orders["order_id"].nunique() == 345
    assert orders.groupby("order_id")["ship_complete"].nunique().eq(1).all()  # a header value: one per order
    assert (int(orders["ship_complete"].sum()), orders.loc[orders["ship_complete"], "order_id"].nunique()) == (62, 22)
    assert orders["carrier"].notna().all() and orders["ship_to"].notna().all()
    assert orders["ship_to"].iloc[0] == "103 Granite Lane, Fairview 18313"
    issues = omxl.validate(book, as_of="2026-11-27")
    assert issues.groupby("code")["count"].sum().to_dict() == {"normalized-value": 6, "outlier": 1}


def test_cached_book_is_named_by_the_generator_it_came_from():
    key = hashlib.sha256((ROOT / "benchmarks" / "make_book.py").read_bytes()).hexdigest()[:8]
    assert book_path(1000, 3).name == f"book-1000-seed3-{key}.xlsx"
    assert book_path(1000, 3, shared_strings=False).name == f"book-1000-seed3-inline-{key}.xlsx"


def test_online_retail_benchmark_says_when_its_data_is_missing(tmp_path):
    result = subprocess.run([sys.executable, "-m", "benchmarks.online_retail", "--data", str(tmp_path / "none")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"online_retail: no daily CSV files in {tmp_path / 'none'} (the Online Retail data set is not there; "
        "pass --data DIR)"]


def test_online_retail_benchmark_checks_its_defect_counts_against_pandas():
    """On the excerpt in tests/data: every count omxl's validation gives agrees with plain pandas."""
    result = subprocess.run([sys.executable, "-m", "benchmarks.online_retail", "--data",
                             str(ROOT / "tests" / "data" / "online_retail")], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    checks = [line.split() for line in result.stdout.splitlines() if line.rstrip().endswith((" ok", "DIFFERS"))]
    assert len(checks) == 6 and all(check[-1] == "ok" for check in checks)
    lines = next(check for check in checks if check[0] == "lines")
    assert lines[-4:] == ["5,910", "pandas", "5,910", "ok"]
    cancellations = next(check for check in checks if "(cancellation)" in check)
    assert cancellations[-4:] == ["38", "pandas", "38", "ok"]


def test_template_benchmark_renders_a_small_table():
    result = subprocess.run([sys.executable, "-m", "benchmarks.templates", "--rows", "500", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    stages = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(stages) == ["frame", "render"]
    assert "500 rows x 10 columns" in result.stdout
