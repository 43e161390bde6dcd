"""The weekly report's actions (contract 4.4): each "order from ..." action says whether the SKU is on the reorder
list, and why not, from the plan; and the ten lines that most need action, for the headline page.

The actions themselves are reconcile's (`rec.lines.action`, omxl/reconciliation/actions.py): reconcile knows
no plan, the weekly report has both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..reconciliation.actions import ORDER_PREFIX
from ..wording import fill_template, quantity_text

if TYPE_CHECKING:  # type hints only: the report is given a plan, it never makes one here
    from ..planning import ReorderPlan
    from ..reconciliation import Reconciliation

HEADLINE_COLUMNS = ("order_id", "line", "customer_id", "customer_name", "sku", "open_qty", "backordered_qty",
                    "promised_date", "projected_ship_date", "days_late", "action")

# (case, what the weekly report adds to an "order from ..." action), first that applies. The plan's `rule`
# says why a SKU is not ordered: it is discontinued, or its inventory position (on hand + on order - backlog)
# is above the reorder point (at or above the minimum for min/max items).
REORDER_NOTES: tuple[tuple[str, str], ...] = (
    ("listed", "; on the reorder list"),
    ("not_planned", "; not on the reorder list: not in the inventory table"),
    ("discontinued", "; not on the reorder list: discontinued"),
    ("above_minimum", "; not on the reorder list: inventory position {ip} is at or above the minimum {rop}"),
    ("above_reorder_point", "; not on the reorder list: inventory position {ip} is above the reorder point {rop}"),
    # Triggered, yet the quantity came to 0 (no demand to cover, say).
    ("nothing_to_order", "; not on the reorder list: nothing to order at inventory position {ip}"),
)


def with_plan_actions(lines: pd.DataFrame, plan: "ReorderPlan | None") -> pd.Series:
    """`lines.action` (reconcile's lines, or a selection of them) with the plan's word on each "order from ..."
    action: on the reorder list, or why not. The other actions, and all of them without a plan, as they are."""
    action = lines["action"].astype("string[python]")
    ordering = action.str.startswith(ORDER_PREFIX).fillna(False).to_numpy(dtype=bool)
    if plan is None or not ordering.any():
        return action
    rows = lines.loc[ordering, ["sku", "action"]]   # the lines are wide: only what is read
    skus = plan.skus.drop_duplicates("sku").set_index("sku")
    planned = skus.reindex(rows["sku"]).set_axis(rows.index)
    listed = rows["sku"].isin(plan.lines.loc[plan.lines["order_qty"] > 0, "sku"]).to_numpy(dtype=bool)
    rule = planned["rule"].astype(object).to_numpy()
    ip, rop = planned["inventory_position"], planned["reorder_point"]
    masks = {
        "listed": listed,
        "not_planned": pd.isna(rule),
        "discontinued": rule == "discontinued",
        "above_minimum": (rule == "min_max") & (ip >= rop).fillna(False).to_numpy(dtype=bool),
        "above_reorder_point": np.isin(rule, ["reorder_point", "computed"]) & (ip > rop).fillna(False)
        .to_numpy(dtype=bool),
        "nothing_to_order": np.ones(len(rows), dtype=bool),
    }
    assert tuple(masks) == tuple(case for case, _ in REORDER_NOTES)
    fields = {"ip": quantity_text(ip, decimals=1, blank="unknown"),
              "rop": quantity_text(rop, decimals=1, blank="unknown")}
    case = np.select(list(masks.values()), list(range(len(REORDER_NOTES))))
    note = np.full(len(rows), "", dtype=object)
    for number, (_, template) in enumerate(REORDER_NOTES):
        chosen = case == number
        if chosen.any():
            note[chosen] = fill_template(template, lambda name: fields[name][chosen], int(chosen.sum()))
    action[ordering] = (rows["action"].astype(object).to_numpy() + note)
    return action


def headline_actions(rec: "Reconciliation", plan: "ReorderPlan | None", *, limit: int = 10,
                     names: pd.Series | None = None) -> pd.DataFrame:
    """The `limit` lines that most need action (contract 4.4): late lines by days late, then open qty (both
    descending); then backordered lines that are not late, by backordered qty (descending); then at-risk lines
    by promised date; then any other line with an action (on hold, not late), by order and line. Ties go by
    order and line. `action` carries the plan's word on the reorder list (with_plan_actions).

    `names`: customer name by customer_id; by default the customers table's of the book reconciled. The
    `customer_name` column is always there (blank without names), so the columns are the same for every book."""
    lines = rec.lines[rec.lines["action"].notna().to_numpy(dtype=bool)]
    if names is None:
        names = _customer_names(rec)
    late = lines["late"].fillna(False).to_numpy(dtype=bool)
    backordered = lines["backordered_qty"].fillna(0).to_numpy(dtype=float) > 0
    at_risk = lines["at_risk"].fillna(False).to_numpy(dtype=bool)
    group = np.select([late, backordered, at_risk], [0, 1, 2], 3)
    promised = lines["promised_date"].astype("datetime64[ns]")
    promised_days = ((promised - pd.Timestamp(0)).dt.days.astype("float64")).fillna(np.inf).to_numpy()
    # Sort keys per group (descending as a negated number): what "most need action" means in each.
    first = np.select([group == 0, group == 1, group == 2],
                      [-lines["days_late"].to_numpy(dtype=float), -lines["backordered_qty"].to_numpy(dtype=float),
                       promised_days], 0.0)
    second = np.where(group == 0, -lines["open_qty"].to_numpy(dtype=float), 0.0)
    keyed = lines.assign(_group=group, _first=first, _second=second)
    top = keyed.sort_values(["_group", "_first", "_second", "order_id", "line"], kind="stable",
                            na_position="last").head(limit)
    top = top.assign(action=with_plan_actions(top, plan),
                     customer_name=top["customer_id"].map(names).astype("string[python]"))
    return top[list(HEADLINE_COLUMNS)].reset_index(drop=True)


def _customer_names(rec: "Reconciliation") -> pd.Series:
    customers = rec.position.book.customers if rec.position is not None else pd.DataFrame()
    if "name" not in customers or customers.empty:
        return pd.Series([], dtype="string[python]")
    return customers.dropna(subset=["customer_id"]).drop_duplicates("customer_id").set_index("customer_id")["name"]
