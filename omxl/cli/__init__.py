"""The `omxl` command. Each command turns options into arguments for one library call and renders its result;
OmxlError (an unreadable file, a bad setting, an output path that cannot be written) becomes a one-line
message and exit code 2. The steps' commands (validate, reconcile, reorder, weekly, notify, ...) are made from
omxl.steps.REGISTRY (omxl/cli/steps.py); read, demo, excel-setup and libreoffice-setup are not steps and are defined here.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table as RichTable

from .. import __version__, progress
from ..errors import NoTablesError, OutputError
from ..io.read import read_book
from ..io.save.atomic import check_destination
from ..steps import REGISTRY
from .common import (books_argument, check_write_back, checked_out, config_option, finish, format_option,
                     out_option, parse_date, password_option, quiet_option, reports_errors, stdout_console,
                     write_back_option)
from .steps import step_command

# omxl.demo.MAX_LINES (tests/test_cli_startup.py holds them equal), written out: importing omxl.demo for the
# --lines help would load the demo's generators and writers at the start of every command.
DEMO_MAX_LINES = 1_048_571


class StepsGroup(click.Group):
    """The command group: its own commands, and one command per step in omxl.steps.REGISTRY, read each time the
    commands are asked for (so a step registered at run time is a command too)."""

    @property
    def commands(self) -> dict[str, click.Command]:  # type: ignore[override]
        steps = {name: step_command(step) for name, step in REGISTRY.items() if name not in self.own_commands}
        return {**self.own_commands, **steps}

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self.own_commands = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self.own_commands[name or cmd.name] = cmd


@click.group(cls=StepsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="omxl")
@click.option("--quiet", "-q", "quiet", is_flag=True, default=False,
              help="No progress display on stderr, for every command (the same as each command's --quiet).")
def cli(quiet: bool) -> None:
    """omxl: order management from your Excel workbooks.

    Read order, inventory and supplier sheets (and shipments, purchase orders, returns and customers when
    present), check them against every rule, reconcile orders with shipments, stock, purchase orders and
    returns, and plan reorders with a purchase-order draft per supplier. Start with `omxl read BOOK`.

    Exit codes: 0 done, 1 done but the data has errors, 2 a file, setting or output path could not be used
    (one line says which and what to do).

    A run that takes over a second shows its steps on stderr while it works (on a terminal only, and not
    with --quiet); stdout is the same either way (docs/progress.md).
    """


@cli.command("read")
@books_argument
@config_option
@format_option("table", "json")
@out_option("the Tables, Sheets, Columns and Reading findings sheets",
            "the column mapping: every header found with its table, sheet, letter and omxl column")
@write_back_option
@password_option
@reports_errors
@quiet_option
def read_command(books: tuple[Path, ...], config: Path | None, output_format: str, out: str | None,
                 write_back: bool, password: str | None) -> None:
    """Show what omxl finds in BOOKS: tables, where, rows, and how headers map.

    Run this first on your own files. Several files merge into one book. Exit code 1 when reading found
    errors (as `validate` does), 0 otherwise, 2 when a file cannot be read or an output cannot be written.
    """
    out_path = checked_out(out, books, "read.xlsx")
    check_write_back(books, write_back)
    try:
        book = read_book(*books, config=config, password=password, progress=progress.current())
    except NoTablesError as nothing:
        # What was found is what the user needs to map their headers: show it before the message (exit 2).
        progress.current().done()
        if output_format != "json" and nothing.layout is not None:
            _print_sheets(nothing.layout)
            _print_columns(nothing.column_map)
        raise
    progress.current().done()
    if output_format == "json":
        payload = {
            "tables": book.tables_read().to_dict(orient="records"),
            "sheets": book.layout.astype(object).where(book.layout.notna(), None).to_dict(orient="records"),
            "columns": book.column_map.astype(object).where(book.column_map.notna(), None).to_dict(orient="records"),
            "findings": book.findings.groupby(["severity", "code"]).size().reset_index(name="count")
                                        .to_dict(orient="records"),
        }
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        _print_read(book)
    # The column mapping is read's main table for .csv/.json: it is what a person checks and fixes (aliases,
    # [columns]) before the first real run; the Tables sheet totals it per table (docs/presentation.md).
    finish(books, config=config, issues=book.findings, out=out_path, sheets=book.result_sheets(),
           table=book.column_map, write_back=write_back)


def _print_read(book: Any) -> None:
    _print_sheets(book.layout)
    tables = RichTable(title="Tables", title_justify="left")
    for head in ("table", "rows", "read from"):
        tables.add_column(head)
    for r in book.tables_read().itertuples():
        tables.add_row(r.table, f"{r.rows:,}", escape(r.read_from))
    stdout_console().print(tables)
    _print_columns(book.column_map)
    if len(book.findings):
        counts = book.findings.groupby(["severity", "code"])["count"].sum().reset_index()
        found = RichTable(title="Reading findings (omxl validate reports them all)", title_justify="left")
        for head in ("severity", "code", "count"):
            found.add_column(head)
        for r in counts.itertuples():
            found.add_row(r.severity, r.code, f"{r.count:,}")
        stdout_console().print(found)


def _print_sheets(layout: Any) -> None:
    sheets = RichTable(title="Sheets", title_justify="left")
    for head in ("file", "sheet", "table", "matched by", "header row", "rows", "note"):
        sheets.add_column(head)
    for r in layout.itertuples():
        sheets.add_row(escape(r.source), escape(r.sheet), r.table or "-", escape(r.matched_by) or "-",
                       "" if r.header_row is None or str(r.header_row) == "<NA>" else str(r.header_row),
                       "" if str(r.rows) == "<NA>" else f"{r.rows:,}", r.note)
    stdout_console().print(sheets)


def _print_columns(column_map: Any) -> None:
    columns = RichTable(title="Column mapping", title_justify="left")
    for head in ("table", "sheet", "col", "header as written", "omxl column"):
        columns.add_column(head)
    for r in column_map.itertuples():
        columns.add_row(r.table, escape(r.sheet or r.source), r.letter, escape(r.header),
                        r.column or "[yellow]not recognised[/]")
    stdout_console().print(columns)


def _fits_orders_sheet(_ctx: Any, _param: Any, lines: int) -> int:
    if lines > DEMO_MAX_LINES:
        raise click.BadParameter(f"{lines:,} lines do not fit on one Excel sheet: the Orders sheet holds at most "
                                 f"{DEMO_MAX_LINES:,} (1,048,576 rows less its title block, header and blank row).")
    return lines


@cli.command("demo")
@click.option("--out", "out", type=click.Path(), default="sample.xlsx", show_default=True, metavar="FILE.xlsx",
              help="Where to write the workbook: .xlsx only, since the sample is input for the other "
                   "commands, not a result.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed; same seed, same workbook.")
@click.option("--lines", type=click.IntRange(min=200), callback=_fits_orders_sheet, default=3000, show_default=True,
              help=f"Order lines, at most {DEMO_MAX_LINES:,} (they fill the Orders sheet).")
@click.option("--as-of", "as_of", callback=parse_date, default="2026-11-27", show_default=True,
              metavar="YYYY-MM-DD", help="The last day of the order history.")
@reports_errors
@quiet_option
def demo_command(out: str, seed: int, lines: int, as_of: dt.date) -> None:
    """Write a realistic sample workbook with all seven tables and deliberate defects."""
    target = check_destination(out, "sample.xlsx")
    if target.suffix.lower() != ".xlsx":
        raise OutputError(f"{out}: the sample is an Excel workbook; give a name ending in .xlsx, such as "
                          f"{target.with_suffix('.xlsx')}. Nothing was written.")
    from ..demo import write_demo
    progress.current().start(f"Writing {target.name}")
    path = write_demo(target, seed=seed, lines=lines, as_of=as_of)
    progress.current().done()
    stdout_console().print(f"Wrote {path} ({lines:,} order lines, seed {seed}, as of {as_of:%Y-%m-%d}).", highlight=False)


@cli.command("excel-setup")
@click.argument("book", type=click.Path(path_type=Path), metavar="BOOK.xlsx")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, metavar="BOOK.xlsm",
              help="Where to write the macro workbook (.xlsm only; it must not exist yet). Default: BOOK with "
                   "the suffix .xlsm, beside it.")
@click.option("--interpreter-win", "interpreter_win", default=None, metavar="PATH",
              help="The python.exe the buttons start on Windows (Interpreter_Win on the xlwings.conf sheet), "
                   "such as %USERPROFILE%\\omxl\\.venv\\Scripts\\python.exe. Default on Windows: this Python.")
@click.option("--interpreter-mac", "interpreter_mac", default=None, metavar="PATH",
              help="The python the buttons start on macOS (Interpreter_Mac), such as $HOME/omxl/.venv/bin/python. "
                   "Default on macOS: this Python.")
@click.option("--no-interpreter", "no_interpreter", is_flag=True, default=False,
              help="Write no interpreter: the buttons use the one set in the xlwings add-in or its config file.")
@click.option("--entry-lists/--no-entry-lists", "entry_lists", default=True, show_default=True,
              help="Add drop-down lists and checks to the entry sheets: an order's SKU from the inventory sheet, "
                   "its customer from the customers sheet, suppliers and carriers from theirs, dates as dates, "
                   "quantities above 0 (docs/excel.md, Entry lists).")
@reports_errors
@quiet_option
def excel_setup_command(book: Path, out: Path | None, interpreter_win: str | None, interpreter_mac: str | None,
                        no_interpreter: bool, entry_lists: bool) -> None:
    """Make a macro workbook with omxl's buttons around your own workbook (docs/excel.md).

    Writes a copy of BOOK as .xlsm with the omxl sheet first (the action, as-of date and status cells and a
    button for each action; the workbook opens on it), the xlwings.conf sheet last with the Python the buttons
    start, and the VBA project the buttons run; BOOK itself and every one of its sheets stay as they are.
    """
    if no_interpreter and (interpreter_win or interpreter_mac):
        raise click.UsageError("--no-interpreter writes no interpreter; give --interpreter-win/--interpreter-mac "
                               "or --no-interpreter, not both.")
    progress.current().start(f"Writing {(out or book.with_suffix('.xlsm')).name}")
    from ..excel.macrobook import excel_setup, interpreter_settings   # openpyxl: this command's alone
    path = excel_setup(book, out=out, interpreter_win=interpreter_win, interpreter_mac=interpreter_mac,
                       interpreter=not no_interpreter, entry_lists=entry_lists)
    progress.current().done()
    stdout_console().print(f"Wrote {path}: your sheets, the omxl sheet with its buttons first, and the xlwings.conf "
                           "sheet last. Open it in Excel and press a button (docs/excel.md).", highlight=False)
    for key, value in interpreter_settings(interpreter_win=interpreter_win, interpreter_mac=interpreter_mac,
                                           interpreter=not no_interpreter):
        stdout_console().print(f"xlwings.conf: {key} {value}", highlight=False, markup=False, soft_wrap=True)


@cli.command("libreoffice-setup")
@click.argument("book", type=click.Path(path_type=Path), metavar="BOOK")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, metavar="BOOK.ods",
              help="Where to write the LibreOffice workbook (.ods only; it must not exist yet). Default: BOOK with "
                   "the suffix .ods, beside it.")
@reports_errors
@quiet_option
def libreoffice_setup_command(book: Path, out: Path | None) -> None:
    """Make a LibreOffice Calc workbook with omxl's buttons around your own workbook (docs/libreoffice.md).

    Opens BOOK (.xlsx, .xlsm, .xls or .ods) in LibreOffice, headless, and writes a copy as .ods with the omxl
    sheet first (the action, as-of date and status cells and a button for each action; the workbook opens on it)
    and the Python script the buttons run, which finds omxl in this Python environment. BOOK itself is only read.
    Needs LibreOffice with its Python script provider on this computer.
    """
    target = out or book.with_suffix(".ods")
    progress.current().start(f"Writing {target.name} in LibreOffice")
    from ..excel.odsbook import libreoffice_setup
    path = libreoffice_setup(book, out=out)
    progress.current().done()
    stdout_console().print(f"Wrote {path}: your sheets, and the omxl sheet with its buttons first. Open it in "
                           "LibreOffice Calc, allow its macros, and press a button (docs/libreoffice.md).",
                           highlight=False, soft_wrap=True)


def main() -> None:
    try:
        cli(prog_name="omxl")
    finally:   # the process ends here: its last garbage collection need not walk everything the run made
        gc.freeze()


if __name__ == "__main__":
    main()
