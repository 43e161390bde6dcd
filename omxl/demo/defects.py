"""The sheets as written: the generated business with its deliberate mistakes typed in, and the manifest of them.

Each mistake goes onto a fixed row of positions.py and is recorded with its cell at the moment it is made, so
the manifest (`demo_defects`) cannot drift from the workbook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.address import column_letter
from .data import Business, to_days
from .positions import (CUSTOMER_BAD_EMAIL_ROW, CUSTOMER_FORMULA_NAMES, FIRST_WEST_ROW, HEAD_ROWS, PHANTOM_ORDER,
                        PHANTOM_SHIPMENT_ROW, PO_BAD_SUPPLIER_ROW, PO_OVER_RECEIPT_ROW, PO_OVERDUE_ROWS, STOCK_ROWS,
                        SUPPLIER_BAD_EMAIL_ROW, SUPPLIER_DUPLICATED_ROW, TAIL_ROWS, UNKNOWN_CUSTOMER,
                        UNKNOWN_PO_SUPPLIER, UNKNOWN_SKU, UNKNOWN_SUPPLIER)
from .sheets import HEADER_ROW, SHEET_COLUMNS, Formula

STEPS = ("validate", "reconcile", "scenario", "safety")


class Manifest(list):
    """Defects as they are placed: (step, code, sheet, cell, description)."""

    def mark(self, step: str, code: str, sheet: str, position: int | None, header: str, what: str) -> None:
        """Record a defect at data position `position` of `sheet` (None: the header cell), column `header`."""
        col = [name for name, _, _ in SHEET_COLUMNS[sheet]].index(header)
        row = HEADER_ROW[sheet] + (0 if position is None else 1 + int(position))
        self.append((step, code, sheet, f"{column_letter(col)}{row}", what))


def inject_defects(business: Business, day: np.datetime64) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The sheets as written (in SHEET_COLUMNS order) and the manifest, ordered by step, then sheet."""
    manifest = Manifest()
    sheets = {
        "Orders": _orders_sheet(business.order_lines, business.items, business.customers, day, manifest),
        "Inventory": _inventory_sheet(business.stock, business.items, manifest),
        "Suppliers": _suppliers_sheet(business.suppliers, manifest),
        "Customers": _customers_sheet(business.customers, manifest),
        "Shipments": _shipments_sheet(business.shipments, business.items, manifest),
        "Purchase Orders": _purchase_orders_sheet(business.purchase_orders, manifest),
        "Returns": _returns_sheet(business.returns, business.order_lines, business.items, manifest),
    }
    rank = {name: i for i, name in enumerate((*STEPS, *SHEET_COLUMNS))}
    defects = pd.DataFrame(manifest, columns=["step", "code", "sheet", "cell", "description"])
    defects = defects.sort_values(["step", "sheet"], key=lambda column: column.map(rank), kind="stable")
    return {name: sheets[name] for name in SHEET_COLUMNS}, defects.reset_index(drop=True)


def _timestamps(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype=object)  # Timestamps (NaT for blanks), written as dates


def _orders_sheet(order_lines: pd.DataFrame, items: pd.DataFrame, customers: pd.DataFrame, day: np.datetime64,
                  manifest: Manifest) -> pd.DataFrame:
    n = len(order_lines)
    sheet = pd.DataFrame({
        "Order #": order_lines["order_id"], "Line": order_lines["line"],
        "Order Date": _timestamps(order_lines["order_date"]),
        "Customer": customers["Customer ID"].to_numpy()[order_lines["cust"]],
        "Item Code": items["sku"].to_numpy()[order_lines["sku"]], "Qty": order_lines["qty"],
        "Unit Price": order_lines["unit_price"], "Promised Date": _timestamps(order_lines["promised"]),
        "Status": order_lines["word"], "Priority": order_lines["priority"], "Sales Rep": order_lines["rep"],
        "Notes": order_lines["notes"],
    }).astype(object)
    for role, word in (("closed_unshipped", "Complete"), ("open_shipped", "Open"), ("cancelled_shipped", "Canceled"),
                       ("return_unshipped", "Cancelled"), ("delivered_early", "Open")):
        sheet.at[HEAD_ROWS[role], "Status"] = word
    tail_row = {role: n - offset for role, offset in TAIL_ROWS.items()}
    sheet.iloc[tail_row["duplicate"]] = sheet.iloc[tail_row["duplicate"] - 1]  # the line above, pasted twice

    def days_after(count: int) -> pd.Timestamp:
        return pd.Timestamp(day + count)

    def mistyped(date: pd.Timestamp) -> pd.Timestamp:
        """The date with the year's middle digits swapped (2206 for 2026): after the day of any run, so it stays
        a future-date whatever day the sample is read on; a date after as_of alone is a later export, no mistake.
        (The 28th at most: the swapped year may have no 29 February.)"""
        digits = f"{date.year:04d}"
        return date.replace(year=int(digits[0] + digits[2] + digits[1] + digits[3]),
                            day=min(date.day, 28) if date.month == 2 else date.day)

    nbsp_sku, spaced = sheet.at[tail_row["nbsp_sku"], "Item Code"], sheet.at[tail_row["spaced_customer"], "Customer"]
    outlier = int(items["base"].iat[STOCK_ROWS["fast"]]) * 50
    edits = [  # (role, header, value written, code, description)
        ("blank_customer", "Customer", None, "missing-value", "customer left blank"),
        ("blank_sku", "Item Code", None, "missing-value", "item code left blank"),
        ("twelve", "Qty", "twelve", "type-error", "quantity typed as the word 'twelve'"),
        ("ambiguous", "Order Date", "03/04/2026", "ambiguous-date", "order date typed as the text '03/04/2026'"),
        ("na", "Unit Price", Formula("=NA()", "#N/A"), "error-cell", "unit price is the formula =NA() (#N/A)"),
        ("neg_qty", "Qty", -3, "constraint-error", "quantity -3"),
        ("neg_price", "Unit Price", -1.5, "constraint-error", "unit price -1.5"),
        ("promised_early", "Promised Date", sheet.at[tail_row["promised_early"], "Order Date"] - pd.Timedelta(days=4),
         "constraint-error", "promised date 4 days before the order date"),
        ("bad_sku", "Item Code", UNKNOWN_SKU, "foreign-key", f"item code {UNKNOWN_SKU} is not in Inventory"),
        ("bad_customer", "Customer", UNKNOWN_CUSTOMER, "foreign-key",
         f"customer {UNKNOWN_CUSTOMER} is not in Customers"),
        ("future", "Order Date", mistyped(days_after(6)), "future-date",
         f"order date {mistyped(days_after(6)):%Y-%m-%d}, {days_after(6):%Y} typed as {mistyped(days_after(6)):%Y}"),
        ("outlier", "Qty", outlier, "outlier",
         f"quantity {outlier:,}, 50x the usual {outlier // 50:,} of {items['sku'].iat[STOCK_ROWS['fast']]}"),
        ("nbsp_sku", "Item Code", nbsp_sku + "\u00a0", "normalized-value",
         f"item code '{nbsp_sku}' + a non-breaking space"),
        ("spaced_customer", "Customer", f"  {spaced} ", "normalized-value",
         f"customer '{spaced}' typed with spaces around"),
        ("text_qty", "Qty", "1,200", "normalized-value", "quantity typed as the text '1,200'"),
    ]
    for role, header, value, _, _ in edits:
        sheet.at[tail_row[role], header] = value
    # The same slip in the promised date keeps the typo to one finding (not also promised before ordered).
    sheet.at[tail_row["future"], "Promised Date"] = mistyped(days_after(16))
    mid = n // 2
    sheet = pd.concat([sheet.iloc[:mid], pd.DataFrame([[None] * sheet.shape[1]], columns=sheet.columns),
                       sheet.iloc[mid:]], ignore_index=True)

    def frame_row(position: int) -> int:  # rows from the middle on moved down by one, past the blank row
        return position + (position >= mid)

    for role, header, _, code, what in edits:
        manifest.mark("validate", code, "Orders", frame_row(tail_row[role]), header, what)
    manifest.mark("validate", "duplicate-key", "Orders", frame_row(tail_row["duplicate"]), "Order #",
                  "order line pasted twice: same Order # and Line as the row above (this is the second)")
    manifest.mark("validate", "blank-row", "Orders", mid, "Order #", "a fully blank row in the middle of the lines")
    for header in ("Sales Rep", "Notes"):
        manifest.mark("validate", "unknown-column", "Orders", None, header, f"column '{header}' is not an omxl column")
    manifest.mark("reconcile", "status-mismatch", "Orders", frame_row(HEAD_ROWS["closed_unshipped"]), "Status",
                  "status 'Complete' but nothing was shipped")
    manifest.mark("reconcile", "status-mismatch", "Orders", frame_row(HEAD_ROWS["open_shipped"]), "Status",
                  "status 'Open' but the line is fully shipped")
    return sheet


def _inventory_sheet(stock: pd.DataFrame, items: pd.DataFrame, manifest: Manifest) -> pd.DataFrame:
    sheet = stock.astype(object)
    sku = items["sku"]
    for role, value, step, code, what in (
        ("negative", -4, "reconcile", "negative-stock", "on hand -4 (with open order lines: also a stockout)"),
        ("stockout1", 0, "reconcile", "stockout", "on hand 0 with open order lines"),
        ("stockout2", 0, "reconcile", "stockout", "on hand 0 with open order lines"),
        ("stockout3", 0, "reconcile", "stockout", "on hand 0 with open order lines"),
        ("na", "n/a", "validate", "type-error", "on hand typed as 'n/a'"),
    ):
        sheet.at[STOCK_ROWS[role], "On Hand"] = value
        manifest.mark(step, code, "Inventory", STOCK_ROWS[role], "On Hand", f"{sku.iat[STOCK_ROWS[role]]}: {what}")
    # The exchange on the scarce SKU competes for one order line's worth of stock with its open lines.
    sheet.at[STOCK_ROWS["scarce"], "On Hand"] = int(items["base"].iat[STOCK_ROWS["scarce"]])
    min_max = STOCK_ROWS["min_max"]
    sheet.at[min_max, "Min Qty"], sheet.at[min_max, "Max Qty"] = 50, 20
    manifest.mark("validate", "constraint-error", "Inventory", min_max, "Min Qty",
                  f"{sku.iat[min_max]}: min qty 50 above max qty 20")
    bad_supplier = STOCK_ROWS["bad_supplier"]
    sheet.at[bad_supplier, "Supplier"] = UNKNOWN_SUPPLIER
    manifest.mark("validate", "foreign-key", "Inventory", bad_supplier, "Supplier",
                  f"{sku.iat[bad_supplier]}: supplier {UNKNOWN_SUPPLIER} is not in Suppliers")
    return sheet


def _suppliers_sheet(suppliers: pd.DataFrame, manifest: Manifest) -> pd.DataFrame:
    sheet = suppliers.astype(object)
    bad = sheet.at[SUPPLIER_BAD_EMAIL_ROW, "Email"].replace("@", ".")
    sheet.at[SUPPLIER_BAD_EMAIL_ROW, "Email"] = bad
    manifest.mark("validate", "invalid-email", "Suppliers", SUPPLIER_BAD_EMAIL_ROW, "Email", f"e-mail '{bad}' has no @")
    again = sheet.iloc[[SUPPLIER_DUPLICATED_ROW]].copy()  # the same vendor keyed in again, for its accounts contact
    again["Email"] = "accounts@" + again["Email"].str.split("@").str[1]
    sheet = pd.concat([sheet.iloc[:SUPPLIER_DUPLICATED_ROW + 1], again, sheet.iloc[SUPPLIER_DUPLICATED_ROW + 1:]],
                      ignore_index=True)
    manifest.mark("validate", "duplicate-key", "Suppliers", SUPPLIER_DUPLICATED_ROW + 1, "Supplier ID",
                  f"supplier {again['Supplier ID'].iat[0]} listed twice")
    return sheet


def _customers_sheet(customers: pd.DataFrame, manifest: Manifest) -> pd.DataFrame:
    sheet = customers[[name for name, _, _ in SHEET_COLUMNS["Customers"]]].astype(object)
    bad = sheet.at[CUSTOMER_BAD_EMAIL_ROW, "Email"].replace("@", " at ")
    sheet.at[CUSTOMER_BAD_EMAIL_ROW, "Email"] = bad
    manifest.mark("validate", "invalid-email", "Customers", CUSTOMER_BAD_EMAIL_ROW, "Email", f"e-mail '{bad}'")
    manifest.mark("validate", "duplicate-column", "Customers", None, "E-mail", "'E-mail' next to 'Email'")
    for row, name in CUSTOMER_FORMULA_NAMES.items():
        sheet.at[row, "Customer Name"] = name
        manifest.mark("safety", "formula-text", "Customers", row, "Customer Name",
                      f"name '{name}' must stay text in outputs")
    return sheet


def _shipments_sheet(shipments: pd.DataFrame, items: pd.DataFrame, manifest: Manifest) -> pd.DataFrame:
    unshipped = [HEAD_ROWS["closed_unshipped"], HEAD_ROWS["return_unshipped"]]
    shipments = shipments[~shipments["line_idx"].isin(unshipped)].reset_index(drop=True)
    phantom = shipments.iloc[[PHANTOM_SHIPMENT_ROW]].assign(
        line_idx=-1, order_id=PHANTOM_ORDER, line=1, tracking=lambda d: d["tracking"].str[:-3] + "907")
    shipments = pd.concat([shipments.iloc[:PHANTOM_SHIPMENT_ROW], phantom, shipments.iloc[PHANTOM_SHIPMENT_ROW:]],
                          ignore_index=True)
    sheet = pd.DataFrame({
        "Shipment #": [f"SH-{300001 + i}" for i in range(len(shipments))], "Order #": shipments["order_id"],
        "Line": shipments["line"], "Item Code": shipments["sku"], "Qty Shipped": shipments["qty"],
        "Ship Date": _timestamps(shipments["ship"]), "Carrier": shipments["carrier"],
        "Tracking #": shipments["tracking"], "Delivered Date": _timestamps(shipments["delivered"]),
    }).astype(object)
    row_of = {role: int(np.flatnonzero(shipments["line_idx"].to_numpy() == HEAD_ROWS[role])[0])
              for role in ("over_ship", "sku_mismatch", "cancelled_shipped", "no_tracking", "delivered_early")}

    def line_ref(row: int) -> str:
        return f"{sheet.at[row, 'Order #']} line {sheet.at[row, 'Line']}"

    sheet.at[row_of["over_ship"], "Qty Shipped"] += 2
    manifest.mark("reconcile", "over-shipment", "Shipments", row_of["over_ship"], "Qty Shipped",
                  f"{line_ref(row_of['over_ship'])}: 2 more shipped than ordered")
    ordered = sheet.at[row_of["sku_mismatch"], "Item Code"]
    other = next(sku for sku in items["sku"].iloc[FIRST_WEST_ROW:] if sku != ordered)  # a plain SKU, not a role one
    manifest.mark("reconcile", "shipment-sku-mismatch", "Shipments", row_of["sku_mismatch"], "Item Code",
                  f"{line_ref(row_of['sku_mismatch'])} ordered {ordered}, shipped {other}")
    sheet.at[row_of["sku_mismatch"], "Item Code"] = other
    manifest.mark("reconcile", "shipment-on-cancelled-line", "Shipments", row_of["cancelled_shipped"], "Order #",
                  f"{line_ref(row_of['cancelled_shipped'])} is 'Canceled' on Orders")
    sheet.at[row_of["no_tracking"], "Tracking #"] = None
    manifest.mark("reconcile", "missing-tracking", "Shipments", row_of["no_tracking"], "Tracking #",
                  f"{line_ref(row_of['no_tracking'])}")
    # Half of an open line: leaving this error row out only makes the line look unshipped, which it may be.
    early = row_of["delivered_early"]
    sheet.at[early, "Qty Shipped"] //= 2
    sheet.at[early, "Delivered Date"] = sheet.at[early, "Ship Date"] - pd.Timedelta(days=2)
    manifest.mark("validate", "constraint-error", "Shipments", early, "Delivered Date",
                  f"{line_ref(early)} (open, half shipped): delivered 2 days before it was shipped")
    for step, code in (("validate", "foreign-key"), ("reconcile", "shipment-without-order")):
        manifest.mark(step, code, "Shipments", PHANTOM_SHIPMENT_ROW, "Order #", f"order {PHANTOM_ORDER} does not exist")
    return sheet


def _purchase_orders_sheet(purchase_orders: pd.DataFrame, manifest: Manifest) -> pd.DataFrame:
    sheet = purchase_orders.assign(**{"PO Date": _timestamps(purchase_orders["PO Date"]),
                                      "Expected Date": _timestamps(purchase_orders["Expected Date"])}).astype(object)
    ordered = sheet.at[PO_OVER_RECEIPT_ROW, "Qty Ordered"]
    received = ordered + max(1, round(ordered * 0.1))  # the supplier over-delivered
    sheet.at[PO_OVER_RECEIPT_ROW, "Received Qty"] = received
    manifest.mark("reconcile", "po-over-receipt", "Purchase Orders", PO_OVER_RECEIPT_ROW, "Received Qty",
                  f"{sheet.at[PO_OVER_RECEIPT_ROW, 'PO Number']}: received {received:,.0f} of {ordered:,.0f} ordered")
    for row in PO_OVERDUE_ROWS:
        manifest.mark("reconcile", "po-overdue", "Purchase Orders", row, "Expected Date",
                      f"{sheet.at[row, 'PO Number']} ({sheet.at[row, 'SKU']}) expected "
                      f"{sheet.at[row, 'Expected Date']:%Y-%m-%d}, still open")
    sheet.at[PO_BAD_SUPPLIER_ROW, "Supplier"] = UNKNOWN_PO_SUPPLIER
    manifest.mark("validate", "foreign-key", "Purchase Orders", PO_BAD_SUPPLIER_ROW, "Supplier",
                  f"{sheet.at[PO_BAD_SUPPLIER_ROW, 'PO Number']}: supplier {UNKNOWN_PO_SUPPLIER} is not in Suppliers")
    return sheet


def _returns_sheet(returns: pd.DataFrame, order_lines: pd.DataFrame, items: pd.DataFrame,
                   manifest: Manifest) -> pd.DataFrame:
    role_lines = np.array([HEAD_ROWS["return_excess"], HEAD_ROWS["exchange"], HEAD_ROWS["return_unshipped"]])
    back = to_days(order_lines["order_date"])[role_lines] + 10
    roles = pd.DataFrame({
        "line_idx": role_lines, "received": [back[0], back[1], np.datetime64("NaT")],
        "reason": ["Wrong item sent", "Damaged in transit", "Ordered by mistake"],
        "qty": order_lines["qty"].to_numpy()[role_lines] + [2, 0, 0], "condition": ["Resellable", "Damaged", None],
        "resolution": ["Credit", "Exchange", "Refund"], "status": ["Closed", "Received", "Authorised"],
    })
    returns = pd.concat([roles, returns.drop(columns="raised")], ignore_index=True)
    line_idx = returns["line_idx"].to_numpy()
    sheet = pd.DataFrame({
        "RMA #": [f"RMA-{5001 + k}" for k in range(len(returns))],
        "Order #": order_lines["order_id"].to_numpy()[line_idx], "Line": order_lines["line"].to_numpy()[line_idx],
        "SKU": items["sku"].to_numpy()[order_lines["sku"].to_numpy()[line_idx]], "Qty": returns["qty"],
        "Received Date": _timestamps(returns["received"]), "Reason": returns["reason"],
        "Condition": returns["condition"], "Resolution": returns["resolution"], "Status": returns["status"],
    }).astype(object)
    manifest.mark("reconcile", "return-exceeds-shipped", "Returns", 0, "Qty",
                  f"{sheet.at[0, 'RMA #']}: 2 more returned than shipped")
    manifest.mark("reconcile", "return-without-shipment", "Returns", 2, "Order #",
                  f"{sheet.at[2, 'RMA #']}: the line was cancelled and never shipped")
    manifest.mark("scenario", "exchange-replacement", "Returns", 1, "Resolution",
                  f"{sheet.at[1, 'RMA #']}: exchange of {sheet.at[1, 'SKU']}, whose stock covers one line and has "
                  "open lines")
    return sheet
