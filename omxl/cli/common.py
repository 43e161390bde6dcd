"""What every command shares: the consoles, the common options (defined once), the checks made before any work,
and how a command ends (--out, --mark, --write-back, the exit code).

The writers of --out, --mark and --write-back are imported when one is used: every command pays at start-up for
what is imported here, and most runs use one writer or none."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.text import Text

from .. import progress
from ..config import load_config
from ..errors import OmxlError, OutputError
from ..io.save.atomic import check_destination, check_not_locked, check_writable, same_file
from ..validation import has_errors, issues_sheet

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
                             "everything else in it as it was and a backup in omxl-backups/. A workbook open "
                             "in Excel is refused before anything is read or written.")(func)


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


def units_options(func: Callable) -> Callable:
    """The options of books of several units (omxl.consolidate, docs/scale.md), on the steps that offer them."""
    options = [
        click.option("--by-unit", "by_unit", is_flag=True, default=False,
                     help="Read each workbook as a unit (a branch, region or warehouse: named by its folder unless "
                          "--unit-from says otherwise) into one book with a unit column; the weekly report adds a "
                          "breakdown per unit."),
        click.option("--unit-from", "unit_from", type=click.Choice(["folder", "file"]), default=None,
                     help="Name each workbook's unit by its folder or by its file name (implies units)."),
        click.option("--workers", "workers", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Read the units' workbooks in N processes side by side."),
        click.option("--scheduler", "scheduler", default=None, metavar="tcp://HOST:PORT",
                     help="Read the units' workbooks on a Dask cluster (omxl[dask]): its scheduler's address."),
        click.option("--send-bytes", "send_bytes", is_flag=True, default=False,
                     help="With --scheduler: send the files' contents to workers that do not share this file "
                          "system."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@dataclass(frozen=True)
class UnitsReading:
    """How a command reads its books: as today (one book, no units) or as units (omxl.consolidate)."""

    unit_from: str | None = None
    by_unit: bool = False
    workers: int | None = None
    scheduler: str | None = None
    send_bytes: bool = False

    @classmethod
    def take(cls, options: dict) -> "UnitsReading":
        """The units options, taken out of a command's options (the step's own stay)."""
        reading = cls(**{name: options.pop(name, default) for name, default in
                         (("unit_from", None), ("by_unit", False), ("workers", None), ("scheduler", None),
                          ("send_bytes", False))})
        if not reading.units and (reading.workers or reading.scheduler or reading.send_bytes):
            raise click.UsageError("--workers, --scheduler and --send-bytes read each workbook as a unit: add "
                                   "--by-unit (units named by their folders) or --unit-from folder|file.")
        if reading.send_bytes and not reading.scheduler:
            raise click.UsageError("--send-bytes is for the workers of a Dask cluster: give --scheduler too.")
        return reading

    @property
    def units(self) -> bool:
        return self.by_unit or self.unit_from is not None


def check_write_back(books: tuple[Path, ...], write_back: bool) -> None:
    """Before any work: --write-back needs exactly one workbook to write into, and one Excel does not hold
    open. Refused here, before reading, a locked workbook leaves no --out file, marked copy or run history
    behind; the save checks the lock again, since Excel may open the workbook while omxl works."""
    if not write_back:
        return
    if len(books) != 1:
        raise click.UsageError("--write-back needs exactly one workbook to write into; this run read "
                               f"{len(books)} files.")
    check_not_locked(books[0])


def write_back_into(books: tuple[Path, ...], sheets: dict, config: Path | None, entry_lists: Any = None) -> None:
    """The --write-back pattern shared by every command: one workbook source gets the result sheets (and, given
    the book read from it, its entry lists: validate --entry-lists)."""
    from ..io.xlsx.writeback import sheet_name, write_back
    check_write_back(books, True)
    progress.current().start(f"Writing into {books[0].name}")
    write_back(books[0], sheets, config=config, entry_lists=entry_lists)
    progress.current().done()
    prefix = load_config(config, near=books[0]).sheet_prefix
    names = ", ".join(f"'{sheet_name(prefix, name)}'" for name in sheets)
    lists = " and the entry lists (docs/excel.md)" if entry_lists is not None else ""
    stderr_console().print(f"Wrote {names}{lists} into {books[0]} (backup in omxl-backups/).", highlight=False)


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


def checked_mark(mark: str | None, books: tuple[Path, ...]) -> Path | None:
    """--mark, checked before any work is done: one workbook to copy, a destination omxl can write."""
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
    from ..io.xlsx.mark import mark_workbook
    progress.current().start(f"Writing {mark_path.name}")
    mark_workbook(books[0], mark_path, findings, issues_sheet(findings, labels=labels), config=config)
    progress.current().done()
    stderr_console().print(f"Wrote {mark_path} (a marked copy of {books[0].name}).", highlight=False)


def checked_out(out: str | None, books: tuple[Path, ...], example: str) -> Path | None:
    """--out, checked before any work is done: not a folder, an extension omxl writes (OUT_SUFFIXES), an
    existing folder, and not one of the files the run reads. OutputError (exit 2, one line) otherwise."""
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


def finish(books: tuple[Path, ...], *, config: Path | None, issues: Any, out: Path | None,
           sheets: "Callable[[], dict] | dict", table: Any, write_back: bool, failed: bool = False,
           entry_lists: Any = None, document: "Callable[[Path], object] | None" = None) -> None:
    """How every command that makes a result ends. --out in the format its extension names: .xlsx the result
    `sheets` (or what calling it returns, made only when needed) as a new workbook, or, given a `document`
    writer (the step's Output names one: dispatch's print-ready pick lists), what it writes at that path; .csv
    the main `table` (formula-like text neutralised), .json that table as a list of records; --write-back puts
    the sheets into the source workbook (with `entry_lists`, the book read from it, its entry lists too); then
    exit 1 when the data had errors or the run `failed` (a message refused), 0 otherwise."""
    workbook_out = out is not None and out.suffix.lower() not in (".csv", ".json")
    if callable(sheets) and (write_back or (workbook_out and document is None)):
        sheets = sheets()
    if out is not None:
        from ..io.save.write import save_csv, save_json, save_workbook
        progress.current().start(f"Writing {out.name}")
        suffix = out.suffix.lower()
        if suffix == ".csv":
            save_csv(table, out)
        elif suffix == ".json":
            save_json(table, out)
        elif document is not None:
            document(out)
        else:
            save_workbook(sheets, out)
        progress.current().done()
        stderr_console().print(f"Wrote {out}.", highlight=False)
    if write_back:
        write_back_into(books, sheets, config, entry_lists)
    sys.exit(1 if failed or has_errors(issues) else 0)


