"""The default weekly status template (contract 4.4, 5.1; docs/templates.md "The weekly status template").

omxl/shipped/weekly_status.xlsx is built by scripts/weekly_status_template.py and filled by omxl.render_template from
a hand-built context; expected cells and references are written out by hand from that context."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

import omxl
from tests.conftest import ROOT, convert_with_libreoffice, soffice

TEMPLATE = ROOT / "omxl" / "shipped" / "weekly_status.xlsx"
SHEETS = ["Summary", "KPIs", "Late & At Risk", "Changes", "Root Causes", "Open Orders", "Backorders", "Overdue POs",
          "Inventory", "Reorder", "Demand Classes", "Purchase Orders", "Supplier Reliability", "Carriers", "Improvements", "Returns", "Billing", "Data Issues"]
HYPERLINK = '=HYPERLINK("http://x","y")'
TILE_KPIS = ("otif_line_rate", "unit_fill_rate", "late_lines", "at_risk_lines", "backorder_lines", "backorder_value",
             "overdue_po_lines", "data_errors")


def _builder():
    spec = importlib.util.spec_from_file_location("weekly_status_template",
                                                  ROOT / "scripts" / "weekly_status_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def s(values) -> pd.Series:
    return pd.Series(values, dtype="string[python]")


def context() -> dict:
    tiles = {kpi: {"label": f"Label {i}", "value": f"{i}0", "change": "first run" if i % 2 else "\u25b2 +1, worse",
                   "target": "no target set" if i % 3 else "target 5: off target"}
             for i, kpi in enumerate(TILE_KPIS)}
    kpi_table = pd.DataFrame({
        "label": s(["OTIF line rate", "Late lines", "Orders received"]), "value": s(["87.5%", "12", "40"]),
        "previous": s(["80.0%", "9", "40"]), "change": s(["\u25b2 +7.5 pts, better", "\u25b2 +3, worse", "no change"]),
        "better": s(["Higher is better", "Lower is better", "Neither"]), "target": s(["95.0%", "", ""]),
        "on_target": s(["off target", "", ""]), "reason": s(["", "", ""])})
    trend = pd.DataFrame({"as_of": pd.to_datetime(["2026-11-20", "2026-11-27"]),
                          "otif_line_rate": [0.8, 0.875], "unit_fill_rate": [0.85, 0.9], "late_lines": [9, 12]})
    status_counts = pd.DataFrame({"status": s(["Backordered", "On hold", "Ready to ship"]), "lines": [5, 2, 30]})
    causes = pd.DataFrame({
        "dimension": s(["Supplier"] * 5), "key": s(["SUP-1", "SUP-2", "SUP-3", "SUP-4", "SUP-5"]),
        "lines": [6, 4, 3, 2, 1], "units": [50, 30, 10, 6, 4], "value": [500.0, 300.0, 100.0, 60.0, 40.0],
        "share": [0.5, 0.3, 0.1, 0.06, 0.04], "cumulative_share": [0.5, 0.8, 0.9, 0.96, 1.0],
        "currency": s(["EUR"] * 5)})
    overdue_by_supplier = pd.DataFrame({"supplier": s(["Acme", "Initech"]), "lines": [2, 1], "units": [40.0, 25.0]})
    actions = pd.DataFrame({
        "order_id": s(["SO-1", "SO-2", "SO-3"]), "line": [1, 2, 1], "customer": s(["Acme", HYPERLINK, "Initech"]),
        "sku": s(["A-1", "B-2", "C-3"]), "open_qty": [5.0, 7.0, 9.0],
        "promised_date": pd.to_datetime(["2026-11-01", "2026-11-10", "2026-11-30"]), "days_late": [26, 17, 0],
        "action": s(["ship: stock is allocated", "chase PO PO-1 with Acme (due 2026-12-01)",
                     "tell the customer: new date 2026-12-04"])})
    n = 1000
    late = pd.DataFrame({
        "order_id": s([f"SO-{i:05d}" for i in range(n)]), "line": np.arange(n) % 3 + 1,
        "customer": s([HYPERLINK if i == 1 else f"Customer {i % 7}" for i in range(n)]),
        "sku": s([f"SKU-{i % 37}" for i in range(n)]), "open_qty": np.arange(n) % 50 + 1,
        "promised_date": pd.Timestamp("2026-11-01") + pd.to_timedelta(np.arange(n) % 20, unit="D"),
        "projected_ship_date": pd.Timestamp("2026-11-30") + pd.to_timedelta(np.arange(n) % 2, unit="D"),
        "days_late": np.arange(n) % 20, "status": s(["Ready to ship"] * n),
        "reason": s(["Late by some days; a reason long enough to wrap over three lines of its column, as "
                     "reasons do." if i % 2 else "Short." for i in range(n)]),
        "action": s(["ship: stock is allocated"] * n)})
    changes = pd.DataFrame({"change": s(["Projected date moved"]), "order_id": s(["SO-00001"]), "line": [2],
                            "sku": s(["SKU-1"]), "old": s(["2026-11-20"]), "new": s(["2026-11-30"]),
                            "status": s(["Ready to ship"])})
    empty = pd.DataFrame({"order_id": s([]), "sku": s([]), "backordered_qty": pd.Series([], dtype="int64")})
    one = lambda **cols: pd.DataFrame({k: (s([v]) if isinstance(v, str) else [v]) for k, v in cols.items()})
    notes = {name: "" for name in ("actions", "kpi_table", "late_lines", "changes", "root_causes", "open_orders",
                                   "overdue_pos", "inventory", "reorder", "demand_classes", "purchase_orders", "supplier_reliability",
                                   "carriers", "improvements", "returns",
                                   "issues")}
    notes.update(backorders="No backordered lines.", charts="", billing="Invoices dated on or before 2026-11-27.",
                 billing_balances="", billing_ages="", receivables_to_chase="")
    balances = pd.DataFrame({"currency": s(["EUR", "USD", "All in EUR"]), "invoiced_amount": [1200.0, 300.0, 1476.0],
                             "paid_amount": [900.0, 0.0, 900.0], "open_balance": [300.0, 300.0, 576.0],
                             "unbilled_value": [45.5, 0.0, 45.5], "dso": [22.5, 90.0, 35.1],
                             "invoiced_last_90": [1200.0, 300.0, 1476.0],
                             "note": s(["", "", "all currencies in EUR at USD 0.92"])})
    ages = pd.DataFrame({"currency": s(["EUR", "USD", "All in EUR"]), "not_due": [100.0, 0.0, 100.0],
                         "overdue_1_30": [200.0, 0.0, 200.0], "overdue_31_60": [0.0, 300.0, 276.0],
                         "overdue_61_90": [0.0] * 3, "overdue_over_90": [0.0] * 3, "no_due_date": [0.0] * 3})
    n_chase = 60
    chase = pd.DataFrame({
        "customer": s([f"Customer {i}" for i in range(n_chase)]), "invoice_id": s([f"INV-{i}" for i in range(n_chase)]),
        "order_id": s([f"SO-{i}" for i in range(n_chase)]),
        "due_date": pd.Timestamp("2026-10-01") + pd.to_timedelta(np.arange(n_chase), unit="D"),
        "days_overdue": 57 - np.arange(n_chase), "open_balance": np.full(n_chase, 10.0),
        "currency": s(["EUR"] * n_chase), "action": s(["call the customer and agree a payment date"] * n_chase)})
    return {
        "title": "Weekly status: Fabrikam & Sons", "as_of": dt.date(2026, 11, 27),
        "period_start": dt.date(2026, 11, 21), "period_end": dt.date(2026, 11, 27), "iso_week": "2026-W48",
        "headline": "Week 2026-W48: 2026-11-21 to 2026-11-27 (as of 2026-11-27); changes against the run of "
                    "2026-11-20",
        "data_quality": "2 errors and 5 warnings; 3 rows were left out.",
        "tiles": tiles, "notes": notes, "kpi_table": kpi_table, "actions": actions,
        "trend": trend, "status_counts": status_counts, "causes": causes,
        "causes_heading": "Root causes: late and backordered lines by supplier (the largest 5; every dimension on "
                          "the Root Causes sheet)",
        "overdue_by_supplier": overdue_by_supplier, "root_causes": causes,
        "late_lines": late, "changes": changes,
        "open_orders": one(order_id="SO-00001", line=1, sku="SKU-1", open_qty=5),
        "backorders": empty,
        "overdue_pos": one(supplier_id="SUP-1", supplier_name="Acme", po_id="PO-1", sku="A-1", open_units=40.0),
        "inventory": one(sku="SKU-1", location="WH1", on_hand=120, available=100),
        "reorder": one(sku="SKU-1", supplier_id="SUP-1", order_qty=60, order_by=pd.Timestamp("2026-12-01")),
        "demand_classes": pd.DataFrame({"abc_class": s(["A", "B", "C", "no class"]), "smooth": [3, 1, 0, 0],
                                        "erratic": [1, 1, 0, 0], "intermittent": [0, 2, 5, 0], "lumpy": [0, 0, 4, 1],
                                        "no_demand": [0, 0, 0, 7], "skus": [4, 4, 9, 8]}),
        "purchase_orders": one(supplier_id="SUP-1", sku="SKU-1", order_qty=60, order_value=600.0),
        "supplier_reliability": one(supplier_id="SUP-1", supplier_name="Acme", receipts=3, on_time=0,
                                    on_time_rate=0.0, median_slip_days=4.0, slip_std_days=2.0, shift_days=4.0,
                                    note="3 receipts, median 4 days late: dates moved by the median"),
        "carriers": one(carrier="DHL", shipments=20, on_time_rate=0.95, avg_transit_days=2.5),
        "improvements": one(rank=1, kind="Supplier lead time", applies_to="SUP-028",
                            suggestion="SUP-028: 9 receipts, median 6 days late: lead time 14 → 20 days",
                            evidence="9 receipts from 2026-06-02 to 2026-11-20, 1 on time", units=120.0,
                            value=600.0, currency="EUR"),
        "returns": one(rma_id="RMA-1", order_id="SO-00002", sku="SKU-2", qty=1),
        "issues": one(severity="Error", code="E101", table="Orders", cell="B7", message="Date is not a date"),
        "billing_balances": balances, "billing_ages": ages, "receivables_to_chase": chase,
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("weekly") / "weekly.xlsx"
    return omxl.render_template(TEMPLATE, context(), out)


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def row(sheet, n: int, last: str) -> list:
    return [c.value for c in sheet[f"A{n}:{last}{n}"][0]]


def test_the_committed_weekly_template_is_what_its_builder_makes(tmp_path):
    fresh = _builder().build(tmp_path / "weekly_status.xlsx")
    with zipfile.ZipFile(fresh) as new, zipfile.ZipFile(TEMPLATE) as committed:
        assert {n: new.read(n) for n in new.namelist()} == {n: committed.read(n) for n in committed.namelist()}


def test_summary_holds_the_title_the_tiles_the_actions_and_the_chart_figures(rendered):
    book = openpyxl.load_workbook(rendered)
    assert book.sheetnames == SHEETS
    sheet = book["Summary"]
    assert sheet["A1"].value == "Weekly status: Fabrikam & Sons"
    assert sheet["A2"].value == ("Week 2026-W48: 2026-11-21 to 2026-11-27 (as of 2026-11-27); changes against the "
                                 "run of 2026-11-20")
    assert sheet["A3"].value == "2 errors and 5 warnings; 3 rows were left out."
    # Two bands of four tiles (label, value, change, target) over A:B, C, D:E, F:G.
    for band, first in ((0, 5), (1, 10)):
        for i, column in enumerate("ACDF"):
            number = band * 4 + i
            assert [sheet[f"{column}{first + k}"].value for k in range(4)] == [
                f"Label {number}", f"{number}0", "first run" if number % 2 else "\u25b2 +1, worse",
                "no target set" if number % 3 else "target 5: off target"], (band, column)
    assert {str(r) for r in sheet.merged_cells.ranges} >= {"A5:B5", "D5:E5", "F5:G5", "A13:B13", "F13:G13"}
    assert sheet["A15"].value == "Lines that most need action"
    assert row(sheet, 16, "H") == ["Order", "Line", "Customer", "SKU", "Open qty", "Promised date", "Days late",
                                   "Action"]
    assert row(sheet, 17, "H") == ["SO-1", 1, "Acme", "A-1", 5, dt.datetime(2026, 11, 1), 26,
                                   "ship: stock is allocated"]
    assert (sheet["C18"].value, sheet["C18"].data_type) == (HYPERLINK, "s")  # text from data stays text
    assert row(sheet, 19, "H")[7] == "tell the customer: new date 2026-12-04"
    # The print area covers the headline page and grows with the action rows (template A1:H32, 2 rows added).
    assert sheet.print_area == "'Summary'!$A$1:$H$34"
    # The figures behind the charts, right of and below the printed page; 3 actions push them down by 2.
    assert sheet["H37"].value == "Figures behind the charts"
    assert sheet["H38"].value == "KPI trend"
    assert [sheet.cell(39, c).value for c in range(8, 12)] == ["As of", "OTIF line rate", "Unit fill rate",
                                                                "Late lines"]
    assert [sheet.cell(41, c).value for c in range(8, 12)] == [dt.datetime(2026, 11, 27), 0.875, 0.9, 12]
    assert sheet["H43"].value == "Open lines by status"
    assert [[sheet.cell(r, c).value for c in (8, 9)] for r in range(45, 48)] == [
        ["Backordered", 5], ["On hold", 2], ["Ready to ship", 30]]
    assert sheet["H49"].value.startswith("Root causes: late and backordered lines by supplier (the largest 5")
    assert [sheet.cell(51, c).value for c in range(8, 16)] == ["Supplier", "SUP-1", 6, 50, 500, 0.5, 0.5, "EUR"]
    assert sheet["H57"].value == "Overdue POs by supplier"
    assert [[sheet.cell(r, c).value for c in (8, 9, 10)] for r in (59, 60)] == [["Acme", 2, 40], ["Initech", 1, 25]]


def test_chart_series_are_stretched_to_the_rendered_rows(rendered):
    with zipfile.ZipFile(rendered) as archive:
        charts = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    refs = [re.findall(r"<c:f>([^<]*)</c:f>", part(rendered, name)) for name in charts]
    titles = [re.findall(r"<a:t>([^<]*)</a:t>", part(rendered, name))[0] for name in charts]
    assert titles == ["KPI trend", "Open lines by status", "Root causes", "Overdue POs by supplier"]
    assert refs == [
        # KPI trend: two rates, late lines on the secondary axis (name cells are literal text, no <c:f>)
        ["Summary!$H$40:$H$41", "Summary!$I$40:$I$41", "Summary!$H$40:$H$41", "Summary!$J$40:$J$41",
         "Summary!$H$40:$H$41", "Summary!$K$40:$K$41"],
        ["Summary!$H$45:$H$47", "Summary!$I$45:$I$47"],  # lines by status
        # Pareto: units as bars, cumulative share as a line on the secondary axis
        ["Summary!$I$51:$I$55", "Summary!$K$51:$K$55", "Summary!$I$51:$I$55", "Summary!$N$51:$N$55"],
        ["Summary!$H$59:$H$60", "Summary!$J$59:$J$60"],  # overdue POs: units open per supplier
    ]


def test_tile_and_kpi_colours_are_conditional_formats_on_the_words(rendered):
    summary = part(rendered, "xl/worksheets/sheet1.xml")
    formulas = re.findall(r"<formula>([^<]*)</formula>", summary)
    assert formulas[:4] == ['RIGHT(A7,6)="better"', 'RIGHT(A7,5)="worse"', 'RIGHT(A8,10)="off target"',
                            'RIGHT(A8,9)="on target"']
    assert len(formulas) == 4 * 8
    kpis = part(rendered, "xl/worksheets/sheet2.xml")
    assert re.findall(r'<conditionalFormatting sqref="([^"]+)"', kpis) == ["D4:D6", "G4:G6"]


def test_detail_sheets_hold_their_tables_with_filter_freeze_and_print_setup(rendered):
    book = openpyxl.load_workbook(rendered)
    kpis = book["KPIs"]
    assert row(kpis, 3, "H") == ["Measure", "Value", "Previous", "Change", "Better when", "Target", "On target",
                                 "Note"]
    assert row(kpis, 4, "H") == ["OTIF line rate", "87.5%", "80.0%", "\u25b2 +7.5 pts, better", "Higher is better",
                                 "95.0%", "off target", None]
    late = book["Late & At Risk"]
    assert late["A1"].value == "Late and at-risk lines, week 2026-W48 (as of 2026-11-27)"
    assert row(late, 3, "K") == ["Order", "Line", "Customer", "SKU", "Open qty", "Promised date",
                                 "Projected ship date", "Days late", "Status", "Why", "Action"]
    assert row(late, 4, "I") == ["SO-00000", 1, "Customer 0", "SKU-0", 1, dt.datetime(2026, 11, 1),
                                 dt.datetime(2026, 11, 30), 0, "Ready to ship"]
    assert row(late, 1003, "E") == ["SO-00999", 1, "Customer 5", "SKU-0", 50]
    assert late.max_row == 1003
    assert (late["C5"].value, late["C5"].data_type) == (HYPERLINK, "s")  # text from data stays text
    # The long reason wraps in its 30-character column: its rows are three lines tall, the short ones one.
    assert (late.row_dimensions[5].height, late.row_dimensions[4].height) == (47, None)
    assert late.row_dimensions[3].height == 32   # "Projected ship date" in two lines
    assert late.freeze_panes == "A4"
    assert late.auto_filter.ref == "A3:K1003"
    # A fixed scale, never fit-to-page (which shrank wide sheets below 8 pt); the header on every page.
    assert (late.page_setup.orientation, late.page_setup.paperSize, late.page_setup.scale) == ("landscape", 9, 85)
    assert not late.sheet_properties.pageSetUpPr.fitToPage
    assert late.print_title_rows == "$3:$3"
    assert late.oddFooter.center.text == "Page &P of &N"
    assert "<oddFooter>&amp;LWeekly status: Fabrikam &amp;&amp; Sons&amp;CPage &amp;P of &amp;N&amp;R2026-W48" \
           "</oddFooter>" in part(rendered, "xl/worksheets/sheet3.xml")

    back = book["Backorders"]  # 0 records: header row, the data row left empty, and why
    assert back["A2"].value == "No backordered lines."
    assert row(back, 3, "C") == ["Order", "SKU", "Backordered qty"]
    assert row(back, 4, "C") == [None, None, None] and back.max_row == 4
    assert back.auto_filter.ref == "A3:H4"
    assert book["Changes"]["A2"].value is None
    assert row(book["Changes"], 4, "G") == ["Projected date moved", "SO-00001", 2, "SKU-1", "2026-11-20",
                                            "2026-11-30", "Ready to ship"]
    carriers = book["Carriers"]
    assert row(carriers, 3, "D") == ["Carrier", "Shipments", "On time", "Avg transit (days)"]
    assert row(carriers, 4, "D") == ["DHL", 20, 0.95, 2.5]
    assert carriers["C4"].number_format == "0.0%"
    assert row(book["Overdue POs"], 4, "E") == ["SUP-1", "Acme", "PO-1", "A-1", 40]
    assert row(book["Inventory"], 4, "D") == ["SKU-1", "WH1", 120, 100]
    assert row(book["Reorder"], 4, "D") == ["SKU-1", "SUP-1", 60, dt.datetime(2026, 12, 1)]
    assert row(book["Purchase Orders"], 4, "D") == ["SUP-1", "SKU-1", 60, 600]
    assert row(book["Returns"], 3, "D") == ["RMA", "Order", "SKU", "Returned qty"]
    assert row(book["Open Orders"], 4, "D") == ["SO-00001", 1, "SKU-1", 5]
    assert row(book["Data Issues"], 4, "E") == ["Error", "E101", "Orders", "B7", "Date is not a date"]
    # Every detail sheet but Billing, whose three tables move as they grow (no frozen header, no filter).
    for name in [sheet for sheet in SHEETS[1:] if sheet != "Billing"]:
        assert book[name].freeze_panes == "A4", name
        assert book[name].page_setup.orientation == "landscape", name
        assert book[name].page_setup.scale == 85, name
    assert book["Summary"].page_setup.scale == 75


@pytest.mark.skipif(not soffice(), reason="LibreOffice is not installed")
def test_libreoffice_prints_the_kpis(rendered, tmp_path):
    pdf = convert_with_libreoffice(rendered, "pdf", tmp_path)
    reader = PdfReader(str(pdf))
    first, second = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert "Weekly status: Fabrikam & Sons" in first and "Label 7" in first
    assert "OTIF line rate" in second and "87.5%" in second and "+7.5 pts, better" in second


def test_the_billing_sheet_holds_balances_ages_and_the_receivables_to_chase_one_under_the_other(rendered):
    sheet = openpyxl.load_workbook(rendered)["Billing"]
    assert sheet["A1"].value == "Billing, week 2026-W48 (as of 2026-11-27)"
    assert sheet["A2"].value == "Invoices dated on or before 2026-11-27."
    assert sheet["A3"].value == "Balances per currency"
    assert row(sheet, 4, "H") == ["Currency", "Invoiced", "Paid", "Open", "Shipped, not invoiced", "DSO (days)",
                                  "Invoiced, last 90 days", "Note"]
    assert row(sheet, 5, "G") == ["EUR", 1200, 900, 300, 45.5, 22.5, 1200]
    assert row(sheet, 7, "H")[:2] == ["All in EUR", 1476] and sheet["H7"].value == "all currencies in EUR at USD 0.92"
    assert (sheet["B5"].number_format, sheet["F5"].number_format) == ("#,##0.00", "#,##0.0")
    # The three rows of balances pushed the age table down by two rows, and the ages the chase list.
    assert sheet["A9"].value == "Open receivables by age (days past due)"
    assert row(sheet, 10, "G") == ["Currency", "Not due yet", "1-30 days", "31-60 days", "61-90 days",
                                   "Over 90 days", "No due date"]
    assert row(sheet, 13, "G") == ["All in EUR", 100, 200, 276, 0, 0, 0]
    assert sheet["A15"].value == "Receivables to chase"
    assert row(sheet, 16, "H") == ["Customer", "Invoice", "Order", "Due date", "Days overdue", "Open", "Currency",
                                   "Action"]
    assert row(sheet, 17, "H") == ["Customer 0", "INV-0", "SO-0", dt.datetime(2026, 10, 1), 57, 10, "EUR",
                                   "call the customer and agree a payment date"]
    assert sheet["A76"].value == "Customer 59" and sheet.max_row == 76
    assert (sheet.page_setup.orientation, sheet.page_setup.scale) == ("landscape", 85)
    # The long chase list's header on every printed page: the print titles moved down with it (row 12 -> 16).
    assert sheet.print_title_rows == "$16:$16"
    assert [sheet.column_dimensions[c].width for c in "AH"] == [pytest.approx(22.71, abs=0.01),
                                                                pytest.approx(45.71, abs=0.01)]
