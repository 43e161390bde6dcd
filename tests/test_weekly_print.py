"""The weekly workbook read as a manager reads it: printed by LibreOffice to PDF and read back with pdfplumber
(contract 4.4, issue "the weekly workbook a manager reads"). The headline page holds the tiles, the action list and
the four charts; no code name is printed; no character is smaller than 8 pt; a table that fits on a page is not
split; two runs a week apart show the exact changes, marks and colours; targets are judged on the page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pdfplumber
import pytest

import omxl
from omxl.config import Config

from conftest import convert_with_libreoffice

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "sample.xlsx"
TILE_LABELS = ("OTIF line rate", "Unit fill rate", "Late lines", "At-risk lines", "Backorder lines",
               "Backorder value", "Overdue PO lines", "Data errors")
CHART_TITLES = ("KPI trend", "Open lines by status", "Root causes", "Overdue POs by supplier")
SNAKE = re.compile(r"[A-Za-z0-9.@/\-]*[a-z]+_[a-z_]+[A-Za-z0-9.@/\-]*")
SETTINGS = {field for field in Config.model_fields} if hasattr(Config, "model_fields") else set()
GREEN, RED = (0.0, 97 / 255, 0.0), (156 / 255, 0.0, 6 / 255)


def pdf_pages(pdf_path: Path) -> list[dict]:
    """Per page: its text, its words (with their page), and its characters."""
    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            pages.append({"text": page.extract_text() or "", "chars": page.chars,
                          "words": page.extract_words(extra_attrs=["size", "non_stroking_color"])})
    return pages


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict:
    """The sample's weekly workbook as of 2026-11-27 (a first run), its report, and its pages printed."""
    folder = tmp_path_factory.mktemp("weekly-print")
    report = omxl.weekly_report(omxl.read_book(SAMPLE), as_of="2026-11-27", history=folder / "history.sqlite")
    workbook = report.save(folder / "weekly.xlsx", backup=False)
    pdf = convert_with_libreoffice(workbook, "pdf", folder)
    return {"report": report, "workbook": workbook, "pages": pdf_pages(pdf), "folder": folder}


def test_page_one_holds_the_tiles_the_actions_and_the_four_charts(printed):
    first = printed["pages"][0]["text"]
    for label in TILE_LABELS + CHART_TITLES:
        assert label in first, label
    assert re.search(r"^Order Line Customer SKU Open qty .*Action", first, flags=re.M), first[:600]
    actions = printed["report"].actions
    assert len(actions) == 10
    for row in actions.itertuples(index=False):   # each of the ten lines, order and action, on page 1
        printed_line = re.search(rf"^{row.order_id} {row.line} ?{re.escape(str(row.customer))} {row.sku} .*$", first,
                                 flags=re.M)
        assert printed_line is not None, row
        assert str(row.action)[:40] in printed_line.group(0)
    assert "Page 1 of" in first


def test_no_code_name_is_printed(printed):
    found = {}
    for number, page in enumerate(printed["pages"], start=1):
        for token in SNAKE.findall(page["text"]):
            allowed = "@" in token or "." in token or token.strip("'\".,;:()") in SETTINGS
            if not allowed:
                found.setdefault(token, number)
    assert found == {}


def _size(char: dict) -> float:
    """The printed size of a character (pdfplumber's, from its glyph box; every text of the workbook is upright)."""
    assert char["upright"], char
    return char["size"]


def test_every_character_prints_at_8_pt_or_larger(printed):
    small = [(number, char["text"], round(_size(char), 2)) for number, page in enumerate(printed["pages"], start=1)
             for char in page["chars"] if _size(char) < 8.0]
    assert small == []
    sizes = [_size(char) for page in printed["pages"] for char in page["chars"]]
    assert min(sizes) >= 8.2   # 11 pt at the Summary's 75 %


def _page_of(pages: list[dict], heading: str) -> int:
    return next(i for i, page in enumerate(pages) if page["text"].startswith(heading))


def test_a_table_that_fits_on_a_page_is_not_split(printed):
    pages, report = printed["pages"], printed["report"]
    kpis = _page_of(pages, "All KPIs, week 2026-W48")
    assert kpis == 1
    for label in report.kpis["label"].unique():
        assert label in pages[kpis]["text"], label
    assert "All KPIs" not in pages[kpis + 1]["text"] and "Measure" not in pages[kpis + 1]["text"]
    # Every small detail table (rows of one line: it fits on a page): its heading and every record on one page.
    for sheet, heading in (("Overdue POs", "Overdue purchase orders"), ("Purchase Orders", "Purchase-order drafts"),
                           ("Carriers", "Carrier performance"), ("Returns", "Returns")):
        frame = report.sheets[sheet]
        assert 0 < len(frame) <= 30, sheet
        page = pages[_page_of(pages, heading + ", week 2026-W48")]["text"]
        for value in frame.iloc[:, 0 if sheet != "Overdue POs" else 2].astype(str):
            assert value in page, (sheet, value)
    # The suggested improvements: five of the sample's, their heading and every one on one page.
    page = pages[_page_of(pages, "Suggested improvements, week 2026-W48")]["text"]
    assert len(report.sheets["Improvements"]) == 5 and page.count("raise the class's service") == 3
    assert "FedEx" in page and "Rank Kind Applies to Suggestion Evidence" in page
    # The data issues' long messages take two pages: the header is printed on both.
    issues = _page_of(pages, "Data issues, week 2026-W48")
    assert pages[issues + 1]["text"].startswith("Severity Code Table Source sheet Cell Value Message")


def test_long_tables_repeat_their_header_on_every_page(printed):
    pages = printed["pages"]
    late = _page_of(pages, "Late and at-risk lines, week 2026-W48")
    following = pages[late + 1]["text"]
    assert following.startswith("Order Line Customer SKU Open qty Promised Projected Days Status Why Action")


def test_empty_tables_say_why(printed):
    workbook = openpyxl.load_workbook(printed["workbook"])
    changes = workbook["Changes"]
    assert changes["A2"].value == ("First run: there is no earlier run to compare with, so no change is listed.")
    assert workbook["Summary"]["A2"].value.endswith("; first run, so no changes to show yet")


# Two runs a week apart on the sample, with a few shipments added before the second.
@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("weekly-two-runs")
    book = folder / "orders.xlsx"
    shutil.copy(SAMPLE, book)
    history = folder / "history.sqlite"
    targets = {"targets": {"otif_line_rate": 0.95, "late_lines": 80, "data_errors": 20, "backorder_lines": 100}}
    first = omxl.weekly_report(omxl.read_book(book), as_of="2026-11-20", history=history, config=targets)
    late = first.reconciliation.lines
    late = late[late["late"] & (late["allocated_qty"] >= late["open_qty"])].head(3)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Shipments"]
    for number, row in enumerate(late.itertuples(index=False), start=1):
        sheet.append([f"SH-TEST{number}", row.order_id, int(row.line), row.sku, float(row.open_qty),
                      pd.Timestamp("2026-11-25").to_pydatetime(), "UPS", f"1ZTEST{number}", None])
    workbook.save(book)
    second = omxl.weekly_report(omxl.read_book(book), as_of="2026-11-27", history=history, config=targets)
    out = second.save(folder / "weekly.xlsx", backup=False)
    pdf = convert_with_libreoffice(out, "pdf", folder)
    return {"first": first, "second": second, "shipped": late, "workbook": out, "pages": pdf_pages(pdf)}


def _value(report, kpi: str) -> float:
    return float(report.kpis.loc[report.kpis["kpi"] == kpi, "value"].iloc[0])


def test_tiles_show_the_exact_changes_marks_and_targets(two_runs):
    first, second = two_runs["first"], two_runs["second"]
    late_before = int(first.reconciliation.lines["late"].sum())
    late_now = int(second.reconciliation.lines["late"].sum())
    tiles = second.context()["tiles"]
    change = late_now - late_before
    mark = "\u25b2" if change > 0 else "\u25bc"
    assert tiles["late_lines"]["value"] == f"{late_now:,}"
    assert tiles["late_lines"]["change"] == f"{mark} {change:+,}, {'worse' if change > 0 else 'better'}"
    assert tiles["late_lines"]["target"] == f"target 80: {'on' if late_now <= 80 else 'off'} target"
    otif_before, otif_now = _value(first, "otif_line_rate"), _value(second, "otif_line_rate")
    points = (otif_now - otif_before) * 100
    up, down = "\u25b2", "\u25bc"
    assert tiles["otif_line_rate"]["change"] == (f"{up if points > 0 else down} {points:+.1f} pts, "
                                                 f"{'better' if points > 0 else 'worse'}")
    assert tiles["otif_line_rate"]["target"] == f"target 95.0%: {'on' if otif_now >= 0.95 else 'off'} target"
    errors = int((second.position.issues["severity"].astype(str) == "error").sum())
    assert tiles["data_errors"]["target"] == f"target 20: {'on' if errors <= 20 else 'off'} target"
    assert tiles["unit_fill_rate"]["target"] == "no target set"
    assert two_runs["second"].previous_as_of == pd.Timestamp("2026-11-20")


def test_the_printed_change_is_coloured_by_the_better_direction(two_runs):
    tiles = two_runs["second"].context()["tiles"]
    words = two_runs["pages"][0]["words"]
    for kpi in ("late_lines", "otif_line_rate"):
        text = tiles[kpi]["change"]
        if not (text.endswith("better") or text.endswith("worse")):
            continue
        last = [w for w in words if w["text"] in ("better", "worse")]
        colours = {tuple(round(c, 2) for c in w["non_stroking_color"]) for w in last if w["text"] == text.split()[-1]}
        expected = tuple(round(c, 2) for c in (GREEN if text.endswith("better") else RED))
        assert expected in colours, (kpi, colours)


def test_the_kpi_sheet_says_first_run_and_reasons_in_words(printed):
    workbook = openpyxl.load_workbook(printed["workbook"])
    sheet = workbook["KPIs"]
    header = [cell.value for cell in sheet[3]][:8]
    assert header == ["Measure", "Value", "Previous", "Change", "Better when", "Target", "On target", "Note"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    assert rows["OTIF line rate"][1] == "86.1%" and rows["OTIF line rate"][3] == "first run"
    assert rows["OTIF line rate"][4] == "Higher is better"
    assert rows["Late lines"][4] == "Lower is better"
