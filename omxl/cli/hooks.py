"""What a step's command does beyond what every command does (omxl/cli/steps.py): checks of its own options before
anything is read, arguments only the command knows, and what it writes or sends besides --out. A step's
definition names its hooks (`Step.command`); a step without them gets the plain `CommandHooks`.

What only some runs need (mail, the drafts' and the .csv/.json writers) is imported where it is used: every
command pays for what is imported here when it starts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table as RichTable

from .. import progress
from ..errors import OmxlError, OutputError
from ..io.save.atomic import check_folder
from ..position import as_timestamp
from ..reporting.history import history_for
from .common import checked_out, stderr_console, stdout_console


@dataclasses.dataclass
class CommandRun:
    """One run of a step's command: what was typed, and what the hooks worked out on the way.

    out     --out, checked (None when not given, or when the step writes its own)
    folder  a folder a hook checked before reading (the drafts' or the messages')
    failed  set by a hook when the run did not do all it should (a refused message): exit code 1
    write_back   --write-back was given
    entry_lists  the book whose entry lists --write-back adds (validate --entry-lists), else None
    """

    books: tuple[Path, ...]
    config: Path | None
    as_of: dt.date | None
    options: dict[str, Any]
    out: Path | None = None
    folder: Path | None = None
    failed: bool = False
    write_back: bool = False
    entry_lists: Any = None


class CommandHooks:
    """The plain command: nothing to check, no arguments of its own, nothing written besides --out."""

    def check(self, run: CommandRun) -> None:
        """Before anything is read: the command's own options (a folder, a template) can be used."""

    def check_book(self, run: CommandRun, book: Any) -> None:
        """After reading, before the step: what needs the book's settings (a mail server)."""

    def arguments(self, run: CommandRun, book: Any) -> dict[str, Any]:
        """Arguments of the step that the command works out (a run history beside the output)."""
        return {}

    def deliver(self, run: CommandRun, result: Any) -> None:
        """After printing: what the command writes or sends besides --out and --write-back."""


class ValidateCommand(CommandHooks):
    """--entry-lists: --write-back also adds the entry lists (data validation from the book's master sheets)."""

    def check(self, run: CommandRun) -> None:
        if run.options.get("entry_lists") and not run.write_back:
            raise click.UsageError("--entry-lists adds drop-down lists to the workbook itself, so it goes with "
                                   "--write-back: omxl validate BOOK --write-back --entry-lists.")

    def check_book(self, run: CommandRun, book: Any) -> None:
        run.entry_lists = book if run.options.get("entry_lists") else None


class ReorderCommand(CommandHooks):
    """--po-dir: one purchase-order draft workbook per supplier; --fresh only with --history."""

    def check(self, run: CommandRun) -> None:
        if run.options.get("fresh") and run.options.get("history") is None:
            raise click.UsageError("--fresh proposes again what a run history remembers as drafted, so it goes with "
                                   "--history: omxl reorder BOOK --history FILE --fresh.")
        po_dir = run.options.get("po_dir")
        run.folder = check_folder(po_dir) if po_dir is not None else None

    def deliver(self, run: CommandRun, result: Any) -> None:
        if run.folder is None:
            return
        from ..io.save.po_drafts import write_po_drafts
        progress.current().start("Writing purchase-order drafts")
        written = write_po_drafts(result, run.folder)
        progress.current().done()
        stderr_console().print(f"Wrote {len(written)} purchase-order drafts into {run.folder}.", highlight=False)


class WeeklyCommand(CommandHooks):
    """The report saved to --out (default: weekly-status-<ISO year>-W<week>.xlsx), rendered from --template;
    the run history beside it; --mail-to."""

    def check(self, run: CommandRun) -> None:
        options = run.options
        year, week, _ = as_timestamp(run.as_of).isocalendar()
        out = options.get("out")
        run.out = checked_out(out if out is not None else f"weekly-status-{year}-W{week:02d}.xlsx", run.books,
                              "weekly-status.xlsx")
        template = options.get("template")
        if template is not None and not template.is_file():
            raise OutputError(f"{template}: no such template file. Give the path of an .xlsx template "
                              "(docs/templates.md), or leave --template out for the default layout. Nothing was "
                              "written.")
        if options.get("mail_to") and run.out.suffix.lower() not in (".xlsx", ".xlsm"):
            raise OutputError(f"--mail-to sends the weekly workbook, but --out {run.out.name} is not a workbook: "
                              "give --out a .xlsx name (or leave it out). Nothing was written.")

    def check_book(self, run: CommandRun, book: Any) -> None:
        if run.options.get("mail_to"):  # a bad address, a missing setting or password variable: said now
            from ..messaging.smtp import check_sending
            from ..messaging.weekly import recipient_list
            recipient_list(run.options["mail_to"])
            check_sending(book.config, smtp=run.options.get("smtp"), sender=run.options.get("sender"))

    def arguments(self, run: CommandRun, book: Any) -> dict[str, Any]:
        return {"history": history_for(run.options.get("history"), book.config, beside=run.out)}

    def deliver(self, run: CommandRun, report: Any) -> None:
        save_weekly(report, run.out, run.options.get("template"))
        stderr_console().print(f"Run recorded in {report.history.path}." if report.history is not None else
                               "No run history: nothing recorded.", highlight=False)
        if run.options.get("mail_to"):
            mail_weekly(report, run.out, tuple(run.options["mail_to"]), smtp=run.options.get("smtp"),
                        sender=run.options.get("sender"))


class NotifyCommand(CommandHooks):
    """The messages written into --out-dir, sent with --send; what each recipient was told in the run history
    beside that folder."""

    def check(self, run: CommandRun) -> None:
        run.folder = check_folder(run.options["out_dir"])

    def check_book(self, run: CommandRun, book: Any) -> None:
        if run.options.get("send"):  # a missing server, sender or password variable: said before anything is written
            from ..messaging.smtp import check_sending
            check_sending(book.config, smtp=run.options.get("smtp"), sender=run.options.get("sender"))

    def arguments(self, run: CommandRun, book: Any) -> dict[str, Any]:
        return {"history": history_for(run.options.get("history"), book.config, beside=run.folder)}

    def deliver(self, run: CommandRun, msgs: Any) -> None:
        sender, smtp = run.options.get("sender"), run.options.get("smtp")
        msgs.sender(sender)   # a bad --from stops here, before anything is written
        progress.current().start(f"Writing into {run.folder}")
        written = msgs.write(run.folder, sender=sender)
        report = None
        if run.options.get("send"):
            progress.current().start(f"Sending {len(msgs.sendable()):,} messages")
            report = msgs.send(smtp, sender=sender)
        progress.current().done()
        _print_notify(msgs, written, run.folder, report, smtp or _server_named(msgs.config))
        run.failed = report is not None and len(report.refused) > 0


class BacktestCommand(CommandHooks):
    """--variant NAME:key=value, at most three variants; the days are --start to --end, so no --as-of."""

    def check(self, run: CommandRun) -> None:
        from ..backtesting import MAX_VARIANTS, parse_variants
        if run.as_of is not None:
            raise click.UsageError("--as-of does not apply to a backtest: it replays the days from --start to --end.")
        try:
            variants = parse_variants(run.options.get("variant") or ())
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        if len(variants) > MAX_VARIANTS:
            raise click.UsageError(f"--variant names {len(variants)} variants ({', '.join(variants)}); a backtest "
                                   f"compares at most {MAX_VARIANTS} besides the configured settings.")


PLAIN = CommandHooks()
VALIDATE = ValidateCommand()
REORDER = ReorderCommand()
WEEKLY = WeeklyCommand()
NOTIFY = NotifyCommand()
BACKTEST = BacktestCommand()


def save_weekly(report: Any, out: Path, template: Path | None) -> None:
    """--out of weekly: the rendered workbook (.xlsx/.xlsm), or the KPI table as .csv / .json."""
    progress.current().start(f"Writing {out.name}")
    suffix = out.suffix.lower()
    if suffix in (".csv", ".json"):
        from ..io.save.write import save_csv, save_json
        (save_csv if suffix == ".csv" else save_json)(report.kpis, out)
    else:
        report.save(out, template=template)
    progress.current().done()
    stderr_console().print(f"Wrote {out}.", highlight=False)


def mail_weekly(report: Any, workbook: Path, to: tuple[str, ...], *, smtp: str | None, sender: str | None) -> None:
    """--mail-to of weekly: send the saved workbook; say who did not get it. Nobody got it: OmxlError, exit 2."""
    from email.utils import parseaddr
    from ..messaging.weekly import mail_weekly_report
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


def _server_named(config: Any) -> str:
    smtp = config.smtp
    return f"{smtp.host}:{smtp.port}" if smtp.host else "the configured server"


def _print_notify(msgs: Any, written: list, folder: Path, report: Any, server: str) -> None:
    """One row per recipient with news and what became of its message; then the counts in words."""
    from ..messaging.envelope import header_text
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
