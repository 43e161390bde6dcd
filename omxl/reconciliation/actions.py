"""What to do about each open line that needs work, in words (contract 4.4, "Actions"): `rec.lines.action`.

The cases are a table in precedence order (the first that applies wins), each with its text as a template;
a case's mask and its text are built column-wise over all its lines at once. Reconcile knows no plan, so
"order from ..." says nothing about the reorder list: the weekly report adds that (omxl/reporting/actions.py).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..wording import day_text, fill_template, name_or_id, quantity_text

# (case, template), in precedence order. A template's {fields} are filled per line from FIELDS below.
ACTIONS: tuple[tuple[str, str], ...] = (
    # Late with stock allocated: late and allocated_qty > 0, even when part of the line is still short: what
    # is allocated can go today, the rest follows.
    ("ship", "ship: stock is allocated"),
    # Backordered with a covering PO (covering_po): that PO line's supplier and expected date.
    ("chase_po", "chase PO {po} with {po_supplier} (due {due})"),
    ("chase_po_undated", "chase PO {po} with {po_supplier} (no due date)"),
    # Covered by inventory.on_order (a book without a purchase_orders table): on order, but under no PO number.
    ("chase_on_order", "chase the stock on order with {po_supplier} (no PO on file)"),
    # Backordered and nothing inbound covers it: the SKU's supplier from the inventory table.
    ("order", "order from {sku_supplier}"),
    ("order_no_supplier", "order from a supplier (none on file for {sku})"),
    ("tell_new_date", "tell the customer: new date {projected}"),
    ("tell_no_date", "tell the customer: no ship date yet"),
    # The cases the rules above do not cover. A company rule's hold is released where the rule says (an approval,
    # a payment), the sheet's hold on the sheet.
    ("release_rule_hold", "release the hold of rule {rule}: {open_units} held"),
    ("release_hold", "release the hold: {open_units} on hold on the order sheet"),
    ("tell_late", "tell the customer: late by {late_by}"),
)
# Every "order from ..." text starts so; the weekly report adds the reorder list to exactly these.
ORDER_PREFIX = "order from "
assert all(template.startswith(ORDER_PREFIX) == case.startswith("order") for case, template in ACTIONS)


def line_actions(lines: pd.DataFrame, supply: pd.DataFrame, *, inventory: pd.DataFrame,
                 suppliers: pd.DataFrame) -> pd.Series:
    """The action of every line (string, <NA> when there is nothing to do). `lines` are reconcile's, with
    status, late, at_risk, days_late, open_qty, allocated_qty, backordered_qty, projected_ship_date,
    covering_po and covering_supply (the row of `supply`, the open PO lines, that covers the backorder)."""
    row = lines["covering_supply"].astype("Int64")
    work = lines.assign(sku_supplier_id=sku_suppliers(lines["sku"], inventory),
                        po_supplier_id=_supply_column(row, supply, "supplier_id").astype("string[python]"),
                        po_due=_supply_column(row, supply, "expected_date").astype("datetime64[ns]"))
    case = np.select(list(_case_masks(work).values()), list(range(len(ACTIONS))), -1)
    action = pd.Series(pd.NA, index=lines.index, dtype="string[python]")
    for number, (_, template) in enumerate(ACTIONS):
        rows = case == number
        if rows.any():
            chosen = work[rows]
            action[rows] = fill_template(template, lambda name: FIELDS[name](chosen, suppliers), len(chosen))
    return action


def _case_masks(lines: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per case of ACTIONS (same order), the lines it applies to, before precedence."""
    def flag(column: str) -> np.ndarray:
        return lines[column].fillna(False).to_numpy(dtype=bool)

    def known(column: str) -> np.ndarray:
        return lines[column].notna().to_numpy(dtype=bool)

    open_ = lines["open_qty"].fillna(0).to_numpy(dtype=float) > 0
    late, at_risk = flag("late") & open_, flag("at_risk") & open_
    backordered = open_ & (lines["backordered_qty"].fillna(0).to_numpy(dtype=float) > 0)
    covered, by_po = known("covering_supply"), known("covering_po")
    by_rule = known("hold_rule") if "hold_rule" in lines else np.zeros(len(lines), dtype=bool)
    masks = {
        "ship": late & (lines["allocated_qty"].fillna(0).to_numpy(dtype=float) > 0),
        "chase_po": backordered & by_po & known("po_due"),
        "chase_po_undated": backordered & by_po & ~known("po_due"),
        "chase_on_order": backordered & covered & ~by_po,
        "order": backordered & ~covered & known("sku_supplier_id"),
        "order_no_supplier": backordered & ~covered & ~known("sku_supplier_id"),
        "tell_new_date": at_risk & known("projected_ship_date"),
        "tell_no_date": at_risk & ~known("projected_ship_date"),
        "release_rule_hold": open_ & by_rule,
        "release_hold": open_ & lines["status"].eq("on_hold").fillna(False).to_numpy(dtype=bool),
        "tell_late": late,
    }
    assert tuple(masks) == tuple(case for case, _ in ACTIONS)
    return masks


def supplier_names(ids: pd.Series, suppliers: pd.DataFrame) -> pd.Series:
    """A supplier as people know it: its name in the suppliers table, else its id (<NA> when no id)."""
    return name_or_id(ids, suppliers, "supplier_id")


def sku_suppliers(skus: pd.Series, inventory: pd.DataFrame) -> pd.Series:
    """Each SKU's supplier_id as the reorder plan takes it: from the SKU's first inventory row."""
    first = inventory.drop_duplicates("sku").set_index("sku")["supplier_id"]
    return skus.map(first).astype("string[python]")


def _supply_column(row: pd.Series, supply: pd.DataFrame, column: str) -> pd.Series:
    """`column` of the supply line at each `row` label (<NA> where there is none)."""
    found = row.notna().to_numpy(dtype=bool)
    values = pd.Series(pd.NA, index=row.index, dtype=object)
    values[found] = supply[column].reindex(row[found].astype("int64").to_numpy()).to_numpy(dtype=object)
    return values


def _units(quantity: pd.Series, one: str, many: str) -> pd.Series:
    return quantity_text(quantity) + np.where(quantity == 1, one, many)


# field -> its text per line: (rows, suppliers) -> Series.
FIELDS = {
    "po": lambda rows, suppliers: rows["covering_po"].astype(object),
    "po_supplier": lambda rows, suppliers: supplier_names(rows["po_supplier_id"], suppliers).fillna("its supplier"),
    "due": lambda rows, suppliers: day_text(rows["po_due"]),
    "sku_supplier": lambda rows, suppliers: supplier_names(rows["sku_supplier_id"], suppliers),
    "sku": lambda rows, suppliers: rows["sku"].astype(object),
    "projected": lambda rows, suppliers: day_text(rows["projected_ship_date"]),
    "open_units": lambda rows, suppliers: _units(rows["open_qty"], " unit", " units"),
    "late_by": lambda rows, suppliers: _units(rows["days_late"], " day", " days"),
    "rule": lambda rows, suppliers: rows["hold_rule"].astype(object),
}
