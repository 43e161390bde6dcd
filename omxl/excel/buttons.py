"""What each step's button does beyond the run every button shares (omxl/excel/macros.py): the arguments only the
workbook knows, the status sentence, and what happens after the result sheets are written. A step's
definition names its hooks (`Step.macro`); a step without them gets the plain ones: no extra arguments, and a
status made of its headline figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..config import Config
from ..errors import OmxlError
from ..presentation.notebook import figure_text
from ..reporting.history import history_for
from ..steps import REGISTRY
from .interface import Workbook


# Marking is one call into Excel per cell: past this many cells a run would keep the user waiting for
# minutes, and the Issues list has them all anyway.
MAX_MARKS = 2_000


class ButtonHooks:
    """The plain button: the step runs with no arguments of its own, and the status lists its headline figures."""

    def arguments(self, workbook: Workbook, config: Config) -> dict[str, Any]:
        return {}

    def status(self, result: Any, *, as_of: dt.date, written: list[str], marked: int) -> str:
        figures = "; ".join(f"{label}: {figure_text(value, num_format, unit)}"
                            for label, value, num_format, unit, _ in result.figures.itertuples(index=False))
        return (f"{REGISTRY[result.step].title} as of {as_of:%Y-%m-%d}: {figures}. {marked_text(marked)}"
                f"See '{written[0]}'.")

    def after(self, workbook: Workbook, result: Any, text: str) -> str:
        return text


class ValidateButton(ButtonHooks):
    def status(self, result: Any, *, as_of: dt.date, written: list[str], marked: int) -> str:
        return (f"Checked as of {as_of:%Y-%m-%d}: {counts_text(result.issues)}. {marked_text(marked)}See "
                f"'{written[-1]}' for the list and '{written[0]}' for the overview.")


class ReconcileButton(ButtonHooks):
    def status(self, result: Any, *, as_of: dt.date, written: list[str], marked: int) -> str:
        if not result.orders_known:
            # A purchasing book: what it was reconciled for is its purchase orders (the Summary's PO rows).
            (open_po, overdue_po), found = result.po_line_counts(), len(result.exceptions)
            return (f"Reconciled as of {as_of:%Y-%m-%d}: no orders table (a purchasing book), so purchase orders "
                    f"and stock only: {open_po:,} open PO {'line' if open_po == 1 else 'lines'}, "
                    f"{overdue_po:,} overdue; {found:,} {'exception' if found == 1 else 'exceptions'}. "
                    f"{marked_text(marked)}See '{written[0]}'.")
        open_lines = result.open_lines()
        late, at_risk = int(open_lines["late"].fillna(False).sum()), int(open_lines["at_risk"].fillna(False).sum())
        return (f"Reconciled as of {as_of:%Y-%m-%d}: {len(open_lines):,} open lines, {late:,} late, {at_risk:,} at "
                f"risk; {len(result.exceptions):,} exceptions. {marked_text(marked)}See '{written[1]}'.")


class ReorderButton(ButtonHooks):
    def status(self, result: Any, *, as_of: dt.date, written: list[str], marked: int) -> str:
        return f"{result.summary} {marked_text(marked)}See '{written[1]}'."


class WeeklyButton(ButtonHooks):
    """The weekly report's sheets go into the open workbook; the full report (the template with its charts) is
    saved beside the workbook file, and the run recorded in the run history there (the `history` setting wins),
    as `omxl weekly` does beside what it writes."""

    def arguments(self, workbook: Workbook, config: Config) -> dict[str, Any]:
        return {"history": history_for(None, config, beside=workbook.path())}

    def status(self, result: Any, *, as_of: dt.date, written: list[str], marked: int) -> str:
        compared = (f"compared with the run of {result.previous_as_of:%Y-%m-%d}"
                    if result.previous_as_of is not None else "no earlier run to compare with")
        return (f"Weekly report {result.iso_week} as of {as_of:%Y-%m-%d} ({compared}): {result.data_quality} "
                f"{marked_text(marked)}See '{written[0]}'.")

    def after(self, workbook: Workbook, result: Any, text: str) -> str:
        path = workbook.path()
        if path is None:
            return text + " Save the workbook to also get the full report file beside it and a run history."
        target = path.parent / result.default_name
        try:
            result.save(target)
        except OmxlError as exc:
            return f"{text} The full report could not be saved: {exc}"
        return f"{text} The full report with its charts is saved as {target}."


class DispatchButton(ButtonHooks):
    """The pick list sheets go into the open workbook; the print-ready pick lists (a sheet per location, the
    manifests, the packing slips: what `omxl dispatch --out` writes) are saved beside the workbook file as
    "Pick lists <as-of>.xlsx", to print."""

    def status(self, result: Any, *, as_of: dt.date, written: list[str], marked: int) -> str:
        return f"{result.summary} {marked_text(marked)}See '{written[0]}'."

    def after(self, workbook: Workbook, result: Any, text: str) -> str:
        if not len(result.picks):
            return text
        path = workbook.path()
        if path is None:
            return text + " Save the workbook to also get the print-ready pick lists saved beside it."
        target = path.parent / pick_lists_name(result.as_of)
        try:
            result.save(target)
        except OmxlError as exc:
            return f"{text} The print-ready pick lists could not be saved: {exc}"
        return f"{text} The print-ready pick lists are saved as {target}."


def pick_lists_name(as_of: dt.date) -> str:
    """The file the Dispatch button saves beside the workbook: one a day, so the day's lists replace a run
    earlier that day and keep other days'."""
    return f"Pick lists {as_of:%Y-%m-%d}.xlsx"


PLAIN = ButtonHooks()
VALIDATE = ValidateButton()
RECONCILE = ReconcileButton()
REORDER = ReorderButton()
WEEKLY = WeeklyButton()
DISPATCH = DispatchButton()


def counts_text(issues: pd.DataFrame) -> str:
    errors = int(issues["severity"].eq("error").sum())
    warnings = int(issues["severity"].eq("warning").sum())
    return f"{errors:,} error{'s' if errors != 1 else ''} and {warnings:,} warning{'s' if warnings != 1 else ''}"


def marked_text(count: int) -> str:
    if count == 0:
        return ""
    more = f" (the first {MAX_MARKS:,}; the list has them all)" if count >= MAX_MARKS else ""
    return (f"{count:,} cell{'s' if count != 1 else ''} marked{more}: red for errors, yellow for warnings, "
            "the note says why. ")
