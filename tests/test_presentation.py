"""Result workbooks as a specialist reads them (contract 5.5), column by column.

The sample is run through the command line as a user runs it (reconcile and reorder --out .xlsx, reconcile
--write-back into a copy, validate --out and --mark, read --out); each workbook is opened with openpyxl and
every column of every result sheet is checked against the tables below, written out here by hand rather than
taken from omxl.presentation: its header, the number format of its data cells, the fills of late and
at-risk rows, the frozen header and the autofilter. LibreOffice opens the workbooks and shows the formats.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from conftest import SAMPLE, soffice
from omxl.cli import cli
from omxl.errors import ConfigError
from omxl.presentation.columns import COLUMN_BY_NAME

AS_OF = "2026-11-27"
ORANGE, LIGHT_BLUE = "FFF4B183", "FFDDEBF7"   # late / at-risk (critical / high on the Reorder List)
ERROR_PINK, WARNING_YELLOW = "FFFFC7CE", "FFFFEB9C"

# Column name -> header, for every column omxl writes on a result sheet.
LABELS = {
    "order_id": "Order", "line": "Line", "customer_id": "Customer", "sku": "SKU", "qty": "Ordered qty",
    "shipped_qty": "Shipped qty", "open_qty": "Open qty", "allocated_qty": "Allocated qty",
    "backordered_qty": "Backordered qty", "status": "Status", "promised_date": "Promised date",
    "projected_ship_date": "Projected ship date", "late": "Late", "at_risk": "At risk", "days_late": "Days late",
    "reason": "Why", "action": "Action", "order_date": "Order date", "unit_price": "Unit price", "discount": "Discount",
    "currency": "Currency", "carrier": "Carrier", "priority": "Priority", "last_ship_date": "Last shipped",
    "shipped_late": "Shipped late", "covering_po": "Covering PO", "kind": "Line kind", "rma_id": "RMA",
    "source": "Source file", "sheet": "Source sheet", "row": "Source row", "lines": "Lines", "value": "Value",
    "open_value": "Open value", "severity": "Severity", "code": "Code", "stage": "Stage", "table": "Table",
    "column": "Column", "cell": "Cell", "ref": "Reference", "message": "Message", "count": "Count",
    "description": "Description", "on_hand": "On hand", "allocated": "Allocated", "backlog": "Backlog",
    "on_order": "On order", "available": "Available", "short": "Short", "received_date": "Received",
    "condition": "Condition", "resolution": "Resolution", "refund_amount": "Refund", "restock_qty": "Restock qty",
    "replacement_line": "Replacement line", "supplier_id": "Supplier", "supplier_name": "Supplier name",
    "rule": "Rule", "inventory_position": "Inventory position", "avg_daily_demand": "Avg daily demand",
    "demand_std_daily": "Daily demand std dev", "lead_time_days": "Lead time (days)",
    "abc_class": "ABC class", "demand_class": "Demand class", "demand_method": "Demand method",
    "adi": "Avg weeks between demand (ADI)", "cv2": "Demand size variability (CV²)", "short_history": "Short history",
    "service_level": "Service level", "weeks_with_demand": "Weeks with demand",
    "safety_stock": "Safety stock", "reorder_point": "Reorder point", "order_qty": "Order qty",
    "unit_cost": "Unit cost", "order_value": "Order value", "order_by": "Order by",
    "expected_arrival": "Expected arrival", "days_of_supply": "Days of supply", "urgency": "Urgency",
    "explanation": "Explanation", "flags": "Check", "email": "E-mail", "units": "Units",
    "lines_without_cost": "Lines without cost", "fx_rate": "FX rate", "base_value": "Value in base currency",
    "min_order_value": "Minimum order value", "below_min_order_value": "Below minimum", "rows": "Rows",
    "read_from": "Read from", "columns": "Columns", "unknown_columns": "Unknown columns", "matched_by": "Found by",
    "header_row": "Header row", "note": "Note", "header": "Header as written", "letter": "Letter",
    "receipts": "Receipts", "on_time": "On time", "on_time_rate": "On time", "median_slip_days": "Median slip (days)",
    "slip_std_days": "Slip std dev (days)", "shift_days": "Dates moved by (days)",
}
# (sheet, column name) -> header where the name means something else on that sheet.
SHEET_LABELS = {
    ("Returns", "reason"): "Return reason", ("Returns", "qty"): "Returned qty", ("Returns", "status"): "Return status",
    ("PO Drafts", "value"): "Draft value", ("Exceptions", "value"): "Value in the cell",
    ("Issues", "value"): "Value in the cell", ("Reading findings", "value"): "Value in the cell",
    ("Sheets", "kind"): "File kind", ("Sheets", "table"): "Read as table", ("Columns", "column"): "omxl column",
    ("Supplier Reliability", "on_time_rate"): "On-time rate",
}

MONEY, WHOLE, TWO_DECIMALS, ONE_DECIMAL, DATE, RATE, GENERAL = (
    "#,##0.00", "#,##0", "#,##0.00", "#,##0.0", "yyyy-mm-dd", "0.0%", "General")
# Column name -> the number format of its non-blank data cells on the sample's sheets (General: text, ids,
# flags, row numbers). Quantities are whole in the sample except the plan's statistics.
FORMATS = {
    **dict.fromkeys(("qty", "shipped_qty", "open_qty", "allocated_qty", "backordered_qty", "on_hand", "allocated",
                     "backlog", "on_order", "available", "short", "restock_qty", "inventory_position", "order_qty",
                     "units", "days_late", "lead_time_days", "priority", "lines", "count", "rows",
                     "lines_without_cost", "receipts", "on_time", "median_slip_days", "slip_std_days",
                     "shift_days"), WHOLE),
    **dict.fromkeys(("avg_daily_demand", "demand_std_daily", "safety_stock", "reorder_point"), TWO_DECIMALS),
    **dict.fromkeys(("unit_price", "value", "open_value", "refund_amount", "unit_cost", "order_value",
                     "min_order_value", "base_value"), MONEY),
    **dict.fromkeys(("promised_date", "projected_ship_date", "order_date", "last_ship_date", "received_date",
                     "order_by", "expected_arrival"), DATE),
    "days_of_supply": ONE_DECIMAL,
    "discount": RATE, "service_level": RATE, "on_time_rate": RATE,
    **dict.fromkeys(("adi", "cv2"), "0.00"),   # demand classes' ratios (docs/reorder-planning.md)
}
SHEET_FORMATS = {("Exceptions", "value"): GENERAL, ("Issues", "value"): GENERAL,
                 ("Reading findings", "value"): GENERAL}


def label(sheet: str, name: str) -> str:
    return SHEET_LABELS.get((sheet, name), LABELS[name])


def expected_format(sheet: str, name: str) -> str:
    return SHEET_FORMATS.get((sheet, name), FORMATS.get(name, GENERAL))


def invoke(*args) -> object:
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, [*map(str, args)])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every workbook the commands write for the sample, with the library's own results to compare."""
    folder = tmp_path_factory.mktemp("presentation")
    copy = folder / "copy.xlsx"
    shutil.copy(SAMPLE, copy)
    results = {
        "status": invoke("reconcile", SAMPLE, "--as-of", AS_OF, "--out", folder / "status.xlsx"),
        "plan": invoke("reorder", SAMPLE, "--as-of", AS_OF, "--out", folder / "plan.xlsx"),
        "issues": invoke("validate", SAMPLE, "--as-of", AS_OF, "--out", folder / "issues.xlsx",
                         "--mark", folder / "checked.xlsx"),
        "read": invoke("read", SAMPLE, "--out", folder / "read.xlsx"),
        "copy": invoke("reconcile", copy, "--as-of", AS_OF, "--write-back"),
    }
    for name, result in results.items():
        assert result.exit_code == 1, (name, result.output)        # the sample's deliberate errors
    book = omxl.read_book(SAMPLE)
    rec = omxl.reconcile(book, as_of=AS_OF)
    plan = omxl.plan_reorders(book, as_of=AS_OF)
    done = rec.lines["status"].isin(["shipped", "closed", "delivered", "cancelled"])
    frames = {
        "Order Status": rec.lines[~done], "Closed Lines": rec.lines[done], "Orders": rec.orders,
        "Exceptions": rec.exceptions, "Inventory": rec.inventory, "Returns": rec.returns,
        "Reorder List": plan.lines, "PO Drafts": plan.purchase_orders,
        "Supplier Reliability": plan.supplier_reliability, "Issues": omxl.validate(book, as_of=AS_OF),
        "Tables": book.tables_read(), "Sheets": book.layout, "Columns": book.column_map,
        "Reading findings": book.findings,
    }
    return {"folder": folder, "rec": rec, "plan": plan, "frames": frames, "book": book}


# workbook -> the result sheets in it (name in the workbook, name of its table); the Summary sheet is not one.
WORKBOOKS = {
    "status.xlsx": [(name, name) for name in ("Order Status", "Closed Lines", "Orders", "Exceptions", "Inventory",
                                              "Returns")],
    "copy.xlsx": [(f"omxl {name}", name) for name in ("Order Status", "Closed Lines", "Orders", "Exceptions",
                                                       "Inventory", "Returns")],
    "plan.xlsx": [("Reorder List", "Reorder List"), ("PO Drafts", "PO Drafts"),
                  ("Supplier Reliability", "Supplier Reliability")],
    "issues.xlsx": [("Issues", "Issues")],
    "checked.xlsx": [("omxl Issues", "Issues")],
    "read.xlsx": [(name, name) for name in ("Tables", "Sheets", "Columns", "Reading findings")],
}
SHEETS = [(workbook, in_book, table) for workbook, sheets in WORKBOOKS.items() for in_book, table in sheets]


def fill_of(cell) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None


@pytest.mark.parametrize("workbook, in_book, table", SHEETS, ids=[f"{w}:{s}" for w, s, _ in SHEETS])
def test_every_column_has_its_label_and_number_format(runs, workbook, in_book, table):
    frame = runs["frames"][table]
    ws = openpyxl.load_workbook(runs["folder"] / workbook)[in_book]
    names = [str(name) for name in frame.columns]
    assert [cell.value for cell in ws[1]] == [label(table, name) for name in names]
    assert ws.max_row == len(frame) + 1
    for position, name in enumerate(names, start=1):
        cells = [row[0] for row in ws.iter_rows(min_row=2, min_col=position, max_col=position)]
        present = frame[name].notna().to_numpy()
        if table in ("Orders", "Inventory", "Reorder List", "PO Drafts", "Tables", "Columns"):
            # Rows in the frame's order: the blanks are the frame's blanks.
            assert [cell.value is not None for cell in cells] == list(present) or frame[name].dtype == object, name
        formats = {cell.number_format for cell in cells if cell.value is not None}
        if present.any():
            assert formats == {expected_format(table, name)}, (table, name, formats)
        else:
            assert formats == set(), (table, name)                 # nothing written for a blank column


@pytest.mark.parametrize("workbook, in_book, table", SHEETS, ids=[f"{w}:{s}" for w, s, _ in SHEETS])
def test_every_sheet_has_a_frozen_header_and_an_autofilter(runs, workbook, in_book, table):
    frame = runs["frames"][table]
    ws = openpyxl.load_workbook(runs["folder"] / workbook)[in_book]
    assert ws.freeze_panes == "A2"
    last = openpyxl.utils.get_column_letter(len(frame.columns))
    assert ws.auto_filter.ref == f"A1:{last}{len(frame) + 1}"
    assert all(cell.font.b for cell in ws[1])


def test_every_result_sheet_is_checked_here(runs):
    """A new result sheet (other than the Summary) must be added to WORKBOOKS above."""
    for workbook, sheets in WORKBOOKS.items():
        names = openpyxl.load_workbook(runs["folder"] / workbook, read_only=True).sheetnames
        if workbook in ("copy.xlsx", "checked.xlsx"):
            names = [name for name in names if name.startswith("omxl ")]
        assert sorted(n for n in names if n not in ("Summary", "omxl Summary")) == sorted(s for s, _ in sheets)


def test_every_column_omxl_writes_has_its_own_label(runs):
    """No fallback label: a new column on any result sheet fails until COLUMNS (and LABELS here) name it."""
    for table, frame in runs["frames"].items():
        for name in frame.columns:
            assert name in COLUMN_BY_NAME, f"{table}: column {name!r} has no entry in omxl.presentation COLUMNS"
            assert (table, name) in SHEET_LABELS or name in LABELS, f"{table}: {name!r} is not in this test"
            assert label(table, name) != name, (table, name)         # a label, not the code name


def test_values_keep_full_precision(runs):
    """Rounding is display only: the cell holds the plan's own float, shown with 2 decimals."""
    plan = runs["plan"].lines
    ws = openpyxl.load_workbook(runs["folder"] / "plan.xlsx")["Reorder List"]
    headers = [cell.value for cell in ws[1]]
    column = {name: headers.index(LABELS[name]) for name in ("sku", "safety_stock", "avg_daily_demand",
                                                            "reorder_point", "order_value")}
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    fractional = plan.index[(plan["safety_stock"] * 100 % 1).abs().gt(1e-6)]
    assert len(fractional) > 100
    for index in plan.index:
        row = rows[index]
        assert row[column["sku"]] == plan.at[index, "sku"]
        for name in ("safety_stock", "avg_daily_demand", "reorder_point"):
            assert row[column[name]] == plan.at[index, name], (index, name)   # exactly, not rounded
    first = fractional[0]
    assert rows[first][column["safety_stock"]] != round(plan.at[first, "safety_stock"], 2)
    # The issue's example: the first SKU's 10 units over the 21-day history.
    assert rows[0][column["avg_daily_demand"]] == plan.at[0, "avg_daily_demand"]


def test_late_and_at_risk_rows_have_their_own_fills(runs):
    ws = openpyxl.load_workbook(runs["folder"] / "status.xlsx")["Order Status"]
    headers = [cell.value for cell in ws[1]]
    late_col, risk_col = headers.index("Late"), headers.index("At risk")
    rows = list(ws.iter_rows(min_row=2))
    fills = [{fill_of(cell) for cell in row} for row in rows]
    assert all(len(f) == 1 for f in fills)                       # the whole row, every cell
    expected = [ORANGE if row[late_col].value else LIGHT_BLUE if row[risk_col].value else None for row in rows]
    assert [f.pop() for f in fills] == expected
    assert expected.count(ORANGE) == 64 and expected.count(LIGHT_BLUE) == 62
    assert expected[0] == ORANGE and expected[64] == LIGHT_BLUE and expected[126] is None
    assert ORANGE != LIGHT_BLUE


def test_the_two_fills_differ_in_lightness_for_greyscale_and_colour_blind_readers():
    def luminance(argb: str) -> float:
        r, g, b = (int(argb[i:i + 2], 16) / 255 for i in (2, 4, 6))
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    # Relative luminance (WCAG): 0.52 and 0.82, apart by more than a quarter of the scale, so the two fills stay
    # two different greys when printed in black and white or seen without colour.
    assert round(luminance(ORANGE), 2) == 0.52 and round(luminance(LIGHT_BLUE), 2) == 0.82
    # Orange against light blue: opposite ends of the blue-yellow axis every common deficiency keeps.
    assert int(ORANGE[2:4], 16) > int(ORANGE[6:8], 16) and int(LIGHT_BLUE[6:8], 16) > int(LIGHT_BLUE[2:4], 16)


def test_reorder_list_fills_critical_as_late_and_high_as_at_risk(runs):
    ws = openpyxl.load_workbook(runs["folder"] / "plan.xlsx")["Reorder List"]
    urgency = [cell.value for cell in next(ws.iter_cols(min_col=29, max_col=29, min_row=2))]
    assert ws.cell(1, 29).value == "Urgency"
    fills = [fill_of(ws.cell(row, 1)) for row in range(2, ws.max_row + 1)]
    assert fills == [{"critical": ORANGE, "high": LIGHT_BLUE}.get(u) for u in urgency]
    assert {"critical", "high", "normal"} <= set(urgency)


def test_closed_lines_and_write_back_fill_the_same_way(runs):
    for workbook, sheet in (("copy.xlsx", "omxl Order Status"), ("status.xlsx", "Orders")):
        ws = openpyxl.load_workbook(runs["folder"] / workbook)[sheet]
        headers = [cell.value for cell in ws[1]]
        late_col, risk_col = headers.index("Late"), headers.index("At risk")
        for row in ws.iter_rows(min_row=2):
            want = ORANGE if row[late_col].value else LIGHT_BLUE if row[risk_col].value else None
            assert fill_of(row[0]) == want, (workbook, row[0].row)
    ws = openpyxl.load_workbook(runs["folder"] / "status.xlsx")["Closed Lines"]
    shipped_late = [cell.value for cell in ws[1]].index("Shipped late")
    for row in ws.iter_rows(min_row=2):
        assert fill_of(row[0]) == (ORANGE if row[shipped_late].value else None)


def test_issues_sheets_fill_errors_and_warnings(runs):
    issues = runs["frames"]["Issues"]
    for workbook, sheet in (("issues.xlsx", "Issues"), ("checked.xlsx", "omxl Issues")):
        ws = openpyxl.load_workbook(runs["folder"] / workbook)[sheet]
        fills = [fill_of(ws.cell(row, 1)) for row in range(2, ws.max_row + 1)]
        assert fills == [{"error": ERROR_PINK, "warning": WARNING_YELLOW}.get(s) for s in issues["severity"]]
    # The marked copy's cells jump to the cell cited; the --out workbook has no source sheets to jump to.
    marked = openpyxl.load_workbook(runs["folder"] / "checked.xlsx")["omxl Issues"]
    cell_col = [c.value for c in marked[1]].index("Cell") + 1
    first = marked.cell(2, cell_col)
    assert first.hyperlink is not None and first.hyperlink.location == f"'{issues['sheet'].iloc[0]}'!{first.value}"
    plain = openpyxl.load_workbook(runs["folder"] / "issues.xlsx")["Issues"]
    assert all(plain.cell(row, cell_col).hyperlink is None for row in range(2, plain.max_row + 1))


# --- rates and fractional quantities: a small book of our own ---------------------------------------------------

def tiny_book(folder: Path, toml: str | None = None) -> Path:
    orders = pd.DataFrame({
        "Order ID": ["A1", "A1", "A2"], "Line": [1, 2, 1], "Order Date": pd.to_datetime(["2026-11-01"] * 3),
        "Customer": ["C1", "C1", "C2"], "SKU": ["S1", "S2", "S1"], "Qty": [2.5, 4, 3],
        "Unit Price": [10.0, 1234.5, 10.0], "Discount": [0.05, 0.125, None],
        "Promised Date": pd.to_datetime(["2026-11-20", "2026-12-20", "2026-12-01"])})
    inventory = pd.DataFrame({"SKU": ["S1", "S2"], "On Hand": [1.0, 10.0]})
    path = folder / "tiny.xlsx"
    with pd.ExcelWriter(path) as writer:
        orders.to_excel(writer, sheet_name="Orders", index=False)
        inventory.to_excel(writer, sheet_name="Inventory", index=False)
    if toml is not None:
        (folder / "omxl.toml").write_text(toml, encoding="utf-8")
    return path


def test_rates_are_percentages_and_fractional_quantities_show_two_decimals(tmp_path):
    result = invoke("reconcile", tiny_book(tmp_path), "--as-of", AS_OF, "--out", tmp_path / "status.xlsx")
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(tmp_path / "status.xlsx")["Order Status"]
    rows = {(r[0].value, r[1].value): r for r in ws.iter_rows(min_row=2)}
    headers = [cell.value for cell in ws[1]]
    late = rows[("A1", 1)]
    assert late[headers.index("Discount")].value == 0.05 and late[headers.index("Discount")].number_format == RATE
    assert rows[("A1", 2)][headers.index("Discount")].value == 0.125
    assert late[headers.index("Ordered qty")].value == 2.5
    assert {rows[k][headers.index("Ordered qty")].number_format for k in rows} == {TWO_DECIMALS}  # the column has 2.5
    assert late[headers.index("Unit price")].number_format == MONEY
    # A1/1 is late (promised 11-20), A2/1 at risk (only 1 of 3 in stock... after A1 took it), A1/2 ordinary.
    assert fill_of(late[0]) == ORANGE
    assert fill_of(rows[("A2", 1)][0]) == LIGHT_BLUE
    assert fill_of(rows[("A1", 2)][0]) is None
    assert [r[0].value for r in ws.iter_rows(min_row=2)] == ["A1", "A2", "A1"]     # late, at risk, the rest


# --- labels in omxl.toml ------------------------------------------------------------------------------------------

def test_labels_in_omxl_toml_rename_headers(tmp_path):
    book = tiny_book(tmp_path, '[labels]\nbackordered_qty = "Rückstand"\nmessage = "Meldung"\n')
    result = invoke("reconcile", book, "--as-of", AS_OF, "--out", tmp_path / "status.xlsx",
                    "--mark", tmp_path / "checked.xlsx")
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(tmp_path / "status.xlsx")
    for sheet in ("Order Status", "Orders"):
        headers = [cell.value for cell in workbook[sheet][1]]
        assert "Rückstand" in headers and "Backordered qty" not in headers
        assert headers[headers.index("Rückstand") - 1] == "Allocated qty"
    assert "Meldung" in [cell.value for cell in workbook["Exceptions"][1]]
    assert "Meldung" in [cell.value for cell in openpyxl.load_workbook(tmp_path / "checked.xlsx")["omxl Issues"][1]]
    # The purchase-order drafts speak the team's words too.
    (tmp_path / "omxl.toml").write_text('[labels]\norder_qty = "Bestellmenge"\n', encoding="utf-8")
    plan = omxl.plan_reorders(omxl.read_book(SAMPLE, config=tmp_path / "omxl.toml"), as_of=AS_OF)
    from omxl.io.save.po_drafts import write_po_drafts

    first = write_po_drafts(plan, tmp_path / "drafts")[0]
    assert [c.value for c in openpyxl.load_workbook(first)["PO draft"][12]][:3] == ["SKU", "Description",
                                                                                    "Bestellmenge"]
    # CSV and JSON keep the column names: they are for programs, which must not break when a label changes.
    invoke("reconcile", book, "--as-of", AS_OF, "--out", tmp_path / "lines.csv")
    with (tmp_path / "lines.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert "backordered_qty" in next(csv.reader(handle))


def test_an_unknown_column_in_labels_is_a_config_error_naming_the_setting(tmp_path):
    book = tiny_book(tmp_path, '[labels]\nbackorderd_qty = "Rückstand"\n')
    result = invoke("reconcile", book, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"omxl: {tmp_path / 'omxl.toml'}: setting 'labels': no result column is named 'backorderd_qty'; the names "
        "are listed in docs/columns.md (e.g. backordered_qty)"]
    with pytest.raises(ConfigError, match="setting 'labels': the label of 'qty' is blank"):
        omxl.read_book(book, config={"labels": {"qty": " "}})


# --- purchase-order drafts -----------------------------------------------------------------------------------------

def test_po_draft_lines_use_the_labels_and_formats(runs, tmp_path):
    result = invoke("reorder", SAMPLE, "--as-of", AS_OF, "--po-dir", tmp_path / "drafts")
    assert result.exit_code == 1
    lines = runs["plan"].po_lines("SUP-001")
    ws = openpyxl.load_workbook(tmp_path / "drafts" / "PO draft SUP-001 Falcon Industrial Supply Inc.xlsx")["PO draft"]
    assert [cell.value for cell in ws[12]] == ["SKU", "Description", "Order qty", "Unit cost", "Order value",
                                               "Expected arrival", "Explanation"]
    assert ws.freeze_panes == "A13"
    for offset, line in enumerate(lines.itertuples()):
        row = 13 + offset
        assert ws.cell(row, 3).value == line.order_qty and ws.cell(row, 3).number_format == WHOLE
        assert ws.cell(row, 4).value == line.unit_cost and ws.cell(row, 4).number_format == MONEY
        assert ws.cell(row, 5).value == f"=C{row}*D{row}" and ws.cell(row, 5).number_format == MONEY
        assert ws.cell(row, 6).number_format == DATE
    total = 13 + len(lines)
    assert ws.cell(total, 1).value == "Total"
    assert ws.cell(total, 3).number_format == WHOLE and ws.cell(total, 5).number_format == MONEY
    cached = openpyxl.load_workbook(tmp_path / "drafts" / "PO draft SUP-001 Falcon Industrial Supply Inc.xlsx",
                                    data_only=True)["PO draft"]
    assert cached.cell(total, 3).value == lines["order_qty"].sum() == 1749
    assert cached.cell(total, 5).value == pytest.approx(lines["order_value"].sum()) == 11064.06


def test_po_draft_fractional_quantities_show_two_decimals(tmp_path):
    from omxl.io.save.po_drafts import write_po_draft

    lines = pd.DataFrame({"sku": ["A", "B"], "description": ["Cable", "Wire"], "order_qty": [2.5, 4.0],
                          "unit_cost": [3.0, 1.5], "order_value": [7.5, 6.0],
                          "expected_arrival": pd.to_datetime(["2026-12-01", "2026-12-02"]),
                          "explanation": ["x", "y"]})
    path = write_po_draft(tmp_path / "draft.xlsx", {"supplier_id": "S1"}, lines, pd.Timestamp(AS_OF))
    ws = openpyxl.load_workbook(path)["PO draft"]
    assert [ws.cell(row, 3).number_format for row in (13, 14, 15)] == [TWO_DECIMALS] * 3   # lines and total
    assert ws.cell(13, 3).value == 2.5


# --- --out on every command ----------------------------------------------------------------------------------------

def test_read_out_writes_the_column_mapping_as_csv_and_json(runs, tmp_path):
    column_map = runs["book"].column_map
    result = invoke("read", SAMPLE, "--out", tmp_path / "columns.csv")
    assert result.exit_code == 1                                 # reading found the sample's errors
    assert f"Wrote {tmp_path / 'columns.csv'}." in result.stderr
    with (tmp_path / "columns.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["table", "source", "sheet", "header_row", "header", "column", "letter"]
    assert rows[1] == ["orders", "sample.xlsx", "Orders", "4", "Order #", "order_id", "A"]
    assert len(rows) == len(column_map) + 1
    result = invoke("read", SAMPLE, "--out", tmp_path / "columns.json")
    assert result.exit_code == 1
    records = json.loads((tmp_path / "columns.json").read_text(encoding="utf-8"))
    assert records[0] == {"table": "orders", "source": "sample.xlsx", "sheet": "Orders", "header_row": 4,
                          "header": "Order #", "column": "order_id", "letter": "A"}
    assert len(records) == len(column_map)
    unknown = [r for r in records if not r["column"]]          # a header omxl does not know: no column
    assert [r["header"] for r in unknown] == column_map.loc[column_map["column"].eq(""), "header"].tolist()
    assert {"Sales Rep", "Notes"} <= {r["header"] for r in unknown}


def test_read_out_refuses_other_extensions_and_folders_with_exit_2(tmp_path):
    result = invoke("read", SAMPLE, "--out", tmp_path / "columns.txt")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"omxl: {tmp_path / 'columns.txt'}: --out writes a .xlsx, .csv or .json file, chosen by its extension, "
        f"not .txt; give a name such as {tmp_path / 'columns.xlsx'} or {tmp_path / 'columns.csv'}. Nothing was "
        "written."]
    result = invoke("read", SAMPLE, "--out", tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"omxl: {tmp_path} is a folder; give a file name such as {tmp_path / 'read.xlsx'}. Nothing was written."]
    missing = tmp_path / "missing" / "columns.csv"
    result = invoke("read", SAMPLE, "--out", missing)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"omxl: {missing}: the folder {missing.parent} does not exist; create it or choose an existing folder. "
        "Nothing was written."]
    assert list(tmp_path.iterdir()) == []


def test_validate_out_csv_and_json_keep_column_names(runs, tmp_path):
    issues = runs["frames"]["Issues"]
    result = invoke("validate", SAMPLE, "--as-of", AS_OF, "--out", tmp_path / "issues.json")
    assert result.exit_code == 1
    records = json.loads((tmp_path / "issues.json").read_text(encoding="utf-8"))
    assert list(records[0]) == list(issues.columns)
    assert [r["code"] for r in records] == issues["code"].tolist()


# --- LibreOffice opens what omxl writes and shows the formats --------------------------------------------------

def libreoffice_csv_per_sheet(path: Path, out_dir: Path) -> dict[str, list[list[str]]]:
    """Every sheet of `path` as LibreOffice shows it (cell text as formatted), by sheet name."""
    import subprocess

    out_dir.mkdir(exist_ok=True)
    # 44,34,76: comma, double quote, UTF-8; token 9 true: cells as shown; token 12 -1: every sheet to its file.
    options = "44,34,76,1,,0,false,true,true,false,false,-1"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{out_dir / 'lo-profile'}", "--headless",
                    "--convert-to", f"csv:Text - txt - csv (StarCalc):{options}", "--outdir", str(out_dir),
                    str(path)], check=True, capture_output=True, timeout=180)
    sheets = {}
    for found in out_dir.glob(f"{path.stem}-*.csv"):
        with found.open(encoding="utf-8", newline="") as handle:
            sheets[found.stem[len(path.stem) + 1:]] = list(csv.reader(handle))
    return sheets


def test_libreoffice_shows_labels_and_formats(runs, tmp_path):
    shown = libreoffice_csv_per_sheet(runs["folder"] / "plan.xlsx", tmp_path)
    assert {"Reorder List", "PO Drafts"} <= set(shown)
    reorder = shown["Reorder List"]
    plan = runs["plan"].lines
    assert reorder[0][:5] == ["SKU", "Description", "Supplier", "Supplier name", "Rule"]
    head = dict(zip(reorder[0], reorder[1]))
    first = plan.iloc[0]
    assert head["Avg daily demand"] == f"{first['avg_daily_demand']:.2f}" == "0.94"
    assert head["Safety stock"] == f"{first['safety_stock']:.2f}"
    assert head["Order qty"] == f"{first['order_qty']:,.0f}" == "191"                # no ".00" on whole units
    assert head["Order value"] == f"{first['order_value']:,.2f}" == "1,669.34"        # thousands separator
    assert head["Order by"] == "2026-11-27" and head["Days of supply"] == "0.0"
    for row, (_, line) in zip(reorder[1:], plan.iterrows()):
        shown_row = dict(zip(reorder[0], row))
        assert shown_row["Safety stock"] == f"{line['safety_stock']:,.2f}"
        assert shown_row["Reorder point"] == f"{line['reorder_point']:,.2f}"
    drafts = dict(zip(shown["PO Drafts"][0], shown["PO Drafts"][1]))
    assert drafts["Units"] == "1,749" and drafts["Draft value"] == "11,064.06"
    assert drafts["Minimum order value"] == "2,500.00"
    status = libreoffice_csv_per_sheet(runs["folder"] / "status.xlsx", tmp_path / "status")
    lines = status["Order Status"]
    first = dict(zip(lines[0], lines[1]))
    rec_first = runs["rec"].lines.set_index(["order_id", "line"]).loc[(first["Order"], int(first["Line"]))]
    assert first["Promised date"] == f"{rec_first['promised_date']:%Y-%m-%d}"
    assert first["Ordered qty"] == f"{rec_first['qty']:,.0f}"
    assert first["Unit price"] == f"{rec_first['unit_price']:,.2f}"
    assert first["Source row"] == str(rec_first["row"])                               # 2974, not "2,974"
    refunds = [dict(zip(status["Returns"][0], row))["Refund"] for row in status["Returns"][1:]]
    assert "13,401.42" in refunds


def test_the_same_result_gives_the_same_workbook(tmp_path):
    """Style numbers do not depend on the order of a set (which changes with Python's hash seed)."""
    import os
    import subprocess
    import sys
    import zipfile

    from conftest import ROOT

    book = tiny_book(tmp_path)
    parts = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"status-{seed}.xlsx"
        done = subprocess.run([sys.executable, "-m", "omxl", "reconcile", str(book), "--as-of", AS_OF, "--out",
                               str(out)], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT),
                                   # the Summary's "Made on" minute, fixed so a minute boundary cannot differ
                                   "SOURCE_DATE_EPOCH": "1795000000"})
        assert done.returncode == 0, done.stderr
        with zipfile.ZipFile(out) as archive:
            parts.append({name: archive.read(name) for name in archive.namelist()})
    assert parts[0] == parts[1] == parts[2]
    from openpyxl import load_workbook

    made = load_workbook(tmp_path / "status-1.xlsx")["Summary"]["B3"].value
    assert (made.year, made.month, made.day, made.hour, made.minute) == (2026, 11, 18, 11, 6)


def test_number_formats_with_quoted_text_each_get_their_own_id():
    """A number format holding literal text ('"EUR "#,##0.00') is written with its attribute in single quotes;
    it is found again by its code, so two such formats never share one id (the Summary's KPI rows use several)."""
    from omxl.io.xlsx.styles import _number_format

    styles = "<styleSheet></styleSheet>"
    ids = []
    for code in ("#,##0", '"EUR "#,##0.00', '#,##0.0" days"', '"EUR "#,##0.00', "a&b", "a&b"):
        styles, number = _number_format(styles, code)
        ids.append(number)
    assert ids == [164, 165, 166, 165, 167, 167]
    assert styles.count("<numFmt ") == 4 and '<numFmts count="4">' in styles
