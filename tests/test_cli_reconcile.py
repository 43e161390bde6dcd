"""`omxl reconcile`: summary, --out workbook, --write-back, exit codes."""

from __future__ import annotations

import csv
import json
import shutil

import python_calamine as calamine
from click.testing import CliRunner

import omxl
from conftest import SAMPLE, convert_with_libreoffice
from omxl.cli import cli
from one_of_each import FIXTURES


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["reconcile", *map(str, args)])


def test_sample_reconciliation_summary_and_workbook(tmp_path):
    out = tmp_path / "status.xlsx"
    result = run(SAMPLE, "--as-of", "2026-11-27", "--out", out)
    assert result.exit_code == 1                       # the sample's deliberate errors leave rows out
    assert "Late lines: 64   At risk: 62   Orders: 1,000" in result.output
    assert "Open value: unknown currency 184,149.23\n" in result.output   # the sample's orders name no currency
    assert "Rows left out because of errors (run omxl validate to see them): orders 10, inventory 2, suppliers 1, " \
           "shipments 1" in result.output
    rec = omxl.reconcile(omxl.read_book(SAMPLE), as_of="2026-11-27")
    with calamine.CalamineWorkbook.from_path(str(out)) as book:
        assert book.sheet_names == ["Summary", "Order Status", "Closed Lines", "Orders", "Exceptions", "Inventory",
                                    "Returns"]
        status = book.get_sheet_by_name("Order Status").to_python()
        closed = book.get_sheet_by_name("Closed Lines").to_python()
    assert status[0][:17] == ["Order", "Line", "Customer", "SKU", "Ordered qty", "Shipped qty", "Open qty",
                              "Allocated qty", "Backordered qty", "Status", "Promised date", "Projected ship date",
                              "Late", "At risk", "Days late", "Why", "Action"]
    done = rec.lines["status"].isin(["shipped", "closed", "delivered", "cancelled"])
    assert len(status) == (~done).sum() + 1 == 212 + 58 + 52 + 24 + 20 + 1   # ready, partly allocated, backordered, on hold, partly shipped
    assert len(closed) == done.sum() + 1
    # Late lines first, the most days late on top; then at-risk lines.
    late = rec.lines[rec.lines["late"]].sort_values("days_late", ascending=False, kind="stable")
    assert [row[12] for row in status[1:65]] == [True] * 64 and status[65][12] is False
    assert status[1][14] == late["days_late"].iloc[0]
    assert [row[13] for row in status[65:127]] == [True] * 62
    first = rec.lines.set_index(["order_id", "line"]).loc[(status[1][0], int(status[1][1]))]
    assert status[1][10] == first["promised_date"].date()          # dates stay dates
    pdf = convert_with_libreoffice(out, "pdf", tmp_path)
    assert pdf.stat().st_size > 10_000


def test_clean_book_exits_0(tmp_path):
    result = run(FIXTURES / "one-of-each-fixed.xlsx", "--as-of", "2026-11-27")
    assert result.exit_code == 0
    assert "ready" in result.output


def test_write_back_adds_the_sheets_to_the_workbook(tmp_path):
    path = tmp_path / "book.xlsx"
    shutil.copy(SAMPLE, path)
    result = run(path, "--as-of", "2026-11-27", "--write-back")
    assert result.exit_code == 1
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        names = book.sheet_names
    assert names[-7:] == ["omxl Summary", "omxl Order Status", "omxl Closed Lines", "omxl Orders", "omxl Exceptions",
                          "omxl Inventory", "omxl Returns"]
    assert len(omxl.read_book(path).orders) == 3000


def test_out_csv_and_json_hold_the_order_lines(tmp_path):
    rec = omxl.reconcile(omxl.read_book(SAMPLE), as_of="2026-11-27")
    result = run(SAMPLE, "--as-of", "2026-11-27", "--out", tmp_path / "lines.csv")
    assert result.exit_code == 1
    assert f"Wrote {tmp_path / 'lines.csv'}." in result.stderr
    with (tmp_path / "lines.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(rec.lines.columns)
    assert rows[0][:16] == ["order_id", "line", "customer_id", "sku", "qty", "shipped_qty", "open_qty",
                            "allocated_qty", "backordered_qty", "status", "promised_date", "projected_ship_date",
                            "late", "at_risk", "days_late", "reason"]
    assert len(rows) - 1 == len(rec.lines)
    header = rows[0]
    first = dict(zip(header, rows[1]))
    assert (first["order_id"], first["line"], first["sku"], first["promised_date"], first["qty"]) == \
        ("SO-260001", "1", "SKU-61323", "2026-08-17", "5.0")
    assert sum(row[header.index("late")] == "True" for row in rows[1:]) == int(rec.lines["late"].sum())

    result = run(SAMPLE, "--as-of", "2026-11-27", "--out", tmp_path / "lines.json")
    assert result.exit_code == 1
    records = json.loads((tmp_path / "lines.json").read_text(encoding="utf-8"))
    assert isinstance(records, list) and len(records) == len(rec.lines)
    assert list(records[0]) == list(rec.lines.columns)
    assert {"order_id": "SO-260001", "line": 1, "sku": "SKU-61323", "qty": 5.0, "promised_date": "2026-08-17",
            "projected_ship_date": None, "late": False, "priority": None}.items() <= records[0].items()
    late = rec.lines[rec.lines["late"]].iloc[0]
    record = next(r for r in records if (r["order_id"], r["line"]) == (late["order_id"], late["line"]))
    assert record["late"] is True and record["days_late"] == late["days_late"]
    assert record["projected_ship_date"] == f"{late['projected_ship_date']:%Y-%m-%d}"
    assert sum(r["late"] for r in records) == int(rec.lines["late"].sum())


def test_mark_marks_exception_cells_too(tmp_path):
    import openpyxl

    marked = tmp_path / "checked.xlsx"
    result = CliRunner().invoke(cli, ["reconcile", str(SAMPLE), "--as-of", "2026-11-27", "--mark", str(marked)])
    assert result.exit_code == 1, result.output
    book = openpyxl.load_workbook(marked)
    negative = book["Inventory"]["C5"]            # SKU-10179 at MAIN: -4 on hand (negative-stock)
    assert negative.value == -4
    assert negative.fill.fgColor.rgb == "FFFFEB9C"     # warnings are filled amber
    assert "SKU-10179 shows -4 on hand at MAIN. Count it and correct the stock record; it counts as 0." in \
        negative.comment.text
    issues = book["omxl Issues"]
    header = [c.value for c in issues[1]]
    codes = {row[header.index("Code")] for row in issues.iter_rows(min_row=2, values_only=True)}
    assert {"negative-stock", "stockout", "foreign-key"} <= codes      # exceptions and validation issues alike
    assert SAMPLE.read_bytes() != marked.read_bytes()
