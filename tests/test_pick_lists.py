"""The print-ready pick list workbook (contract 4.6, omxl/io/save/pick_lists.py): a sheet per location, a manifest
per carrier, one packing slip per printed page and the held lines, read back with openpyxl and printed by
LibreOffice to PDF (every character at 8 pt or more, each location and each slip on pages of its own)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pdfplumber
import pytest

import omxl
from omxl.dispatching import dispatch
from omxl.io.save.pick_lists import _sheet_name

from conftest import SAMPLE, convert_with_libreoffice

T = pd.Timestamp
SNAKE = re.compile(r"[A-Za-z0-9.@/\-]*[a-z]+_[a-z_]+[A-Za-z0-9.@/\-]*")
SHEETS = ["Pick MAIN", "Pick WEST", "Manifest DHL", "Manifest UPS", "Manifest no carrier", "Packing Slips",
          "Held Lines"]
PICK_HEADER = ["Shelf", "Bin", "SKU", "Description", "Qty to pick", "Order", "Line", "Customer", "Carrier",
               "Priority", "Promised date", "Picked"]


def _line(order_id, line, customer, sku, qty, promised, priority, carrier, ship_to, *, ship_complete=False,
          status="open"):
    return dict(order_id=order_id, line=line, order_date=T("2026-11-20"), customer_id=customer, sku=sku, qty=qty,
                promised_date=T(promised), priority=priority, carrier=carrier, ship_to=ship_to,
                ship_complete=ship_complete, status=status)


def small_book():
    """Two locations (A-100 split over both), two carriers and a line without one, a ship-complete order that is
    not complete, a line on hold, and a ship-to that looks like a formula."""
    orders = pd.DataFrame([
        _line("SO-1", 1, "K-1", "A-100", 12, "2026-12-01", 1, "DHL", "1 Harbour Road, Leith"),
        _line("SO-1", 2, "K-1", "B-200", 3, "2026-12-01", 1, "DHL", "1 Harbour Road, Leith"),
        _line("SO-2", 1, "K-2", "B-200", 5, "2026-12-02", 2, "UPS", "7 Mill Lane, York"),
        _line("SO-3", 1, "K-3", "C-300", 4, "2026-12-03", 2, "UPS", "2 Quay St, Hull", ship_complete=True),
        _line("SO-3", 2, "K-3", "D-400", 6, "2026-12-03", 2, "UPS", "2 Quay St, Hull", ship_complete=True),
        _line("SO-4", 1, "K-1", "B-200", 2, "2026-12-04", 1, "DHL", "1 Harbour Road, Leith", status="on_hold"),
        _line("SO-5", 1, "K-2", "A-100", 5, "2026-12-05", 3, None, '=HYPERLINK("http://x")'),
    ])
    inventory = pd.DataFrame([
        dict(sku="A-100", description="Angle bracket 40 mm, zinc", on_hand=10.0, location="MAIN", shelf="S1", bin="01"),
        dict(sku="A-100", description="Angle bracket 40 mm, zinc", on_hand=4.0, location="WEST", shelf="W1", bin="03"),
        dict(sku="B-200", description="Bolt M8 x 60, box of 50", on_hand=20.0, location="MAIN", shelf="S2", bin="05"),
        dict(sku="C-300", description="Cable tie 300 mm, black", on_hand=10.0, location="MAIN", shelf="S3", bin="02"),
        dict(sku="D-400", description="Door hinge 100 mm", on_hand=0.0, location="MAIN", shelf="S4", bin="01"),
    ])
    return omxl.read_book({"orders": orders, "inventory": inventory})


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("pick-lists")
    picks = dispatch(small_book(), as_of="2026-11-27")
    path = picks.save(folder / "picks.xlsx")
    return {"dispatch": picks, "path": path, "formulas": openpyxl.load_workbook(path),
            "values": openpyxl.load_workbook(path, data_only=True), "folder": folder}


def _rows(sheet, first: int, last: int, columns: int) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=first, max_row=last, max_col=columns)]


def test_sheets_come_in_walking_order_then_manifests_slips_and_held_lines(written):
    assert written["path"] == written["folder"] / "picks.xlsx"
    assert written["formulas"].sheetnames == SHEETS


def test_each_location_lists_its_picks_with_title_date_filters_and_a_cached_total(written):
    values, formulas = written["values"], written["formulas"]
    main = values["Pick MAIN"]
    assert main["A1"].value == "Pick list \u2014 MAIN"
    assert (main["A2"].value, main["B2"].value) == ("As of", pd.Timestamp("2026-11-27").to_pydatetime())
    assert main["B2"].number_format == "yyyy-mm-dd"
    assert main["B3"].value == "every open line with stock allocated (no filter)"
    assert main["B4"].value == "3 lines, 18 units"
    assert _rows(main, 5, 5, 12) == [PICK_HEADER]
    date = pd.Timestamp("2026-12-01").to_pydatetime()
    assert _rows(main, 6, 8, 12) == [
        ["S1", "01", "A-100", "Angle bracket 40 mm, zinc", 10, "SO-1", 1, "K-1", "DHL", 1, date, None],
        ["S2", "05", "B-200", "Bolt M8 x 60, box of 50", 3, "SO-1", 2, "K-1", "DHL", 1, date, None],
        ["S2", "05", "B-200", "Bolt M8 x 60, box of 50", 5, "SO-2", 1, "K-2", "UPS", 2,
         pd.Timestamp("2026-12-02").to_pydatetime(), None]]
    assert (main["D9"].value, main["E9"].value) == ("Total", 18)
    assert formulas["Pick MAIN"]["E9"].value == "=SUM(E6:E8)"
    assert main["E6"].number_format == "#,##0" and main["K6"].number_format == "yyyy-mm-dd"
    # The signature box: two rows down, bordered boxes beside the words.
    assert (main["B11"].value, main["H11"].value, main["B13"].value, main["H13"].value) == (
        "Picked by", "Date", "Checked by", "Date")
    assert main["C11"].border.left.style == "thin" and "C11:G11" in {str(r) for r in main.merged_cells.ranges}
    west = values["Pick WEST"]
    assert _rows(west, 6, 7, 11) == [
        ["W1", "03", "A-100", "Angle bracket 40 mm, zinc", 2, "SO-1", 1, "K-1", "DHL", 1, date],
        ["W1", "03", "A-100", "Angle bracket 40 mm, zinc", 2, "SO-5", 1, "K-2", None, 3,
         pd.Timestamp("2026-12-05").to_pydatetime()]]
    assert (west["E8"].value, formulas["Pick WEST"]["E8"].value) == (4, "=SUM(E6:E7)")


def test_pick_lists_are_set_up_for_the_printer(written):
    for name in SHEETS:
        sheet = written["formulas"][name]
        assert sheet.page_setup.orientation == ("landscape" if name.startswith(("Pick", "Held")) else "portrait")
        # Columns sized to the page print at full size (scale 100, not fitted: LibreOffice left an empty page
        # after a fitted manifest); only a sheet wider than its page is fitted to one page wide.
        if name == "Held Lines":   # its reasons make it wider than a landscape page: fitted to one page wide
            assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
            assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
        else:
            assert not sheet.sheet_properties.pageSetUpPr.fitToPage, name
            assert (sheet.page_setup.scale or 100) == 100, name   # XlsxWriter leaves the default 100 out
    main = written["formulas"]["Pick MAIN"]
    assert main.print_title_rows == "$5:$5"
    assert main.oddFooter.center.text == "Page &P"
    assert written["formulas"]["Held Lines"].print_title_rows == "$5:$5"
    assert written["formulas"]["Manifest DHL"].print_title_rows == "$5:$5"


def test_manifests_list_each_carriers_orders_with_a_total_and_a_box_for_the_driver(written):
    values, formulas = written["values"], written["formulas"]
    dhl = values["Manifest DHL"]
    assert dhl["A1"].value == "Carrier manifest \u2014 DHL"
    assert _rows(dhl, 5, 7, 5) == [["Order", "Customer", "Ship to", "Lines", "Units"],
                                   ["SO-1", "K-1", "1 Harbour Road, Leith", 2, 15],
                                   [None, None, "Total", 2, 15]]
    assert (formulas["Manifest DHL"]["D7"].value, formulas["Manifest DHL"]["E7"].value) == (
        "=SUM(D6:D6)", "=SUM(E6:E6)")
    # The driver's boxes one under the other, each label over the two first columns (an order number column
    # alone is too narrow for it), each box over the rest of the table's width.
    assert [dhl[f"A{row}"].value for row in (9, 11, 13)] == ["Collected by", "Date and time", "Driver's signature"]
    assert sorted((merged.min_row, merged.min_col, str(merged)) for merged in
                  formulas["Manifest DHL"].merged_cells.ranges if merged.min_row >= 9) == [
        (9, 1, "A9:B9"), (9, 3, "C9:E9"), (11, 1, "A11:B11"), (11, 3, "C11:E11"), (13, 1, "A13:B13"),
        (13, 3, "C13:E13")]
    ups = values["Manifest UPS"]
    assert _rows(ups, 6, 7, 5) == [["SO-2", "K-2", "7 Mill Lane, York", 1, 5], [None, None, "Total", 1, 5]]
    nobody = values["Manifest no carrier"]
    assert nobody["A1"].value == "Carrier manifest \u2014 No carrier set"
    # User text that looks like a formula stays text (contract 5.2).
    assert nobody["C6"].value == '=HYPERLINK("http://x")' and nobody["C6"].data_type == "s"
    assert _rows(nobody, 6, 6, 5) == [["SO-5", "K-2", '=HYPERLINK("http://x")', 1, 2]]


def test_packing_slips_one_order_a_page_with_what_follows(written):
    slips = written["values"]["Packing Slips"]
    assert [brk.id for brk in written["formulas"]["Packing Slips"].row_breaks.brk] == [13, 25]
    assert _rows(slips, 1, 6, 2) == [["Packing slip", None], ["Order", "SO-1"], ["Customer", "K-1"],
                                     ["Ship to", "1 Harbour Road, Leith"], ["Carrier", "DHL"],
                                     ["Date", pd.Timestamp("2026-11-27").to_pydatetime()]]
    assert _rows(slips, 8, 11, 5) == [["Line", "SKU", "Description", "Qty packed", "To follow"],
                                      [1, "A-100", "Angle bracket 40 mm, zinc", 12, 0],
                                      [2, "B-200", "Bolt M8 x 60, box of 50", 3, 0],
                                      [None, None, "Total", 15, 0]]
    assert written["formulas"]["Packing Slips"]["D11"].value == "=SUM(D9:D10)"
    assert (slips["A14"].value, slips["B15"].value) == ("Packing slip", "SO-2")
    assert (slips["A26"].value, slips["B27"].value, slips["B30"].value) == ("Packing slip", "SO-5", "No carrier set")
    assert _rows(slips, 34, 35, 5) == [[1, "A-100", "Angle bracket 40 mm, zinc", 2, 3], [None, None, "Total", 2, 3]]
    assert slips["A37"].value == "3 units to follow will be sent separately."
    assert all(slips.cell(row, 1).value != "3 units to follow will be sent separately." for row in range(1, 26))


def test_held_lines_say_why_in_words(written):
    held = written["values"]["Held Lines"]
    assert held["A1"].value == "Held lines: not picked, and why"
    assert _rows(held, 5, 7, 9) == [
        ["Order", "Line", "Customer", "SKU", "Description", "Open qty", "Allocated qty", "Held by", "Why"],
        ["SO-3", 1, "K-3", "C-300", "Cable tie 300 mm, black", 4, 4, "Ship complete",
         written["dispatch"].held["reason"].iloc[0]],
        ["SO-4", 1, "K-1", "B-200", "Bolt M8 x 60, box of 50", 2, 0, "On hold", "on hold on the order sheet"]]


def test_labels_from_the_configuration_head_the_columns(tmp_path):
    picks = dispatch(small_book(), as_of="2026-11-27", config={"labels": {"pick_qty": "Pick", "shelf": "Rack"}})
    sheet = openpyxl.load_workbook(picks.save(tmp_path / "labelled.xlsx"))["Pick MAIN"]
    assert (sheet["A5"].value, sheet["E5"].value) == ("Rack", "Pick")


def test_nothing_to_pick_is_one_sheet_that_says_why(tmp_path):
    picks = dispatch(small_book(), as_of="2026-11-27", promised_by="2026-11-01")
    assert len(picks.picks) == 0 and len(picks.held) == 0
    book = openpyxl.load_workbook(picks.save(tmp_path / "empty.xlsx"))
    assert book.sheetnames == ["Nothing to Pick"]
    sheet = book["Nothing to Pick"]
    assert sheet["A1"].value == "Pick list"
    assert sheet["B3"].value == "open lines promised by 2026-11-01 or earlier"
    assert sheet["A5"].value == picks.summary
    assert sheet["A5"].value.startswith("Nothing to pick: no open line has stock allocated (promised by 2026-11-01 "
                                        "or earlier)")


def test_sheet_names_keep_to_excels_rules_and_stay_unique():
    taken: set[str] = set()
    assert _sheet_name("Pick Dock [2]: North/South", taken) == "Pick Dock -2-- North-South"
    assert _sheet_name("Pick " + "x" * 40, taken) == "Pick " + "x" * 26
    assert _sheet_name("PICK " + "X" * 40, taken) == "PICK " + "X" * 22 + " (2)"
    assert _sheet_name("'Pick'", taken) == "Pick"


# ---- printed by LibreOffice ---------------------------------------------------------------------------------

def _pages(pdf_path: Path) -> list[dict]:
    with pdfplumber.open(pdf_path) as pdf:
        return [{"text": page.extract_text() or "", "sizes": [char["size"] for char in page.chars]}
                for page in pdf.pages]


@pytest.fixture(scope="module")
def printed(written) -> list[dict]:
    return _pages(convert_with_libreoffice(written["path"], "pdf", written["folder"]))


@pytest.fixture(scope="module")
def printed_sample(tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("pick-lists-sample")
    path = dispatch(omxl.read_book(SAMPLE), as_of="2026-11-27").save(folder / "sample-picks.xlsx")
    return _pages(convert_with_libreoffice(path, "pdf", folder))


def test_each_location_starts_a_page_of_its_own(printed):
    titles = [re.findall(r"Pick list \u2014 \w+", page["text"]) for page in printed]
    starts = [page["text"].split("\n")[0] for page in printed]
    assert starts[:2] == ["Pick list \u2014 MAIN", "Pick list \u2014 WEST"]
    assert all(len(found) <= 1 for found in titles)


def test_the_printed_total_is_the_sum_of_the_printed_rows(printed):
    for page, expected in ((printed[0], 18), (printed[1], 4)):
        quantities = [int(q) for q in re.findall(r"^[SW]\d \d\d [A-D]-\d00 .*? (\d+) ?SO-\d", page["text"], re.M)]
        total = re.search(r"^Total (\d+)$", page["text"], re.M)
        assert total is not None, page["text"]
        assert sum(quantities) == int(total.group(1)) == expected


def test_every_printed_character_is_8_pt_or_larger(printed):
    assert min(size for page in printed for size in page["sizes"]) >= 10.0


def test_each_packing_slip_prints_on_a_page_of_its_own(printed):
    slips = [page["text"] for page in printed if page["text"].startswith("Packing slip")]
    assert [re.findall(r"^Order (SO-\d)$", text, re.M) for text in slips] == [["SO-1"], ["SO-2"], ["SO-5"]]
    assert "3 units to follow will be sent separately." in slips[2]


def test_the_sample_prints_in_words_at_8_pt_or_larger(printed_sample):
    assert printed_sample[0]["text"].startswith("Pick list \u2014 MAIN")
    assert min(size for page in printed_sample for size in page["sizes"]) >= 8.0
    code_names = {token for page in printed_sample for token in SNAKE.findall(page["text"])}
    assert code_names == set()
    # No empty page: every printed page has text (its footer at least).
    assert [number for number, page in enumerate(printed_sample, start=1) if not page["text"].strip()] == []
    assert len(printed_sample) == 198
