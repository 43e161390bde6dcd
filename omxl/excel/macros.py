"""The Excel front door: what the buttons of a macro workbook run (contract 5.4, docs/macros.md).

    RunPython "import omxl.macros; omxl.macros.validate()"

Each macro reads the open workbook's sheets (unsaved edits count), runs the same core as the command line,
writes its result sheets into the open workbook, marks the cells of the findings (filled, with a note), and
puts what happened into the Control sheet's status cell (`omxl`!B4) in words. An error never reaches the user
as a traceback: a problem omxl knows (no orders sheet, a bad setting) is said in words; anything else is
written to the log file and the status names it.

The macros talk only to omxl.excel.interface.Workbook. Called from Excel they get the calling workbook
through xlwings (omxl/excel/xlwings_adapter.py); tests and scripts pass a FileWorkbook (omxl/excel/filebook.py).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from ..config import Config, load_config, run_day
from ..errors import OmxlError
from .buttons import MAX_MARKS, PLAIN
from .grids import CONTROL_SHEET, book_name, read_open_book
from .interface import SheetExistsError, Workbook
from .layout import literal, sheet_layout
from ..io.address import column_letter
from ..io.xlsx.mark import FILLS, _collect, _comment_text
from ..io.xlsx.writeback import sheet_name, with_links_renamed
from ..run import run
from ..steps import REGISTRY, resolve, with_buttons


ACTION_CELL, AS_OF_CELL, STATUS_CELL = "B2", "B3", "B4"
LOG_NAME = "omxl-macros.log"
LOG_LIMIT = 1_000_000   # bytes; the log is started afresh (the old one kept as .1) past this size
TITLE = "omxl"


# --- the buttons ---------------------------------------------------------------------------------
# One macro per step with a button in omxl.steps.REGISTRY, made on first use: `omxl.macros.validate()`,
# `omxl.macros.reconcile()`, ... (every workbook's VBA calls them by these names), and main().

def main(workbook: Workbook | None = None) -> None:
    """Run the action chosen in B2 of the Control sheet (one of the steps with a button)."""
    _run(None, workbook)


def _macro(name: str) -> Callable[[Workbook | None], None]:
    def macro(workbook: Workbook | None = None) -> None:
        _run(name, workbook)

    definition = REGISTRY[name]
    macro.__name__ = macro.__qualname__ = name
    macro.__doc__ = f"The {definition.button} button: {definition.summary_line}"
    return macro


def actions() -> list[str]:
    """The names of the steps a button runs, in registry order: the macros and the Control sheet's actions."""
    return [definition.name for definition in with_buttons()]


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return [*actions(), "main"]
    if name in actions():
        return _macro(name)
    raise AttributeError(f"module 'omxl.macros' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted({*globals(), *actions()})


# --- one run -------------------------------------------------------------------------------------

def _run(action: str | None, workbook: Workbook | None) -> None:
    book = workbook if workbook is not None else _caller()
    status = Status(book, sheet=None)
    try:
        status = Status(book)
        if action is None:
            action = status.action()
        status.show(f"Running {action}…", final=False)
        as_of = status.as_of()
        config = load_config(None, near=book.path())
        status.show(run_button(action, book, as_of=as_of, config=config))
    except OmxlError as exc:   # no orders table, a bad setting, a user's sheet in the way, ...: said in words
        status.show(str(exc), error=True)
    except Exception:  # noqa: BLE001 - the last line of defence: the user sees words, the log the details
        log = write_log(book, action, traceback.format_exc())
        status.show(f"omxl could not finish {action or 'the action'}: something unexpected went wrong "
                    f"(details in {log}). Send that file to whoever looks after omxl.", error=True)
    finally:
        if status.sheet is not None:
            # The user ends on the Control sheet with its status, not on the last result sheet written.
            _cosmetic(lambda: book.show_sheet(status.sheet))


def run_button(name: str, workbook: Workbook, *, as_of: dt.date, config: Config) -> str:
    """One button: the step on the open workbook's sheets, its result sheets written into the workbook, the
    cells of its findings marked; returns the status sentence."""
    hooks = resolve(REGISTRY[name].macro) or PLAIN
    result = run(name, read_open_book(workbook, config=config), as_of=as_of, **hooks.arguments(workbook, config))
    with workbook.pause_screen():
        written = write_results(workbook, result.result_sheets(), config)
        marked = mark_findings(workbook, result.findings)
    return hooks.after(workbook, result, hooks.status(result, as_of=as_of, written=written, marked=marked))


def _caller() -> Workbook:
    """The workbook whose button was pressed (xlwings' Book.caller())."""
    # imported on use (an optional package): xlwings is there in Excel's Python only, and slow to load
    from .xlwings_adapter import XlwingsWorkbook

    return XlwingsWorkbook.caller()


class Status:
    """The Control sheet's cells: the action (B2), the as-of date (B3) and the status (B4). A workbook without
    a Control sheet runs as of today and shows its status in an alert."""

    def __init__(self, workbook: Workbook, **known: str | None):
        self.workbook = workbook
        # sheet=None: before the workbook has been asked for its sheets (an error then is shown in an alert).
        self.sheet = known["sheet"] if "sheet" in known else next(
            (s.name for s in workbook.sheets() if s.name.casefold() == CONTROL_SHEET), None)

    def action(self) -> str:
        found = self.workbook.read_cell(self.sheet, ACTION_CELL) if self.sheet else None
        word = str(found).strip().casefold() if found is not None else ""
        if word in actions():
            return word
        if self.sheet is None:
            raise ActionError("The action to run is read from B2 of a sheet named 'omxl', and this workbook has "
                              "none. Add that sheet with the action in B2, or press a button that runs one action.")
        what = "is blank" if not word else f"holds '{found}', which is not an action"
        raise ActionError(f"B2 of the '{self.sheet}' sheet {what}. Choose one of: {', '.join(actions())}; then "
                          "press the button again.")

    def as_of(self) -> dt.date:
        found = self.workbook.read_cell(self.sheet, AS_OF_CELL) if self.sheet else None
        date = as_of_date(found)
        if date is None:
            raise ActionError(f"B3 of the '{self.sheet}' sheet holds '{found}', which is not a date. Enter the "
                              "as-of date (for example 2026-11-27), or leave it blank for today.")
        return date

    def show(self, text: str, *, error: bool = False, final: bool = True) -> None:
        if self.sheet is not None:
            self.workbook.write_cell(self.sheet, STATUS_CELL, literal(text))
        if final and (error or self.sheet is None):
            self.workbook.alert(text, TITLE)


class ActionError(OmxlError):
    """The Control sheet asks for something omxl cannot do; the message says which cell and what to enter."""


def as_of_date(value: Any) -> dt.date | None:
    """B3 as a date: blank is the run day (today, unless OMXL_TODAY sets it); a date cell; a number (a date cell
    formatted as a number, Excel's serial); ISO text ('2026-11-27'). None when it is none of these."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return run_day()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        return (dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value))).date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# --- writing into the open workbook ---------------------------------------------------------------

def write_results(workbook: Workbook, sheets: Mapping[str, Any], config: Config) -> list[str]:
    """Write result sheets (ResultSheet or FreeSheet) under omxl's names (sheet_prefix + name), links between
    them following the names. Returns the names written, in order."""
    names = {name: sheet_name(config.sheet_prefix, name) for name in sheets}
    # Every name checked before anything is written: a user's sheet in the way stops the run with nothing changed.
    for existing in workbook.sheets():
        if not existing.owned and existing.name.casefold() in {n.casefold() for n in names.values()}:
            raise SheetExistsError(existing.name)
    renamed = with_links_renamed(dict(sheets), names)
    for name, sheet in renamed.items():
        workbook.write_sheet(names[name], sheet_layout(sheet))
    return list(names.values())


def mark_findings(workbook: Workbook, findings: pd.DataFrame) -> int:
    """Clear the marks of the last run from the user's sheets, then fill and annotate the cell of every error
    (light red) and warning (light yellow), one note a cell listing its findings. Returns the cells marked."""
    # The marks and note texts of `validate --mark`, so a marked cell reads the same in both.

    user_sheets = {s.name for s in workbook.sheets() if not s.owned and s.name.casefold() != CONTROL_SHEET}
    for sheet in user_sheets:
        workbook.clear_marks(sheet)
    by_name = {name.casefold(): name for name in user_sheets}
    marked = 0
    for sheet, cells in _collect(findings).items():
        name = by_name.get(sheet.casefold())
        if name is None:
            continue
        for (row, column), mark in sorted(cells.items()):
            if marked >= MAX_MARKS:
                return marked
            workbook.mark_cell(name, f"{column_letter(column - 1)}{row}", FILLS[mark.severity], _comment_text(mark))
            marked += 1
    return marked


# --- the log -------------------------------------------------------------------------------------

def log_path() -> Path:
    """Where unexpected errors are written: omxl-macros.log in the user's temporary folder (%TEMP% on
    Windows, $TMPDIR on macOS), which is always writable, even for a workbook opened from a read-only share."""
    return Path(tempfile.gettempdir()) / LOG_NAME


def write_log(workbook: Workbook, action: str | None, details: str) -> Path:
    path = log_path()
    try:
        name = book_name(workbook)
    except Exception:  # noqa: BLE001 - the workbook's path may be what failed (a web address xlwings cannot map)
        name = "the workbook (its file could not be found)"
    try:
        if path.exists() and path.stat().st_size > LOG_LIMIT:
            os.replace(path, path.with_suffix(".log.1"))
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {action or 'main'} in {name}\n{details}\n")
    except OSError:
        pass   # the status still says something went wrong; the details are lost, not the message
    return path


def _cosmetic(step: Callable[[], None]) -> None:
    """A step that only changes what the user sees (which sheet is in front) must not turn a finished run into a
    failed one."""
    try:
        step()
    except Exception:  # noqa: BLE001 - see docstring
        pass


