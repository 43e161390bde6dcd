"""The validation rules as data: one row per rule, read by omxl.validate and by the docs.

Each rule names its finding code, table, columns (the first is the cell a finding
cites), the check that finds offending rows (a function in omxl.validation.CHECKS),
the message (fields: {column} as the header is written, {value} found, and the
check's own: {other_column}, {other_value}, {first_row}, {run_day}, {target}, {factor},
{reference}), and a
severity when it differs from the code's default (omxl.findings.CATALOG).
docs/validation-rules.md is generated from RULES; tests iterate over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import TABLES


@dataclass(frozen=True)
class Rule:
    code: str
    table: str
    columns: tuple[str, ...]
    check: str
    message: str
    severity: str | None = None
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def name(self) -> str:
        return f"{self.table}.{'+'.join(self.columns)}.{self.check}"


def R(code: str, table: str, columns: str, check: str, message: str, severity: str | None = None,
      **params: object) -> Rule:
    return Rule(code, table, tuple(columns.split()), check, message, severity, dict(params))


_FILL_IN = {
    "order_id": "Fill in the order number.",
    "order_date": "Fill in the date the order was placed.",
    "customer_id": "Fill in the customer, or delete the line if it is not an order.",
    "sku": "Fill in the item code.",
    "qty": "Fill in the quantity.",
    "on_hand": "Fill in the quantity on hand (0 when there is none).",
    "supplier_id": "Fill in the supplier code.",
    "ship_date": "Fill in the date it shipped.",
    "po_id": "Fill in the purchase-order number.",
    "rma_id": "Fill in the return (RMA) number.",
    "invoice_id": "Fill in the invoice number.",
    "amount": "Fill in the amount.",
    "invoice_date": "Fill in the date of the invoice.",
    "paid_date": "Fill in the date it was paid.",
}

REQUIRED_RULES: tuple[Rule, ...] = tuple(
    R("missing-value", table.name, column, "required",
      "'{column}' is blank. " + _FILL_IN.get(column, "Fill it in.") + " Rows with a blank required value are "
      "left out of reconciliation and planning.")
    for table in TABLES for column in table.required
)

INVALID_EMAIL = "'{value}' is not a valid e-mail address. Correct it so messages can reach them."
_QTY_POSITIVE = "'{column}' must be more than 0 (found {value}). Correct the quantity or cancel the line."
# A date after the day the run is made cannot have happened: a typo (2206 for 2026). A date after as_of alone is
# an export made later, not a mistake: those events are left out as of the day (omxl/position/point_in_time.py).
_FUTURE = ("'{column}' {value} is after {run_day}, the day this run is made: it cannot have happened yet. Correct "
           "the date.")
_NOT_NEGATIVE = "'{column}' cannot be negative (found {value}). Correct it, or leave it blank if unknown."

RULES: tuple[Rule, ...] = REQUIRED_RULES + (
    # orders
    # A credit note's negative quantity is a cancellation (finding `cancellation`), not an error.
    R("constraint-error", "orders", "qty", "positive", _QTY_POSITIVE, except_cancellations=True),
    R("constraint-error", "orders", "unit_price", "non_negative",
      "'{column}' cannot be negative (found {value}). Correct the price; credits belong on a return."),
    R("constraint-error", "orders", "unit_price", "zero", "'{column}' is 0. Check that the line is meant to be "
      "free of charge.", severity="warning"),
    R("constraint-error", "orders", "discount", "fraction",
      "'{column}' must be a fraction from 0 to 1 (found {value}; 0.05 is 5%). Correct the discount."),
    R("constraint-error", "orders", "promised_date order_date", "before",
      "'{column}' ({value}) is before '{other_column}' ({other_value}). Correct the promised date."),
    R("constraint-error", "orders", "delivered_date ship_date", "before",
      "'{column}' ({value}) is before '{other_column}' ({other_value}). Correct one of the dates."),
    R("constraint-error", "orders", "shipped_qty", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "orders", "priority", "at_least_one",
      "'{column}' must be 1 (highest) or more (found {value}). Correct the priority."),
    R("duplicate-key", "orders", "order_id line", "unique",
      "Order {value} line {other_value} appears more than once (first on row {first_row}). Delete the repeated "
      "line or give it its own line number."),
    R("duplicate-key", "orders", "order_id sku qty order_date customer_id unit_price", "exact_duplicate",
      "This line repeats row {first_row} exactly (order {value}, same item, quantity, price and date). Delete it "
      "if it was entered twice.", line_defaulted_only=True),
    R("foreign-key", "orders", "sku", "exists_in",
      "Item '{value}' is not in the inventory. Correct the item code, or add the item to the inventory sheet.",
      target="inventory.sku"),
    R("foreign-key", "orders", "customer_id", "exists_in",
      "Customer '{value}' is not in the customers sheet. Correct it, or add the customer.", severity="warning",
      target="customers.customer_id"),
    R("future-date", "orders", "order_date", "after_run_day", _FUTURE),
    # Robust test on log quantities; threshold and minimum history in the configuration (outlier_threshold,
    # outlier_min_lines), the reasoning in docs/outliers.md.
    R("outlier", "orders", "qty", "outlier",
      "'{column}' {value} is {factor} times {reference} ({other_value}), far outside the usual spread. Check "
      "for a typo."),
    # inventory
    R("constraint-error", "inventory", "unit_cost", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "inventory", "lead_time_days", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "inventory", "on_order", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "inventory", "reorder_point", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "inventory", "reorder_qty", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "inventory", "min_qty", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "inventory", "max_qty", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "inventory", "safety_stock", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "inventory", "moq", "positive",
      "'{column}' must be more than 0 (found {value}). Correct the minimum order quantity, or leave it blank."),
    R("constraint-error", "inventory", "pack_size", "positive",
      "'{column}' must be more than 0 (found {value}). Correct the pack size, or leave it blank."),
    R("constraint-error", "inventory", "min_qty max_qty", "greater_than",
      "'{column}' ({value}) is more than '{other_column}' ({other_value}). Swap or correct them."),
    R("duplicate-key", "inventory", "sku location", "unique",
      "Item {value} at location {other_value} appears more than once (first on row {first_row}). Merge the rows."),
    R("foreign-key", "inventory", "supplier_id", "exists_in",
      "Supplier '{value}' is not in the suppliers sheet. Correct it, or add the supplier; reorders of this item "
      "cannot go on a purchase order until then.", severity="warning", target="suppliers.supplier_id"),
    # suppliers
    R("constraint-error", "suppliers", "lead_time_days", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "suppliers", "lead_time_std_days", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "suppliers", "min_order_value", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "suppliers", "ordering_cost", "non_negative", _NOT_NEGATIVE),
    R("duplicate-key", "suppliers", "supplier_id", "unique",
      "Supplier {value} appears more than once (first on row {first_row}). Keep one row per supplier."),
    R("invalid-email", "suppliers", "email", "email", INVALID_EMAIL),
    # customers
    R("constraint-error", "customers", "priority", "at_least_one",
      "'{column}' must be 1 (highest) or more (found {value}). Correct the priority."),
    R("constraint-error", "customers", "credit_limit", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "customers", "payment_terms_days", "non_negative", _NOT_NEGATIVE),
    R("duplicate-key", "customers", "customer_id", "unique",
      "Customer {value} appears more than once (first on row {first_row}). Keep one row per customer."),
    R("invalid-email", "customers", "email", "email", INVALID_EMAIL),
    # shipments
    R("constraint-error", "shipments", "qty", "positive",
      "'{column}' must be more than 0 (found {value}). Correct the shipped quantity."),
    R("constraint-error", "shipments", "delivered_date ship_date", "before",
      "'{column}' ({value}) is before '{other_column}' ({other_value}). Correct one of the dates."),
    R("foreign-key", "shipments", "order_id", "order_line_exists",
      "No order line matches this shipment (order {value}, {other_value}). Check the order number; "
      "reconciliation lists it as a shipment without an order.", severity="warning"),
    R("future-date", "shipments", "ship_date", "after_run_day", _FUTURE),
    R("future-date", "shipments", "delivered_date", "after_run_day", _FUTURE),
    # purchase orders
    R("constraint-error", "purchase_orders", "qty", "positive",
      "'{column}' must be more than 0 (found {value}). Correct the ordered quantity or cancel the PO line."),
    R("constraint-error", "purchase_orders", "received_qty", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "purchase_orders", "unit_cost", "non_negative", _NOT_NEGATIVE),
    R("constraint-error", "purchase_orders", "expected_date order_date", "before",
      "'{column}' ({value}) is before '{other_column}' ({other_value}). Correct the expected date."),
    R("duplicate-key", "purchase_orders", "po_id sku", "unique",
      "PO {value} item {other_value} appears more than once (first on row {first_row}). Merge the lines."),
    R("foreign-key", "purchase_orders", "sku", "exists_in",
      "Item '{value}' is not in the inventory. Correct the item code.", target="inventory.sku"),
    R("foreign-key", "purchase_orders", "supplier_id", "exists_in",
      "Supplier '{value}' is not in the suppliers sheet. Correct it, or add the supplier.", severity="warning",
      target="suppliers.supplier_id"),
    R("future-date", "purchase_orders", "order_date", "after_run_day", _FUTURE),
    R("future-date", "purchase_orders", "received_date", "after_run_day", _FUTURE),
    # returns
    R("constraint-error", "returns", "qty", "positive",
      "'{column}' must be more than 0 (found {value}). Correct the returned quantity."),
    R("duplicate-key", "returns", "rma_id", "unique",
      "Return {value} appears more than once (first on row {first_row}). Keep one row per return."),
    R("foreign-key", "returns", "order_id", "order_line_exists",
      "No order line matches this return (order {value}, {other_value}). Check the order number; "
      "reconciliation lists it as a return without a shipment.", severity="warning"),
    R("future-date", "returns", "received_date", "after_run_day", _FUTURE),
    # carriers
    R("duplicate-key", "carriers", "carrier_id", "unique",
      "Carrier {value} appears more than once (first on row {first_row}). Keep one row per carrier."),
    # invoices. A negative amount or quantity is a credit note (a refund or credit), not an error.
    R("constraint-error", "invoices", "due_date invoice_date", "before",
      "'{column}' ({value}) is before '{other_column}' ({other_value}). Correct one of the dates."),
    R("duplicate-key", "invoices", "invoice_id line", "unique",
      "Invoice {value} line {other_value} appears more than once (first on row {first_row}). Delete the repeated "
      "line or give it its own line number."),
    R("duplicate-key", "invoices", "invoice_id order_id sku qty amount invoice_date", "exact_duplicate",
      "This invoice row repeats row {first_row} exactly (invoice {value}, same order, item, quantity, amount and "
      "date). Delete it if it was entered twice.", line_defaulted_only=True),
    # A warning, not an error: the invoice stays in, so that billing can say what it is (invoiced, not shipped).
    R("foreign-key", "invoices", "order_id", "exists_in",
      "Order '{value}' is not in the orders sheet. Correct the order number on the invoice, or add the order; "
      "until then the invoice matches no order line.", severity="warning", target="orders.order_id"),
    R("future-date", "invoices", "invoice_date", "after_run_day", _FUTURE),
    # payments. A refund is a negative invoice line (a credit note), so a payment is always money received.
    R("constraint-error", "payments", "amount", "positive",
      "'{column}' must be more than 0 (found {value}). Correct the amount; a refund belongs on the invoices as a "
      "negative line (a credit note), not here."),
    R("duplicate-key", "payments", "payment_id", "unique",
      "Payment {value} appears more than once (first on row {first_row}). Keep one row per payment."),
    # A warning: the money was received; the payment stays in, waiting for the right invoice number.
    R("foreign-key", "payments", "invoice_id", "exists_in",
      "Invoice '{value}' is not in the invoices sheet. Correct the invoice number on the payment, or add the "
      "invoice; until then the payment is applied to nothing.", severity="warning",
      target="invoices.invoice_id"),
    R("future-date", "payments", "paid_date", "after_run_day", _FUTURE),
)

# Tables whose absence is reported (contract 2.3): the steps still run without them.
EXPECTED_TABLES: dict[str, str] = {
    "inventory": "No inventory table was found, so stock is not checked: no line is backordered or "
                 "allocated, and nothing is planned. Add a sheet named 'Inventory' (or Stock) with SKU and On "
                 "Hand columns.",
    "suppliers": "No suppliers table was found, so reorder lines have no supplier. Add a sheet named "
                 "'Suppliers' with a Supplier ID column.",
}
