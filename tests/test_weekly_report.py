"""The weekly status report end to end (contract 4.4, docs/weekly-report.md): omxl.weekly_report and
`omxl weekly` on the hand-built book a week apart and on the sample; the workbook they write, opened by
openpyxl and printed by LibreOffice; the run history beside it."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import omxl
from omxl.cli import cli
from tests.conftest import SAMPLE, convert_with_libreoffice
from omxl.presentation.code_words import CHANGE, STATUS
from omxl.presentation.kpi_words import kpi_words
from weekly_book import AS_OF, CHANGED_NEXT_WEEK, NEXT_WEEK, hand_book, next_week_book

pytestmark = pytest.mark.core  # the report's figures and sheets must be the same with and without pyarrow

HYPERLINK = '=HYPERLINK("http://x","y")'
SHEETS = ["Summary", "KPIs", "Late & At Risk", "Changes", "Root Causes", "Open Orders", "Backorders", "Overdue POs",
          "Inventory", "Reorder", "Demand Classes", "Purchase Orders", "Supplier Reliability", "Carriers", "Improvements", "Returns", "Billing", "Data Issues"]


def rows(sheet, first: int, last_column: str) -> list[tuple]:
    """The rows from `first` down to the first empty one, columns A..last_column."""
    found = []
    for row in sheet.iter_rows(min_row=first, max_col=openpyxl.utils.column_index_from_string(last_column),
                               values_only=True):
        if all(value is None for value in row):
            break
        found.append(row)
    return found


def kpi_value(kpis: pd.DataFrame, name: str, currency: str | None = None) -> pd.Series:
    chosen = kpis[(kpis["kpi"] == name) & (kpis["currency"].isna() if currency is None else
                                           kpis["currency"] == currency)]
    assert len(chosen) == 1, (name, currency)
    return chosen.iloc[0]


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory):
    """The hand-built book reported on 2026-03-15, then a week later, into one history; both saved."""
    folder = tmp_path_factory.mktemp("two-weeks")
    history = folder / "omxl-history.sqlite"
    first = omxl.weekly_report(omxl.read_book(hand_book()), as_of=AS_OF, history=history)
    second = omxl.weekly_report(omxl.read_book(next_week_book()), as_of=NEXT_WEEK, history=history)
    return first, second, second.save(folder / second.default_name), history


def test_the_second_week_has_the_previous_values_and_the_changes(two_weeks):
    first, second, _, _ = two_weeks
    assert first.previous_as_of is None and first.kpis["previous"].isna().all() and first.changes.empty
    assert second.previous_as_of == pd.Timestamp(AS_OF)
    assert (second.iso_week, second.default_name) == ("2026-W12", "weekly-status-2026-W12.xlsx")
    assert second.period == (pd.Timestamp("2026-03-16"), pd.Timestamp("2026-03-22"))
    # Every previous value is the first report's value of the same KPI and currency (a plain merge, not omxl's).
    key = ["kpi", "currency"]
    before = first.kpis.assign(currency=first.kpis["currency"].fillna("-"))[[*key, "value"]]
    merged = second.kpis.assign(currency=second.kpis["currency"].fillna("-")).merge(
        before, on=key, how="left", suffixes=("", "_first"))
    np.testing.assert_array_equal(merged["previous"].to_numpy(), merged["value_first"].to_numpy())
    np.testing.assert_allclose(second.kpis["change"], second.kpis["value"] - merged["value_first"])
    late = kpi_value(second.kpis, "late_lines")
    assert (late["value"], late["previous"], late["change"]) == (3.0, 2.0, 1.0)
    value = kpi_value(second.kpis, "backorder_value", "EUR")
    assert (value["value"], value["previous"], value["change"]) == (121.0, 100.0, 21.0)
    new = kpi_value(second.kpis, "reorder_value", "EUR")  # nothing to compare with: blank, never 0
    assert new["value"] == 20.0 and pd.isna(new["previous"]) and pd.isna(new["change"])
    changes = [tuple(None if pd.isna(v) else v for v in row) for row in second.changes.itertuples(index=False)]
    assert changes == CHANGED_NEXT_WEEK


def test_the_trend_has_one_point_per_run(two_weeks):
    first, second, _, _ = two_weeks
    assert first.trend.to_dict("list") == {"as_of": [pd.Timestamp(AS_OF)], "otif_line_rate": [0.4],
                                           "unit_fill_rate": [pytest.approx(15 / 31)], "late_lines": [2.0]}
    trend = second.trend
    assert list(trend["as_of"]) == [pd.Timestamp(AS_OF), pd.Timestamp(NEXT_WEEK)]
    assert list(trend["otif_line_rate"]) == [0.4, 0.0]
    assert list(trend["late_lines"]) == [2.0, 3.0]


def test_the_workbook_holds_the_report(two_weeks):
    _, second, path, _ = two_weeks
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    summary = book["Summary"]
    assert summary["A1"].value == "Weekly order status"
    assert summary["A2"].value == ("Week 2026-W12: 2026-03-16 to 2026-03-22 (as of 2026-03-22); changes against "
                                   "the run of 2026-03-15")
    assert summary["A3"].value == ("1 error and 1 warning in the data; 1 row with errors was left out of every "
                                   "figure (Data Issues sheet).")
    # The eight tiles: label, value, change with its mark and direction, target (none set here).
    tiles = [[summary[f"{column}{first + k}"].value for k in range(4)] for first in (5, 10) for column in "ACDF"]
    assert tiles == [
        ["OTIF line rate", "0.0%", "\u25bc -40.0 pts, worse", "no target set"],
        ["Unit fill rate", "0.0%", "\u25bc -48.4 pts, worse", "no target set"],
        ["Late lines", "3", "\u25b2 +1, worse", "no target set"],
        ["At-risk lines", "0", "\u25bc -1, better", "no target set"],
        ["Backorder lines", "3", "\u25b2 +1, worse", "no target set"],
        ["Backorder value", "EUR 121.00", "\u25b2 EUR +21.00, worse", "no target set"],
        ["Overdue PO lines", "0", "no change", "no target set"],
        ["Data errors", "1", "no change", "no target set"]]
    # The lines that most need action: late lines by days late, each with its action.
    assert rows(summary, 16, "H") == [
        ("Order", "Line", "Customer", "SKU", "Open qty", "Promised date", "Days late", "Action"),
        ("O5", 1, "K2", "B", 6, dt.datetime(2026, 3, 14), 8, "chase PO P1 with Dollar Bolts (due 2026-03-28)"),
        ("O10", 1, "K6", "A", 12, dt.datetime(2026, 3, 18), 4, "ship: stock is allocated"),
        ("O3", 1, "K3", "B", 4, dt.datetime(2026, 3, 20), 2, "chase PO P1 with Dollar Bolts (due 2026-03-28)"),
        ("Overdue POs by supplier: no purchase-order line is overdue.", None, None, None, None, None, None, None)]
    # The KPI sheet in words.
    kpis = rows(book["KPIs"], 3, "H")
    assert len(kpis) == 1 + len(second.kpis) == 1 + 29
    assert kpis[0] == ("Measure", "Value", "Previous", "Change", "Better when", "Target", "On target", "Note")
    assert kpis[1] == ("Orders received", "1", "3", "\u25bc -2", "Neither", None, None, None)
    assert kpis[5] == ("OTIF line rate", "0.0%", "40.0%", "\u25bc -40.0 pts, worse", "Higher is better", None, None,
                       None)
    reorder = [row for row in kpis if row[0] == "Reorder value"]
    assert reorder == [("Reorder value", "EUR 20.00", None, None, "Neither", None, None,
                        "no value in the previous run (2026-03-15): nothing to compare with"),
                       ("Reorder value", "USD 100.00", "USD 100.00", "no change", "Neither", None, None, None)]
    # The trend: two runs, and the trend chart's series cover exactly those two rows (right of the printed page).
    trend = [[summary.cell(row, column).value for column in range(8, 12)] for row in range(39, 42)]
    assert trend == [["As of", "OTIF line rate", "Unit fill rate", "Late lines"],
                     [dt.datetime(2026, 3, 15), 0.4, pytest.approx(15 / 31), 2],
                     [dt.datetime(2026, 3, 22), 0, 0, 3]]
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert re.findall(r"<c:f>([^<]*)</c:f>", chart) == [
        "Summary!$H$40:$H$41", "Summary!$I$40:$I$41", "Summary!$H$40:$H$41", "Summary!$J$40:$J$41",
        "Summary!$H$40:$H$41", "Summary!$K$40:$K$41"]
    # The Changes sheet lists exactly the lines that changed, in words.
    assert rows(book["Changes"], 3, "G") == [("Change", "Order", "Line", "SKU", "Before", "Now", "Status"),
                                             *[(CHANGE[row[0]], *row[1:6], STATUS.get(row[6], row[6]))
                                               for row in CHANGED_NEXT_WEEK]]
    assert rows(book["Carriers"], 3, "F") == [
        ("Carrier", "Shipments", "Units", "On time", "Avg transit (days)", "In transit"), ("DHL", 1, 5, 0, None, 1)]
    late = rows(book["Late & At Risk"], 3, "K")
    assert late[0] == ("Order", "Line", "Customer", "SKU", "Open qty", "Promised date", "Projected ship date",
                       "Days late", "Status", "Why", "Action")
    assert [row[:4] + row[7:9] + row[10:] for row in late[1:]] == [
        ("O5", 1, "K2", "B", 8, "Backordered", "chase PO P1 with Dollar Bolts (due 2026-03-28)"),
        ("O10", 1, "K6", "A", 4, "Partially allocated", "ship: stock is allocated"),
        ("O3", 1, "K3", "B", 2, "Backordered", "chase PO P1 with Dollar Bolts (due 2026-03-28)")]
    # Late rows orange, at-risk rows light blue: conditional formats on Days late, stretched to the rows.
    sheet = book["Late & At Risk"]
    formats = [(str(rng.sqref), rule.formula, rule.dxf.fill.bgColor.rgb) for rng in sheet.conditional_formatting
               for rule in rng.rules]
    assert formats == [("A4:K6", ["$H4>0"], "FFF4B183"), ("A4:K6", ["$H4<=0"], "FFDDEBF7")]


def test_the_report_reads_in_a_notebook(two_weeks):
    _, second, _, _ = two_weeks
    text = repr(second).splitlines()
    assert text[0] == "<omxl.Report week 2026-W12, 2026-03-16 to 2026-03-22 (previous run 2026-03-15)>"
    assert text[3].split() == ["Orders", "received", "1", "3", "-2"]
    assert [line.split() for line in text if line.split()[:2] == ["OTIF", "line"]] == [
        ["OTIF", "line", "rate", "0.0%", "40.0%", "-40.0", "pts"]]
    assert [line.split() for line in text if line.split()[:2] == ["Backorder", "value"]] == [
        ["Backorder", "value", "EUR", "121.00", "EUR", "100.00", "EUR", "+21.00"]]
    page = second._repr_html_()
    assert page.startswith("<div><strong>omxl.Report</strong> week 2026-W12") and "<td>Reorder value</td>" in page


def test_rerunning_the_same_week_replaces_its_run(two_weeks, tmp_path):
    _, second, _, history = two_weeks
    copy = tmp_path / "history.sqlite"
    shutil.copy(history, copy)
    again = omxl.weekly_report(omxl.read_book(next_week_book()), as_of=NEXT_WEEK, history=copy)
    assert list(omxl.History(copy).runs()["as_of"]) == [pd.Timestamp(AS_OF), pd.Timestamp(NEXT_WEEK)]
    assert again.previous_as_of == pd.Timestamp(AS_OF)  # not the run it replaces
    pd.testing.assert_frame_equal(again.kpis, second.kpis)
    pd.testing.assert_frame_equal(again.trend, second.trend)
    with sqlite3.connect(copy) as connection:
        assert connection.execute("SELECT count(*) FROM kpis").fetchone() == (58,)
        assert connection.execute("SELECT count(*) FROM line_states").fetchone() == (10,)  # open lines


def test_without_a_history_nothing_is_compared_or_recorded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = omxl.weekly_report(omxl.read_book(hand_book()), as_of=AS_OF)
    assert report.history is None and report.previous_as_of is None
    assert report.kpis["previous"].isna().all() and report.kpis["change"].isna().all()
    assert list(report.trend["as_of"]) == [pd.Timestamp(AS_OF)] and list(report.trend["late_lines"]) == [2.0]
    assert report.changes.empty and list(report.changes.columns) == ["change", "order_id", "line", "sku", "old",
                                                                     "new", "status"]
    assert list(tmp_path.iterdir()) == []


def test_the_history_setting_is_taken_from_the_settings_file_folder(tmp_path, monkeypatch):
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "omxl.toml").write_text('history = "runs.sqlite"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # elsewhere: the path is the settings file's, not the current folder's
    report = omxl.weekly_report(omxl.read_book(hand_book()), as_of=AS_OF, config=tmp_path / "team" / "omxl.toml")
    assert report.history.path == tmp_path / "team" / "runs.sqlite"
    assert list(omxl.History(tmp_path / "team" / "runs.sqlite").runs()["as_of"]) == [pd.Timestamp(AS_OF)]


def test_a_formula_like_customer_stays_text_in_every_sheet(tmp_path):
    book = hand_book()
    book["orders"].loc[book["orders"]["order_id"].isin(["O5", "O2"]), "customer_id"] = HYPERLINK
    book["customers"] = pd.DataFrame({"customer_id": [HYPERLINK, "K3"], "name": [HYPERLINK, "+cmd|' /C calc'!A0"],
                                      "email": ["a@example.com", "b@example.com"]})
    report = omxl.weekly_report(omxl.read_book(book), as_of=AS_OF)
    path = report.save(tmp_path / "weekly.xlsx", backup=False)
    workbook = openpyxl.load_workbook(path)
    found: dict[str, int] = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+")):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    found[sheet.title] = found.get(sheet.title, 0) + 1
    # The customer (its name) of O2/1 and O5/1 and of O3's lines, on the lines each sheet holds (O2/1 is late and
    # open, not backordered; O3 has two open lines), the three among the lines that most need action on the
    # Summary, and the customer key of the root causes.
    assert found == {"Summary": 3, "Late & At Risk": 3, "Open Orders": 4, "Backorders": 2, "Root Causes": 1}
    with zipfile.ZipFile(path) as archive:
        assert not any("<f>" in archive.read(name).decode() for name in archive.namelist()
                       if name.startswith("xl/worksheets/sheet"))


# --- the command ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory):
    """`omxl weekly` on the sample a week apart, run from an empty folder with default names, and the same two
    reports made by the library into a history of their own."""
    folder = tmp_path_factory.mktemp("sample-weekly")
    book = folder / "sample.xlsx"
    shutil.copy(SAMPLE, book)
    results = []
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        for day in ("2026-11-20", "2026-11-27"):
            results.append(CliRunner(env={"COLUMNS": "160"}).invoke(cli, ["weekly", str(book), "--as-of", day, "-q"]))
    finally:
        os.chdir(cwd)
    library = folder / "library"
    library.mkdir()
    read = omxl.read_book(SAMPLE)
    omxl.weekly_report(read, as_of="2026-11-20", history=library / "h.sqlite")
    report = omxl.weekly_report(read, as_of="2026-11-27", history=library / "h.sqlite")
    return folder, results, report


def test_omxl_weekly_writes_the_named_report_and_its_history(sample_runs):
    folder, results, report = sample_runs
    assert [result.exit_code for result in results] == [1, 1]  # the sample holds deliberate data errors
    assert sorted(path.name for path in folder.iterdir()) == [
        "library", "omxl-history.sqlite", "sample.xlsx", "weekly-status-2026-W47.xlsx",
        "weekly-status-2026-W48.xlsx"]
    assert "Week 2026-W47: 2026-11-14 to 2026-11-20 (no previous run)" in results[0].output
    assert "Week 2026-W48: 2026-11-21 to 2026-11-27 (previous run 2026-11-20)" in results[1].output
    assert f"Run recorded in {folder / 'omxl-history.sqlite'}." in results[1].output
    # As of 2026-11-20, 60 lines were late: the lines shipped from 2026-11-21 on were still open that day.
    assert re.search(r"Late lines\s+│\s+64 │\s+60 │\s+\+4 │", results[1].output)
    assert "Changes since the previous run: became late " in results[1].output
    assert list(omxl.History(folder / "omxl-history.sqlite").runs()["as_of"]) == [
        pd.Timestamp("2026-11-20"), pd.Timestamp("2026-11-27")]


def test_libreoffice_prints_the_report_and_its_summary_equals_report_kpis(sample_runs, tmp_path):
    folder, _, report = sample_runs
    path = folder / "weekly-status-2026-W48.xlsx"
    pdf = convert_with_libreoffice(path, "pdf", tmp_path)
    pages = PdfReader(str(pdf)).pages
    text = pages[0].extract_text()
    for words in ("Weekly order status", "Week 2026-W48: 2026-11-21 to 2026-11-27", "OTIF line rate", "86.1%",
                  "Late lines", "64"):
        assert words in text, words
    assert len(pages) > len(SHEETS)
    # The KPI sheet (page 2) prints every KPI in the words report.kpis gives.
    kpi_page = " ".join(pages[1].extract_text().split())
    for row in report.kpis.itertuples(index=False):   # a long amount wraps in its cell: its figures are there
        shown = kpi_words(row.value, row.unit, row.currency) or row.reason   # blank: why (no invoices: DSO)
        assert row.label in kpi_page and shown.split()[-1] in kpi_page, row


def test_weekly_write_back_adds_the_report_sheets(tmp_path):
    book = tmp_path / "sample.xlsx"
    shutil.copy(SAMPLE, book)
    before = openpyxl.load_workbook(book).sheetnames
    result = CliRunner().invoke(cli, ["weekly", str(book), "--as-of", "2026-11-27", "--write-back",
                                      "--out", str(tmp_path / "w.xlsx"), "-q"])
    assert result.exit_code == 1, result.output
    after = openpyxl.load_workbook(book)
    added = [name for name in after.sheetnames if name not in before]
    assert added == ["omxl Summary", "omxl KPIs", "omxl Late & At Risk", "omxl Changes", "omxl Root Causes",
                     "omxl Open Orders", "omxl Backorders", "omxl Overdue POs", "omxl Inventory", "omxl Reorder",
                     "omxl Demand Classes", "omxl Purchase Orders", "omxl Supplier Reliability", "omxl Carriers", "omxl Improvements", "omxl Returns", "omxl Data Issues"]
    kpis = after["omxl KPIs"]
    # In words, as the weekly workbook's KPI sheet: the codes stay in report.kpis, JSON and CSV.
    assert [c.value for c in kpis[1]] == ["Measure", "Value", "Previous", "Change", "Better when", "Target",
                                          "On target", "Note"]
    assert [c.value for c in kpis[11]] == ["Late lines", "64", None, "first run", "Lower is better", None, None,
                                           None]
    assert after["omxl Late & At Risk"]["A2"].fill.fgColor.rgb == "FFF4B183"  # late first, filled as late
    summary = [[cell.value for cell in row] for row in after["omxl Summary"].iter_rows()]
    assert summary[0][0] == "Weekly status as of 2026-11-27"
    assert ["Late lines", 64, "lines", "first run: nothing to compare with"] in [row[:4] for row in summary]


def test_bad_history_and_template_are_one_line_and_change_nothing(tmp_path):
    damaged = tmp_path / "omxl-history.sqlite"
    damaged.write_bytes(b"this is not a database, but someone's notes" * 50)
    content = damaged.read_bytes()
    result = CliRunner().invoke(cli, ["weekly", str(SAMPLE), "--as-of", "2026-11-27", "--out",
                                      str(tmp_path / "w.xlsx"), "-q"])
    assert result.exit_code == 2
    assert result.output.startswith(f"omxl: {damaged}: this file is not a readable omxl run history")
    assert damaged.read_bytes() == content and not (tmp_path / "w.xlsx").exists()
    missing = tmp_path / "nowhere.xlsx"
    result = CliRunner().invoke(cli, ["weekly", str(SAMPLE), "--template", str(missing), "--out",
                                      str(tmp_path / "w.xlsx"), "-q"])
    assert result.exit_code == 2
    assert result.output == (f"omxl: {missing}: no such template file. Give the path of an .xlsx template "
                             "(docs/templates.md), or leave --template out for the default layout. Nothing was "
                             "written.\n")


def test_the_python_example_of_the_docs_runs(tmp_path, monkeypatch):
    page = (Path(__file__).resolve().parents[1] / "docs" / "weekly-report.md").read_text(encoding="utf-8")
    # The page's first example ("In Python"); the one of "By unit" runs in tests/test_weekly_by_unit.py.
    example = re.findall(r"```python\n(.*?)```", page, flags=re.S)[0]
    (tmp_path / "workbooks").mkdir()
    shutil.copy(SAMPLE, tmp_path / "workbooks" / "sample.xlsx")
    layout = openpyxl.Workbook()
    layout.active["A1"] = "Late lines: {{ late_lines | length }}"
    layout.save(tmp_path / "my_layout.xlsx")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "weekly-report.md", "exec"), {})
    assert openpyxl.load_workbook(tmp_path / "mine.xlsx").active["A1"].value == "Late lines: 126"
    assert openpyxl.load_workbook(tmp_path / "status-2026-W48.xlsx").sheetnames == SHEETS


def test_a_tile_change_reads_its_mark_and_direction_and_nothing_that_rounds_away():
    from collections import namedtuple

    from omxl.reporting.headline import change_words

    row = namedtuple("row", "value change unit currency")
    assert change_words(row(1.0, 0.001, "money", "EUR"), "down", "first run") == "no change"   # EUR 0.00
    assert change_words(row(0.5, 0.00004, "fraction", None), "up", "first run") == "no change"  # 0.0 pts
    assert change_words(row(1.0, 0.3, "money", "EUR"), "down", "first run") == "\u25b2 EUR +0.30, worse"
    assert change_words(row(5.0, -2.0, "lines", None), "down", "") == "\u25bc -2, better"
    assert change_words(row(5.0, 3.0, "orders", None), "neither", "") == "\u25b2 +3"
    assert change_words(row(5.0, None, "orders", None), "neither", "first run") == "first run"
    assert change_words(row(None, None, "lines", None), "down", "first run") == ""
