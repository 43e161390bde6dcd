"""The Summary sheet every report workbook starts with (contract 5.5, docs/presentation.md): its figures equal
the run's own (checked against plain pandas), money per currency with a money format, links to every sheet,
the legend's fills; write-back adds 'omxl Summary'; LibreOffice prints it."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner

import omxl
from conftest import SAMPLE, convert_with_libreoffice
from omxl.cli import cli
from omxl.io.save.write import save_workbook
from omxl.io.xlsx.freesheet import Cell, FreeSheet

AS_OF = "2026-11-27"
CLOSED = ["shipped", "closed", "delivered", "cancelled"]
LINK = re.compile(r"^'((?:[^']|'')+)'!([A-Z]{1,3}[1-9][0-9]*)$")


def run(command, *args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, [command, *map(str, args)])


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("summary")
    paths = {}
    for command, name in (("reconcile", "status.xlsx"), ("reorder", "plan.xlsx"), ("validate", "issues.xlsx")):
        result = run(command, SAMPLE, "--as-of", AS_OF, "--out", folder / name)
        assert result.exit_code == 1, result.output    # the sample's deliberate errors
        paths[command] = folder / name
    return paths


@pytest.fixture(scope="module")
def book():
    return omxl.read_book(SAMPLE)


def figures(sheet):
    """The headline figures: label -> [(value, number format, unit, note)], one entry per currency for money."""
    rows = [[c for c in row] for row in sheet.iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[0].value == "Figure") + 1
    found: dict[str, list] = {}
    for row in rows[start:]:
        if row[0].value is None:
            break
        cells = row + [None] * 4
        found.setdefault(row[0].value, []).append(
            (cells[1].value, cells[1].number_format, cells[2].value if cells[2] is not None else None,
             cells[3].value if cells[3] is not None else None))
    return found


def read_rows(sheet):
    """'What was read': table label -> (rows read, rows left out, read from, why)."""
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[:2] == ["Table", "Rows read"]) + 1
    found = {}
    for row in rows[start:]:
        if row[0] is None:
            break
        found[row[0]] = tuple((row + [None] * 5)[1:5])
    return found


def check_links(workbook, summary):
    """Every hyperlink names an existing sheet and a cell; returns the linked sheet names in order."""
    linked = []
    for row in summary.iter_rows():
        for cell in row:
            if cell.hyperlink is None:
                continue
            match = LINK.match(cell.hyperlink.location or "")
            assert match, cell.hyperlink.location
            name = match.group(1).replace("''", "'")
            assert name in workbook.sheetnames and name != summary.title
            assert cell.value == name
            linked.append(name)
    return linked


def legend(summary):
    rows = [[c for c in row] for row in summary.iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[0].value == "Fill") + 1
    return {row[0].value: (row[0].fill.fgColor.rgb, row[1].value) for row in rows[start:] if row[0].value}


# --- reconcile ---------------------------------------------------------------------------------------------

def test_reconcile_summary_figures_equal_the_run(outputs, book):
    rec = omxl.reconcile(book, as_of=AS_OF)
    workbook = openpyxl.load_workbook(outputs["reconcile"])
    assert workbook.sheetnames == ["Summary", "Order Status", "Closed Lines", "Orders", "Exceptions", "Inventory",
                                   "Returns"]
    summary = workbook["Summary"]
    assert summary["A1"].value == "Order status as of 2026-11-27" and summary["A1"].font.b
    assert summary["B2"].value == dt.datetime(2026, 11, 27) and summary["B2"].number_format == "yyyy-mm-dd"
    assert isinstance(summary["B3"].value, dt.datetime)                           # the run date
    assert summary["B4"].value == "sample.xlsx"

    # An independent computation from the lines, in plain pandas.
    lines = rec.lines
    open_lines = lines[~lines["status"].isin(CLOSED)]
    late, at_risk = int(lines["late"].sum()), int(lines["at_risk"].sum())
    assert (late, at_risk) == (64, 62)
    is_open = lines["open_qty"] > 0
    open_value = (lines["open_qty"] * lines["unit_price"] * (1 - lines["discount"].fillna(0)))[is_open].sum()
    found = figures(summary)
    assert found["Open lines"] == [(len(open_lines), "#,##0", None, "on the Order Status sheet")]
    assert len(open_lines) == 366 == workbook["Order Status"].max_row - 1
    assert found["Late lines"][0][:2] == (64, "#,##0")
    assert found["At-risk lines"][0][:2] == (62, "#,##0")
    assert found["Backordered lines"][0][0] == int((lines["backordered_qty"] > 0).sum()) == 117
    assert found["Backordered qty"][0][:3] == (lines["backordered_qty"].sum(), "#,##0", "units") == (4049, "#,##0",
                                                                                                 "units")
    assert found["Open orders"][0][0] == rec.orders.loc[rec.orders["open_qty"] > 0, "order_id"].nunique() == 194
    # The sample's orders carry no currency: one row, named as omxl names a blank currency, in a money format.
    assert lines["currency"].isna().all()
    assert found["Open value"] == [(pytest.approx(open_value, abs=0.005), "#,##0.00", "unknown currency", None)]
    assert round(open_value, 2) == 184149.23
    severity = rec.exceptions["severity"].value_counts()
    assert [found[f"Exceptions: {s}"][0][0] for s in ("error", "warning", "info")] == \
        [severity.get("error", 0), severity.get("warning", 0), severity.get("info", 0)] == [0, 17, 1]

    read = read_rows(summary)
    raw = {name: len(frame) for name, frame in book.tables.items()}
    # 11 left out: 10 with errors, and the line dated 2206 (a typo), after as_of.
    assert read["Orders"] == (raw["orders"], 11, "sample.xlsx!Orders (header row 4)",
                              "10 rows with errors: 3 constraint-error, 2 missing-value, 1 ambiguous-date, "
                              "1 duplicate-key, 1 error-cell, 1 foreign-key, 1 type-error; 1 dated after 2026-11-27")
    assert raw["orders"] == 3000
    assert read["Inventory"][:2] == (398, 2) and read["Customers"] == (150, 0, "sample.xlsx!Customers (header row 1)",
                                                                       None)
    assert read["Purchase orders"][:2] == (65, 0)
    assert "Carriers" not in read                                     # the sample has no carriers table
    assert sum(r[1] for r in read.values()) == rec.left_out[["rows_left_out", "after_as_of"]].sum().sum() == 15

    assert check_links(workbook, summary) == workbook.sheetnames[1:]
    assert legend(summary) == {
        "Late": ("FFF4B183", "the promised date has passed, or the line will ship after it"),
        "At risk": ("FFDDEBF7", "not late yet, but stock or supply does not cover it by the promised date"),
        "Error": ("FFFFC7CE", "the row or cell must be fixed before omxl can use it"),
        "Warning": ("FFFFEB9C", "worth a look; the row is used"),
    }
    assert summary.sheet_view.showGridLines is False
    assert workbook["Order Status"].freeze_panes == "A2"              # the data sheets keep their frozen header


# --- reorder -----------------------------------------------------------------------------------------------

def test_reorder_summary_money_per_currency(outputs, book):
    plan = omxl.plan_reorders(book, as_of=AS_OF)
    workbook = openpyxl.load_workbook(outputs["reorder"])
    assert workbook.sheetnames == ["Summary", "Reorder List", "PO Drafts", "Supplier Reliability"]
    summary = workbook["Summary"]
    assert summary["A1"].value == "Reorder plan as of 2026-11-27"
    sentence = next(row[0].value for row in summary.iter_rows() if str(row[0].value).startswith("Reorder plan as of")
                    and row[0].row > 1)
    assert sentence == plan.summary == ("Reorder plan as of 2026-11-27 at a 95% service level: 240 SKUs to order, "
                                        "value EUR 596,525.67, GBP 204,996.31, USD 114,167.20.")
    found = figures(summary)
    assert found["SKUs to order"][0][:2] == (len(plan.lines), "#,##0") == (240, "#,##0")
    urgency = plan.lines["urgency"].value_counts()
    assert (found["Critical"][0][0], found["High"][0][0]) == (urgency["critical"], urgency["high"]) == (50, 150)
    by_currency = plan.lines.groupby("currency")["order_value"].sum()
    assert [(unit, value, fmt) for value, fmt, unit, _ in found["Order value"]] == [
        (code, pytest.approx(amount, abs=0.005), "#,##0.00") for code, amount in by_currency.items()]
    assert [round(v, 2) for v, *_ in found["Order value"]] == [596525.67, 204996.31, 114167.2]
    assert found["PO drafts"][0][0] == len(plan.purchase_orders) == 29
    assert found["Drafts under minimum"][0][0] == int(plan.purchase_orders["below_min_order_value"].sum())
    assert check_links(workbook, summary) == ["Reorder List", "PO Drafts", "Supplier Reliability"]
    assert {name: rgb for name, (rgb, _) in legend(summary).items()} == {
        "Critical": "FFF4B183", "High": "FFDDEBF7", "Warning": "FFFFEB9C"}


def test_po_draft_workbooks_carry_no_summary(tmp_path):
    folder = tmp_path / "drafts"
    result = run("reorder", SAMPLE, "--as-of", AS_OF, "--po-dir", folder)
    assert result.exit_code == 1
    drafts = sorted(folder.glob("*.xlsx"))
    assert len(drafts) == 29
    for path in drafts[:3]:
        assert "Summary" not in openpyxl.load_workbook(path, read_only=True).sheetnames


@pytest.mark.core
def test_plan_that_orders_nothing_says_why():
    day = pd.Timestamp(AS_OF)
    inventory = pd.DataFrame([{"sku": "A", "on_hand": 100, "reorder_point": 10, "reorder_qty": 5},
                              {"sku": "B", "on_hand": 5, "reorder_point": 1, "discontinued": True}])
    orders = pd.DataFrame([{"order_id": "O1", "line": 1, "order_date": day - pd.Timedelta(days=3),
                            "customer_id": "K", "sku": "A", "qty": 2.0, "status": "open"}])
    plan = omxl.plan_reorders(omxl.read_book({"inventory": inventory, "orders": orders}), as_of=day)
    assert plan.lines.empty
    assert plan.summary == ("Reorder plan as of 2026-11-27 at a 95% service level: nothing to order: 1 SKU has an "
                            "inventory position above the reorder point (at or above the minimum for min/max items), "
                            "so stock and open POs cover demand over the lead time; 1 is discontinued.")
    sheet = plan.result_sheets()["Summary"]
    texts = [cell.value for row in sheet.rows for cell in row if cell is not None]
    assert plan.summary in texts
    assert texts[texts.index("Order value") + 1] == 0.0                   # no currency: one 0.00 row


# --- validate ----------------------------------------------------------------------------------------------

def test_validate_summary(outputs, book):
    issues = omxl.validate(book, as_of=AS_OF)
    workbook = openpyxl.load_workbook(outputs["validate"])
    assert workbook.sheetnames == ["Summary", "Issues"]
    summary = workbook["Summary"]
    assert summary["A1"].value == "Data check as of 2026-11-27"
    found = figures(summary)
    counts = issues["severity"].value_counts()
    assert [found[name][0][0] for name in ("Errors", "Warnings", "Info")] == \
        [counts["error"], counts["warning"], counts["info"]] == [14, 9, 7]
    assert found["Rows left out"][0][0] == 15             # 14 with errors, 1 dated after as_of
    assert found["Dated after as of"][0][0] == 1
    top = issues["code"].value_counts()
    assert found["Top code: constraint-error"][0][:2] == (top["constraint-error"], "#,##0") == (5, "#,##0")
    assert found["Top code: constraint-error"][0][3] == "error: A value outside its allowed range"
    assert read_rows(summary)["Orders"][:2] == (3000, 11)
    assert check_links(workbook, summary) == ["Issues"]
    assert workbook["Issues"].max_row == len(issues) + 1


# --- write-back --------------------------------------------------------------------------------------------

def test_write_back_adds_omxl_summary_linking_the_prefixed_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    shutil.copy(SAMPLE, path)
    for _ in range(2):                                           # a second run replaces, it does not add
        assert run("reconcile", path, "--as-of", AS_OF, "--write-back").exit_code == 1
    workbook = openpyxl.load_workbook(path)
    ours = [name for name in workbook.sheetnames if name.startswith("omxl ")]
    assert ours == ["omxl Summary", "omxl Order Status", "omxl Closed Lines", "omxl Orders", "omxl Exceptions",
                    "omxl Inventory", "omxl Returns"]
    summary = workbook["omxl Summary"]
    assert check_links(workbook, summary) == ours[1:]
    assert figures(summary)["Late lines"][0][0] == 64
    with zipfile.ZipFile(path) as archive:
        text = archive.read("xl/workbook.xml").decode("utf-8")
    # The Summary is owned by omxl (replaced on the next run) and, not being a table, has no filter range.
    index = workbook.sheetnames.index("omxl Summary")
    assert f'name="_omxl_result" localSheetId="{index}"' in text
    assert f'name="_xlnm._FilterDatabase" localSheetId="{index}"' not in text


# --- the free-form sheet writer ----------------------------------------------------------------------------

def test_free_sheet_keeps_types_and_formula_like_text_literal(tmp_path):
    sheet = FreeSheet((
        (Cell("Title", "title"),),
        (Cell("=HYPERLINK(\"http://x\")"), Cell(1234.5, num_format="#,##0.00"), Cell(dt.date(2026, 11, 27)),
         Cell(True), Cell("Data", "link", link="Data")),
        (Cell(None, fill="FFF4B183"), Cell("+1", wrap=True)),
        (Cell("word " * 20, wrap=True, span=2),),
    ), widths=(20.0, 12.0, 12.0, 8.0, 10.0))
    out = save_workbook({"Summary": sheet, "Data": pd.DataFrame({"a": [1]})}, tmp_path / "free.xlsx")
    workbook = openpyxl.load_workbook(out)
    ws = workbook["Summary"]
    assert ws["A2"].value == '=HYPERLINK("http://x")' and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert (ws["B2"].value, ws["B2"].number_format) == (1234.5, "#,##0.00")
    assert (ws["C2"].value, ws["C2"].number_format) == (dt.datetime(2026, 11, 27), "yyyy-mm-dd")
    assert ws["D2"].value is True
    assert ws["E2"].hyperlink.location == "'Data'!A1"
    assert ws["A3"].fill.fgColor.rgb == "FFF4B183" and ws["A3"].value is None
    assert ws["B3"].value == "+1" and ws["B3"].alignment.wrap_text
    assert ws.column_dimensions["A"].width == 20
    # 100 characters over 32 width units (about 38 characters a line): merged across, three lines tall.
    assert [str(r) for r in ws.merged_cells.ranges] == ["A4:B4"]
    assert ws.row_dimensions[4].height == 45 and ws.row_dimensions[2].height is None


# --- printed by another program ----------------------------------------------------------------------------

def test_libreoffice_prints_the_summary_first(outputs, tmp_path):
    keep = Path(os.environ.get("OMXL_TEST_ARTIFACTS") or tmp_path)
    keep.mkdir(parents=True, exist_ok=True)
    expected = {
        "reconcile": ["Order status as of 2026-11-27", "Late lines", "64", "At-risk lines", "62", "117", "4,049",
                      "184,149.23", "Order Status", "Legend"],
        "reorder": ["Reorder plan as of 2026-11-27", "240", "596,525.67", "204,996.31", "114,167.20", "EUR", "GBP",
                    "USD", "Reorder List", "PO Drafts"],
    }
    for command, words in expected.items():
        pdf = convert_with_libreoffice(outputs[command], "pdf", tmp_path)
        text = pypdf.PdfReader(pdf).pages[0].extract_text()
        for word in words:
            assert word in text, (command, word)
        shutil.copy(pdf, keep / f"summary-{command}.pdf")
