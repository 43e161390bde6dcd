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
SHEETS = ["Summary", "Late & At Risk", "Changes", "Root Causes", "Open Orders", "Backorders", "Inventory", "Reorder",
          "Purchase Orders", "Carriers", "Returns", "Data Issues"]
HYPERLINK = '=HYPERLINK("http://x","y")'


def _builder():
    spec = importlib.util.spec_from_file_location("weekly_status_template",
                                                  ROOT / "scripts" / "weekly_status_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def s(values) -> pd.Series:
    return pd.Series(values, dtype="string[python]")


def context() -> dict:
    kpis = pd.DataFrame({
        "kpi": s(["otif_line_rate", "late_lines", "orders_received"]),
        "label": s(["OTIF line rate", "Late lines", "Orders received"]),
        "value": [0.875, 12.0, 40.0], "previous": [0.8, 9.0, 40.0], "change": [0.075, 3.0, 0.0],
        "unit": s(["fraction", "lines", "orders"]), "currency": s([None, None, None]),
        "better": s(["up", "down", "neither"])})
    trend = pd.DataFrame({"as_of": pd.to_datetime(["2026-11-20", "2026-11-27"]),
                          "otif_line_rate": [0.8, 0.875], "unit_fill_rate": [0.85, 0.9], "late_lines": [9, 12]})
    status_counts = pd.DataFrame({"status": s(["open", "late", "backordered", "shipped"]), "lines": [30, 12, 5, 53]})
    causes = pd.DataFrame({
        "dimension": s(["supplier"] * 5), "key": s(["SUP-1", "SUP-2", "SUP-3", "SUP-4", "SUP-5"]),
        "lines": [6, 4, 3, 2, 1], "units": [50, 30, 10, 6, 4], "value": [500.0, 300.0, 100.0, 60.0, 40.0],
        "share": [0.5, 0.3, 0.1, 0.06, 0.04], "cumulative_share": [0.5, 0.8, 0.9, 0.96, 1.0],
        "currency": s(["EUR"] * 5)})
    n = 1000
    late = pd.DataFrame({
        "order_id": s([f"SO-{i:05d}" for i in range(n)]), "line": np.arange(n) % 3 + 1,
        "customer_name": s([HYPERLINK if i == 1 else f"Customer {i % 7}" for i in range(n)]),
        "sku": s([f"SKU-{i % 37}" for i in range(n)]), "open_qty": np.arange(n) % 50 + 1,
        "promised_date": pd.Timestamp("2026-11-01") + pd.to_timedelta(np.arange(n) % 20, unit="D"),
        "days_late": np.arange(n) % 20 + 1, "status": s(["late"] * n)})
    changes = pd.DataFrame({"change": s(["moved"]), "order_id": s(["SO-00001"]), "line": [2], "sku": s(["SKU-1"]),
                            "old": s(["2026-11-20"]), "new": s(["2026-11-30"]), "status": s(["at risk"])})
    empty = pd.DataFrame({"order_id": s([]), "sku": s([]), "backordered_qty": pd.Series([], dtype="int64")})
    one = lambda **cols: pd.DataFrame({k: (s([v]) if isinstance(v, str) else [v]) for k, v in cols.items()})
    return {
        "title": "Weekly status: Fabrikam & Sons", "as_of": dt.date(2026, 11, 27),
        "period_start": dt.date(2026, 11, 21), "period_end": dt.date(2026, 11, 27), "iso_week": "2026-W48",
        "data_quality": "2 errors and 5 warnings; 3 rows were left out.",
        "kpis": kpis, "trend": trend, "status_counts": status_counts, "causes": causes, "causes_by": "supplier",
        "root_causes": causes,
        "late_lines": late, "changes": changes,
        "open_orders": one(order_id="SO-00001", line=1, sku="SKU-1", open_qty=5),
        "backorders": empty,
        "inventory": one(sku="SKU-1", location="WH1", on_hand=120, available=100),
        "reorder": one(sku="SKU-1", supplier_id="SUP-1", order_qty=60, order_by=pd.Timestamp("2026-12-01")),
        "purchase_orders": one(supplier_id="SUP-1", sku="SKU-1", order_qty=60, order_value=600.0),
        "carriers": one(carrier="DHL", shipments=20, on_time_rate=0.95, avg_transit_days=2.5),
        "returns": one(rma_id="RMA-1", order_id="SO-00002", sku="SKU-2", qty=1),
        "issues": one(severity="error", code="E101", table="orders", cell="B7", message="Date is not a date"),
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


def test_summary_holds_the_title_period_kpis_and_the_chart_tables(rendered):
    book = openpyxl.load_workbook(rendered)
    assert book.sheetnames == SHEETS
    sheet = book["Summary"]
    assert sheet["A1"].value == "Weekly status: Fabrikam & Sons"
    assert sheet["A2"].value == "Week 2026-W48: 2026-11-21 to 2026-11-27 (as of 2026-11-27)"
    assert sheet["A3"].value == "2 errors and 5 warnings; 3 rows were left out."
    assert row(sheet, 5, "H") == ["KPI", "Measure", "Value", "Previous", "Change", "Unit", "Currency", "Better when"]
    assert row(sheet, 6, "H") == ["otif_line_rate", "OTIF line rate", 0.875, 0.8, 0.075, "fraction", None, "up"]
    assert row(sheet, 7, "H") == ["late_lines", "Late lines", 12, 9, 3, "lines", None, "down"]
    assert row(sheet, 8, "H") == ["orders_received", "Orders received", 40, 40, 0, "orders", None, "neither"]
    assert sheet["C6"].number_format == "#,##0.###"
    # 3 KPI rows push everything below down by 2.
    assert sheet["A10"].value == "KPI trend"
    assert row(sheet, 11, "D") == ["As of", "OTIF line rate", "Unit fill rate", "Late lines"]
    assert row(sheet, 12, "D") == [dt.datetime(2026, 11, 20), 0.8, 0.85, 9]
    assert row(sheet, 13, "D") == [dt.datetime(2026, 11, 27), 0.875, 0.9, 12]
    assert (sheet["A13"].number_format, sheet["B13"].number_format) == ("yyyy-mm-dd", "0.0%")
    assert sheet["A15"].value == "Open lines by status"
    assert row(sheet, 16, "B") == ["Status", "Lines"]
    assert [row(sheet, r, "B") for r in range(17, 21)] == [["open", 30], ["late", 12], ["backordered", 5],
                                                           ["shipped", 53]]
    assert sheet["A22"].value == ("Root causes of late and backordered lines by supplier (the largest 5; every "
                                  "dimension on the Root Causes sheet)")
    assert row(sheet, 23, "H") == ["By", "Who", "Lines", "Units", "Value", "Share", "Cumulative share", "Currency"]
    assert row(sheet, 24, "H") == ["supplier", "SUP-1", 6, 50, 500, 0.5, 0.5, "EUR"]
    assert row(sheet, 28, "H") == ["supplier", "SUP-5", 1, 4, 40, 0.04, 1, "EUR"]
    assert sheet["A29"].value is None


def test_chart_series_are_stretched_to_the_rendered_rows(rendered):
    with zipfile.ZipFile(rendered) as archive:
        charts = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    refs = [re.findall(r"<c:f>([^<]*)</c:f>", part(rendered, name)) for name in charts]
    assert refs == [
        # KPI trend: two rates, late lines on the secondary axis (name cells are literal text, no <c:f>)
        ["Summary!$A$12:$A$13", "Summary!$B$12:$B$13", "Summary!$A$12:$A$13", "Summary!$C$12:$C$13",
         "Summary!$A$12:$A$13", "Summary!$D$12:$D$13"],
        ["Summary!$A$17:$A$20", "Summary!$B$17:$B$20"],  # lines by status
        # Pareto: units as bars, cumulative share as a line on the secondary axis
        ["Summary!$B$24:$B$28", "Summary!$D$24:$D$28", "Summary!$B$24:$B$28", "Summary!$G$24:$G$28"],
    ]
    assert "<c:crosses val=\"max\"/>" in part(rendered, charts[2])  # the secondary axis sits on the right


def test_kpi_formats_and_change_colours_are_stretched_to_the_kpi_rows(rendered):
    summary = part(rendered, "xl/worksheets/sheet1.xml")
    assert re.findall(r'<conditionalFormatting sqref="([^"]+)"', summary) == ["C6:D8", "E6:E8"]
    good = 'OR(AND($H6="up",$E6&gt;0),AND($H6="down",$E6&lt;0))'
    bad = 'OR(AND($H6="up",$E6&lt;0),AND($H6="down",$E6&gt;0))'
    units = ['$F6="fraction"', '$F6="money"', '$F6="days"']
    assert re.findall(r"<formula>([^<]*)</formula>", summary) == [
        *units,  # value and previous in the KPI's unit
        *[f"AND({good},{u})" for u in units], good,  # change: green, in its unit
        *[f"AND({bad},{u})" for u in units], bad,  # red
        *units]  # neither: only the unit's format
    # Which colour each KPI row gets, evaluated by hand from the context: up and +0.075 green, down and +3 red,
    # neither and 0 no colour (docs/images/weekly-status-1.png is this render printed by LibreOffice).


def test_detail_sheets_hold_their_tables_with_filter_freeze_and_print_setup(rendered):
    book = openpyxl.load_workbook(rendered)
    late = book["Late & At Risk"]
    assert late["A1"].value == "Late and at-risk lines, week 2026-W48 (as of 2026-11-27)"
    assert row(late, 3, "H") == ["Order", "Line", "Customer name", "SKU", "Open qty", "Promised date",
                                 "Days late", "Status"]
    assert row(late, 4, "H") == ["SO-00000", 1, "Customer 0", "SKU-0", 1, dt.datetime(2026, 11, 1), 1, "late"]
    assert row(late, 1003, "H") == ["SO-00999", 1, "Customer 5", "SKU-0", 50, dt.datetime(2026, 11, 20), 20, "late"]
    assert late.max_row == 1003
    assert (late["C5"].value, late["C5"].data_type) == (HYPERLINK, "s")  # text from data stays text
    assert late.freeze_panes == "A4"
    assert late.auto_filter.ref == "A3:K1003"
    # fit to one page wide (fitToWidth 1 is the default, so it is not written), as many pages tall as needed
    assert (late.page_setup.orientation, late.page_setup.paperSize, late.sheet_properties.pageSetUpPr.fitToPage,
            late.page_setup.fitToWidth, late.page_setup.fitToHeight) == ("landscape", 9, True, None, 0)
    assert late.print_title_rows == "$3:$3"
    assert late.oddFooter.center.text == "Page &P of &N"
    assert "<oddFooter>&amp;LWeekly status: Fabrikam &amp;&amp; Sons&amp;CPage &amp;P of &amp;N&amp;R2026-W48" \
           "</oddFooter>" in part(rendered, "xl/worksheets/sheet2.xml")

    back = book["Backorders"]  # 0 records: header row, the data row left empty
    assert row(back, 3, "C") == ["Order", "SKU", "Backordered qty"]
    assert row(back, 4, "C") == [None, None, None] and back.max_row == 4
    assert back.auto_filter.ref == "A3:I4"
    assert row(book["Changes"], 3, "G") == ["Change", "Order", "Line", "SKU", "Before", "Now", "Status"]
    assert row(book["Changes"], 4, "G") == ["moved", "SO-00001", 2, "SKU-1", "2026-11-20", "2026-11-30", "at risk"]
    carriers = book["Carriers"]
    assert row(carriers, 3, "D") == ["Carrier", "Shipments", "On time", "Avg transit (days)"]
    assert row(carriers, 4, "D") == ["DHL", 20, 0.95, 2.5]
    assert carriers["C4"].number_format == "0.0%"
    assert row(book["Inventory"], 4, "D") == ["SKU-1", "WH1", 120, 100]
    assert row(book["Reorder"], 4, "D") == ["SKU-1", "SUP-1", 60, dt.datetime(2026, 12, 1)]
    assert row(book["Purchase Orders"], 4, "D") == ["SUP-1", "SKU-1", 60, 600]
    assert row(book["Returns"], 3, "D") == ["RMA", "Order", "SKU", "Returned qty"]
    assert row(book["Open Orders"], 4, "D") == ["SO-00001", 1, "SKU-1", 5]
    assert row(book["Data Issues"], 4, "E") == ["error", "E101", "orders", "B7", "Date is not a date"]
    for name in SHEETS[1:]:
        assert book[name].freeze_panes == "A4", name
        assert book[name].page_setup.orientation == "landscape", name


@pytest.mark.skipif(not soffice(), reason="LibreOffice is not installed")
def test_libreoffice_prints_the_kpis(rendered, tmp_path):
    pdf = convert_with_libreoffice(rendered, "pdf", tmp_path)
    text = PdfReader(str(pdf)).pages[0].extract_text()
    assert "OTIF line rate" in text and "87.5%" in text  # the fraction KPI printed in percent
    assert "Weekly status: Fabrikam & Sons" in text
