"""The numbers of the weekly status report (contract 4.4): KPIs, root causes, run history and what changed.

`kpis` defines every KPI once, as data, and computes them from a Position, its Reconciliation and its
ReorderPlan; `actions` adds the plan's word to reconcile's actions and picks the ten lines that most need
action; `causes` breaks late and backordered lines down by supplier, carrier, SKU and customer; `history`
keeps past runs in an embedded SQLite file; `overdue` lists the purchase-order lines past their expected date;
`changes` compares a run's line states with the previous run's.
docs/kpis.md is generated from the definitions.
"""

from __future__ import annotations

from .actions import HEADLINE_COLUMNS, headline_actions, with_plan_actions
from .causes import CAUSE_COLUMNS, root_causes
from .changes import CHANGE_COLUMNS, line_changes
from .history import History, HistoryError, inputs_fingerprint, line_states, reordered_skus, with_previous
from .kpis import KPI_COLUMNS, KPIS, Kpi, compute_kpis, period_of
from .carriers import CARRIER_COLUMNS, carrier_performance
from .overdue import OVERDUE_COLUMNS, overdue_by_supplier, overdue_po_lines
from .weekly import Report, weekly_report

__all__ = ["HEADLINE_COLUMNS", "headline_actions", "with_plan_actions", "CARRIER_COLUMNS", "CAUSE_COLUMNS", "Report", "carrier_performance", "weekly_report", "CHANGE_COLUMNS", "History", "HistoryError", "KPIS", "KPI_COLUMNS", "Kpi", "OVERDUE_COLUMNS",
           "compute_kpis", "inputs_fingerprint", "line_changes", "line_states", "overdue_by_supplier", "overdue_po_lines", "period_of", "reordered_skus",
           "root_causes", "with_previous"]
