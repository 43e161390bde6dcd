"""What a step is (contract section 3): its definition as data, and the protocol every result satisfies.

A definition names everything the front doors need to offer the step (its command, options, button, Summary
title, the sheets it writes) and points at the code that runs it by a `module:attribute` reference, resolved
when it is used, as entry points are. So the registry is data that every layer can read (the Summary reads its
titles, the Control sheet its buttons) without the registry loading the code of any step.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any, Callable, Protocol, runtime_checkable

import pandas as pd

def resolve(ref: "Callable[..., Any] | str | None") -> Any:
    """The object a reference names (`module:attribute`); a callable is its own reference; None stays None."""
    if ref is None or not isinstance(ref, str):
        return ref
    module, _, attribute = ref.partition(":")
    target: Any = importlib.import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


@runtime_checkable
class Result(Protocol):
    """What every step returns (omxl.steps.run_step), and all that presentation needs of it.

    figures          the headline numbers as data: one row per figure (FIGURE_COLUMNS), money one row per
                     currency; the Summary sheet, the command line and the buttons' status show them
    findings         the findings of the run (omxl/findings.py): the rows it left out and the mismatches it found
    result_sheets()  the sheets it writes (--out .xlsx, --write-back, the buttons), the Summary first
    _repr_html_()    how a notebook shows it
    """

    @property
    def figures(self) -> pd.DataFrame: ...

    @property
    def findings(self) -> pd.DataFrame: ...

    def result_sheets(self) -> dict[str, object]: ...

    def _repr_html_(self) -> str: ...


# The columns of `Result.figures`: what the figure says, its value, the number format it is shown in (None for
# text), its unit or currency, and a note.
FIGURE_COLUMNS = ("label", "value", "format", "unit", "note")


def figures_frame(rows: list[tuple[str, object, "str | None", str, str]]) -> pd.DataFrame:
    """`rows` of (label, value, format, unit, note) as a figures frame; values keep their Python types."""
    frame = pd.DataFrame(rows, columns=list(FIGURE_COLUMNS), dtype=object)
    return frame if len(rows) else pd.DataFrame({c: pd.Series([], dtype=object) for c in FIGURE_COLUMNS})


@dataclasses.dataclass(frozen=True)
class Option:
    """A command-line option a step takes beyond the common ones (books, --config, --as-of, --password, --out,
    --write-back, --quiet). `to_step`: passed to the step's function under `name`; otherwise it is for the
    command's own hooks (where to write drafts, whom to mail).

    kind: "flag", "text", "path", "date" (YYYY-MM-DD, read as --as-of is), "int" or "float" (`low`/`high` bound
    it, open at both ends for floats), or "choice" (one of `choices`)."""

    name: str
    flags: tuple[str, ...]
    help: str
    kind: str = "text"
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    multiple: bool = False
    required: bool = False
    show_default: bool = False
    envvar: str | None = None
    to_step: bool = False


@dataclasses.dataclass(frozen=True)
class Output:
    """What `--out` writes for a step: `workbook` says which sheets the .xlsx holds, `table` what the .csv and
    .json hold (the result's attribute `table_of` names that table), `example` a file name for messages.

    `document`: reference to `(result, path)` writing the .xlsx itself, for a step whose workbook is a document
    of its own (dispatch's print-ready pick lists) rather than its result sheets; None: the result sheets."""

    example: str
    workbook: str
    table: str
    table_of: str
    document: "Callable[..., Any] | str | None" = None


@dataclasses.dataclass(frozen=True)
class Step:
    """One step: the unit of omxl's work, offered by every front door from this definition alone.

    name        the command, the registry key, the macro (`omxl.macros.<name>()`) and the Control sheet's action
    function    reference to `(book, *, as_of, config, **options) -> Result` (book: a Book or a Position)
    result      reference to the result's type
    help        the command's help: first line the summary, then the details (exit codes and so on)
    title       the Summary sheet's title ("Order status as of 2026-11-27") and the notebook's heading
    needs       the tables it reads from the position
    sheets      the result sheets it writes, in order (the Summary first)
    sheets_if   (sheet, table) pairs: sheets of `sheets` written only when the book has that table (Billing:
                invoices); the others are always written
    legend      the row fills its sheets use, in the Summary's legend (presentation.sheets.FILLS names)
    progress    what the progress display says while it runs
    prepares    False for a step that works on the book as read (validate): the others start from a Position
    options     command-line options beyond the common ones
    output      what --out writes (None: the step has no --out)
    mark        offers --mark (a marked copy of the workbook)
    many        offers the options of books of several units (--by-unit, --unit-from, --workers, --scheduler:
                omxl.consolidate, contract 4.9); a step function with a `by_unit` argument gets --by-unit
    write_back  offers --write-back
    button      the button's caption; None: no button, no Control sheet action and no macro
    instruction the Control sheet's line saying what the button does
    show        reference to `(result, console, options)`: what the command prints (default: the figures)
    command     reference to the command's hooks (omxl/cli/hooks.py `CommandHooks`): checks before reading, the
                arguments only the command knows (a history beside the output), what it writes besides
    macro       reference to the button's hooks (omxl/excel/buttons.py `ButtonHooks`): its arguments, its
                status sentence, what it does after writing the result sheets
    """

    name: str
    function: "Callable[..., Any] | str"
    result: "type | str"
    help: str
    title: str
    needs: tuple[str, ...] = ("orders",)
    sheets: tuple[str, ...] = ()
    sheets_if: tuple[tuple[str, str], ...] = ()
    legend: tuple[str, ...] = ()
    progress: str = ""
    prepares: bool = True
    options: tuple[Option, ...] = ()
    output: Output | None = None
    mark: bool = False
    write_back: bool = True
    many: bool = False
    button: str | None = None
    instruction: str = ""
    show: "Callable[..., Any] | str | None" = None
    command: "Any | str | None" = None
    macro: "Any | str | None" = None

    def sheets_for(self, tables: "set[str] | frozenset[str]") -> tuple[str, ...]:
        """The sheets it writes for a book with `tables`: `sheets` without those whose table is missing."""
        needed = dict(self.sheets_if)
        return tuple(name for name in self.sheets if needed.get(name, None) in (None, *tables))

    @property
    def summary_line(self) -> str:
        """The first line of the help: the command's one-line description."""
        return " ".join(self.help.strip().split("\n\n")[0].split())

    def run(self, book: object, *, as_of: object = None, config: object = None, **options: Any) -> Any:
        """The step's function on `book` (a Book or a Position)."""
        return resolve(self.function)(book, as_of=as_of, config=config, **options)


# --smtp and --from, for every step that sends mail (weekly --mail-to, notify --send).
MAIL_OPTIONS = (
    Option("smtp", ("--smtp",), "SMTP server to send through (default: host and port under [smtp] in the settings; "
           "docs/email.md).", metavar="HOST:PORT"),
    Option("sender", ("--from",), "From address of the mail (default: sender under [smtp] in the settings).",
           metavar="ADDRESS"),
)
