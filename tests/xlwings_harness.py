"""Excel as xlwings shows it, made of xlwings' own classes: the harness tests/test_xlwings_adapter.py drives the
adapter (omxl/excel/xlwings_adapter.py, XlwingsWorkbook) through.

Every object the adapter reaches is `create_autospec(<xlwings class>, instance=True, spec_set=True)`: a method
xlwings does not have, a wrong argument, or setting an attribute the class does not have fails as it would
against xlwings itself. create_autospec leaves properties unchecked (it cannot know what a property returns,
so it answers every property with a bare MagicMock that accepts anything); `spec()` therefore puts a
property of its own on every property of the class (on the mock's own class, as `type(mock).prop =
PropertyMock(...)` would): the ones the harness simulates answer from the simulated Excel
below (a property that returns an xlwings object returns another autospec'd instance, so
`book.sheets[0].range("A1").add_note` is checked at every step); writing a read-only property fails; and any
other property raises, so nothing the adapter touches goes unchecked.

What xlwings hands to Excel's own object model (`.api`: COM on Windows, AppleScript on macOS) has no class to
check against; the harness answers those few calls with small simulations of Excel's behaviour (ComWindow,
ComWorksheet, ComRange, AppleScript...), listed in docs/macros.md.

The simulated Excel (ExcelState) holds each sheet's cells and what was done to them: fills, number formats,
bold, wrap, widths, notes, links, sheet-scoped names, frozen rows, the autofilter, and whether the screen was
updating and calculation automatic when each result cell was written.
"""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from unittest.mock import create_autospec

import openpyxl
import xlwings as xw
from openpyxl.utils.cell import range_boundaries
from xlwings.main import Font, Name, Names, Note, Notes, Sheets

RING = 8   # Range instances handed out in turn (Excel.range)
# COM's Worksheet.Visible (XlSheetVisibility)
SHEET_VISIBLE, SHEET_HIDDEN, SHEET_VERY_HIDDEN = -1, 0, 2


class ExcelError(str):
    """An error value in a cell ('#N/A'): read as None, or as its text with err_to_str=True."""


@dataclass
class SheetState:
    name: str
    visible: Any = SHEET_VISIBLE
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    colors: dict[tuple[int, int], str] = field(default_factory=dict)
    number_formats: dict[tuple[int, int], str] = field(default_factory=dict)
    bold: set[tuple[int, int]] = field(default_factory=set)
    wrap: set[tuple[int, int]] = field(default_factory=set)
    widths: dict[int, float] = field(default_factory=dict)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    links: dict[tuple[int, int], tuple[str, str | None, str | None]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)   # sheet-scoped: name -> refers to
    hidden_names: set[str] = field(default_factory=set)
    filter: str | None = None    # the AutoFilter's range (AutoFilterMode on)
    frozen_rows: int = 0

    def clear(self) -> None:
        for part in (self.cells, self.colors, self.number_formats, self.bold, self.wrap, self.notes, self.links):
            part.clear()

    def value(self, row: int, column: int, *, err_to_str: bool = False) -> Any:
        found = self.cells.get((row, column))
        if isinstance(found, ExcelError):
            return str(found) if err_to_str else None
        return found

    def used(self) -> tuple[int, int, int, int]:
        """Excel's UsedRange as (first row, first column, last row, last column); A1 for an empty sheet."""
        if not self.cells:
            return 1, 1, 1, 1
        rows = [r for r, _ in self.cells]
        columns = [c for _, c in self.cells]
        return min(rows), min(columns), max(rows), max(columns)


@dataclass
class ExcelState:
    sheets: list[SheetState]
    fullname: str | Exception
    active: str = ""
    screen_updating: bool = True
    calculation: str = "automatic"
    alerts: list[tuple[str | None, str]] = field(default_factory=list)
    # (sheet, cell, screen updating?, calculation) of every cell written or formatted
    writes: list[tuple[str, tuple[int, int], bool, str]] = field(default_factory=list)

    def sheet(self, name: str) -> SheetState:
        # Excel finds sheets ignoring case
        found = [s for s in self.sheets if s.name.casefold() == name.casefold()]
        if not found:
            raise KeyError(name)
        return found[0]


def excel_value(value: Any) -> Any:
    """A value as Excel keeps what Range.Value was given: numbers as doubles, dates as date-times, '' as empty,
    text with a leading apostrophe as the text after it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def load_state(path: Path, fullname: str | Exception | None = None, *, windows: bool = True) -> ExcelState:
    """The workbook file as Excel would hold it open: values (a formula as its calculated value, an error as an
    error), notes, fills, visibility."""
    wb = openpyxl.load_workbook(path)
    calculated = openpyxl.load_workbook(path, data_only=True)
    visibility = {"visible": SHEET_VISIBLE, "hidden": SHEET_HIDDEN, "veryHidden": SHEET_VERY_HIDDEN}
    sheets = []
    for ws in wb.worksheets:
        state = SheetState(ws.title, visibility[ws.sheet_state] if windows else ws.sheet_state == "visible")
        for row in ws.iter_rows():
            for cell in row:
                key = (cell.row, cell.column)
                found = calculated[ws.title][cell.coordinate]
                if found.data_type == "e":
                    state.cells[key] = ExcelError(found.value)
                elif found.value is not None:
                    state.cells[key] = excel_value(found.value)
                if cell.comment is not None:
                    state.notes[key] = cell.comment.text
                if cell.fill.fill_type == "solid":
                    state.colors[key] = "#" + cell.fill.fgColor.rgb[-6:]
                if cell.number_format != "General":
                    state.number_formats[key] = cell.number_format
                if cell.font.bold:
                    state.bold.add(key)
                if cell.alignment.wrap_text:
                    state.wrap.add(key)
        sheets.append(state)
    return ExcelState(sheets, str(path) if fullname is None else fullname, active=wb.active.title)


def spec(cls: type, **properties: Callable[..., Any]) -> Any:
    """create_autospec(cls, instance=True, spec_set=True) with every property of `cls` answered: by the function
    given for it (called with no argument to read, with the value to write), else by an error naming it."""
    mock = create_autospec(cls, instance=True, spec_set=True)
    for name, prop in inspect.getmembers(cls, lambda a: isinstance(a, property)):
        access = _property(cls, name, prop, properties.pop(name, None))
        # A plain property on the mock's own class (create_autospec makes one class per mock), as PropertyMock
        # would be but cheaper: a run reads thousands of them.
        setattr(type(mock), name, property(lambda _, access=access: access(),
                                           lambda _, value, access=access: access(value)))
    assert not properties, f"xlwings' {cls.__name__} has no properties {sorted(properties)}"
    return mock


def _property(cls: type, name: str, prop: property, handler: Callable[..., Any] | None) -> Callable[..., Any]:
    def access(*value: Any) -> Any:
        if value and prop.fset is None:
            raise AttributeError(f"property '{name}' of '{cls.__name__}' object has no setter")
        if handler is None:
            raise NotImplementedError(f"the harness does not simulate {cls.__name__}.{name}")
        return handler(*value)
    return access


def _box(cell1: Any, cell2: Any = None) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of sheet.range(cell1[, cell2])."""
    def corners(cell: Any) -> tuple[int, int, int, int]:
        if isinstance(cell, tuple):
            return cell[0], cell[1], cell[0], cell[1]
        min_col, min_row, max_col, max_row = range_boundaries(cell)
        return min_row, min_col, max_row, max_col
    top, left, bottom, right = corners(cell1)
    if cell2 is not None:
        _, _, bottom, right = corners(cell2)
    return top, left, bottom, right


def _cells(box: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    top, left, bottom, right = box
    return [(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)]


def _address(box: tuple[int, int, int, int]) -> str:
    top, left, bottom, right = box
    first = f"{openpyxl.utils.get_column_letter(left)}{top}"
    last = f"{openpyxl.utils.get_column_letter(right)}{bottom}"
    return first if first == last else f"{first}:{last}"


class Excel:
    """The xlwings objects of one open workbook, each an autospec'd instance wired to the simulated state.
    `windows` picks which object model `.api` speaks (COM or AppleScript)."""

    def __init__(self, state: ExcelState, *, windows: bool = True):
        self.state = state
        self.windows = windows
        self._sheets: dict[int, Any] = {}
        self._ring: list[tuple[Any, dict[str, Any]]] = []
        self._next = 0
        self._notes: dict[tuple[int, tuple[int, int]], Any] = {}
        self._names_made: dict[tuple[int, str], Any] = {}
        self.com_application = ComApplication(self)
        self.app = spec(xw.App, screen_updating=self._screen_updating, calculation=self._calculation,
                        api=lambda: self.com_application)
        self.app.alert.side_effect = lambda prompt, title=None, **_: state.alerts.append((title, prompt))
        self.sheets = spec(Sheets)
        self.sheets.__getitem__.side_effect = self._sheet_at
        self.sheets.__iter__.side_effect = lambda: iter([self.sheet(s) for s in state.sheets])
        self.sheets.__len__.side_effect = lambda: len(state.sheets)
        self.sheets.add.side_effect = self._add_sheet
        self.book = spec(xw.Book, sheets=lambda: self.sheets, app=lambda: self.app, fullname=self._fullname,
                         name=lambda: Path(str(state.fullname)).name)

    # --- App and Book -------------------------------------------------------------------------------

    def _screen_updating(self, *value: bool) -> Any:
        if value:
            self.state.screen_updating = value[0]
        return self.state.screen_updating

    def _calculation(self, *value: str) -> Any:
        if value:
            assert value[0] in ("manual", "automatic", "semiautomatic"), value
            self.state.calculation = value[0]
        return self.state.calculation

    def _fullname(self) -> str:
        if isinstance(self.state.fullname, Exception):
            raise self.state.fullname
        return self.state.fullname

    def _sheet_at(self, key: int | str) -> Any:
        if isinstance(key, int):
            return self.sheet(self.state.sheets[key])
        return self.sheet(self.state.sheet(key))

    def _add_sheet(self, name: str | None = None, before: Any = None, after: Any = None) -> Any:
        assert name is not None and before is None
        position = len(self.state.sheets) if after is None else self.state.sheets.index(
            self.state.sheet(after.name)) + 1
        state = SheetState(name, SHEET_VISIBLE if self.windows else True)
        self.state.sheets.insert(position, state)
        self.state.active = name   # Excel activates a sheet it adds
        return self.sheet(state)

    # --- Sheet ----------------------------------------------------------------------------------------

    def sheet(self, state: SheetState) -> Any:
        if id(state) in self._sheets:
            return self._sheets[id(state)]

        def name(*value: str) -> str:
            if value:
                state.name = value[0]
            return state.name

        def visible(*value: Any) -> Any:
            if value:
                state.visible = value[0]
            return state.visible

        def used_range() -> Any:
            return self.range(state, state.used())

        com = ComWorksheet(state) if self.windows else AppleScriptWorksheet(state)
        sheet = spec(xw.Sheet, name=name, visible=visible, names=lambda: names, notes=lambda: notes,
                     used_range=used_range, book=lambda: self.book, api=lambda: com)
        sheet.range.side_effect = lambda cell1, cell2=None: self.range(state, _box(cell1, cell2))
        sheet.clear.side_effect = state.clear
        sheet.activate.side_effect = lambda: setattr(self.state, "active", state.name)
        names = self._names(state)
        notes = spec(Notes)
        notes.__iter__.side_effect = lambda: iter([self.note(state, key) for key in sorted(state.notes)])
        notes.__len__.side_effect = lambda: len(state.notes)
        self._sheets[id(state)] = sheet
        return sheet

    def _names(self, state: SheetState) -> Any:
        def name(key: str) -> Any:
            if (id(state), key) not in self._names_made:
                self._names_made[(id(state), key)] = make_name(key)
            return self._names_made[(id(state), key)]

        def make_name(key: str) -> Any:
            quoted = state.name if state.name.isalnum() else "'" + state.name.replace("'", "''") + "'"
            com = ComName(state, key)
            return spec(Name, name=lambda: f"{quoted}!{key}", refers_to=lambda: state.names[key], api=lambda: com)

        def add(name_: str, refers_to: str) -> Any:
            state.names[name_] = refers_to
            return name(name_)

        names = spec(Names)
        names.__iter__.side_effect = lambda: iter([name(key) for key in state.names])
        names.__len__.side_effect = lambda: len(state.names)
        names.add.side_effect = add
        return names

    # --- Range, Font, Note ------------------------------------------------------------------------------

    def range(self, state: SheetState, box: tuple[int, int, int, int], two_d: bool = False,
              err_to_str: bool = False) -> Any:
        """An autospec'd xlwings Range on `box` of the sheet. Making one takes create_autospec tens of milliseconds
        (it checks the signature of each of Range's methods), and a run asks for thousands; so RING of them are
        made once and handed out in turn, each bound to the box asked for. The adapter holds at most three
        ranges at a time (a used range and its options(), a note's location), far fewer than RING."""
        if len(self._ring) < RING:
            self._ring.append(self._make_range())
        rng, bound = self._ring[self._next % RING]
        self._next += 1
        bound.update(state=state, box=box, two_d=two_d, err_to_str=err_to_str)
        return rng

    def _make_range(self) -> tuple[Any, dict[str, Any]]:
        bound: dict[str, Any] = {}

        def cells() -> list[tuple[int, int]]:
            return _cells(bound["box"])

        def written(cell: tuple[int, int]) -> None:
            self.state.writes.append((bound["state"].name, cell, self.state.screen_updating, self.state.calculation))

        def value(*given: Any) -> Any:
            state, (top, left, bottom, right) = bound["state"], bound["box"]
            if given:
                rows = given[0] if isinstance(given[0], list) else [[given[0]]] * (bottom - top + 1)
                rows = [row if isinstance(row, list) else [row] for row in rows]
                for r, row in enumerate(rows, start=top):
                    for c, item in enumerate(row if len(row) > 1 else row * (right - left + 1), start=left):
                        stored = excel_value(item)
                        if stored is None:
                            state.cells.pop((r, c), None)
                        else:
                            state.cells[(r, c)] = stored
                        written((r, c))
                return None
            grid = [[state.value(r, c, err_to_str=bound["err_to_str"]) for c in range(left, right + 1)]
                    for r in range(top, bottom + 1)]
            if bound["two_d"]:
                return grid
            if len(grid) == 1:
                return grid[0][0] if len(grid[0]) == 1 else grid[0]
            return [row[0] for row in grid] if len(grid[0]) == 1 else grid

        def setter(part: str, default: Any = None) -> Callable[..., Any]:
            def access(*given: Any) -> Any:
                found = getattr(bound["state"], part)
                if not given:
                    return found.get(bound["box"][:2], default)
                for cell in cells():
                    if given[0] is None or given[0] == default:
                        found.pop(cell, None)
                    else:
                        found[cell] = given[0]
                    written(cell)
                return None
            return access

        def flag(part: str) -> Callable[..., Any]:
            def access(*given: bool) -> Any:
                found = getattr(bound["state"], part)
                if not given:
                    return bound["box"][:2] in found
                for cell in cells():
                    (found.add if given[0] else found.discard)(cell)
                    written(cell)
                return None
            return access

        def column_width(*given: float) -> Any:
            state, (_, left, _, right) = bound["state"], bound["box"]
            if not given:
                return state.widths.get(left)
            for column in range(left, right + 1):
                state.widths[column] = given[0]
            return None

        def note() -> Any:
            state, cell = bound["state"], bound["box"][:2]
            return self.note(state, cell) if cell in state.notes else None

        def add_note(text: str) -> Any:
            state, cell = bound["state"], bound["box"][:2]
            state.notes[cell] = text
            written(cell)
            return self.note(state, cell)

        def add_hyperlink(address: str, text_to_display: str | None = None, screen_tip: str | None = None) -> None:
            bound["state"].links[bound["box"][:2]] = (address, text_to_display, screen_tip)
            written(bound["box"][:2])

        def options(convert: Any = None, **chosen: Any) -> Any:
            assert convert is None and set(chosen) <= {"ndim", "err_to_str"}, chosen
            return self.range(bound["state"], bound["box"], two_d=chosen.get("ndim") == 2,
                              err_to_str=bool(chosen.get("err_to_str")))

        def api() -> Any:
            return (ComRange if self.windows else AppleScriptRange)(bound["state"], bound["box"])

        font = spec(Font, bold=flag("bold"))
        rng = spec(xw.Range, value=value, row=lambda: bound["box"][0], column=lambda: bound["box"][1],
                   number_format=setter("number_formats", "General"), color=setter("colors"), font=lambda: font,
                   wrap_text=flag("wrap"), column_width=column_width, note=note, api=api)
        rng.options.side_effect = options
        rng.add_note.side_effect = add_note
        rng.add_hyperlink.side_effect = add_hyperlink
        return rng, bound

    def note(self, state: SheetState, cell: tuple[int, int]) -> Any:
        if (id(state), cell) not in self._notes:
            self._notes[(id(state), cell)] = self._make_note(state, cell)
        return self._notes[(id(state), cell)]

    def _make_note(self, state: SheetState, cell: tuple[int, int]) -> Any:
        def text(*given: str) -> Any:
            if given:
                state.notes[cell] = given[0]
                return None
            return state.notes[cell]

        note = spec(Note, text=text, location=lambda: self.range(state, (*cell, *cell)))
        note.delete.side_effect = lambda: state.notes.pop(cell)
        return note


# --- Excel's own object model, which xlwings hands over as `.api` and no spec covers -------------------------

class ComApplication:
    """Excel.Application over COM: only ActiveWindow, the window of the active sheet."""

    def __init__(self, excel: Excel):
        self._excel = excel

    @property
    def ActiveWindow(self) -> "ComWindow":  # noqa: N802 - COM's name
        assert self._excel.windows, "COM's name asked of AppleScript"
        return ComWindow(self._excel.state)

    @property
    def active_window(self) -> "AppleScriptWindow":
        assert not self._excel.windows, "AppleScript's name asked of COM"
        return AppleScriptWindow(self._excel.state)


class ComWindow:
    """Window.FreezePanes, SplitColumn, SplitRow: freezing applies the split to the active sheet."""

    def __init__(self, state: ExcelState):
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "SplitColumn", 0)
        object.__setattr__(self, "SplitRow", 0)

    def __setattr__(self, name: str, value: Any) -> None:
        assert name in ("FreezePanes", "SplitColumn", "SplitRow"), name
        object.__setattr__(self, name, value)
        if name == "FreezePanes":
            sheet = self._state.sheet(self._state.active)
            sheet.frozen_rows = self.SplitRow if value else 0


class ComWorksheet:
    """Worksheet.AutoFilterMode: whether the sheet has an AutoFilter; setting it False takes the filter away."""

    def __init__(self, state: SheetState):
        self._state = state

    @property
    def AutoFilterMode(self) -> bool:  # noqa: N802 - COM's name
        return self._state.filter is not None

    @AutoFilterMode.setter
    def AutoFilterMode(self, value: bool) -> None:  # noqa: N802 - COM's name
        assert value is False, "COM can only set AutoFilterMode to False"
        self._state.filter = None


class ComRange:
    """Range.AutoFilter() without arguments, as Excel does it: it TOGGLES the sheet's filter (off when the sheet
    has one, else on this range)."""

    def __init__(self, state: SheetState, box: tuple[int, int, int, int]):
        self._state, self._box = state, box

    def AutoFilter(self, *args: Any, **kwargs: Any) -> None:  # noqa: N802 - COM's name
        assert not args and not kwargs
        self._state.filter = None if self._state.filter is not None else _address(self._box)


class ComName:
    """Name.Visible: False hides the name in Name Manager."""

    def __init__(self, state: SheetState, key: str):
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_key", key)

    def __setattr__(self, name: str, value: Any) -> None:
        assert name == "Visible", name
        (self._state.hidden_names.discard if value else self._state.hidden_names.add)(self._key)


class AppleScriptProperty:
    """An appscript property reference: get() and set()."""

    def __init__(self, read: Callable[[], Any], write: Callable[[Any], None]):
        self.get, self.set = read, write


class AppleScriptWindow:
    def __init__(self, state: ExcelState):
        self._state = state
        self._split_row = 0
        self.split_column = AppleScriptProperty(lambda: 0, lambda value: None)
        self.split_row = AppleScriptProperty(lambda: self._split_row, lambda value: setattr(self, "_split_row", value))
        self.freeze_panes = AppleScriptProperty(lambda: None, self._freeze)

    def _freeze(self, value: bool) -> None:
        self._state.sheet(self._state.active).frozen_rows = self._split_row if value else 0


class AppleScriptWorksheet:
    def __init__(self, state: SheetState):
        def write(value: bool) -> None:
            assert value is False
            state.filter = None
        self.autofilter_mode = AppleScriptProperty(lambda: state.filter is not None, write)


class AppleScriptRange:
    def __init__(self, state: SheetState, box: tuple[int, int, int, int]):
        self._state, self._box = state, box

    def autofilter_range(self) -> None:   # toggles, as COM's AutoFilter()
        self._state.filter = None if self._state.filter is not None else _address(self._box)
