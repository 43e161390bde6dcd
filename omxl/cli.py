"""The `omxl` command. Each command turns options into arguments for one library call
and renders its result; OmxlError (an unreadable file, a bad setting, an output path
that cannot be written) becomes a one-line message and exit code 2.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.table import Table as RichTable
from rich.markup import escape
from rich.text import Text

from . import __version__, progress
from .errors import OmxlError, OutputError

OUT_SUFFIXES = (".xlsx", ".csv", ".json")


def stdout_console() -> Console:
    """Made per call so that COLUMNS and the current stdout (also under test runners) are honoured."""
    return Console(soft_wrap=True)


def stderr_console() -> Console:
    return Console(stderr=True, soft_wrap=True)


# --- shared options, defined once ------------------------------------------------------------

def books_argument(func: Callable) -> Callable:
    return click.argument("books", nargs=-1, required=True, type=click.Path(path_type=Path))(func)


def password_option(func: Callable) -> Callable:
    """One --password for every command that reads workbooks; OMXL_PASSWORD keeps it out of shell history."""
    return click.option("--password", "password", default=None, envvar="OMXL_PASSWORD", show_envvar=True,
                        help="Password of a password-protected workbook (or set OMXL_PASSWORD).")(func)


def config_option(func: Callable) -> Callable:
    return click.option("--config", "config", type=click.Path(path_type=Path), default=None,
                        help="Settings file (default: omxl.toml beside the first workbook).")(func)


def format_option(*choices: str) -> Callable[[Callable], Callable]:
    def decorate(func: Callable) -> Callable:
        return click.option("--format", "output_format", type=click.Choice(list(choices)), default=choices[0],
                            show_default=True, help="How to print the result.")(func)
    return decorate


def out_option(workbook: str, table: str) -> Callable[[Callable], Callable]:
    """--out FILE, kept as typed (a trailing slash says 'folder'); checked by checked_out, written by finish."""
    def decorate(func: Callable) -> Callable:
        return click.option("--out", "out", type=click.Path(), default=None, metavar="FILE",
                            help=f"Also save the result to FILE, in the format its extension names: .xlsx a "
                                 f"workbook with {workbook}; .csv or .json {table} (JSON as a list of "
                                 "records).")(func)
    return decorate


def parse_date(_ctx: Any, _param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write it as YYYY-MM-DD (e.g. 2026-11-27).")


def as_of_option(func: Callable) -> Callable:
    return click.option("--as-of", "as_of", callback=parse_date, default=None, metavar="YYYY-MM-DD",
                        help="The day the run is for (default: today).")(func)


def mark_option(func: Callable) -> Callable:
    return click.option("--mark", "mark", type=click.Path(), default=None, metavar="OUT.xlsx",
                        help="Write a copy of the workbook with the cell of every finding filled and commented, "
                             "and an Issues sheet whose cell references jump to them (.xlsx, or .xlsm for a "
                             "workbook with macros). The workbook itself is not changed.")(func)


def write_back_option(func: Callable) -> Callable:
    return click.option("--write-back", "write_back", is_flag=True, default=False,
                        help="Also write the result sheets into the source workbook (.xlsx/.xlsm), keeping "
                             "everything else in it as it was and a backup in omxl-backups/.")(func)


def quiet_option(func: Callable) -> Callable:
    """--quiet/-q on every command (and before it, `omxl -q ...`): no progress display. The command runs
    inside progress.steps, innermost (below reports_errors), so the display is off the screen before an
    error message is printed."""
    @functools.wraps(func)
    def wrapper(*args: Any, quiet: bool = False, **kwargs: Any) -> Any:
        quiet = quiet or bool(click.get_current_context().find_root().params.get("quiet"))
        with progress.steps(enabled=not quiet):
            return func(*args, **kwargs)
    return click.option("--quiet", "-q", "quiet", is_flag=True, default=False,
                        help="No progress display on stderr (shown only on a terminal, once a run takes over a "
                             "second; docs/progress.md).")(wrapper)


def check_write_back(books: tuple[Path, ...], write_back: bool) -> None:
    """Before any work: --write-back needs exactly one workbook to write into."""
    if write_back and len(books) != 1:
        raise click.UsageError("--write-back needs exactly one workbook to write into; this run read "
                               f"{len(books)} files.")


def write_back_into(books: tuple[Path, ...], sheets: dict, config: Path | None) -> None:
    """The --write-back pattern shared by every command: one workbook source gets the result sheets."""
    from .io.xlsx.writeback import sheet_name, write_back
    from .config import load_config

    check_write_back(books, True)
    progress.current().start(f"Writing into {books[0].name}")
    write_back(books[0], sheets, config=config)
    progress.current().done()
    prefix = load_config(config, near=books[0]).sheet_prefix
    names = ", ".join(f"'{sheet_name(prefix, name)}'" for name in sheets)
    stderr_console().print(f"Wrote {names} into {books[0]} (backup in omxl-backups/).", highlight=False)


def reports_errors(func: Callable) -> Callable:
    """OmxlError -> its message on stderr and exit 2; anything else -> a short internal-error line."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OmxlError as exc:
            stderr_console().print(Text.assemble(("omxl:", "bold red"), f" {exc}"), highlight=False)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence for the user's screen
            if os.environ.get("OMXL_DEBUG"):
                raise
            stderr_console().print(Text.assemble(("omxl: internal error:", "bold red"),
                                            f" {type(exc).__name__}: {exc}. Run again with OMXL_DEBUG=1 "
                                            "for details and report it."), highlight=False)
            sys.exit(3)
    return wrapper


# --- commands ----------------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    from .io.read import read_book

    out_path = checked_out(out, books, "read.xlsx")
    check_write_back(books, write_back)
    book = read_book(*books, config=config, password=password, progress=progress.current())
    progress.current().done()
    if output_format == "json":
        payload = {
            "tables": book.summary().to_dict(orient="records"),
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
    sheets = RichTable(title="Sheets", title_justify="left")
    for head in ("file", "sheet", "table", "matched by", "header row", "rows", "note"):
        sheets.add_column(head)
    for r in book.layout.itertuples():
        sheets.add_row(escape(r.source), escape(r.sheet), r.table or "-", escape(r.matched_by) or "-",
                       "" if r.header_row is None or str(r.header_row) == "<NA>" else str(r.header_row),
                       "" if str(r.rows) == "<NA>" else f"{r.rows:,}", r.note)
    stdout_console().print(sheets)
    tables = RichTable(title="Tables", title_justify="left")
    for head in ("table", "rows", "read from"):
        tables.add_column(head)
    for r in book.summary().itertuples():
        tables.add_row(r.table, f"{r.rows:,}", escape(r.read_from))
    stdout_console().print(tables)
    columns = RichTable(title="Column mapping", title_justify="left")
    for head in ("table", "sheet", "col", "header as written", "omxl column"):
        columns.add_column(head)
    for r in book.column_map.itertuples():
        columns.add_row(r.table, escape(r.sheet or r.source), r.letter, escape(r.header),
                        r.column or "[yellow]not recognised[/]")
    stdout_console().print(columns)
    if len(book.findings):
        counts = book.findings.groupby(["severity", "code"])["count"].sum().reset_index()
        found = RichTable(title="Reading findings (omxl validate reports them all)", title_justify="left")
        for head in ("severity", "code", "count"):
            found.add_column(head)
        for r in counts.itertuples():
            found.add_row(r.severity, r.code, f"{r.count:,}")
        stdout_console().print(found)


@cli.command("validate")
@books_argument
@config_option
@as_of_option
@format_option("table", "csv", "json")
@out_option("a Summary and an Issues sheet", "the issues")
@mark_option
@write_back_option
@click.option("--limit", type=click.IntRange(min=0), default=25, show_default=True,
              help="How many issues the table shows (the --out file has all).")
@password_option
@reports_errors
@quiet_option
def validate_command(books: tuple[Path, ...], config: Path | None, as_of: dt.date | None, output_format: str,
                     out: str | None, mark: str | None, write_back: bool, limit: int,
                     password: str | None) -> None:
    """Check BOOKS against every rule; list each issue with its cell.

    Exit code 1 when there are errors, 0 when there are none, 2 when a file cannot be read or an output
    cannot be written.
    """
    from .io.read import read_book
    from .validation import issues_sheet, validate

    out_path = checked_out(out, books, "issues.xlsx")
    mark_path = checked_mark(mark, books)
    check_write_back(books, write_back)
    book = read_book(*books, config=config, password=password, progress=progress.current())
    progress.current().start("Validating")
    issues = validate(book, as_of=as_of)
    progress.current().done()
    if output_format == "table":
        _print_issues(issues, limit)
    elif output_format == "csv":
        from .io.safety import csv_safe

        click.echo(csv_safe(issues).to_csv(index=False), nl=False)
    else:
        from .io.save.write import json_records

        click.echo(json.dumps(json_records(issues), indent=2))
    labels = book.config.labels
    write_marked_copy(books, mark_path, issues, config, labels=labels)
    from .presentation.summary import SUMMARY, validation_summary

    # The same labelled Issues sheet in the --out workbook (no source sheets to link to, so no links), the
    # marked copy and the write-back; the --out workbook and the write-back start with the Summary.
    sheets = {"Issues": issues_sheet(issues, labels=labels, links=False)}
    back = {"Issues": issues_sheet(issues, labels=labels)}
    finish(books, config=config, issues=issues, out=out_path,
           sheets={SUMMARY: validation_summary(book, issues, as_of=as_of, sheets=sheets), **sheets}, table=issues,
           write_back=write_back,
           back_sheets={SUMMARY: validation_summary(book, issues, as_of=as_of, sheets=back), **back})


def checked_mark(mark: str | None, books: tuple[Path, ...]) -> Path | None:
    """--mark, checked before any work is done: one workbook to copy, a destination omxl can write."""
    from .io.save.atomic import check_destination, check_writable

    if mark is None:
        return None
    if len(books) != 1:
        raise click.UsageError(f"--mark needs exactly one workbook; this run read {len(books)} files.")
    mark_path = check_destination(mark, "checked.xlsx")
    check_writable(mark_path)
    return mark_path


def write_marked_copy(books: tuple[Path, ...], mark_path: Path | None, findings: Any, config: Path | None,
                      labels: dict | None = None) -> None:
    """The --mark copy: every finding's cell filled and commented, and the Issues sheet linking to them."""
    if mark_path is None:
        return
    from .io.xlsx.mark import mark_workbook
    from .validation import issues_sheet

    progress.current().start(f"Writing {mark_path.name}")
    mark_workbook(books[0], mark_path, findings, issues_sheet(findings, labels=labels), config=config)
    progress.current().done()
    stderr_console().print(f"Wrote {mark_path} (a marked copy of {books[0].name}).", highlight=False)


def checked_out(out: str | None, books: tuple[Path, ...], example: str) -> Path | None:
    """--out, checked before any work is done: not a folder, an extension omxl writes (OUT_SUFFIXES), an
    existing folder, and not one of the files the run reads. OutputError (exit 2, one line) otherwise."""
    from .io.save.atomic import check_destination, check_writable, same_file

    if out is None:
        return None
    separators = tuple(s for s in (os.sep, os.altsep, "/") if s)
    if out and not out.endswith(separators) and not os.path.isdir(out):
        path = Path(out)
        suffix = path.suffix.lower()
        if suffix not in OUT_SUFFIXES:
            refused = f", not {path.suffix}" if suffix else ""
            raise OutputError(f"{out}: --out writes a .xlsx, .csv or .json file, chosen by its extension"
                              f"{refused}; give a name such as {path.with_suffix('.xlsx')} or "
                              f"{path.with_suffix('.csv')}. Nothing was written.")
    path = check_destination(out, example)
    check_writable(path)
    for book in books:
        if same_file(path, book):
            raise OutputError(f"{out} is one of the files this run reads, and --out writes a new file; choose "
                              "another name (--write-back adds the result sheets to the workbook itself). "
                              "Nothing was written.")
    return path


def finish(books: tuple[Path, ...], *, config: Path | None, issues: Any, out: Path | None, sheets: dict,
           table: Any, write_back: bool, back_sheets: dict | None = None) -> None:
    """How every command that makes a result ends. --out in the format its extension names: .xlsx the result
    `sheets` as a new workbook, .csv the main `table` (formula-like text neutralised), .json that table as a
    list of records; --write-back puts `back_sheets` (default: `sheets`) into the source workbook; then exit
    1 when the data had errors, 0 otherwise."""
    from .io.save.write import save_csv, save_json, save_workbook
    from .validation import has_errors

    if out is not None:
        progress.current().start(f"Writing {out.name}")
        suffix = out.suffix.lower()
        if suffix == ".csv":
            save_csv(out, table)
        elif suffix == ".json":
            save_json(out, table)
        else:
            save_workbook(out, sheets)
        progress.current().done()
        stderr_console().print(f"Wrote {out}.", highlight=False)
    if write_back:
        write_back_into(books, back_sheets if back_sheets is not None else sheets, config)
    sys.exit(1 if has_errors(issues) else 0)


def _print_issues(issues: Any, limit: int) -> None:
    from .validation import summary

    counts = summary(issues)
    table = RichTable(title="Issues by code", title_justify="left")
    for head in ("severity", "code", "findings", "cells"):
        table.add_column(head)
    for r in counts.itertuples():
        table.add_row(r.severity, r.code, f"{r.findings:,}", f"{r.cells:,}")
    stdout_console().print(table)
    if issues.empty:
        stdout_console().print("No issues found.")
        return
    shown = issues.head(limit)
    detail = RichTable(title=f"First {len(shown)} of {len(issues):,} issues", title_justify="left")
    for head in ("severity", "code", "sheet", "cell", "value", "message"):
        detail.add_column(head, overflow="fold")
    for r in shown.itertuples():
        detail.add_row(r.severity, r.code, escape(r.sheet or r.source or ""), r.cell or "", escape(r.value or ""),
                       escape(r.message))
    stdout_console().print(detail)


@cli.command("reconcile")
@books_argument
@config_option
@as_of_option
@out_option("the Summary, Order Status, Closed Lines, Orders, Exceptions, Inventory and Returns sheets",
            "the order lines")
@mark_option
@write_back_option
@password_option
@reports_errors
@quiet_option
def reconcile_command(books: tuple[Path, ...], config: Path | None, as_of: dt.date | None, out: str | None,
                      mark: str | None, write_back: bool, password: str | None) -> None:
    """Reconcile orders with shipments, stock, purchase orders and returns: each line's status, its
    stock, when it can ship, what is late or at risk, and every mismatch.

    Exit code 1 when validation found errors (those rows are left out), 0 when not, 2 when a file cannot be
    read or an output cannot be written.
    """
    from .io.read import read_book
    from .position import prepare
    from .reconciliation import reconcile

    from .findings import concat_findings

    out_path = checked_out(out, books, "status.xlsx")
    mark_path = checked_mark(mark, books)
    check_write_back(books, write_back)
    # Prepared here, then reconciled (the same computation as reconcile(book)), so that the progress display
    # can name the two steps.
    book = read_book(*books, config=config, password=password, progress=progress.current())
    progress.current().start("Validating")
    position = prepare(book, as_of=as_of)
    progress.current().start("Reconciling")
    rec = reconcile(position)
    progress.current().done()
    _print_reconciliation(rec)
    write_marked_copy(books, mark_path, concat_findings([rec.issues, rec.exceptions]), config,
                      labels=book.config.labels)
    finish(books, config=config, issues=rec.issues, out=out_path, sheets=rec.result_sheets(), table=rec.lines,
           write_back=write_back)


def _print_reconciliation(rec: Any) -> None:
    lines = rec.lines
    status = RichTable(title=f"Order lines as of {rec.as_of:%Y-%m-%d}", title_justify="left")
    for head in ("status", "lines", "open qty"):
        status.add_column(head)
    counts = lines.groupby("status").agg(lines=("status", "size"), open_qty=("open_qty", "sum"))
    from .reconciliation import STATUS_RANK

    for name in STATUS_RANK:
        if name in counts.index:
            status.add_row(name, f"{counts.loc[name, 'lines']:,}", f"{counts.loc[name, 'open_qty']:,.0f}")
    stdout_console().print(status)
    stdout_console().print(f"Late lines: {int(lines['late'].sum()):,}   At risk: {int(lines['at_risk'].sum()):,}   "
                           f"Orders: {len(rec.orders):,}", highlight=False)
    from .money import totals, totals_text
    from .presentation.summary import open_values

    # Money per currency, never one sum across currencies (the Summary sheet shows the same figures).
    stdout_console().print(f"Open value: {totals_text(totals(*open_values(lines, rec.position)), missing='without a price')}",
                           highlight=False)
    if not rec.stock_judged:
        stdout_console().print("Stock not checked: the book has no inventory table, so no line is backordered, "
                               "allocated or at risk because of stock; open lines show as open.", highlight=False)
    if len(rec.exceptions):
        table = RichTable(title="Exceptions", title_justify="left")
        for head in ("code", "severity", "count"):
            table.add_column(head)
        for (code, severity), n in rec.exceptions.groupby(["code", "severity"], sort=False).size().items():
            table.add_row(code, severity, f"{n:,}")
        stdout_console().print(table)
    left = rec.left_out[rec.left_out["rows_left_out"] > 0]
    if len(left):
        stdout_console().print("Rows left out because of errors (run omxl validate to see them): " + ", ".join(
            f"{r.table} {r.rows_left_out:,}" for r in left.itertuples()), highlight=False)


@cli.command("reorder")
@books_argument
@config_option
@as_of_option
@click.option("--service-level", "service_level", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=None, help="Cycle service level for safety stock, e.g. 0.98 (default: omxl.toml, else 0.95).")
@out_option("the Summary, Reorder List and PO Drafts sheets", "the reorder lines")
@click.option("--po-dir", "po_dir", type=click.Path(), default=None, metavar="FOLDER",
              help="Also write one purchase-order draft workbook per supplier into FOLDER (made if it does not "
                   "exist; the folder it goes in must exist).")
@write_back_option
@password_option
@reports_errors
@quiet_option
def reorder_command(books: tuple[Path, ...], config: Path | None, as_of: dt.date | None,
                    service_level: float | None, out: str | None, po_dir: str | None, write_back: bool,
                    password: str | None) -> None:
    """Plan reorders: what to order, from whom, how much, by when, and why.

    Exit code 1 when validation found errors (those rows are left out), 0 when not, 2 when a file cannot be
    read or an output cannot be written.
    """
    from .io.save.atomic import check_folder
    from .io.read import read_book
    from .planning import plan_reorders
    from .position import prepare

    out_path = checked_out(out, books, "plan.xlsx")
    folder = check_folder(po_dir) if po_dir is not None else None
    check_write_back(books, write_back)
    book = read_book(*books, config=config, password=password, progress=progress.current())
    progress.current().start("Validating")
    position = prepare(book, as_of=as_of)   # as reconcile does, so that the steps can be named
    progress.current().start("Planning reorders")
    plan = plan_reorders(position, service_level=service_level)
    progress.current().done()
    _print_plan(plan)
    if folder is not None:
        from .io.save.po_drafts import write_po_drafts

        progress.current().start("Writing purchase-order drafts")
        written = write_po_drafts(plan, folder)
        progress.current().done()
        stderr_console().print(f"Wrote {len(written)} purchase-order drafts into {folder}.", highlight=False)
    finish(books, config=config, issues=plan.issues, out=out_path, sheets=plan.result_sheets(), table=plan.lines,
           write_back=write_back)


def _print_plan(plan: Any) -> None:
    import pandas as pd

    from .money import money_text

    lines = plan.lines
    stdout_console().print(plan.summary, highlight=False)
    urgent = lines["urgency"].value_counts()
    stdout_console().print("By urgency: " + ", ".join(f"{name} {int(urgent.get(name, 0)):,}"
                                                      for name in ("critical", "high", "normal")), highlight=False)
    drafts = RichTable(title="Purchase-order drafts", title_justify="left")
    for head in ("supplier", "name", "lines", "value", "order by", "note"):
        drafts.add_column(head)
    for r in plan.purchase_orders.itertuples():
        drafts.add_row(escape(str(r.supplier_id)), escape("" if r.supplier_name is None or str(r.supplier_name) ==
                                                          "<NA>" else str(r.supplier_name)),
                       f"{r.lines:,}", escape(money_text(r.value, r.currency)), f"{r.order_by:%Y-%m-%d}",
                       "; ".join(note for note, on in (
                           ("below minimum order value", r.below_min_order_value),
                           (f"{r.lines_without_cost:,} without a cost", r.lines_without_cost),
                           (f"= {money_text(r.base_value, plan.conversion.base)} at {r.currency} {r.fx_rate:g}"
                            if plan.conversion is not None and r.currency != plan.conversion.base else "",
                            pd.notna(r.base_value))) if on))
    stdout_console().print(drafts)
    unplaced = lines[lines["supplier_id"].isna()]
    if len(unplaced):
        stdout_console().print(f"{len(unplaced):,} SKUs to order have no supplier: " +
                               ", ".join(unplaced["sku"].astype(str).head(10)), highlight=False)


def smtp_options(func: Callable) -> Callable:
    """--smtp HOST:PORT and --from ADDRESS: override the [smtp] settings' server and sender for one run."""
    func = click.option("--from", "sender", default=None, metavar="ADDRESS",
                        help="From address of the mail (default: sender under [smtp] in the settings).")(func)
    return click.option("--smtp", "smtp", default=None, metavar="HOST:PORT",
                        help="SMTP server to send through (default: host and port under [smtp] in the settings; "
                             "docs/email.md).")(func)


@cli.command("weekly")
@books_argument
@config_option
@as_of_option
@click.option("--out", "out", type=click.Path(), default=None, metavar="FILE",
              help="Where to save the report: .xlsx (the weekly status workbook), or .csv / .json (the KPI "
                   "table). Default: weekly-status-<ISO year>-W<week>.xlsx in the current folder.")
@click.option("--template", "template", type=click.Path(path_type=Path), default=None, metavar="TEMPLATE.xlsx",
              help="Your own layout to fill instead of templates/weekly_status.xlsx (docs/templates.md).")
@click.option("--history", "history", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="The run history (SQLite) for last week's figures, the trend and what changed. Default: the "
                   "history setting, else omxl-history.sqlite beside the report.")
@write_back_option
@password_option
@click.option("--mail-to", "mail_to", multiple=True, metavar="ADDRESS",
              help="Also mail the workbook to ADDRESS (repeat for several), with the KPI table and the root "
                   "causes in the body (docs/email.md).")
@smtp_options
@reports_errors
@quiet_option
def weekly_command(books: tuple[Path, ...], config: Path | None, as_of: dt.date | None, out: str | None,
                   template: Path | None, history: Path | None, write_back: bool, password: str | None,
                   mail_to: tuple[str, ...] = (), smtp: str | None = None, sender: str | None = None) -> None:
    """Make the weekly status report: KPIs with last week's values and the trend, root causes of late and
    backordered lines, what changed since the last run, and a sheet per table (docs/weekly-report.md).

    Each run is recorded in the run history; running the same as-of day again replaces its run. Exit code 1
    when validation found errors (those rows are left out of every figure), 0 when not, 2 when a file cannot be
    read or an output cannot be written.
    """
    from .io.read import read_book
    from .position import as_timestamp, prepare
    from .reporting.history import history_for
    from .reporting.weekly import weekly_report

    day = as_timestamp(as_of)
    year, week, _ = day.isocalendar()
    out_path = checked_out(out if out is not None else f"weekly-status-{year}-W{week:02d}.xlsx", books,
                           "weekly-status.xlsx")
    if template is not None and not template.is_file():
        raise OutputError(f"{template}: no such template file. Give the path of an .xlsx template "
                          "(docs/templates.md), or leave --template out for the default layout. Nothing was "
                          "written.")
    check_write_back(books, write_back)
    if mail_to and out_path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise OutputError(f"--mail-to sends the weekly workbook, but --out {out_path.name} is not a workbook: "
                          "give --out a .xlsx name (or leave it out). Nothing was written.")
    book = read_book(*books, config=config, password=password, progress=progress.current())
    if mail_to:  # a bad address, a missing setting or password variable is said now, not after the report
        from .io.mail import check_sending
        from .reporting.weekly_mail import recipient_list

        recipient_list(mail_to)
        check_sending(book.config, smtp=smtp, sender=sender)
    progress.current().start("Validating")
    position = prepare(book, as_of=day)
    store = history_for(history, position.config, beside=out_path)
    progress.current().start("Reconciling, planning and computing the KPIs")
    report = weekly_report(position, history=store)
    progress.current().done()
    _print_weekly(report)
    finish_weekly(report, out_path, template)
    stderr_console().print(f"Run recorded in {report.history.path}." if report.history is not None else
                           "No run history: nothing recorded.", highlight=False)
    if mail_to:
        mail_weekly(report, out_path, mail_to, smtp=smtp, sender=sender)
    finish(books, config=config, issues=report.position.issues, out=None, sheets=report.result_sheets() if
           write_back else {}, table=report.kpis, write_back=write_back)


def finish_weekly(report: Any, out: Path, template: Path | None) -> None:
    """--out of weekly: the rendered workbook (.xlsx/.xlsm), or the KPI table as .csv / .json."""
    from .io.save.write import save_csv, save_json

    progress.current().start(f"Writing {out.name}")
    suffix = out.suffix.lower()
    if suffix == ".csv":
        save_csv(out, report.kpis)
    elif suffix == ".json":
        save_json(out, report.kpis)
    else:
        report.save(out, template=template)
    progress.current().done()
    stderr_console().print(f"Wrote {out}.", highlight=False)


def mail_weekly(report: Any, workbook: Path, to: tuple[str, ...], *, smtp: str | None, sender: str | None) -> None:
    """--mail-to of weekly: send the saved workbook; say who did not get it. Nobody got it: OmxlError, exit 2."""
    from email.utils import parseaddr

    from .reporting.weekly_mail import mail_weekly_report

    progress.current().start("Sending the weekly mail")
    sent = mail_weekly_report(report, workbook, to=list(to), config=report.position.config, smtp=smtp,
                              sender=sender)
    progress.current().done()
    refused = [f"{r.to} ({r.reason})" for r in sent.refused.itertuples(index=False)]
    if not sent.sent:
        raise OmxlError(f"The weekly mail was not sent: {'; '.join(refused)}. The report is saved in {workbook}.")
    refused_to = set(sent.refused["to"])
    delivered = [address for address in to if parseaddr(address)[1] not in refused_to]
    stderr_console().print(f"Mailed {workbook.name} to {', '.join(delivered)}." + (
        f" Refused by the server: {'; '.join(refused)}." if refused else ""), highlight=False)


def _print_weekly(report: Any) -> None:
    from .presentation.notebook import report_kpis

    start, end = report.period
    previous = (f"previous run {report.previous_as_of:%Y-%m-%d}" if report.previous_as_of is not None
                else "no previous run")
    table = RichTable(title=f"Week {report.iso_week}: {start:%Y-%m-%d} to {end:%Y-%m-%d} ({previous})",
                      title_justify="left")
    for head, justify in (("KPI", "left"), ("value", "right"), ("previous", "right"), ("change", "right"),
                          ("unit", "left")):
        table.add_column(head, justify=justify)
    for row in report_kpis(report).itertuples(index=False):  # the KPI table in words, as the notebook shows it
        table.add_row(*(escape(str(text)) for text in row))
    stdout_console().print(table)
    stdout_console().print(report.data_quality, highlight=False)
    causes = report.causes
    if len(causes):
        top = RichTable(title="Root causes (largest per dimension)", title_justify="left")
        for head in ("by", "who", "lines", "units", "share"):
            top.add_column(head)
        for r in causes.groupby("dimension", sort=False).head(1).itertuples(index=False):
            top.add_row(r.dimension, escape(str(r.key)), f"{r.lines:,}", f"{r.units:,.0f}", f"{r.share:.0%}")
        stdout_console().print(top)
    if report.previous_as_of is not None:
        counts = report.changes["change"].value_counts()
        stdout_console().print("Changes since the previous run: " + ", ".join(
            f"{name.replace('_', ' ')} {int(counts.get(name, 0)):,}" for name in (
                "newly_late", "no_longer_late", "projected_date_moved", "new_backorder", "newly_reordered")),
            highlight=False)


@cli.command("demo")
@click.option("--out", "out", type=click.Path(), default="sample.xlsx", show_default=True, metavar="FILE.xlsx",
              help="Where to write the workbook: .xlsx only, since the sample is input for the other "
                   "commands, not a result.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed; same seed, same workbook.")
@click.option("--lines", type=click.IntRange(min=200), default=3000, show_default=True, help="Order lines.")
@click.option("--as-of", "as_of", callback=parse_date, default="2026-11-27", show_default=True,
              metavar="YYYY-MM-DD", help="The last day of the order history.")
@reports_errors
@quiet_option
def demo_command(out: str, seed: int, lines: int, as_of: dt.date) -> None:
    """Write a realistic sample workbook with all seven tables and deliberate defects."""
    from .demo import write_demo
    from .io.save.atomic import check_destination

    target = check_destination(out, "sample.xlsx")
    if target.suffix.lower() != ".xlsx":
        raise OutputError(f"{out}: the sample is an Excel workbook; give a name ending in .xlsx, such as "
                          f"{target.with_suffix('.xlsx')}. Nothing was written.")
    progress.current().start(f"Writing {target.name}")
    path = write_demo(target, seed=seed, lines=lines, as_of=as_of)
    progress.current().done()
    stdout_console().print(f"Wrote {path} ({lines:,} order lines, seed {seed}, as of {as_of:%Y-%m-%d}).", highlight=False)


@cli.command("excel-setup")
@click.argument("book", type=click.Path(path_type=Path), metavar="BOOK.xlsx")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, metavar="BOOK.xlsm",
              help="Where to write the macro workbook (.xlsm only; it must not exist yet). Default: BOOK with "
                   "the suffix .xlsm, beside it.")
@reports_errors
@quiet_option
def excel_setup_command(book: Path, out: Path | None) -> None:
    """Make a macro workbook with omxl's buttons around your own workbook (docs/excel.md).

    Writes a copy of BOOK as .xlsm with the omxl sheet first (the action, as-of date and status cells and a
    button for each action), the xlwings.conf sheet last and the VBA project the buttons run; BOOK itself and
    every one of its sheets stay as they are.
    """
    from .io.xlsx.macrobook import excel_setup

    progress.current().start(f"Writing {(out or book.with_suffix('.xlsm')).name}")
    path = excel_setup(book, out=out)
    progress.current().done()
    stdout_console().print(f"Wrote {path}: your sheets, the omxl sheet with its buttons first, and the xlwings.conf "
                           "sheet last. Open it in Excel and press a button (docs/excel.md).", highlight=False)


@cli.command("notify")
@books_argument
@config_option
@as_of_option
@click.option("--out-dir", "out_dir", type=click.Path(), required=True, metavar="DIR",
              help="Folder for the messages, one .eml file each (made if it does not exist; the folder it goes in "
                   "must exist).")
@click.option("--send", "send", is_flag=True, default=False,
              help="Also send the messages through SMTP ([smtp] settings, docs/email.md). Without it, a dry run: "
                   "files only, nothing sent or recorded.")
@smtp_options
@click.option("--force", is_flag=True, default=False,
              help="Write (and send) every message, also to recipients whose news has not changed since they "
                   "were last told.")
@click.option("--history", "history", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="The run history (SQLite) that keeps what each recipient was told. Default: the history "
                   "setting, else omxl-history.sqlite in the folder that holds DIR.")
@password_option
@reports_errors
@quiet_option
def notify_command(books: tuple[Path, ...], config: Path | None, as_of: dt.date | None, out_dir: str,
                   send: bool, smtp: str | None, sender: str | None, force: bool, history: Path | None,
                   password: str | None) -> None:
    """Write the messages the position calls for: a delay notice per customer with late, at-risk or
    backordered lines, a purchase order per supplier with its drafts attached, and shipped notices when
    configured (docs/notify.md). Recipients told the same news before are left out unless --force.

    Exit code 1 when validation found errors (those rows are left out) or the server refused a message, 0 when
    not, 2 when a file, a setting, the output folder or the mail server cannot be used.
    """
    from .io.read import read_book
    from .io.save.atomic import check_folder
    from .messaging import notify
    from .position import prepare
    from .reporting.history import history_for

    folder = check_folder(out_dir)
    book = read_book(*books, config=config, password=password, progress=progress.current())
    if send:  # a missing server, sender or password variable is said now, before anything is written
        from .io.mail import check_sending

        check_sending(book.config, smtp=smtp, sender=sender)
    progress.current().start("Validating")
    position = prepare(book, as_of=as_of)
    store = history_for(history, position.config, beside=folder)
    progress.current().start("Composing the messages")
    msgs = notify(position, force=force, history=store)
    msgs.sender(sender)   # a bad --from stops here, before anything is written
    progress.current().start(f"Writing into {folder}")
    written = msgs.write(folder, sender=sender)
    report = None
    if send:
        progress.current().start(f"Sending {len(msgs.sendable()):,} messages")
        report = msgs.send(smtp, sender=sender)
    progress.current().done()
    _print_notify(msgs, written, folder, report, smtp or _server_named(position.config))
    if report is not None and len(report.refused):
        sys.exit(1)
    finish(books, config=config, issues=position.issues, out=None, sheets={}, table=None, write_back=False)


def _server_named(config: Any) -> str:
    smtp = config.smtp
    return f"{smtp.host}:{smtp.port}" if smtp.host else "the configured server"


def _print_notify(msgs: Any, written: list, folder: Path, report: Any, server: str) -> None:
    """One row per recipient with news and what became of its message; then the counts in words."""
    from .messaging.envelope import header_text

    outcome = msgs.outcomes(report) if report is not None else {}

    frame = msgs.messages
    table = RichTable(title=f"Messages as of {msgs.as_of:%Y-%m-%d}", title_justify="left")
    for head in ("kind", "recipient", "name", "to", "lines", "outcome"):
        table.add_column(head, overflow="fold")
    for r in frame.itertuples(index=False):
        if not r.due:
            what = "unchanged since last told: not written"
        elif r.key in outcome:
            what = f"written; {outcome[r.key]}"
        else:
            what = "written" + (f"; {r.problem}" if isinstance(r.problem, str) else "")
            what += "; not sent" if report is not None and isinstance(r.problem, str) else ""
        table.add_row(r.kind, escape(header_text(r.recipient_id)), escape(header_text(r.name) if
                      isinstance(r.name, str) else ""), escape(r.to) if isinstance(r.to, str) else "-",
                      f"{r.lines:,}", escape(what))
    if len(frame):
        stdout_console().print(table)
    due = frame["due"]
    no_address = due & frame["to"].isna()
    stdout_console().print(
        f"{len(frame):,} recipients with news: {len(written):,} messages written into {folder}, "
        f"{int(no_address.sum()):,} of them without a usable e-mail address, "
        f"{int((~due).sum()):,} unchanged since last told (--force writes them too).", highlight=False)
    if report is None:
        where = f" in {msgs.history.path}" if msgs.history is not None else ""
        stderr_console().print(f"Nothing was sent (a dry run), so nothing was recorded{where}.", highlight=False)
        return
    refused = sum(1 for what in outcome.values() if what.startswith("refused"))
    recorded = f" What each recipient was told is recorded in {msgs.history.path}." if msgs.history else ""
    stdout_console().print(
        f"Sent {len(report.sent):,} of {len(msgs.sendable()):,} messages through {server}"
        + (f"; {refused:,} refused (listed above): run again to send those." if refused else ".") + recorded,
        highlight=False)


def main() -> None:
    cli(prog_name="omxl")


if __name__ == "__main__":
    main()
