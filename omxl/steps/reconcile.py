"""The reconcile step: each order line's status, stock, ship date and every mismatch (contract 4.2)."""

from .base import Output, Step

STEP = Step(
    name="reconcile",
    function="omxl.reconciliation:reconcile",
    result="omxl.reconciliation:Reconciliation",
    help="""Reconcile orders with shipments, stock, purchase orders and returns: each line's status, its
    stock, when it can ship, what is late or at risk, every mismatch, and what the company rules of omxl.toml
    find or hold (docs/company-rules.md).

    Exit code 1 when validation found errors (those rows are left out), 0 when not, 2 when a file cannot be
    read or an output cannot be written.""",
    title="Order status",
    many=True,
    needs=("orders", "inventory", "customers", "shipments", "purchase_orders", "returns", "invoices", "payments"),
    sheets=("Summary", "Order Status", "Closed Lines", "Orders", "Exceptions", "Inventory", "Returns", "Billing",
            "Receivables", "Billing Lines"),
    sheets_if=(("Billing", "invoices"), ("Receivables", "invoices"), ("Billing Lines", "invoices")),
    legend=("late", "at_risk", "error", "warning"),
    progress="Reconciling",
    output=Output(example="status.xlsx",
                  workbook="the Summary, Order Status, Closed Lines, Orders, Exceptions, Inventory and Returns "
                           "sheets", table="the order lines", table_of="lines"),
    mark=True,
    button="Reconcile",
    instruction="Reconcile compares the orders with shipments, stock, purchase orders and returns: the status of "
                "every order line and the exceptions appear on new sheets.",
    show="omxl.cli.show:show_reconciliation",
    macro="omxl.excel.buttons:RECONCILE",
)
