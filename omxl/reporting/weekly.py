"""`omxl.weekly_report`: the weekly status report (contract 4.4, docs/weekly-report.md).

One Position gives the Reconciliation and the ReorderPlan; from the three come the KPIs, the root causes, the
carrier figures and the sheets. The run history (omxl/reporting/history.py) gives last week's values, the trend
and what changed; this run is then recorded in it (the same as_of again replaces its run). The report is saved
by rendering the default template omxl/shipped/weekly_status.xlsx (or the user's) with `Report.context()`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..planning import plan_reorders
from ..position import Position, prepare
from ..presentation.billing_sheet import BILLING, NO_INVOICES, billing_page, billing_sentence, shown_tables
from ..presentation.code_words import in_words
from ..wording import name_or_id
from ..presentation.notebook import report_html, report_text
from ..presentation.sheets import fill_rows, result_sheet
from ..presentation.summary_sheet import weekly_figures, with_summary
from ..reconciliation import attention_first, reconcile
from ..reconciliation.views import STATUS_RANK
from ..shipped import template_path
from ..render import render_template
from .carriers import carrier_performance
from .improvements import Improvements, improvements_of
from .causes import DIMENSIONS, root_causes
from .changes import CHANGE_COLUMNS, line_changes
from .actions import headline_actions, with_plan_actions
from .headline import causes_heading, empty_notes, headline, kpi_table, previous_words, tiles, unit_kpi_table
from .history import History, inputs_fingerprint, line_states, open_history, reordered_skus, with_previous
from .kpis import NO_HISTORY, compute_kpis, nothing_to_compare, period_of
from .overdue import overdue_by_supplier, overdue_po_lines


if TYPE_CHECKING:  # for annotations only: the report imports the steps it runs when it runs them
    from ..book import Book
    from ..config import Config
    from ..planning import ReorderPlan
    from ..reconciliation import Reconciliation

DEFAULT_TEMPLATE = "weekly_status.xlsx"
TREND_KPIS = ("otif_line_rate", "unit_fill_rate", "late_lines")
TREND_RUNS = 12
# The root causes charted on the Summary as a Pareto: the largest keys of one dimension (the Root Causes sheet
# has every dimension). Supplier by default: late and backordered lines wait for stock, which suppliers bring.
CAUSES_CHARTED = 10
CAUSES_BY = "supplier"
HEADLINE_ACTIONS = 10

# Report sheets in workbook order: sheet name -> the template's table name (its context key).
SHEET_TABLES: dict[str, str] = {
    "KPIs": "kpi_table",
    "Late & At Risk": "late_lines",
    "Changes": "changes",
    "Root Causes": "root_causes",
    "Open Orders": "open_orders",
    "Backorders": "backorders",
    "Overdue POs": "overdue_pos",
    "Inventory": "inventory",
    "Reorder": "reorder",
    "Demand Classes": "demand_classes",
    "Purchase Orders": "purchase_orders",
    "Supplier Reliability": "supplier_reliability",
    "Carriers": "carriers",
    "Improvements": "improvements",
    "Returns": "returns",
    "Data Issues": "issues",
}
# The sheets a report by unit adds after KPIs (weekly_report(..., by_unit=True), contract 4.9); the By Unit sheet of
# the workbook shows its KPI table as the tables of omxl.reporting.units.BLOCKS and a chart.
BY_UNIT_TABLES: dict[str, str] = {"By Unit": "by_unit_kpis", "Late Lines by Unit": "late_by_unit"}
BY_UNIT_TEMPLATE = "weekly_status_by_unit.xlsx"

# `customer`: the customer's name where the customers table has one, else the id (one column: the page is for
# reading; the id stays in rec.lines).
LATE_COLUMNS = ("order_id", "line", "customer", "sku", "open_qty", "promised_date", "projected_ship_date", "days_late",
                "status", "reason", "action")
OPEN_COLUMNS = ("order_id", "line", "customer", "sku", "open_qty", "allocated_qty", "backordered_qty",
                "promised_date", "status")
BACKORDER_COLUMNS = ("order_id", "line", "customer", "sku", "backordered_qty", "promised_date",
                     "projected_ship_date", "covering_po")
# The late lines of every unit, the unit first: their keys are the units' own (north/O-1001).
LATE_BY_UNIT_COLUMNS = ("unit", "order_id", "line", "customer", "sku", "open_qty", "promised_date", "days_late",
                        "status", "reason", "action")
# What attention_first orders the open lines by.
ATTENTION_KEYS = ("late", "at_risk", "backordered_qty", "days_late", "promised_date", "order_id", "line")
ACTION_COLUMNS = ("order_id", "line", "customer", "sku", "open_qty", "promised_date", "days_late", "action")
INVENTORY_COLUMNS = ("sku", "description", "on_hand", "allocated", "backlog", "on_order", "available", "short")
REORDER_COLUMNS = ("sku", "supplier_id", "inventory_position", "reorder_point", "order_qty", "order_value",
                   "currency", "order_by", "urgency", "explanation")
PO_COLUMNS = ("supplier_id", "supplier_name", "currency", "lines", "units", "value", "order_by",
              "expected_arrival")
RETURN_COLUMNS = ("rma_id", "order_id", "sku", "qty", "received_date", "condition", "resolution", "status")
ISSUE_COLUMNS = ("severity", "code", "table", "sheet", "cell", "value", "message")


@dataclasses.dataclass(frozen=True, repr=False)
class Report:
    """The weekly status report for one as_of. Frames keep full precision; `save` writes the workbook."""

    position: "Position"
    reconciliation: "Reconciliation"
    plan: "ReorderPlan"
    kpis: pd.DataFrame
    causes: pd.DataFrame
    changes: pd.DataFrame
    trend: pd.DataFrame
    carriers: pd.DataFrame
    overdue_pos: pd.DataFrame   # the Overdue POs sheet: one row per po-overdue exception; the overdue PO KPIs count it
    previous_as_of: pd.Timestamp | None
    history: History | None
    fingerprint: str
    # weekly_report(..., by_unit=True): every KPI per unit (omxl.reporting.units.BY_UNIT_COLUMNS); None otherwise.
    by_unit: pd.DataFrame | None = None
    step: ClassVar[str] = "weekly"   # its entry in omxl.steps.REGISTRY

    @property
    def figures(self) -> pd.DataFrame:
        """One row per KPI: the value in its unit's format, the previous value and the change in the note, as the
        Summary sheet shows them (omxl.steps.Result)."""
        return weekly_figures(self.kpis)

    @property
    def findings(self) -> pd.DataFrame:
        """The validation issues of the rows the report started from (each left out of every figure)."""
        return self.position.issues

    @property
    def as_of(self) -> pd.Timestamp:
        return self.position.as_of

    @property
    def supplier_reliability(self) -> pd.DataFrame:
        """Per supplier: receipts, on-time rate, median and spread of the slip, the days its open POs' dates are
        moved by, and why (the plan's; the Supplier Reliability sheet, docs/learning.md)."""
        return self.plan.supplier_reliability

    @property
    def period(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day of the 7 days the period figures cover."""
        return period_of(self.as_of)

    @property
    def iso_week(self) -> str:
        """The ISO week of as_of, "2026-W48" (the ISO year, which differs from the calendar year around New Year)."""
        year, week, _ = self.as_of.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def default_name(self) -> str:
        """weekly-status-<ISO year>-W<week>.xlsx"""
        return f"weekly-status-{self.iso_week}.xlsx"

    @property
    def status_counts(self) -> pd.DataFrame:
        """status, lines: open order lines (the work in hand, as on Open Orders) per status, in the order of
        the status scale; statuses with no line left out. Shipped and closed lines are not counted: years of
        delivered lines would dwarf the week's work in the chart."""
        rec = self.reconciliation
        counts = rec.lines.loc[rec.is_open(), "status"].astype(object).value_counts()
        ranked = [name for name in STATUS_RANK if counts.get(name, 0)]
        ranked += sorted(set(counts.index) - set(ranked))
        return pd.DataFrame({"status": pd.Series(ranked, dtype="string[python]"),
                             "lines": np.array([int(counts[name]) for name in ranked], dtype="int64")})

    @property
    def no_previous(self) -> str:
        """What a change reads without a previous run ("first run", "no run history kept"); "" with one."""
        return previous_words(self.history is not None, self.previous_as_of)

    @property
    def data_quality(self) -> str:
        """One sentence: errors and warnings found, and rows left out because of errors."""
        severity = self.position.issues["severity"].astype(object)
        errors, warnings = int((severity == "error").sum()), int((severity == "warning").sum())
        left = int(self.position.left_out["rows_left_out"].sum())
        found = f"{_count(errors, 'error')} and {_count(warnings, 'warning')} in the data"
        if not left:
            return f"{found}; no rows were left out."
        return f"{found}; {_count(left, 'row')} with errors {'was' if left == 1 else 'were'} left out of every " \
               "figure (Data Issues sheet)."

    @functools.cached_property
    def sheets(self) -> dict[str, pd.DataFrame]:
        """The report's tables by sheet name (SHEET_TABLES order; a report by unit has BY_UNIT_TABLES' after
        KPIs), with omxl's column names and codes; made once, on first use (the workbook, the write-back and the
        Excel button each read them)."""
        rec, plan, pos = self.reconciliation, self.plan, self.position
        # Only the columns the line sheets show or sort by: rec.lines is wide, and the filters and the sort below
        # would copy every column.
        shown = {*LATE_COLUMNS, *OPEN_COLUMNS, *BACKORDER_COLUMNS, *LATE_BY_UNIT_COLUMNS, *ATTENTION_KEYS}
        kept = [name for name in rec.lines.columns if name in shown and name not in ("customer", "action")]
        lines = rec.lines[kept].assign(
            customer=name_or_id(rec.lines["customer_id"], pos.book.customers, "customer_id"),
            action=with_plan_actions(rec.lines, plan))
        open_mask = rec.is_open()
        open_lines = attention_first(lines[open_mask])
        late = open_lines[open_lines["late"] | open_lines["at_risk"]]
        backordered = open_lines[open_lines["backordered_qty"].fillna(0) > 0]
        ordered = plan.lines[plan.lines["order_qty"] > 0]
        start, end = self.period
        returns = rec.returns
        received = pd.to_datetime(returns["received_date"]).dt.normalize()
        recent = returns[((received >= start) & (received <= end)) | received.isna()]
        sheets = {"KPIs": kpi_table(self.kpis, no_previous=self.no_previous)}
        if self.by_unit is not None:
            # Grouped by unit, each unit's lines in the Late & At Risk order (most days late first).
            by_unit = open_lines[open_lines["late"]].sort_values("unit", kind="stable")
            sheets["By Unit"] = unit_kpi_table(self.by_unit)
            sheets["Late Lines by Unit"] = _pick(by_unit, LATE_BY_UNIT_COLUMNS)
        return {
            **sheets,
            "Late & At Risk": _pick(late, LATE_COLUMNS),
            "Changes": self.changes,
            "Root Causes": self.causes,
            "Open Orders": _pick(open_lines, OPEN_COLUMNS),
            "Backorders": _pick(backordered, BACKORDER_COLUMNS),
            "Overdue POs": self.overdue_pos,
            "Inventory": _pick(rec.inventory, INVENTORY_COLUMNS),
            "Reorder": _pick(ordered, REORDER_COLUMNS),
            "Demand Classes": demand_class_table(plan.skus),
            "Purchase Orders": _pick(plan.purchase_orders, PO_COLUMNS),
            "Supplier Reliability": self.supplier_reliability,
            "Carriers": self.carriers,
            "Improvements": self.improvements.suggestions,
            "Returns": _pick(recent, RETURN_COLUMNS),
            "Data Issues": _pick(pos.issues, ISSUE_COLUMNS),
        }

    @functools.cached_property
    def improvements(self) -> Improvements:
        """The suggested improvements of the report's position, with its plan's ABC classes (docs/learning.md):
        the Improvements sheet."""
        return improvements_of(self.position, self.plan)

    @functools.cached_property
    def actions(self) -> pd.DataFrame:
        """The lines that most need action, in the contract's order (the headline page's ten)."""
        top = headline_actions(self.reconciliation, self.plan, limit=HEADLINE_ACTIONS)
        customer = top["customer_name"].fillna(top["customer_id"].astype("string[python]"))
        return _pick(top.assign(customer=customer), ACTION_COLUMNS)

    def context(self, *, title: str = "Weekly order status", causes_by: str = CAUSES_BY) -> dict[str, object]:
        """What the weekly template is filled with (the context documented in scripts/weekly_status_template.py
        and docs/weekly-report.md): every code in words. `causes_by`: the dimension of the Summary's Pareto
        (supplier, carrier, sku, customer)."""
        if causes_by not in DIMENSIONS:
            raise ValueError(f"causes_by: '{causes_by}' is not a root-cause dimension ({', '.join(DIMENSIONS)})")
        start, end = self.period
        causes = self.causes[self.causes["dimension"] == causes_by].head(CAUSES_CHARTED).reset_index(drop=True)
        names = {**SHEET_TABLES, **BY_UNIT_TABLES}
        tables = {names[name]: in_words(frame, name).reset_index(drop=True) for name, frame in self.sheets.items()}
        if self.by_unit is not None:
            from .units import unit_tables
            tables.update(unit_tables(self.by_unit))
        charts = {"trend": self.trend, "status_counts": in_words(self.status_counts),
                  "causes": in_words(causes), "overdue_by_supplier": overdue_by_supplier(self.overdue_pos),
                  "actions": self.actions}
        billing = shown_tables(self.reconciliation.balances, self.reconciliation.to_chase)
        tables.update(billing)
        book_tables = set(self.position.book.layout["table"].astype(str))
        context: dict[str, object] = {
            "title": title, "as_of": self.as_of.date(), "period_start": start.date(), "period_end": end.date(),
            "iso_week": self.iso_week, "data_quality": self.data_quality,
            "headline": headline(self.iso_week, start, end, self.as_of, self.previous_as_of,
                                 has_history=self.history is not None),
            "tiles": tiles(self.kpis, no_previous=self.no_previous), "causes_by": causes_by,
            "causes_heading": causes_heading(causes, causes_by),
            "notes": empty_notes({**tables, **charts}, book_tables, no_previous=self.no_previous,
                                 previous_as_of=self.previous_as_of, plan_summary=self.plan.summary),
            "kpis": self.kpis,
        }
        if self.improvements.suggestions.empty:   # what was checked, rather than a bare "nothing"
            context["notes"]["improvements"] = self.improvements.summary
        if self.by_unit is not None:
            from .units import unit_note
            context["notes"]["by_unit"] = unit_note(list(pd.unique(self.by_unit["unit"].astype(object))))
        if "invoices" in book_tables:
            context["notes"]["billing"] = billing_sentence(self.as_of)
        else:   # said once, at the top of the sheet, rather than under each of its three tables
            context["notes"].update({"billing": NO_INVOICES, **{name: "" for name in billing}})
        context.update(charts)
        context.update(tables)
        return context

    def save(self, path: "str | os.PathLike | None" = None, *, template: "str | os.PathLike | None" = None,
             backup: bool = True) -> Path:
        """Write the report workbook to `path` (default: default_name in the current folder) by rendering
        `template` (default: the shipped omxl/shipped/weekly_status.xlsx, or weekly_status_by_unit.xlsx for a
        report by unit) with context(); atomically, keeping an existing file as a backup in omxl-backups/ unless
        backup=False. Returns the path written."""
        target = Path(path) if path is not None else Path(self.default_name)
        shipped = DEFAULT_TEMPLATE if self.by_unit is None else BY_UNIT_TEMPLATE
        source = Path(template) if template is not None else template_path(shipped)
        return render_template(source, self.context(), target, backup=backup)

    def result_sheets(self) -> dict[str, object]:
        """The sheets `omxl weekly --write-back` adds to the source workbook: a Summary with the KPIs (value,
        previous, change), then KPIs, Root Causes and the detail sheets, labelled and formatted like every
        result sheet (omxl.presentation); for a book with invoices the Billing page after Returns."""
        labels = self.position.config.labels
        sheets: dict[str, object] = {"KPIs": result_sheet(self.sheets["KPIs"], "KPIs", labels=labels)}
        for name, frame in self.sheets.items():
            if name == "KPIs":
                continue
            frame = in_words(frame, name)
            fill = None
            if name == "Late & At Risk":  # days_late is above 0 exactly on the late lines; the rest are at risk
                late = frame["days_late"].fillna(0) > 0
                fill = fill_rows(frame, late=late, at_risk=~late)
            sheets[name] = result_sheet(frame, name, labels=labels, row_fill=fill)
            if name == "Returns" and self.position.book.layout["table"].eq("invoices").any():
                rec = self.reconciliation
                sheets[BILLING] = billing_page(rec.balances, rec.to_chase, self.as_of, labels=labels)
        return with_summary(self, sheets, sentence=self.data_quality)

    # The KPI table in words in a notebook (omxl/presentation/notebook.py).
    def __repr__(self) -> str:
        return report_text(self)

    def _repr_html_(self) -> str:
        return report_html(self)


def weekly_report(book: "Book | Position", *, as_of: object = None, config: "Config | dict | str | None" = None,
                  history: "History | str | os.PathLike | None" = None, by_unit: bool = False) -> Report:
    """The weekly status report of contract 4.4 for the 7 days ending on `as_of`.

    `history`: a History, or the path of its SQLite file; None uses the `history` setting, and without one the
    report has no previous values, a one-point trend and no changes, and nothing is recorded. With a history,
    last week's values come from the latest earlier run, and this run is recorded (replacing a run of the same
    as_of); the report's reorder plan remembers its drafts there (plan_reorders' `history`, docs/learning.md).

    `by_unit`: for a book of several units (omxl.consolidate, contract 4.9), also every KPI per unit
    (`report.by_unit`, each unit's figures from its own rows only) and, in the workbook, the By Unit and Late
    Lines by Unit sheets (docs/weekly-report.md, "By unit"). A book without units raises ConfigError."""
    if by_unit:   # the units' modules only for a report by unit: every weekly run imports this one
        from ..consolidation.units import has_units
        from .units import NO_UNITS
        if not has_units(book.book if isinstance(book, Position) else book):
            raise ConfigError(NO_UNITS)
    position = prepare(book, as_of=as_of, config=config)
    rec = reconcile(position)
    store = open_history(history, position.config)
    # The report's plan remembers its drafts in the report's history: a SKU drafted in the last draft_hold_days
    # days and not yet ordered is not counted (nor listed) as to reorder again.
    plan = plan_reorders(position, history=store)
    overdue = overdue_po_lines(position, rec)   # the Overdue POs sheet, and what its KPIs count
    kpis = compute_kpis(position, rec, plan, overdue=overdue)
    causes = root_causes(position, rec)
    states, reorders = line_states(rec), reordered_skus(plan)
    fingerprint = inputs_fingerprint(position.book)
    previous_as_of = store.previous(position.as_of) if store is not None else None
    # Previous values and changes; a value with nothing to compare it with says why.
    kpis = with_previous(kpis, store, position.as_of) if store is not None else nothing_to_compare(kpis, NO_HISTORY)
    if previous_as_of is not None:
        changes = line_changes(store.line_states(previous_as_of), states, store.reorders(previous_as_of), reorders,
                               previous_as_of=previous_as_of, as_of=position.as_of)
    else:
        changes = _no_changes()
    if store is not None:
        store.record(as_of=position.as_of, fingerprint=fingerprint, kpis=kpis, states=states, reorders=reorders)
        trend = _trend(store, position.as_of)
    else:
        trend = _trend_of_one(kpis, position.as_of)
    return Report(position=position, reconciliation=rec, plan=plan, kpis=kpis, causes=causes, changes=changes,
                  trend=trend, carriers=carrier_performance(position), overdue_pos=overdue,
                  previous_as_of=previous_as_of, history=store, fingerprint=fingerprint,
                  by_unit=_unit_kpis(position, rec, plan, overdue) if by_unit else None)


NO_CLASS = "no class"
DEMAND_CLASS_COLUMNS = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")


def demand_class_table(skus: pd.DataFrame) -> pd.DataFrame:
    """SKUs per ABC class (rows A, B, C, no class) and demand class (columns smooth, erratic, intermittent,
    lumpy, no demand), and the row's total `skus`: every SKU of the plan, discontinued ones included. "no class"
    holds the SKUs without an ABC class (no demand or no unit cost); "no demand" those without a week with demand
    (or, in a book without orders, whose demand is not known)."""
    abc = skus["abc_class"].astype(object).where(skus["abc_class"].notna(), NO_CLASS)
    kind = skus["demand_class"].astype(object).where(skus["demand_class"].notna(), "no_demand")
    rows, columns = ["A", "B", "C", NO_CLASS], list(DEMAND_CLASS_COLUMNS)
    # Counted into a grid of codes (pandas 2.2's crosstab repeats the columns of categories an empty plan lacks).
    row = pd.Categorical(abc, categories=rows).codes
    column = pd.Categorical(kind, categories=columns).codes
    grid = np.zeros((len(rows), len(columns)), dtype="int64")
    known = (row >= 0) & (column >= 0)
    np.add.at(grid, (row[known], column[known]), 1)
    table = pd.DataFrame(grid, index=rows, columns=columns)
    table["skus"] = table.sum(axis=1).astype("int64")
    table.insert(0, "abc_class", pd.Series(table.index, index=table.index, dtype="string[python]"))
    return table.reset_index(drop=True)


def _trend(store: History, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per run up to as_of (the last TREND_RUNS), oldest first: as_of and the TREND_KPIS."""
    frames = [store.trend(kpi, runs=TREND_RUNS, until=as_of).set_index("as_of")["value"].rename(kpi)
              for kpi in TREND_KPIS]
    trend = pd.concat(frames, axis=1).sort_index().reset_index()
    return trend.astype({kpi: float for kpi in TREND_KPIS})


def _trend_of_one(kpis: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    values = kpis.drop_duplicates("kpi").set_index("kpi")["value"]
    return pd.DataFrame({"as_of": [as_of], **{kpi: [float(values[kpi])] for kpi in TREND_KPIS}})


def _unit_kpis(position: Position, rec: "Reconciliation", plan: "ReorderPlan", overdue: pd.DataFrame) -> pd.DataFrame:
    from .units import unit_kpis
    return unit_kpis(position, rec, plan, overdue)


def _no_changes() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series([], dtype="string[python]") for column in CHANGE_COLUMNS})
    return frame.astype({"line": "Int64"})


def _pick(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The sheet's columns in its order; every one is there, blank when the book lacks it (no customer names,
    say), so that a template's column letters hold for every book."""
    picked = frame.reindex(columns=list(columns))
    return picked.reset_index(drop=True)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
