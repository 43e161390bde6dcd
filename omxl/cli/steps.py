"""One command per step of omxl.steps.REGISTRY, made from its definition: the common arguments and options, the
step's own options, then one run through the orchestration every front door shares (omxl/run.py)."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import inspect
from pathlib import Path
from typing import Any, Callable

import click

from .. import progress
from ..io.read import read_book
from ..run import run as run_step
from ..steps import Option, Step, resolve
from .common import (as_of_option, books_argument, check_write_back, checked_mark, checked_out, config_option,
                     finish, mark_option, out_option, parse_date, password_option, quiet_option, reports_errors,
                     UnitsReading, units_options, write_back_option, write_marked_copy)
from .hooks import PLAIN, CommandRun
from .show import show_figures

# Findings of these stages are the data's own errors: they set exit code 1 (reconcile's exceptions do not).
DATA_STAGES = ("read", "validate")


@functools.lru_cache(maxsize=None)
def step_command(step: Step) -> click.Command:
    """The `omxl <step>` command (made once per definition)."""
    def command(books: tuple[Path, ...], config: Path | None, as_of: dt.date | None, password: str | None,
                mark: str | None = None, write_back: bool = False, **options: Any) -> None:
        hooks = resolve(step.command) or PLAIN
        reading = UnitsReading.take(options)
        if reading.units:   # globs name the units' workbooks: the checks below see the files themselves
            from ..consolidation.reading import expand_sources
            books = tuple(expand_sources(books))
            for given, option in ((write_back, "--write-back"), (mark, "--mark")):
                if given:
                    raise click.UsageError(f"{option} works on one workbook read as it is; a run over units' "
                                           "workbooks writes its sheets with --out.")
        # --out is the common one when the step has an Output, else the step's own option (weekly's)
        out = options.pop("out", None) if step.output is not None else None
        run = CommandRun(books=books, config=config, as_of=as_of, options=options, write_back=write_back)
        if step.output is not None:
            run.out = checked_out(out, books, step.output.example)
        mark_path = checked_mark(mark, books) if step.mark else None
        check_write_back(books, write_back)
        hooks.check(run)
        book = read_books(books, reading, config=config, password=password)
        # The book's cells are Python objects that live to the end of the run: frozen, no full garbage collection
        # (one comes every few hundred thousand new objects) walks them again; unfrozen when the command ends,
        # for a caller that goes on (tests, a notebook).
        gc.freeze()
        try:
            hooks.check_book(run, book)
            arguments = {option.name: options[option.name] for option in step.options if option.to_step}
            if reading.by_unit and "by_unit" in inspect.signature(resolve(step.function)).parameters:
                arguments["by_unit"] = True
            result = run_step(step.name, book, as_of=as_of, **arguments, **hooks.arguments(run, book))
            (resolve(step.show) or show_figures)(result, options)
            hooks.deliver(run, result)
            findings = result.findings   # made once: a reconciliation's joins its issues and exceptions
            write_marked_copy(books, mark_path, findings, config, labels=book.config.labels)
            finish(books, config=config, issues=findings[findings["stage"].isin(DATA_STAGES)],
                   out=run.out if step.output is not None else None, sheets=result.result_sheets,
                   table=getattr(result, step.output.table_of) if step.output is not None else None,
                   document=document_writer(step, result), write_back=write_back, failed=run.failed,
                   entry_lists=run.entry_lists)
        finally:
            gc.unfreeze()

    # Decorators apply bottom-up: the options read in --help in the order listed here, top to bottom.
    decorators = [books_argument, config_option, as_of_option, *(click_option(o) for o in step.options)]
    if step.output is not None:
        decorators.append(out_option(step.output.workbook, step.output.table))
    if step.mark:
        decorators.append(mark_option)
    if step.write_back:
        decorators.append(write_back_option)
    if step.many:
        decorators.append(units_options)
    decorators += [password_option, reports_errors, quiet_option]
    for decorate in reversed(decorators):
        command = decorate(command)
    return click.command(step.name, help=step.help)(command)


def read_books(books: tuple[Path, ...], reading: UnitsReading, *, config: Path | None, password: str | None):
    """The command's book: read as one, or as units into one (omxl.consolidate), each workbook said as read."""
    if not reading.units:
        return read_book(*books, config=config, password=password, progress=progress.current())
    from ..consolidation import consolidate
    return consolidate(books, unit_from=reading.unit_from or "folder", workers=reading.workers,
                       scheduler=reading.scheduler, send="bytes" if reading.send_bytes else "paths",
                       config=config, password=password, progress=progress.current())


def document_writer(step: Step, result: Any) -> "Callable[[Path], object] | None":
    """What writes --out's .xlsx when the step's Output names a document of its own (dispatch's print-ready pick
    lists): that writer on this result, its module loaded only when a .xlsx is written; None for the result
    sheets."""
    if step.output is None or step.output.document is None:
        return None
    reference = step.output.document

    def write(path: Path) -> object:
        return resolve(reference)(result, path)
    return write


def click_option(option: Option) -> Any:
    """A step's Option (data) as a click option."""
    types: dict[str, Any] = {
        "text": None, "path": click.Path(path_type=Path),
        "int": click.IntRange(min=option.low, max=option.high),
        "float": click.FloatRange(option.low, option.high, min_open=True, max_open=True),
        "choice": click.Choice(list(option.choices)),
    }
    settings: dict[str, Any] = {"help": option.help, "default": option.default, "show_default": option.show_default}
    if option.kind == "flag":
        settings["is_flag"] = True
    elif option.kind == "date":
        settings.update(callback=parse_date, metavar=option.metavar or "YYYY-MM-DD", required=option.required)
    else:
        settings.update(type=types[option.kind], metavar=option.metavar, multiple=option.multiple,
                        required=option.required)
    if option.envvar:
        settings.update(envvar=option.envvar, show_envvar=True)
    return click.option(*option.flags, option.name, **settings)
