"""The benchmark harness runs end to end (its figures are measured by hand, not here)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

import omxl
from benchmarks.make_book import build_book
from benchmarks.pipeline import book_path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["read", "validate", "reconcile", "reconcile_no_billing", "billing", "rules", "dispatch", "dispatch_out", "reorder",
          "prepare", "plan_position",
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
    # The five benchmark rules and the built-in credit limit on it: findings per code, and the lines held.
    start = next(i for i, line in enumerate(report) if line.startswith("rules "))
    assert [" ".join(line.split()) for line in report[start + 1:start + 7]] == [
        "credit-limit 2", "customer-on-hold 3", "max-units 2", "needs-approval 2", "promise-before-lead-time 70",
        "held lines 32"]
    # Planning from the prepared Position: the SKUs per demand class and method (100 SKUs).
    start = next(i for i, line in enumerate(report) if line.startswith("plan_position "))
    assert [" ".join(line.split()) for line in report[start + 1:start + 6]] == [
        "(no demand) normal 1 SKUs", "erratic normal 6 SKUs", "intermittent normal 7 SKUs",
        "intermittent sba 50 SKUs", "lumpy sba 36 SKUs"]


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


def test_benchmark_book_has_invoices_and_payments(tmp_path):
    """The 1,000-line book's billing sheets read back: 1,000 invoice rows (one per shipment, less the whole-order
    invoices, filled up with credit notes, invoices of unshipped lines and price corrections) of 867 invoices,
    519 payments; and what reconcile makes of them: every shipped line invoiced, the planted mismatches,
    advance invoices and double payments found, the unpaid ones overdue."""
    book = omxl.read_book(build_book(tmp_path / "book.xlsx", 1000, seed=1))
    invoices, payments = book.invoices, book.payments
    assert (len(invoices), invoices["invoice_id"].nunique(), len(payments)) == (1000, 867, 519)
    by_item = invoices["line"].isna() & invoices["sku"].notna()
    whole_order = invoices["line"].isna() & invoices["sku"].isna()
    credit_notes = invoices["amount"] < 0
    assert (int(by_item.sum()), int(whole_order.sum()), int(credit_notes.sum())) == (100, 15, 9)
    assert int((credit_notes & invoices["qty"].notna()).sum()) == 5  # for returns; the other 4 correct a price
    assert invoices["qty"][whole_order].isna().all() and invoices["amount"][whole_order].gt(0).all()
    assert int(invoices["due_date"].isna().sum()) == 218  # due by the customer's Payment Terms Days
    first = invoices.iloc[0]
    assert (first["invoice_id"], first["order_id"], first["line"], first["sku"], first["qty"], first["amount"],
            first["invoice_date"], first["due_date"]) == ("INV-000001", "SO-000003", 1, "SKU-00064", 4.0, 40.8,
                                                          pd.Timestamp("2026-08-09"), pd.Timestamp("2026-08-23"))
    assert payments.iloc[0][["payment_id", "invoice_id", "amount", "paid_date"]].tolist() == [
        "PAY-000001", "INV-000013", 121.11, pd.Timestamp("2026-08-17")]
    assert payments["amount"].gt(0).all() and payments["paid_date"].le(pd.Timestamp("2026-11-27")).all()
    assert book.customers["payment_terms_days"].value_counts().to_dict() == {14.0: 4, 60.0: 3, 45.0: 2, 30.0: 1}
    rec = omxl.reconcile(book, as_of="2026-11-27")
    billing_codes = {"shipped-not-invoiced", "invoiced-not-shipped", "invoice-amount-mismatch", "invoice-overdue",
                     "overpaid", "refund-not-credited"}
    found = rec.exceptions[rec.exceptions["code"].isin(billing_codes)]["code"].value_counts().to_dict()
    assert found == {"invoice-overdue": 140, "invoice-amount-mismatch": 4, "invoiced-not-shipped": 3, "overpaid": 2}
    assert (len(rec.billing), len(rec.receivables)) == (1000, 867)
    assert rec.receivables["age"].value_counts().to_dict() == {
        "settled": 429, "not due": 287, "1-30": 84, "31-60": 32, "61-90": 24, "credit": 11}


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


def test_many_books_benchmark_reads_small_books_here_and_on_two_processes(tmp_path):
    result = subprocess.run([sys.executable, "-m", "benchmarks.many_books", "--books", "3", "--lines", "200",
                             "--modes", "serial,processes", "--cache", str(tmp_path), "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(figures) == ["serial", "processes"]
    assert figures["serial"]["books"] == figures["processes"]["books"] == 3
    assert all(mode["seconds"] > 0 and mode["read_seconds"] > 0 and mode["peak_rss_mb"] > 0
               for mode in figures.values())
    # Read in this process, then on worker processes whose own peak memory is measured.
    assert figures["serial"]["workers"] == {} and figures["serial"]["transfer_seconds"] == 0
    assert 1 <= len(figures["processes"]["workers"]) <= 2
    assert all(name.startswith("process ") and peak > 0 for name, peak in figures["processes"]["workers"].items())
    assert len(list(tmp_path.glob("many-200-*/unit-*/orders.xlsx"))) == 3
