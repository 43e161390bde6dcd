"""The workbook model as data: tables, their columns, types, required flags and aliases.

Everything the reader needs to recognise a user's sheet lives in the tables below.
Adding an alias is a one-line change to a tuple; the configuration can add more
(`[aliases]` and `[columns]` in omxl.toml) without touching code.
See docs/workbook-format.md, which is generated from this module.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# Column kinds and the pandas dtype each becomes.
ID, TEXT, NUMBER, INT, DATE, BOOL, ENUM = "id", "text", "number", "int", "date", "bool", "enum"
# Text is pandas' string dtype with its storage named: a bare "string" (or pandas 3's default "str") is
# Arrow-backed when pyarrow happens to be installed, and then lookups through text keys (Series.map) return
# Arrow numbers, or text when nothing matched, and text concatenation follows Arrow's rules. One storage
# everywhere keeps every result the same with or without pyarrow. omxl writes "string[python]" wherever it
# makes a text column.
TEXT_DTYPE = "string[python]"
DTYPES: dict[str, str] = {
    ID: TEXT_DTYPE,
    TEXT: TEXT_DTYPE,
    ENUM: TEXT_DTYPE,
    NUMBER: "float64",
    INT: "Int64",
    DATE: "datetime64[ns]",
    BOOL: "boolean",
}

# Provenance columns carried by every table DataFrame.
PROVENANCE: tuple[str, ...] = ("source", "sheet", "row")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    note: str = ""
    # For ENUM columns: canonical value -> the texts users write for it.
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    # A sheet recognised by its header row alone (no sheet or Excel-table name) must hold one of these besides
    # the required columns, when the required columns alone say too little: a returns table needs only
    # order_id, which every order header file has too.
    distinctive: tuple[str, ...] = ()
    # Headers that name a column only on a sheet that says more (ContextAlias).
    context_aliases: tuple["ContextAlias", ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


@dataclass(frozen=True)
class ContextAlias:
    """Headers that mean `column` only on a sheet whose other headers name one of `beside`.

    AdventureWorks' ProductInventory calls its stock on hand `Quantity`; so does every order-line export. Next
    to a LocationID, Shelf or Bin column a quantity is stock at that place; without one it is not, and an
    order-details file (order id, product id, quantity) must not look like an inventory table. Nor does it when
    the sheet also names one of `unless` ((table, column) pairs): an order line that says which warehouse
    ships it has an order number, a stock row never has."""

    column: str
    aliases: tuple[str, ...]
    beside: tuple[str, ...]
    unless: tuple[tuple[str, str], ...] = ()


def C(name: str, kind: str, required: bool = False, *aliases: str, note: str = "", values=None) -> Column:
    return Column(name, kind, required, tuple(aliases), note, values or {})


R = True  # readability in the tables below: C("order_id", ID, R, ...)

# Words a yes/no column reads as true or false (compared folded, see fold()).
TRUE_TEXT = frozenset({"true", "yes", "y", "1", "x", "t", "ja", "oui", "si"})
FALSE_TEXT = frozenset({"false", "no", "n", "0", "f", "nein", "non"})

ORDER_STATUS = {
    "open": ("Open", "New", "Released", "Pending", "Backorder", "Backordered", "In Progress", "Active"),
    "on_hold": ("On Hold", "Hold", "Held", "Blocked", "Credit Hold"),
    "cancelled": ("Cancelled", "Canceled", "Void", "Voided", "Cancel"),
    "closed": ("Closed", "Complete", "Completed", "Shipped", "Fulfilled", "Done", "Invoiced", "Delivered"),
}
PO_STATUS = {
    "open": ("Open", "Sent", "Confirmed", "Released", "Pending", "Partially Received", "Partial"),
    "cancelled": ("Cancelled", "Canceled", "Void", "Voided"),
    "closed": ("Closed", "Received", "Complete", "Completed", "Done"),
}
RETURN_STATUS = {
    "open": ("Open", "Pending", "Authorised", "Authorized", "Issued", "Awaiting"),
    "received": ("Received", "Arrived", "In"),
    "closed": ("Closed", "Complete", "Completed", "Done", "Processed", "Refunded"),
    "cancelled": ("Cancelled", "Canceled", "Void", "Rejected"),
}
CONDITION = {
    "resellable": ("Resellable", "Sellable", "Good", "New", "As New", "Restock", "OK"),
    "damaged": ("Damaged", "Broken", "Defective", "Faulty", "Scrap"),
}
RESOLUTION = {
    "refund": ("Refund", "Money Back"),
    "exchange": ("Exchange", "Replace", "Replacement"),
    "credit": ("Credit", "Store Credit", "Credit Note"),
}

SHIPPING_ON_LINE = (
    C("ship_date", DATE, False, "Ship Date", "Shipped Date", "Date Shipped", "Shipped On", "Dispatch Date"),
    C("shipped_qty", NUMBER, False, "Shipped Qty", "Qty Shipped", "Quantity Shipped", "Shipped Quantity"),
    C("carrier", TEXT, False, "Carrier", "Ship Mode", "Ship Via", "Shipper", "Shipping Method"),
    C("tracking_number", TEXT, False, "Tracking Number", "Tracking No", "Tracking #", "Tracking", "Tracking ID"),
    C("delivered_date", DATE, False, "Delivered Date", "Delivery Date", "Date Delivered", "Delivered On"),
)

TABLES: tuple[Table, ...] = (
    Table(
        "orders",
        ("Orders", "Order Lines", "Sales Orders", "SO Lines", "Order Details", "Open Orders", "Order Book"),
        (
            C("order_id", ID, R, "Order ID", "Order No", "Order #", "SO Number", "Order Number", "SO", "SO #",
              "Sales Order", "InvoiceNo", "Invoice No", "Order Ref", "Order Reference"),
            C("line", INT, False, "Line", "Line No", "Line #", "Line Number", "Order Line"),
            C("order_date", DATE, R, "Order Date", "Date Ordered", "Created", "InvoiceDate", "Invoice Date",
              "Date", "Ordered On", "Created On"),
            C("customer_id", ID, R, "Customer", "Customer ID", "Account", "Cust #", "Customer No",
              "Customer Number", "Account No", "Client", "Client ID", "Sold To"),
            C("sku", ID, R, "SKU", "Item", "Item Code", "Product Code", "Part Number", "StockCode",
              "Stock Code", "Product ID", "Item No.", "Item Number", "Part No", "Part #", "Article", "Material"),
            C("qty", NUMBER, R, "Qty", "Quantity", "Order Qty", "Units", "Qty Ordered", "Ordered Qty",
              "Quantity Ordered"),
            C("unit_price", NUMBER, False, "Unit Price", "Price", "Sell Price", "Net Price", "UnitPrice"),
            C("discount", NUMBER, False, "Discount", "Disc", "Discount Rate", "Line Discount",
              note="fraction 0-1: line value = qty x unit_price x (1 - discount)"),
            C("promised_date", DATE, False, "Promised Date", "Due Date", "Required Date", "Ship By",
              "Requested Date", "Promise Date", "Date Required", "Need By",
              note="the date the line is promised to ship by"),
            C("status", ENUM, False, "Status", "Line Status", "Order Status", values=ORDER_STATUS),
            C("priority", INT, False, "Priority", "Prio", note="1 = highest"),
            *SHIPPING_ON_LINE,
            C("currency", TEXT, False, "Currency", "Ccy", "Curr", note="of unit_price; blank = base_currency"),
            C("ship_complete", BOOL, False, "Ship Complete", "Complete Delivery", "Ship Complete Only",
              "Deliver Complete", "No Partial Shipments", note="ship the order only when every open line can "
              "ship; may sit on the order header (else the customer's)"),
            C("ship_to", TEXT, False, "Ship To", "Ship Address", "Ship-To Address", "Shipping Address",
              "Delivery Address", "Deliver To", note="the delivery address, on the packing slip"),
        ),
        key=("order_id", "line"),
        description="one row per order line",
    ),
    Table(
        "inventory",
        ("Inventory", "Stock", "Stock Levels", "Items", "Products", "Stock On Hand", "Item Master", "Product",
         "Product Master", "Item List", "Product Inventory", "Stock Lines", "Stock By Location",
         "Stock Locations", "Inventory By Location"),
        (
            C("sku", ID, R, "SKU", "Item", "Item Code", "Product Code", "Part Number", "StockCode",
              "Stock Code", "Product ID", "Item Number", "Part No", "Article", "Material"),
            C("description", TEXT, False, "Description", "Product Name", "Item Name", "Name", "Product",
              "Item Description"),
            C("on_hand", NUMBER, R, "On Hand", "Qty On Hand", "In Stock", "UnitsInStock", "Units In Stock",
              "Stock", "QOH", "Available Qty", "Quantity On Hand", "Stock Qty"),
            C("location", TEXT, False, "Location", "Warehouse", "LocationID", "Location ID", "Location Code", "Site",
              "Store", note="default MAIN; locations of one SKU are summed for allocation"),
            C("shelf", TEXT, False, "Shelf", "Shelf No", "Aisle", note="where in the location: shown on pick lists, "
              "never a location"),
            C("bin", TEXT, False, "Bin", "Bin No", "Bin Location", "Bin Code", note="where on the shelf: shown on "
              "pick lists, never a location"),
            C("unit_cost", NUMBER, False, "Unit Cost", "Cost", "Cost Price", "Standard Cost", "Avg Cost"),
            C("supplier_id", ID, False, "Supplier", "Supplier ID", "Vendor", "Vendor ID", "SupplierID",
              "Supplier No", "Vendor No"),
            C("lead_time_days", NUMBER, False, "Lead Time Days", "Lead Time", "Lead Time (days)", "LT Days"),
            C("on_order", NUMBER, False, "On Order", "Qty On Order", "UnitsOnOrder", "Units On Order",
              note="used only when the book has no purchase_orders table"),
            C("reorder_point", NUMBER, False, "Reorder Point", "ReorderLevel", "Reorder Level", "ROP"),
            C("reorder_qty", NUMBER, False, "Reorder Qty", "Reorder Quantity", "Order Quantity"),
            C("min_qty", NUMBER, False, "Min Qty", "Min", "Minimum", "Min Stock"),
            C("max_qty", NUMBER, False, "Max Qty", "Max", "Maximum", "Max Stock"),
            C("safety_stock", NUMBER, False, "Safety Stock", "SS", "Buffer Stock", "SafetyStockLevel",
              "Safety Stock Level"),
            C("moq", NUMBER, False, "MOQ", "Min Order Qty", "Minimum Order Quantity", "Minimum Order Qty"),
            C("pack_size", NUMBER, False, "Pack Size", "Case Pack", "Pack Qty", "Case Qty", "Order Multiple"),
            C("discontinued", BOOL, False, "Discontinued", "Obsolete", "Inactive"),
            C("currency", TEXT, False, "Currency", "Ccy", "Curr",
              note="of unit_cost; blank = the supplier's currency"),
        ),
        key=("sku", "location"),
        description="one row per SKU and location",
        context_aliases=(ContextAlias("on_hand", ("Quantity", "Qty"), ("location", "shelf", "bin"),
                                      unless=(("orders", "order_id"), ("purchase_orders", "po_id"),
                                              ("shipments", "shipment_id"), ("returns", "rma_id"))),),
    ),
    Table(
        "suppliers",
        ("Suppliers", "Vendors", "Supplier List", "Vendor List"),
        (
            C("supplier_id", ID, R, "Supplier", "Supplier ID", "Vendor", "Vendor ID", "SupplierID",
              "Supplier No", "Vendor No", "Supplier Code", "Vendor Code"),
            C("name", TEXT, False, "Name", "Supplier Name", "Vendor Name", "Company Name", "Company"),
            C("email", TEXT, False, "Email", "E-mail", "Email Address", "Contact Email"),
            C("phone", TEXT, False, "Phone", "Telephone", "Phone Number", "Tel"),
            C("lead_time_days", NUMBER, False, "Lead Time Days", "Lead Time", "Lead Time (days)", "LT Days"),
            C("lead_time_std_days", NUMBER, False, "Lead Time Std Days", "Lead Time Std", "Lead Time SD",
              "Lead Time Std Dev"),
            C("min_order_value", NUMBER, False, "Min Order Value", "Minimum Order Value", "MOV"),
            C("ordering_cost", NUMBER, False, "Ordering Cost", "Order Cost", "Cost Per Order", "PO Cost"),
            C("currency", TEXT, False, "Currency", "Ccy", "Curr"),
        ),
        key=("supplier_id",),
    ),
    Table(
        "customers",
        ("Customers", "Accounts", "Customer List", "Clients"),
        (
            C("customer_id", ID, R, "Customer", "Customer ID", "Account", "Cust #", "Customer No",
              "Customer Number", "Account No", "Client ID"),
            C("name", TEXT, False, "Name", "Customer Name", "Company Name", "Company", "Account Name"),
            C("email", TEXT, False, "Email", "E-mail", "Email Address", "Contact Email"),
            C("priority", INT, False, "Priority", "Prio", "Tier"),
            C("ship_complete", BOOL, False, "Ship Complete", "Complete Delivery", "Ship Complete Only",
              "Deliver Complete", "No Partial Shipments", note="the customer's orders ship only when complete, "
              "unless the order says otherwise"),
            C("credit_limit", NUMBER, False, "Credit Limit", "Credit Line", "Credit Limit Amount", "Max Credit"),
            # Not the bare "Payment Terms" or "Terms": those columns usually hold words ("Net 30", "COD"), which a
            # number column would report as type errors on every customer.
            C("payment_terms_days", NUMBER, False, "Payment Terms Days", "Payment Terms (days)", "Terms Days",
              "Terms (days)", "Net Days", "Days To Pay", "Credit Days", "Payment Days",
              note="days after the invoice date an invoice without a due date falls due"),
        ),
        key=("customer_id",),
    ),
    Table(
        "shipments",
        ("Shipments", "Deliveries", "Dispatches", "Fulfilments", "Fulfillments", "Shipped"),
        (
            C("shipment_id", ID, False, "Shipment ID", "Shipment No", "Shipment #", "Delivery No",
              "Dispatch No", "Shipment"),
            C("order_id", ID, R, "Order ID", "Order No", "Order #", "SO Number", "Order Number", "SO",
              "Sales Order", "Order Ref"),
            C("line", INT, False, "Line", "Line No", "Line #", "Order Line"),
            C("sku", ID, R, "SKU", "Item", "Item Code", "Product Code", "Part Number", "StockCode",
              "Product ID", "Item Number"),
            C("qty", NUMBER, R, "Qty", "Quantity", "Shipped Qty", "Qty Shipped", "Units"),
            C("ship_date", DATE, R, "Ship Date", "Shipped Date", "Date Shipped", "Dispatch Date", "Shipped On"),
            C("carrier", TEXT, False, "Carrier", "Ship Via", "Ship Mode", "Shipper"),
            C("tracking_number", TEXT, False, "Tracking Number", "Tracking No", "Tracking #", "Tracking"),
            C("delivered_date", DATE, False, "Delivered Date", "Delivery Date", "Date Delivered"),
        ),
        key=("shipment_id", "order_id", "line", "sku"),
    ),
    Table(
        "purchase_orders",
        ("Purchase Orders", "POs", "Open POs", "Inbound", "PO Lines", "Purchasing"),
        (
            C("po_id", ID, R, "PO ID", "PO", "PO Number", "PO No", "PO #", "Purchase Order", "Purchase Order ID",
              "PurchaseOrderID", "Purchase Order No", "Purchase Order Number"),
            C("supplier_id", ID, R, "Supplier", "Supplier ID", "Vendor", "Vendor ID", "SupplierID", "VendorID"),
            C("sku", ID, R, "SKU", "Item", "Item Code", "Product Code", "Part Number", "StockCode",
              "Product ID", "Item Number"),
            C("qty", NUMBER, R, "Qty", "Quantity", "Order Qty", "PO Qty", "Qty Ordered"),
            C("order_date", DATE, False, "Order Date", "PO Date", "Date Ordered", "Created", "Creation Date"),
            C("expected_date", DATE, False, "Expected Date", "ETA", "Due Date", "Expected", "Arrival Date",
              "Expected Arrival"),
            C("received_qty", NUMBER, False, "Received Qty", "Qty Received", "Received", "ReceivedQty",
              note="default 0; blank with a received_date: received in full"),
            C("received_date", DATE, False, "Received Date", "Date Received", "Receipt Date", "Received On",
              "Last Receipt Date", note="the last receipt; for point in time the whole received_qty counts as "
              "received on it"),
            C("status", ENUM, False, "Status", "PO Status", "Status ID", "PO Status ID", values=PO_STATUS,
              note="coded statuses (Northwind 2007's status_id 0-3) are read through [values] in omxl.toml"),
            C("unit_cost", NUMBER, False, "Unit Cost", "PO Unit Cost", "Cost Price",
              note="the price agreed on the PO line; blank = the item's unit_cost"),
            C("currency", TEXT, False, "Currency", "Ccy", "Curr", note="blank = the supplier's currency"),
        ),
        key=("po_id", "sku"),
    ),
    Table(
        "returns",
        ("Returns", "RMAs", "RMA", "Return Requests"),
        (
            # A return may name only its order (Superstore's Returns sheet: Order ID, Returned), contract 2.3:
            # without sku it covers every line of the order, without qty each line's shipped quantity, without
            # rma_id its id is order_id (plus /sku). See docs/returns.md.
            C("rma_id", ID, False, "RMA ID", "RMA", "RMA No", "RMA #", "Return ID", "Return No", "RMA Number",
              note="default: order_id, plus /sku when the return names one"),
            C("order_id", ID, R, "Order ID", "Order No", "Order #", "SO Number", "Order Number", "Sales Order"),
            C("line", INT, False, "Line", "Line No", "Line #", "Order Line"),
            C("sku", ID, False, "SKU", "Item", "Item Code", "Product Code", "Part Number", "StockCode", "Product ID",
              note="blank: every line of the order"),
            C("qty", NUMBER, False, "Qty", "Quantity", "Return Qty", "Qty Returned", "Units",
              note="blank: the line's shipped quantity"),
            C("received_date", DATE, False, "Received Date", "Date Received", "Return Date", "Received On"),
            C("reason", TEXT, False, "Reason", "Return Reason"),
            C("condition", ENUM, False, "Condition", "Item Condition", values=CONDITION),
            C("resolution", ENUM, False, "Resolution", "Outcome", "Disposition", values=RESOLUTION),
            C("status", ENUM, False, "Status", "RMA Status", "Return Status", values=RETURN_STATUS),
            C("returned", BOOL, False, "Returned", "Is Returned", "Was Returned",
              note="No: the row is not a return and is left out; blank or Yes: a return"),
        ),
        key=("rma_id",),
        distinctive=("rma_id", "returned", "reason", "condition", "resolution", "received_date"),
    ),
    Table(
        "carriers",
        ("Carriers", "Shippers", "Carrier List", "Shipping Companies"),
        (
            C("carrier_id", ID, R, "Carrier ID", "Carrier Code", "ShipperID", "Shipper ID", "Carrier No"),
            C("name", TEXT, False, "Name", "Carrier Name", "Shipper Name", "Company Name", "Company"),
        ),
        key=("carrier_id",),
        description="a carrier value on orders or shipments equal to a carrier_id is shown with its name",
    ),
    # Billing (contract 2.3 and 4.7). Last in the tuple: where an alias is also another table's (Invoice No is
    # an order number in UCI Online Retail), the earlier table keeps it for sheet and file names.
    Table(
        "invoices",
        ("Invoices", "Billing", "AR", "Accounts Receivable", "Receivables", "Invoice Lines", "Invoice Header",
         "Invoice Headers", "Invoice Details", "Invoice Items", "Sales Invoices", "Customer Invoices",
         "Open Invoices", "Invoice Register", "Credit Notes"),
        (
            C("invoice_id", ID, R, "Invoice ID", "Invoice No", "Invoice #", "Invoice Number", "InvoiceNo",
              "InvoiceID", "Invoice", "Inv No", "Inv #", "Bill No", "Bill Number", "Credit Note No"),
            C("order_id", ID, R, "Order ID", "Order No", "Order #", "SO Number", "Order Number", "SO", "SO #",
              "Sales Order", "Order Ref", "Order Reference"),
            C("line", INT, False, "Line", "Line No", "Line #", "Line Number", "Order Line",
              note="the order line invoiced; blank: matched by order and SKU, else the whole order"),
            C("sku", ID, False, "SKU", "Item", "Item Code", "Product Code", "Part Number", "StockCode",
              "Stock Code", "Product ID", "Item No.", "Item Number", "Part No", "Part #", "Article", "Material"),
            C("qty", NUMBER, False, "Qty", "Quantity", "Invoiced Qty", "Qty Invoiced", "Billed Qty", "Units",
              note="negative on a credit note"),
            C("amount", NUMBER, R, "Amount", "Amount Due", "Invoice Amount", "Invoice Total", "Invoiced Amount",
              "Line Amount", "Line Total", "Net Amount", "Total", "Billed Amount",
              note="negative on a credit note (a refund or credit is a negative invoice line)"),
            C("invoice_date", DATE, R, "Invoice Date", "InvoiceDate", "Date", "Billing Date", "Bill Date",
              "Invoiced On", "Document Date"),
            C("due_date", DATE, False, "Due Date", "Payment Due", "Payment Due Date", "Due", "Due On",
              "Net Due Date", note="blank: invoice_date + the customer's payment_terms_days"),
            C("currency", TEXT, False, "Currency", "Ccy", "Curr", note="of amount; blank = base_currency"),
        ),
        key=("invoice_id", "line"),
        description="one row per invoice line, or per invoice",
    ),
    Table(
        "payments",
        ("Payments", "Receipts", "Cash", "Cash Receipts", "Payments Received", "Customer Payments", "Remittances"),
        (
            C("payment_id", ID, False, "Payment ID", "Payment No", "Payment #", "Payment Number", "Payment Ref",
              "Payment Reference", "Receipt ID", "Receipt No", "Receipt #", "Receipt Number", "Transaction ID"),
            C("invoice_id", ID, R, "Invoice ID", "Invoice No", "Invoice #", "Invoice Number", "InvoiceNo",
              "InvoiceID", "Invoice", "Inv No", "Inv #", "Applied To"),
            C("amount", NUMBER, R, "Amount", "Amount Paid", "Paid Amount", "Payment Amount", "Amount Received",
              "Received Amount", "Paid", note="more than 0: a refund is a negative invoice line, not a payment"),
            C("paid_date", DATE, R, "Paid Date", "Payment Date", "Date Paid", "Paid On", "Date Received",
              "Receipt Date", "Value Date", "Date"),
        ),
        key=("payment_id",),
        description="one row per payment of an invoice",
    ),
)

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
# A book needs at least one of these to be worked on (contract 2.3): a sales book has orders, a purchasing book
# purchase orders and items, a stock count inventory alone. Without any of them reading stops (NoTablesError).
WORK_TABLES: tuple[str, ...] = ("orders", "inventory", "purchase_orders")


@dataclass(frozen=True)
class Split:
    """How a table arrives in two parts joined by a key (contract 2.3, "Header + line exports" and "Item
    master + stock lines").

    A part of `table` that has `key` and at least one of `header` but none of `line` is a header part; a part
    with `key`, every column of `line` and (when `line_beside` is given) one of `line_beside` is a line part.
    When a book has both, the reader joins the header values onto the lines by `key` (omxl/io/read/joins.py)."""

    table: str
    key: str
    header: tuple[str, ...]
    line: tuple[str, ...]
    # Words for the layout notes and messages: what one key names, and what each part is called.
    noun: str = ""
    header_part: str = ""
    line_part: str = ""
    filled_with: str = "header values"
    # A line part must also hold one of these: stock lines say where the stock is.
    line_beside: tuple[str, ...] = ()
    # A part with every required column of the table is a whole table, not lines waiting for a header (an
    # order sheet with dates and customers). Inventory's required columns (sku, on_hand) are exactly what its
    # stock lines have, so there the test does not apply.
    whole_by_required: bool = True
    # A header with no lines: `foreign-key` (nothing to reconcile), or with `alone_values` a row of its own
    # holding those values, reported under the code `header_alone` (an item without stock has 0 on hand).
    header_alone: str = "foreign-key"
    alone_values: tuple[tuple[str, object], ...] = ()
    # Header columns that are a quantity of the key, not of each line: filled into the key's first line only,
    # so that summing them over the lines counts them once (an item's units on order, not each location's).
    fill_once: tuple[str, ...] = ()
    # Recognised by its columns alone on a sheet whose name says nothing (omxl/io/read/locate.py split_part).
    # An item master is not: sku, a name and a cost are also what a price list or a catalogue holds.
    by_columns: bool = True


SPLITS: dict[str, Split] = {s.table: s for s in (
    Split("orders", "order_id",
          ("order_date", "customer_id", "promised_date", "ship_date", "carrier", "status", "priority",
           "ship_complete", "ship_to"),
          ("sku", "qty"), noun="order", header_part="order header", line_part="order lines"),
    Split("purchase_orders", "po_id", ("supplier_id", "order_date", "expected_date", "status"), ("sku", "qty"),
          noun="purchase order", header_part="purchase order header", line_part="purchase order lines"),
    Split("inventory", "sku",
          ("description", "unit_cost", "supplier_id", "lead_time_days", "on_order", "reorder_point", "reorder_qty",
           "min_qty", "max_qty", "safety_stock", "moq", "pack_size", "discontinued", "currency"),
          ("on_hand",), noun="item", header_part="item master", line_part="stock lines", filled_with="item values",
          line_beside=("location", "shelf", "bin"), whole_by_required=False, header_alone="item-without-stock",
          alone_values=(("on_hand", 0.0), ("location", "MAIN")), fill_once=("on_order",), by_columns=False),
    # Contract 4.7: invoice header + line exports join like orders. A line is recognised by its item and amount
    # (qty is optional: a service or freight line has none); a header by the order, dates or currency with
    # neither. A header that carries the invoice's total beside lines that carry theirs is not split: it holds
    # every required column and is read as a whole invoices table.
    Split("invoices", "invoice_id", ("order_id", "invoice_date", "due_date", "currency"), ("sku", "amount"),
          noun="invoice", header_part="invoice header", line_part="invoice lines"),
)}
# Where a joined line's header values came from: the header row's source, sheet and row (for inventory: the item
# master's row). Findings about a value the header filled in cite that cell (omxl.findings.row_findings), and an
# error there leaves out every line of the order, every location row of the item (omxl.validation.error_rows).
HEADER_PROVENANCE: tuple[str, ...] = ("header_source", "header_sheet", "header_row")
TABLE_NAMES: tuple[str, ...] = tuple(TABLE_BY_NAME)

_FOLD = re.compile(r"[\s_\-.]+")


def fold(text: object) -> str:
    """The form names are compared in: case, spaces, `_`, `-` and `.` ignored."""
    return _FOLD.sub("", str(text)).casefold()


def written_column(column: str) -> str:
    """The name of the column that keeps a column's cells as written where `[values]` in the configuration
    mapped a code to a word (contract 2.3, "Coded values"): findings about such a cell show the code."""
    return f"{column} (as written)"


_PLAIN_NUMBER_WORD = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?")
_ISO_DATE_WORD = re.compile(r"\d{4}-\d{2}-\d{2}")


def word_problem(column: Column, word: str) -> str | None:
    """Why `word` cannot stand for a cell of `column` (None when it can): what a coded value is mapped to in
    `[values]` must read as the column's kind the plain way (ENUM: a value or one of its aliases; yes/no: a
    word read as one; numbers: digits; dates: YYYY-MM-DD)."""
    text = word.strip()
    if column.kind == ENUM:
        accepted = {fold(w) for value, aliases in column.values.items() for w in (value, *aliases)}
        return None if fold(text) in accepted else f"use one of {', '.join(column.values)}"
    if column.kind == BOOL:
        return None if fold(text) in TRUE_TEXT | FALSE_TEXT else "use yes or no (or true/false, 1/0)"
    if column.kind in (NUMBER, INT):
        shaped = bool(_PLAIN_NUMBER_WORD.fullmatch(text)) and any(ch.isdigit() for ch in text)
        if column.kind == INT and shaped:
            shaped = float(text.replace(",", "")).is_integer()
        return None if shaped else ("use a whole number, e.g. 1" if column.kind == INT else "use a number, e.g. 0")
    if column.kind == DATE:
        if _ISO_DATE_WORD.fullmatch(text):
            try:
                _dt.date.fromisoformat(text)
                return None
            except ValueError:
                pass
        return "use a date written YYYY-MM-DD, e.g. 2026-01-31"
    return None


# A book of several units (omxl.consolidate, contract 4.9) has a `unit` column on every table.
def unit_column(frame: pd.DataFrame) -> list[str]:
    """["unit"] for the tables of a book of several units (omxl.consolidate), put first in every view; else []."""
    return ["unit"] if "unit" in frame.columns else []


def item_units(inventory: pd.DataFrame) -> pd.Series:
    """The unit of each item of the inventory: blank when its stock rows are in several units (shared_stock)."""
    by_sku = inventory.groupby("sku")["unit"]
    return by_sku.first().where(by_sku.nunique(dropna=False) == 1).astype("string[python]")
