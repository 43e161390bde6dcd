"""What each step's command prints on stdout: the figures and tables a specialist reads at the terminal. A step
names its printer in its definition (`Step.show`); one without gets `show_figures`, its headline figures."""

from __future__ import annotations

import json
from typing import Any, Mapping

import click
import pandas as pd
from rich.markup import escape
from rich.table import Table as RichTable

from ..io.safety import csv_safe
from ..money import money_text, totals, totals_text
from ..presentation.code_words import CHANGE, DIMENSION
from ..presentation.notebook import figure_text, report_kpis
from ..presentation.summary_sheet import open_values
from ..reconciliation import STATUS_RANK
from ..reporting.changes import CHANGES
from ..steps import REGISTRY
from ..validation import issue_counts
from ..wording import quantity_text
from .common import stdout_console


def show_figures(result: Any, options: Mapping[str, Any]) -> None:
    """Any step's result: its title and headline figures, one row each."""
    table = RichTable(title=REGISTRY[result.step].title, title_justify="left")
    for head, justify in (("figure", "left"), ("value", "right"), ("note", "left")):
        table.add_column(head, justify=justify)
    for label, value, num_format, unit, note in result.figures.itertuples(index=False):
        table.add_row(escape(str(label)), escape(figure_text(value, num_format, unit)), escape(str(note or "")))
    stdout_console().print(table)


def show_nothing(result: Any, options: Mapping[str, Any]) -> None:
    """For a step whose command says what it did once it has done it (notify: what was written and sent)."""


def show_issues(result: Any, options: Mapping[str, Any]) -> None:
    """validate: the issues by code and the first `--limit` of them; or every issue as CSV or JSON."""
    issues = result.issues
    if options.get("output_format") == "csv":
        click.echo(csv_safe(issues).to_csv(index=False), nl=False)
    elif options.get("output_format") == "json":
        from ..io.save.write import json_records   # the file writers: loaded by the runs that write one
        click.echo(json.dumps(json_records(issues), indent=2))
    else:
        _print_issues(issues, options.get("limit", 25))


def _print_issues(issues: Any, limit: int) -> None:
    counts = issue_counts(issues)
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


def show_reconciliation(rec: Any, options: Mapping[str, Any]) -> None:
    if not rec.orders_known:
        stdout_console().print(f"As of {rec.as_of:%Y-%m-%d}: the book has no orders table (a purchasing book), so "
                               "no order line is reconciled; purchase orders and stock are.", highlight=False)
        _print_supply(rec)
    else:
        _print_order_lines(rec)
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


def _print_supply(rec: Any) -> None:
    open_po, overdue_po = rec.po_line_counts()
    units = rec.open_supply["open_qty"].sum()
    stdout_console().print(f"Open PO lines: {open_po:,} ({units:,.0f} units)   Overdue: {overdue_po:,}   "
                           "SKUs out of stock: "
                           f"{int((rec.inventory['on_hand'] <= 0).sum()):,}", highlight=False)


def _print_order_lines(rec: Any) -> None:
    lines = rec.lines
    status = RichTable(title=f"Order lines as of {rec.as_of:%Y-%m-%d}", title_justify="left")
    for head in ("status", "lines", "open qty"):
        status.add_column(head)
    counts = lines.groupby("status").agg(lines=("status", "size"), open_qty=("open_qty", "sum"))
    for name in STATUS_RANK:
        if name in counts.index:
            status.add_row(name, f"{counts.loc[name, 'lines']:,}", f"{counts.loc[name, 'open_qty']:,.0f}")
    stdout_console().print(status)
    stdout_console().print(f"Late lines: {int(lines['late'].sum()):,}   At risk: {int(lines['at_risk'].sum()):,}   "
                           f"Orders: {len(rec.orders):,}", highlight=False)
    # Money per currency, never one sum across currencies (the Summary sheet shows the same figures).
    stdout_console().print(f"Open value: {totals_text(totals(*open_values(lines, rec.position)), missing='without a price')}",
                           highlight=False)


def show_plan(plan: Any, options: Mapping[str, Any]) -> None:
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


# The columns of report_kpis at the terminal: header and alignment.
WEEKLY_COLUMNS = {"Measure": ("KPI", "left"), "Value": ("value", "right"), "Previous": ("previous", "right"),
                  "Change": ("change", "right"), "Target": ("target", "left"),
                  "Note": ("note", "left")}
OPTIONAL_COLUMNS = ("Target", "Note")


def show_weekly(report: Any, options: Mapping[str, Any]) -> None:
    start, end = report.period
    previous = (f"previous run {report.previous_as_of:%Y-%m-%d}" if report.previous_as_of is not None
                else "no previous run")
    table = RichTable(title=f"Week {report.iso_week}: {start:%Y-%m-%d} to {end:%Y-%m-%d} ({previous})",
                      title_justify="left")
    words = report_kpis(report)  # the KPI table in words, as the notebook shows it
    # Target and note only when some KPI has one: most teams set no targets, and a second run has few notes.
    shown = [column for column in words if column not in OPTIONAL_COLUMNS or words[column].astype(bool).any()]
    for column in shown:
        head, justify = WEEKLY_COLUMNS[column]
        table.add_column(head, justify=justify)
    for row in words[shown].itertuples(index=False):
        table.add_row(*(escape(str(text)) for text in row))
    stdout_console().print(table)
    stdout_console().print(report.data_quality, highlight=False)
    causes = report.causes
    if len(causes):
        top = RichTable(title="Root causes (largest per dimension)", title_justify="left")
        for head in ("by", "who", "lines", "units", "share"):
            top.add_column(head)
        for r in causes.groupby("dimension", sort=False).head(1).itertuples(index=False):
            top.add_row(DIMENSION.get(r.dimension, r.dimension), escape(str(r.key)), f"{r.lines:,}",
                        f"{r.units:,.0f}", f"{r.share:.0%}")
        stdout_console().print(top)
    if report.previous_as_of is not None:
        counts = report.changes["change"].value_counts()
        stdout_console().print("Changes since the previous run: " + ", ".join(
            f"{CHANGE[name].lower()} {int(counts.get(name, 0)):,}" for name in CHANGES),
            highlight=False)


def show_dispatch(picks: Any, options: Mapping[str, Any]) -> None:
    """dispatch: the sentence of what is picked and held, then the picks per location (one pick list each) and
    per carrier (one manifest each)."""
    stdout_console().print(picks.summary, highlight=False)
    if not len(picks.picks):
        return
    for title, counts, key in (("Pick lists by location", picks.by_location(), "location"),
                               ("Manifests by carrier", picks.manifests, "carrier")):
        table = RichTable(title=title, title_justify="left")
        for head, justify in ((key, "left"), ("orders", "right"), ("lines", "right"), ("units", "right")):
            table.add_column(head, justify=justify)
        for name, orders, lines, units in zip(counts[key], counts["orders"], counts["lines"],
                                              quantity_text(counts["units"])):
            table.add_row(escape(str(name)), f"{orders:,}", f"{lines:,}", units)
        stdout_console().print(table)


def show_improvements(result: Any, options: Mapping[str, Any]) -> None:
    """improvements: the sentence of what was found and checked, then each suggestion on a line of its own, its
    rank first (a line each, not a table: the sentences are the point and are read whole)."""
    console = stdout_console()
    console.print(result.summary, highlight=False)
    for rank, sentence in zip(result.suggestions["rank"], result.suggestions["suggestion"]):
        console.print(f"{rank}. {escape(str(sentence))}", highlight=False)


def show_backtest(result: Any, options: Mapping[str, Any]) -> None:
    """backtest: the sentence, then per variant and metric the simulated figure beside the actual one."""
    console = stdout_console()
    console.print(escape(result.summary), highlight=False)
    table = RichTable(title="Simulated and actual", title_justify="left")
    for head, justify in (("variant", "left"), ("metric", "left"), ("simulated", "right"), ("actual", "right")):
        table.add_column(head, justify=justify)
    for label, value, num_format, unit, note in result.figures.itertuples(index=False):
        name, _, variant = str(label).rpartition(" (")
        actual = str(note).removeprefix("actual ")
        # Blank is "not known" in both columns (an inventory without unit costs has no value, simulated or not).
        table.add_row(escape(variant.rstrip(")")), escape(name),
                      escape(figure_text(value, num_format, unit) or "not known"), escape(actual))
    console.print(table)
