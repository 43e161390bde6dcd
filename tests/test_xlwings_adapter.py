"""The xlwings adapter (XlwingsWorkbook) on every button's path, against xlwings' own classes: each object it
reaches is an autospec'd xlwings instance (tests/xlwings_harness.py), so a call xlwings does not have fails
here as it would in Excel. Each run is compared with the same run through the file-backed stand-in
(FileWorkbook), cell by cell. Marked core, so scripts/test.sh runs it with the lowest xlwings pyproject.toml
allows (tests/constraints-lowest.txt) as well as the newest."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw

from one_of_each import FIXTURES
from omxl.excel import macros as buttons
from omxl.excel.filebook import FileWorkbook
from omxl.excel.interface import NOTE_MARK
from omxl.excel.xlwings_adapter import XlwingsWorkbook
import omxl.macros as macros
from xlwings_harness import SHEET_HIDDEN, SHEET_VERY_HIDDEN, SHEET_VISIBLE, Excel, ExcelState, load_state

pytestmark = pytest.mark.core

ACTIONS = ["validate", "reconcile", "reorder", "weekly", "dispatch"]
ONEDRIVE = ("Couldn't find the local OneDrive folder. Please configure the ONEDRIVE_CONSUMER_WIN setting, see: "
            "xlwings.org/error.")


@pytest.fixture(scope="module")
def small_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbook with one row of each kind of problem, with the Control sheet in front: B2 reconcile, B3
    2026-11-27 (as tests/macro_books.py makes it for the stand-in's tests)."""
    path = tmp_path_factory.mktemp("small") / "orders.xlsx"
    wb = openpyxl.load_workbook(FIXTURES / "one-of-each.xlsx")
    control = wb.create_sheet("omxl", 0)
    control["A2"], control["A3"], control["A4"] = "Action", "As of", "Status"
    control["B2"], control["B3"] = "reconcile", dt.datetime(2026, 11, 27)
    wb.save(path)
    return path


def open_both(source: Path, tmp_path: Path, *, windows: bool = True) -> tuple[Excel, FileWorkbook]:
    """The same workbook open in the simulated Excel (through xlwings' classes) and in the stand-in, each a copy
    in a folder of its own (weekly saves its report beside the workbook)."""
    copies = []
    for folder in ("excel", "file"):
        (tmp_path / folder).mkdir()
        copies.append(shutil.copy(source, tmp_path / folder / source.name))
    return Excel(load_state(Path(copies[0]), windows=windows), windows=windows), FileWorkbook(copies[1])


def run(excel: Excel, action: str) -> None:
    button = macros.main if action == "main" else getattr(macros, action)
    button(XlwingsWorkbook(excel.book, windows=excel.windows))


def without_clock(rows: list[list]) -> list[list]:
    """The rows with the Summary's "Made on" time (the minute each run was made, which two runs one after the
    other may not share) said as "a time", after checking it is one."""
    out = []
    for row in rows:
        if row and row[0] == "Made on":
            assert isinstance(row[1], dt.datetime), row
            row = [row[0], "a time", *row[2:]]
        out.append(row)
    return out


def assert_same(state: ExcelState, book: FileWorkbook, folders: tuple[Path, Path]) -> None:
    """Everything the run left in Excel equals what it left in the stand-in's workbook."""
    wb = book.book
    ours_folder, theirs_folder = (str(f) for f in folders)

    def moved(value: object) -> object:   # the weekly report's file is named in B4: each copy names its own
        return value.replace(ours_folder, theirs_folder) if isinstance(value, str) else value

    assert [s.name for s in state.sheets] == wb.sheetnames
    for sheet in state.sheets:
        ws = wb[sheet.name]
        top, left, bottom, right = sheet.used()
        bottom, right = max(bottom, ws.max_row), max(right, ws.max_column)
        address = f"A1:{openpyxl.utils.get_column_letter(right)}{bottom}"
        ours = [[moved(sheet.value(r, c, err_to_str=True)) for c in range(1, right + 1)] for r in range(1, bottom + 1)]
        theirs = book.value(sheet.name, address, ndim=2, err_to_str=True)
        assert without_clock(ours) == without_clock(theirs), sheet.name
        cells = [c for row in ws.iter_rows() for c in row]
        key = lambda c: (c.row, c.column)  # noqa: E731
        assert sheet.colors == {key(c): "#" + c.fill.fgColor.rgb[-6:] for c in cells if c.fill.fill_type == "solid"}
        assert sheet.notes == {key(c): c.comment.text for c in cells if c.comment is not None}, sheet.name
        assert sheet.number_formats == {key(c): c.number_format for c in cells if c.number_format != "General"}
        assert sheet.bold == {key(c) for c in cells if c.font.bold}, sheet.name
        assert sheet.wrap == {key(c) for c in cells if c.alignment.wrap_text}, sheet.name
        assert {cell: link[0] for cell, link in sheet.links.items()} == \
            {key(c): "#" + c.hyperlink.location for c in cells if c.hyperlink is not None}, sheet.name
        assert {(cell, link[1]) for cell, link in sheet.links.items()} == \
            {(key(c), str(c.value)) for c in cells if c.hyperlink is not None}
        assert set(sheet.names) == set(ws.defined_names), sheet.name
        assert sheet.hidden_names == {n for n, d in ws.defined_names.items() if d.hidden}
        if sheet.names:   # a result sheet: its look, as the stand-in gives it
            assert sheet.frozen_rows == (int(ws.freeze_panes[1:]) - 1 if ws.freeze_panes else 0), sheet.name
            assert sheet.filter == ws.auto_filter.ref, sheet.name
            for column, width in sheet.widths.items():
                assert ws.column_dimensions[openpyxl.utils.get_column_letter(column)].width == width
    assert state.active == wb.active.title
    assert [(title, moved(message)) for title, message in state.alerts] == book.alerts


# --- the harness checks what the adapter calls ------------------------------------------------------------

def test_the_harness_fails_what_xlwings_does_not_have(small_book: Path):
    excel = Excel(load_state(small_book))
    cell = excel.book.sheets["Orders"].range("E9")
    with pytest.raises(AttributeError, match="add_notes"):
        cell.add_notes("omxl:\nmisspelled")                       # a method xlwings does not have
    with pytest.raises(AttributeError, match="colour"):
        cell.colour = "#FFC7CE"                                     # an attribute xlwings does not have
    with pytest.raises(TypeError):
        cell.add_note("omxl:\nx", "omxl")                           # Range.add_note(text) takes one argument
    with pytest.raises(AttributeError, match="no setter"):
        excel.book.fullname = "C:/elsewhere.xlsm"                   # read-only in xlwings
    with pytest.raises(NotImplementedError, match="Range.formula"):
        cell.formula                                                # a property the harness does not simulate
    note = cell.add_note("omxl:\nmarked")
    assert cell.note.text == "omxl:\nmarked" and note.location.row == 9 and note.location.column == 5
    with pytest.raises(AttributeError, match="txt"):
        cell.note.txt                                               # each step of the chain is xlwings' class

    class Misspelled(XlwingsWorkbook):
        """The adapter with one call misspelled, through the same harness."""

        def mark_cell(self, sheet: str, cell: str, fill: str, note: str) -> None:
            self.book.sheets[sheet].range(cell).add_notes(f"{NOTE_MARK}\n{note}")

    with pytest.raises(AttributeError, match="add_notes"):
        Misspelled(excel.book).mark_cell("Orders", "E9", "FFFFC7CE", "Item 'SKU-404' is not in the inventory.")
    # The real adapter, the same call on F9: the fill and the note land there.
    XlwingsWorkbook(excel.book).mark_cell("Orders", "F9", "FFFFC7CE", "checked")
    assert excel.state.sheet("Orders").colors[(9, 6)] == "#FFC7CE"
    assert excel.state.sheet("Orders").notes[(9, 6)] == "omxl:\nchecked"


# --- every button, compared with the stand-in ----------------------------------------------------------------

@pytest.mark.parametrize("action", [*ACTIONS, "main"])
def test_every_button_through_xlwings_writes_what_the_stand_in_writes(action: str, small_book: Path,
                                                                      tmp_path: Path):
    excel, book = open_both(small_book, tmp_path)
    run(excel, action)
    (macros.main if action == "main" else getattr(macros, action))(book)
    assert_same(excel.state, book, (tmp_path / "excel", tmp_path / "file"))
    state = excel.state
    status = state.sheet("omxl").value(4, 2)
    assert status == book.read_cell("omxl", "B4").replace(str(tmp_path / "file"), str(tmp_path / "excel"))
    # the Control sheet's B2 says reconcile: main ran that
    expected_start = {"validate": "Checked as of 2026-11-27: ", "reconcile": "Reconciled as of 2026-11-27: ",
                      "main": "Reconciled as of 2026-11-27: ", "reorder": "Reorder plan as of 2026-11-27",
                      "weekly": "Weekly report 2026-W48 as of 2026-11-27",
                      "dispatch": "5 lines of 4 orders to pick, 60 units from 1 location. "}[action]
    assert status.startswith(expected_start), status
    # The user lands on the Control sheet; the screen and calculation are as they were.
    assert (state.active, state.screen_updating, state.calculation) == ("omxl", True, "automatic")
    # Every result cell was written with the screen and calculation paused.
    result_sheets = {s.name for s in state.sheets if s.names}
    assert result_sheets and {(u, c) for s, _, u, c in state.writes if s in result_sheets} == {(False, "manual")}
    if action == "weekly":
        assert (tmp_path / "excel" / "weekly-status-2026-W48.xlsx").exists()
    if action == "dispatch":   # the print-ready pick lists, beside the workbook
        assert (tmp_path / "excel" / "Pick lists 2026-11-27.xlsx").exists()


def test_validate_marks_e9_and_lists_it(small_book: Path, tmp_path: Path):
    excel, _ = open_both(small_book, tmp_path)
    run(excel, "validate")
    orders, issues = excel.state.sheet("Orders"), excel.state.sheet("omxl Issues")
    assert excel.state.sheet("omxl").value(4, 2) == (
        "Checked as of 2026-11-27: 7 errors and 5 warnings. 10 cells marked: red for errors, yellow for warnings, "
        "the note says why. See 'omxl Issues' for the list and 'omxl Summary' for the overview.")
    assert orders.colors[(9, 5)] == "#FFC7CE"   # E9
    assert orders.notes[(9, 5)] == ("omxl:\nItem 'SKU-404' is not in the inventory. Correct the item code, or add "
                                    "the item to the inventory sheet.")
    assert issues.frozen_rows == 1 and issues.filter == "A1:P17"
    assert issues.names == {"_omxl_result": "='omxl Issues'!$A$1"} and issues.hidden_names == {"_omxl_result"}
    links = {target for target, _, _ in issues.links.values()}
    assert "#'Orders'!E9" in links


@pytest.mark.parametrize("windows", [True, False], ids=["COM", "AppleScript"])
def test_a_second_run_keeps_the_filter_and_the_frozen_header(windows: bool, small_book: Path,
                                                            tmp_path: Path):
    excel, book = open_both(small_book, tmp_path, windows=windows)
    run(excel, "validate")
    first = excel.state.sheet("omxl Issues").filter
    run(excel, "validate")   # Range.AutoFilter() alone would toggle the filter off on this run
    issues = excel.state.sheet("omxl Issues")
    assert issues.filter == first and issues.frozen_rows == 1
    assert [s.name for s in excel.state.sheets].count("omxl Issues") == 1
    macros.validate(book)
    macros.validate(book)
    assert_same(excel.state, book, (tmp_path / "excel", tmp_path / "file"))


def test_a_users_filter_on_a_result_sheet_is_replaced_not_toggled(small_book: Path,
                                                                  tmp_path: Path):
    excel, _ = open_both(small_book, tmp_path)
    run(excel, "validate")
    issues = excel.state.sheet("omxl Issues")
    expected = issues.filter
    issues.filter = "B1:C3"   # the user filtered part of the sheet
    run(excel, "validate")
    assert excel.state.sheet("omxl Issues").filter == expected


def test_an_error_while_writing_restores_the_screen_and_calculation(small_book: Path,
                                                                    tmp_path: Path):
    excel, _ = open_both(small_book, tmp_path)
    excel.state.calculation = "semiautomatic"   # the user's own choice, given back as it was
    excel.sheets.add.side_effect = RuntimeError("(-2147352567, 'Exception occurred.', 'Excel is busy')")
    run(excel, "validate")
    state = excel.state
    assert (state.screen_updating, state.calculation, state.active) == (True, "semiautomatic", "omxl")
    status = state.sheet("omxl").value(4, 2)
    assert status.startswith("omxl could not finish validate: something unexpected went wrong (details in ")
    assert state.alerts == [("omxl", status)]


# --- hidden sheets ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("windows, visible, hidden", [
    (True, SHEET_VISIBLE, False), (True, SHEET_HIDDEN, True), (True, SHEET_VERY_HIDDEN, True),
    (False, True, False), (False, False, True)])
def test_hidden_and_very_hidden_sheets_are_hidden(windows: bool, visible: object, hidden: bool,
                                                  small_book: Path):
    excel = Excel(load_state(small_book, windows=windows), windows=windows)
    excel.state.sheet("Customers").visible = visible
    infos = {s.name: s.hidden for s in XlwingsWorkbook(excel.book, windows=windows).sheets()}
    assert infos == {"omxl": False, "Orders": False, "Inventory": False, "Customers": hidden, "Shipments": False}


def test_a_very_hidden_sheet_is_not_read(small_book: Path, tmp_path: Path):
    source = tmp_path / "orders.xlsx"
    wb = openpyxl.load_workbook(small_book)
    wb["Customers"].sheet_state = "veryHidden"
    wb.save(source)
    excel, book = open_both(source, tmp_path)
    assert excel.state.sheet("Customers").visible == SHEET_VERY_HIDDEN
    run(excel, "validate")
    macros.validate(book)
    assert_same(excel.state, book, (tmp_path / "excel", tmp_path / "file"))
    # Customers C3's invalid e-mail is not marked: the sheet was not read
    assert excel.state.sheet("Customers").notes == {}


# --- OneDrive and SharePoint ------------------------------------------------------------------------------

@pytest.mark.parametrize("action", [*ACTIONS, "main"])
def test_a_workbook_xlwings_cannot_find_on_onedrive_says_what_to_do(action: str, small_book: Path):
    state = load_state(small_book, fullname=xw.XlwingsError(ONEDRIVE))
    excel = Excel(state)
    run(excel, action)   # no exception reaches Excel
    said = (
        "This workbook is open from OneDrive or SharePoint, and xlwings could not find its file on this computer "
        f"(xlwings says: {ONEDRIVE}). omxl needs that file's folder, where omxl.toml and the reports are, so "
        "nothing was run. Either save a copy on this computer (File > Save a Copy, to a folder such as "
        "Documents), open the copy and press the button there; or tell xlwings where OneDrive keeps its files: "
        "on this workbook's xlwings.conf sheet add a row with the key ONEDRIVE_CONSUMER_WIN (personal OneDrive), "
        "ONEDRIVE_COMMERCIAL_WIN (OneDrive for work or school) or SHAREPOINT_WIN (a synced SharePoint library) "
        "and the local folder, e.g. C:\\Users\\you\\OneDrive.")
    assert state.sheet("omxl").value(4, 2) == said
    assert state.alerts == [("omxl", said)]
    assert [s.name for s in state.sheets] == ["omxl", "Orders", "Inventory", "Customers", "Shipments"]
    assert (state.active, state.screen_updating, state.calculation) == ("omxl", True, "automatic")


def test_on_a_mac_the_onedrive_settings_named_are_the_mac_ones(small_book: Path):
    detail = "Couldn't find your local OneDrive for Business file, see: xlwings.org/error"
    excel = Excel(load_state(small_book, fullname=xw.XlwingsError(detail), windows=False), windows=False)
    run(excel, "validate")
    said = excel.state.sheet("omxl").value(4, 2)
    assert "ONEDRIVE_CONSUMER_MAC" in said and "ONEDRIVE_COMMERCIAL_MAC" in said and "SHAREPOINT_MAC" in said
    assert "_WIN" not in said and f"(xlwings says: {detail})" in said


def test_a_path_that_fails_otherwise_is_logged_with_the_workbook_unnamed(small_book: Path,
                                                                         tmp_path: Path, monkeypatch):
    monkeypatch.setattr(buttons, "log_path", lambda: tmp_path / "omxl-macros.log")
    excel = Excel(load_state(small_book, fullname=OSError("The network path was not found")))
    run(excel, "reorder")
    status = excel.state.sheet("omxl").value(4, 2)
    assert status == (f"omxl could not finish reorder: something unexpected went wrong (details in "
                      f"{tmp_path / 'omxl-macros.log'}). Send that file to whoever looks after omxl.")
    log = (tmp_path / "omxl-macros.log").read_text(encoding="utf-8")
    assert " reorder in the workbook (its file could not be found)\n" in log
    assert "OSError: The network path was not found" in log
    assert excel.state.active == "omxl"
