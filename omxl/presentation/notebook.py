"""Results in a notebook, with the look of the workbook (contract 5.5): `style` turns a result table into a
pandas Styler (labels, number formats, row fills), and the `_repr_html_` / `__repr__` of Reconciliation,
ReorderPlan and Position are built here so the dataclasses only delegate. docs/notebook.md.

The Styler only formats: its data is the frame itself, full precision. Every value a person typed (a
customer named `<script>`, a header of their own) is HTML-escaped, in cells, headers and the index.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from ..money import conversion, money_text, totals, totals_text
from ..steps import REGISTRY
from .columns import KINDS, kind_of
from .sheets import fill_rows, labels_for, number_format
from .kpi_words import decimal_text, kpi_words, reason_words, target_words
from .summary_sheet import open_values


if TYPE_CHECKING:  # imported for annotations only: the dataclasses import this module lazily
    from pandas.io.formats.style import Styler

    from ..planning import ReorderPlan
    from ..position import Position
    from ..reconciliation import Reconciliation
    from ..reporting.weekly import Report

# How many rows of the main table a repr shows.
FIRST_ROWS = 10

# Row fills a sheet gets from its own columns where the columns alone would not say it (the same conditions as
# the result_sheets of Reconciliation and ReorderPlan): sheet -> {fill name: column or callable(frame) -> bool}.
SHEET_FILLS = {
    "Closed Lines": {"late": "shipped_late"},
    "Inventory": {"at_risk": lambda f: pd.to_numeric(f["short"], errors="coerce").gt(0)},
    "PO Drafts": {"warning": "below_min_order_value"},
}


def style(frame: pd.DataFrame, sheet: str | None = None, *, labels: Mapping[str, str] | None = None) -> "Styler":
    """`frame` as a pandas Styler that looks like the workbook's sheet: headers are labels ("Backordered qty"),
    each known column has its kind's format (quantities whole when every value is whole, else 2 decimals;
    money with thousands separators and 2 decimals; dates YYYY-MM-DD), blanks show blank, late and at-risk
    rows (reorder: critical and high urgency; findings: errors and warnings) have the workbook's fills.
    `sheet` picks a sheet's own labels and kinds ("Returns", "Exceptions", ...); `labels` renames columns as
    `[labels]` in omxl.toml does. Only the display changes: `style(frame).data` is `frame`.

        rec.lines.pipe(omxl.style)
    """
    styler = frame.style
    headers = labels_for(frame.columns, sheet, labels)
    styler = styler.relabel_index([html.escape(str(h)) for h in headers], axis="columns")
    styler = styler.format_index(escape="html", axis="index", na_rep="")
    formats: dict[object, list] = {}
    for position, name in enumerate(frame.columns):
        formats.setdefault(name, []).append(_formatter(frame.iloc[:, position], kind_of(str(name), sheet)))
    for name, found in formats.items():
        # a format is set per column label; repeated labels share one only when they agree (else shown as is)
        formatter = found[0] if all(f == found[0] for f in found) else None
        styler = styler.format(formatter, subset=[name], na_rep="", escape="html")
    colours = _row_colours(frame, sheet)
    if not colours.ne("").any():
        return styler
    css = np.where(colours.to_numpy() == "", "", "background-color: #" + colours.str[2:].to_numpy())
    if frame.index.is_unique and frame.columns.is_unique:
        # per cell, so Styler.to_excel carries the fills too
        cells = pd.DataFrame(np.repeat(css[:, None], frame.shape[1], axis=1), index=frame.index,
                             columns=frame.columns)
        return styler.apply(lambda _: cells, axis=None)
    # Styler.apply refuses repeated row or column labels (a concat of two frames): fill by row position instead
    rules = [{"selector": f"tbody tr:nth-child({row + 1}) td", "props": props}
             for row, props in enumerate(css) if props]
    return styler.set_table_styles(rules, overwrite=False)


def _formatter(values: pd.Series, kind: str | None):
    """The Python format of one column: its kind's (whole or fractional, as number_format picks for Excel);
    dates by their kind or, for a column omxl does not know, YYYY-MM-DD (with the time when some value has
    one); other numbers without trailing zeros; text as is (escaped by the Styler)."""
    dtype = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if kind in ("date", "datetime"):
            pattern = KINDS[kind].python
        else:
            stamps = values.dropna()
            pattern = "%Y-%m-%d" if stamps.eq(stamps.dt.normalize()).all() else "%Y-%m-%d %H:%M"
        return lambda value: value.strftime(pattern)
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return None
    if kind is not None and KINDS[kind].python:
        spec = KINDS[kind]
        return spec.python if number_format(values, kind) == spec.excel else spec.python_fractional
    return lambda value: np.format_float_positional(float(value), trim="-")


def _row_colours(frame: pd.DataFrame, sheet: str | None) -> pd.Series:
    """Per row the ARGB fill ('' for none), by the same conditions and priority as the workbook's sheets."""
    conditions: dict[str, pd.Series] = {}
    wanted = SHEET_FILLS.get(sheet or "")
    if wanted and all(isinstance(c, str) and c in frame or callable(c) for c in wanted.values()):
        for fill, condition in wanted.items():
            conditions[fill] = condition(frame) if callable(condition) else frame[condition]
    else:
        text = {name: frame[name].astype("string[python]").str.strip().str.casefold()
                for name in ("urgency", "severity") if name in frame}
        for fill, column in (("late", "late"), ("at_risk", "at_risk")):
            if column in frame:
                conditions[fill] = frame[column]
        if "urgency" in text:
            conditions["critical"] = text["urgency"].eq("critical")
            conditions["high"] = text["urgency"].eq("high")
        if "severity" in text:
            conditions["error"] = text["severity"].eq("error")
            conditions["warning"] = text["severity"].eq("warning")
    if not conditions:
        return pd.Series("", index=frame.index, dtype=object)
    flags = {fill: pd.Series(c).astype("boolean").fillna(False).astype(bool) for fill, c in conditions.items()}
    colours = fill_rows(frame, **flags)
    colours.index = frame.index
    return colours


# --- reprs -------------------------------------------------------------------------------------------------

def _labels(position: "Position | None") -> Mapping[str, str] | None:
    return position.config.labels if position is not None else None


def _conversion(position: "Position | None"):
    return conversion(position.config) if position is not None else None


def _figures_html(figures: list[tuple[str, str]]) -> str:
    """A one-row table of headline figures, in the look of Book's repr."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in figures)
    body = "".join(f"<td>{html.escape(value)}</td>" for _, value in figures)
    return f"<table><thead><tr>{head}</tr></thead><tbody><tr>{body}</tr></tbody></table>"


def _first_rows_html(frame: pd.DataFrame, sheet: str, caption: str, labels: Mapping[str, str] | None) -> str:
    if frame.empty:
        return f"<p>{html.escape(caption)}: none.</p>"
    first = frame.head(FIRST_ROWS)
    shown = f"first {len(first):,} of {len(frame):,}" if len(frame) > len(first) else f"all {len(frame):,}"
    table = style(first, sheet, labels=labels).hide(axis="index").to_html()
    return f"<p>{html.escape(caption)} ({shown}):</p>{table}"


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{html.escape(text)}</p>" for text in texts if text)


def _left_out_text(left_out: pd.DataFrame) -> str:
    left = left_out[left_out["rows_left_out"] > 0]
    if left.empty:
        return "Rows left out because of errors: none."
    return "Rows left out because of errors: " + ", ".join(
        f"{table} {int(n):,}" for table, n in zip(left["table"], left["rows_left_out"])) + "."


def _findings_text(findings: pd.DataFrame, noun: str) -> str:
    if findings.empty:
        return f"{noun}: none."
    counts = findings["severity"].value_counts()
    parts = [f"{int(counts[s]):,} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
             for s in ("error", "warning", "info") if s in counts]
    return f"{noun}: " + ", ".join(parts) + "."


def reconciliation_figures(rec: "Reconciliation") -> list[tuple[str, str]]:
    """The headline of a reconciliation: lines, open lines (not closed, shipped, delivered or cancelled), late,
    at risk and backordered lines, orders, and the open value per currency (never one sum across currencies)."""
    lines = rec.lines
    open_lines = rec.is_open()
    backordered = lines["backordered_qty"].fillna(0).to_numpy(dtype=float) > 0

    # Per line currency, as the Summary sheet and the command line say it (an order may mix currencies).
    value = totals_text(totals(*open_values(lines, rec.position)), _conversion(rec.position),
                        missing="without a price")
    return [("Lines", f"{len(lines):,}"), ("Open lines", f"{int(open_lines.sum()):,}"),
            ("Late lines", f"{int(lines['late'].sum()):,}"), ("At risk", f"{int(lines['at_risk'].sum()):,}"),
            ("Backordered", f"{int(backordered.sum()):,}"), ("Orders", f"{len(rec.orders):,}"),
            ("Open value", value)]


def _reconciliation_notes(rec: "Reconciliation") -> list[str]:
    notes = []
    if not rec.orders_known:
        notes.append("No orders table (a purchasing book): no order line is reconciled; purchase orders and stock "
                     "are.")
    if not rec.stock_judged:
        notes.append("Stock not checked: the book has no inventory table, so no line is backordered, allocated "
                     "or at risk because of stock.")
    notes.append(_findings_text(rec.exceptions, "Exceptions"))
    notes.append(_left_out_text(rec.left_out))
    return notes


def reconciliation_html(rec: "Reconciliation") -> str:
    open_lines = rec.open_lines()
    return (f"<div><strong>omxl.Reconciliation</strong> as of {rec.as_of:%Y-%m-%d}"
            f"{_figures_html(reconciliation_figures(rec))}{_paragraphs(_reconciliation_notes(rec))}"
            f"{_first_rows_html(open_lines, 'Order Status', 'Open lines, late first, then at risk, then backordered', _labels(rec.position))}"
            f"</div>")


def reconciliation_text(rec: "Reconciliation") -> str:
    figures = "   ".join(f"{label}: {value}" for label, value in reconciliation_figures(rec))
    return "\n".join([f"<omxl.Reconciliation as of {rec.as_of:%Y-%m-%d}>", f"  {figures}",
                      *(f"  {note}" for note in _reconciliation_notes(rec))])


def plan_figures(plan: "ReorderPlan") -> list[tuple[str, str]]:
    """The headline of a reorder plan: SKUs to order, their value per currency, purchase-order drafts, the
    service level."""
    value = totals_text(totals(plan.lines["order_value"], plan.lines["currency"]), plan.conversion)
    return [("SKUs to order", f"{len(plan.lines):,}"), ("Order value", value),
            ("PO drafts", f"{len(plan.purchase_orders):,}"), ("Service level", f"{plan.service_level:.1%}")]


def plan_html(plan: "ReorderPlan") -> str:
    return (f"<div><strong>omxl.ReorderPlan</strong> as of {plan.as_of:%Y-%m-%d}"
            f"{_figures_html(plan_figures(plan))}"
            f"{_paragraphs([plan.summary, _findings_text(plan.issues, 'Validation findings')])}"
            f"{_first_rows_html(plan.lines, 'Reorder List', 'SKUs to order', _labels(plan.position))}</div>")


def plan_text(plan: "ReorderPlan") -> str:
    figures = "   ".join(f"{label}: {value}" for label, value in plan_figures(plan))
    return "\n".join([f"<omxl.ReorderPlan as of {plan.as_of:%Y-%m-%d}>", f"  {figures}", f"  {plan.summary}",
                      f"  {_findings_text(plan.issues, 'Validation findings')}"])


def position_tables(position: "Position") -> pd.DataFrame:
    """Per table of the book: the rows read and the rows left out because of errors."""
    read = position.book.layout.groupby("table", sort=False)["rows"].sum()
    left = position.left_out.set_index("table")["rows_left_out"]
    tables = read.index.append(left.index[~left.index.isin(read.index) & left.gt(0).to_numpy()])
    return pd.DataFrame({"table": pd.array(tables, dtype="string[python]"),
                         "rows": read.reindex(tables).fillna(0).astype("int64").to_numpy(),
                         "rows_left_out": left.reindex(tables).fillna(0).astype("int64").to_numpy()})


def position_figures(position: "Position") -> list[tuple[str, str]]:
    errors = int(position.issues["severity"].eq("error").sum()) if len(position.issues) else 0
    return [("Order lines", f"{len(position.lines):,}"), ("SKUs in stock records", f"{len(position.stock):,}"),
            ("Open supply lines", f"{len(position.open_supply):,}"), ("Errors", f"{errors:,}"),
            ("Rows left out", f"{int(position.left_out['rows_left_out'].sum()):,}")]


def position_html(position: "Position") -> str:
    return (f"<div><strong>omxl.Position</strong> as of {position.as_of:%Y-%m-%d}"
            f"{_figures_html(position_figures(position))}"
            f"{_paragraphs([_findings_text(position.issues, 'Validation findings')])}"
            f"{_first_rows_html(position_tables(position), 'Tables', 'Tables read', _labels(position))}</div>")


def figure_text(value: object, num_format: object, unit: object) -> str:
    """A Result.figures value in words, as its number format shows it in the Summary sheet: money as omxl says
    money everywhere ("EUR 1,234.50", "unknown currency 1,234.50"), a rate as a percentage, other numbers with the
    format's decimals and thousands separators, then the unit."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    section = str(num_format or "").split(";")[0]
    if section == KINDS["money"].excel:
        return money_text(float(value), unit or None)
    decimals = len(section.split(".")[1].rstrip("%")) if "." in section else 0
    if section.endswith("%"):
        return decimal_text(float(value), decimals, 100) + "%"
    text = decimal_text(float(value), decimals) if num_format else f"{value:,}"
    return f"{text} {unit}" if unit and str(unit) != "units" else text


def result_html(result: object, sheet: str, frame: pd.DataFrame, caption: str) -> str:
    """Any step's result in a notebook (omxl.steps.Result): its step's title, its figures, its findings by
    severity, and the first rows of `frame` as on `sheet`."""
    figures = [(str(label), figure_text(value, num_format, unit))
               for label, value, num_format, unit, _ in result.figures.itertuples(index=False)]
    as_of = getattr(result, "as_of", None)
    when = f" as of {as_of:%Y-%m-%d}" if as_of is not None else ""
    config = getattr(result, "config", None) or getattr(getattr(result, "position", None), "config", None)
    labels = config.labels if config is not None else None
    return (f"<div><strong>{html.escape(REGISTRY[result.step].title)}</strong>{when}{_figures_html(figures)}"
            f"{_paragraphs([_findings_text(result.findings, 'Findings')])}"
            f"{_first_rows_html(frame, sheet, caption, labels)}</div>")


def report_kpis(report: "Report") -> pd.DataFrame:
    """The KPI table as people read it: measure, value, previous, change (each in kpi_words, the words the mail
    and the Summary sheet use too: the value says its unit or currency), the target and whether it is met
    (target_words), and the note why something is blank (report.kpis.reason, without what the heading says for
    the whole run: "no previous run"); the notebook and `omxl weekly` show it."""
    kpis = report.kpis
    units, currencies = kpis["unit"], kpis["currency"]
    return pd.DataFrame({
        "Measure": kpis["label"].astype(object),
        "Value": [kpi_words(v, u, c) for v, u, c in zip(kpis["value"], units, currencies)],
        "Previous": [kpi_words(v, u, c) for v, u, c in zip(kpis["previous"], units, currencies)],
        "Change": [kpi_words(v, u, c, signed=True) for v, u, c in zip(kpis["change"], units, currencies)],
        "Target": [target_words(t, on, u, c) for t, on, u, c in zip(kpis["target"], kpis["on_target"], units,
                                                                    currencies)],
        "Note": [reason_words(reason, per_row=True) for reason in kpis["reason"]]})


def _report_heading(report: "Report") -> str:
    start, end = report.period
    previous = (f"previous run {report.previous_as_of:%Y-%m-%d}" if report.previous_as_of is not None
                else "no previous run")
    return f"week {report.iso_week}, {start:%Y-%m-%d} to {end:%Y-%m-%d} ({previous})"


def report_html(report: "Report") -> str:
    table = report_kpis(report).to_html(index=False, escape=True)
    return (f"<div><strong>omxl.Report</strong> {html.escape(_report_heading(report))}"
            f"{_paragraphs([report.data_quality])}{table}</div>")


def report_text(report: "Report") -> str:
    return "\n".join([f"<omxl.Report {_report_heading(report)}>", f"  {report.data_quality}",
                      report_kpis(report).to_string(index=False)])
