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

from .config import Config, load_config
from .errors import OmxlError
from .excel.grids import CONTROL_SHEET, book_name, read_open_book
from .excel.interface import SheetExistsError, Workbook
from .excel.layout import literal, sheet_layout
from .findings import concat_findings

ACTION_CELL, AS_OF_CELL, STATUS_CELL = "B2", "B3", "B4"
ACTIONS = ("validate", "reconcile", "reorder", "weekly")
# Marking is one call into Excel per cell: past this many cells a run would keep the user waiting for
# minutes, and the Issues list has them all anyway.
MAX_MARKS = 2_000
LOG_NAME = "omxl-macros.log"
LOG_LIMIT = 1_000_000   # bytes; the log is started afresh (the old one kept as .1) past this size
TITLE = "omxl"


# --- the buttons ---------------------------------------------------------------------------------

def validate(workbook: Workbook | None = None) -> None:
    """Check every sheet against the rules: findings' cells marked, the Summary and the Issues list written."""
    _run("validate", workbook)


def reconcile(workbook: Workbook | None = None) -> None:
    """Reconcile orders with shipments, stock, POs and returns: Order Status and the other result sheets."""
    _run("reconcile", workbook)


def reorder(workbook: Workbook | None = None) -> None:
    """Plan reorders: the Reorder List and one row per purchase-order draft."""
    _run("reorder", workbook)


def weekly(workbook: Workbook | None = None) -> None:
    """The weekly status report's sheets (docs/weekly-report.md)."""
    _run("weekly", workbook)


def main(workbook: Workbook | None = None) -> None:
    """Run the action chosen in B2 of the Control sheet (validate, reconcile, reorder or weekly)."""
    _run(None, workbook)


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
        done = STEPS[action](book, as_of=as_of, config=config)
        status.show(done)
    except OmxlError as exc:   # no orders table, a bad setting, a user's sheet in the way, ...: said in words
        status.show(str(exc), error=True)
    except Exception:  # noqa: BLE001 - the last line of defence: the user sees words, the log the details
        log = write_log(book, action, traceback.format_exc())
        status.show(f"omxl could not finish {action or 'the action'}: something unexpected went wrong "
                    f"(details in {log}). Send that file to whoever looks after omxl.", error=True)


def _caller() -> Workbook:
    """The workbook whose button was pressed (xlwings' Book.caller())."""
    from .excel.xlwings_adapter import XlwingsWorkbook

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
        if word in ACTIONS:
            return word
        if self.sheet is None:
            raise ActionError("The action to run is read from B2 of a sheet named 'omxl', and this workbook has "
                              "none. Add that sheet with the action in B2, or press a button that runs one action.")
        what = "is blank" if not word else f"holds '{found}', which is not an action"
        raise ActionError(f"B2 of the '{self.sheet}' sheet {what}. Choose one of: {', '.join(ACTIONS)}; then "
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
    """B3 as a date: blank is today; a date cell; a number (a date cell formatted as a number, Excel's serial);
    ISO text ('2026-11-27'). None when it is none of these."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return dt.date.today()
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


# --- the actions ---------------------------------------------------------------------------------

def _validate(workbook: Workbook, *, as_of: dt.date, config: Config) -> str:
    from .presentation.summary import SUMMARY, validation_summary
    from .validation import issues_sheet, validate as validate_book

    book = read_open_book(workbook, config=config)
    issues = validate_book(book, as_of=as_of)
    sheets = {"Issues": issues_sheet(issues, labels=config.labels)}
    written = write_results(workbook, {SUMMARY: validation_summary(book, issues, as_of=as_of, sheets=sheets),
                                       **sheets}, config)
    marked = mark_findings(workbook, issues)
    return (f"Checked as of {as_of:%Y-%m-%d}: {_counts(issues)}. {_marked(marked)}See '{written[-1]}' for the "
            f"list and '{written[0]}' for the overview.")


def _reconcile(workbook: Workbook, *, as_of: dt.date, config: Config) -> str:
    from .position import prepare
    from .reconciliation import reconcile as reconcile_position

    rec = reconcile_position(prepare(read_open_book(workbook, config=config), as_of=as_of))
    written = write_results(workbook, rec.result_sheets(), config)
    marked = mark_findings(workbook, concat_findings([rec.issues, rec.exceptions]))
    open_lines = rec.open_lines()
    late, at_risk = int(open_lines["late"].fillna(False).sum()), int(open_lines["at_risk"].fillna(False).sum())
    return (f"Reconciled as of {as_of:%Y-%m-%d}: {len(open_lines):,} open lines, {late:,} late, {at_risk:,} at "
            f"risk; {len(rec.exceptions):,} exceptions. {_marked(marked)}See '{written[1]}'.")


def _reorder(workbook: Workbook, *, as_of: dt.date, config: Config) -> str:
    from .planning import plan_reorders
    from .position import prepare

    plan = plan_reorders(prepare(read_open_book(workbook, config=config), as_of=as_of))
    written = write_results(workbook, plan.result_sheets(), config)
    marked = mark_findings(workbook, plan.issues)
    return f"{plan.summary} {_marked(marked)}See '{written[1]}'."


def _weekly(workbook: Workbook, *, as_of: dt.date, config: Config) -> str:
    """The weekly report's sheets into the open workbook; the full report (the template with its charts) saved
    beside the workbook file, and the run recorded in the run history there (the `history` setting wins), as
    `omxl weekly` does beside what it writes."""
    from .position import prepare
    from .reporting.history import history_for
    from .reporting.weekly import weekly_report

    position = prepare(read_open_book(workbook, config=config), as_of=as_of)
    path = workbook.path()
    store = history_for(None, config, beside=path)
    report = weekly_report(position, history=store)
    written = write_results(workbook, report.result_sheets(), config)
    marked = mark_findings(workbook, position.issues)
    compared = (f"compared with the run of {report.previous_as_of:%Y-%m-%d}" if report.previous_as_of is not None
                else "no earlier run to compare with")
    head = (f"Weekly report {report.iso_week} as of {as_of:%Y-%m-%d} ({compared}): {report.data_quality} "
            f"{_marked(marked)}See '{written[0]}'.")
    if path is None:
        return head + " Save the workbook to also get the full report file beside it and a run history."
    target = path.parent / report.default_name
    try:
        report.save(target)
    except OmxlError as exc:
        return f"{head} The full report could not be saved: {exc}"
    return f"{head} The full report with its charts is saved as {target}."


STEPS: dict[str, Callable[..., str]] = {"validate": _validate, "reconcile": _reconcile, "reorder": _reorder,
                                        "weekly": _weekly}


# --- writing into the open workbook ---------------------------------------------------------------

def write_results(workbook: Workbook, sheets: Mapping[str, Any], config: Config) -> list[str]:
    """Write result sheets (ResultSheet or FreeSheet) under omxl's names (sheet_prefix + name), links between
    them following the names. Returns the names written, in order."""
    from .io.xlsx.writeback import sheet_name, with_links_renamed

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
    from .io.address import column_letter
    # The marks and note texts of `validate --mark`, so a marked cell reads the same in both.
    from .io.xlsx.mark import FILLS, _collect, _comment_text

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


def _counts(issues: pd.DataFrame) -> str:
    errors = int(issues["severity"].eq("error").sum())
    warnings = int(issues["severity"].eq("warning").sum())
    return f"{errors:,} error{'s' if errors != 1 else ''} and {warnings:,} warning{'s' if warnings != 1 else ''}"


def _marked(count: int) -> str:
    if count == 0:
        return ""
    more = f" (the first {MAX_MARKS:,}; the list has them all)" if count >= MAX_MARKS else ""
    return (f"{count:,} cell{'s' if count != 1 else ''} marked{more}: red for errors, yellow for warnings, "
            "the note says why. ")


# --- the log -------------------------------------------------------------------------------------

def log_path() -> Path:
    """Where unexpected errors are written: omxl-macros.log in the user's temporary folder (%TEMP% on
    Windows, $TMPDIR on macOS), which is always writable, even for a workbook opened from a read-only share."""
    return Path(tempfile.gettempdir()) / LOG_NAME


def write_log(workbook: Workbook, action: str | None, details: str) -> Path:
    path = log_path()
    try:
        if path.exists() and path.stat().st_size > LOG_LIMIT:
            os.replace(path, path.with_suffix(".log.1"))
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {action or 'main'} in {book_name(workbook)}\n"
                      f"{details}\n")
    except OSError:
        pass   # the status still says something went wrong; the details are lost, not the message
    return path


__all__ = ["validate", "reconcile", "reorder", "weekly", "main"]
