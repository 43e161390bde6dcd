"""What every column omxl writes looks like to a person: its label and its kind (contract 5.5).

Data, not code: one row per column name, read by every writer (result sheets,
write-back, the marked copy's Issues sheet, purchase-order drafts, the notebook
Styler). A few names mean different things on different sheets ("reason" is the
status explanation on a line but the customer's reason on a return); SHEET_LABELS
gives those their own label. Labels can be renamed in omxl.toml (`[labels]`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..kpi_catalog import KPIS

# kind -> how its cells look.
#   excel       number format for whole values; `fractional` when some value has a fraction
#   python      format for the notebook Styler (same look as the workbook)
#   width       (narrowest, widest) column width in characters
@dataclass(frozen=True)
class Kind:
    excel: str
    fractional: str
    python: str
    python_fractional: str
    width: tuple[int, int]


KINDS: dict[str, Kind] = {
    "money":    Kind("#,##0.00", "#,##0.00", "{:,.2f}", "{:,.2f}", (11, 18)),
    "quantity": Kind("#,##0", "#,##0.00", "{:,.0f}", "{:,.2f}", (9, 14)),
    "count":    Kind("#,##0", "#,##0", "{:,.0f}", "{:,.0f}", (8, 12)),
    "days":     Kind("#,##0", "#,##0.0", "{:,.0f}", "{:,.1f}", (8, 12)),
    "rate":     Kind("0.0%", "0.0%", "{:.1%}", "{:.1%}", (8, 10)),
    "factor":   Kind("0.0000", "0.0000", "{:.4f}", "{:.4f}", (9, 12)),
    "ratio":    Kind("0.00", "0.00", "{:.2f}", "{:.2f}", (8, 12)),
    "date":     Kind("yyyy-mm-dd", "yyyy-mm-dd", "%Y-%m-%d", "%Y-%m-%d", (11, 12)),
    "datetime": Kind("yyyy-mm-dd hh:mm", "yyyy-mm-dd hh:mm", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M", (16, 17)),
    "flag":     Kind("General", "General", "", "", (7, 10)),
    "id":       Kind("General", "General", "", "", (8, 22)),
    "text":     Kind("General", "General", "", "", (8, 40)),
    "long_text": Kind("General", "General", "", "", (20, 60)),
}

# name, label, kind. Order follows the sheets they appear on; each name once.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    # order lines and orders
    ("order_id", "Order", "id"),
    ("line", "Line", "id"),
    ("customer_id", "Customer", "id"),
    ("customer_name", "Customer name", "text"),
    ("customer", "Customer", "text"),             # the name where known, else the id (weekly sheets)
    ("sku", "SKU", "id"),
    ("description", "Description", "text"),
    ("qty", "Ordered qty", "quantity"),
    ("shipped_qty", "Shipped qty", "quantity"),
    ("open_qty", "Open qty", "quantity"),
    ("allocated_qty", "Allocated qty", "quantity"),
    ("backordered_qty", "Backordered qty", "quantity"),
    ("status", "Status", "text"),
    ("promised_date", "Promised date", "date"),
    ("requested_date", "Requested date", "date"),
    ("projected_ship_date", "Projected ship date", "date"),
    ("late", "Late", "flag"),
    ("at_risk", "At risk", "flag"),
    ("days_late", "Days late", "days"),
    ("reason", "Why", "long_text"),
    ("action", "Action", "long_text"),
    ("order_date", "Order date", "date"),
    ("unit_price", "Unit price", "money"),
    ("discount", "Discount", "rate"),
    ("currency", "Currency", "id"),
    ("carrier", "Carrier", "text"),
    ("priority", "Priority", "count"),
    ("last_ship_date", "Last shipped", "date"),
    ("ship_date", "Ship date", "date"),
    ("shipped_late", "Shipped late", "flag"),
    ("covering_po", "Covering PO", "id"),
    ("po_id", "PO", "id"),
    ("expected_date", "Expected date", "date"),
    ("kind", "Line kind", "text"),
    ("rma_id", "RMA", "id"),
    ("lines", "Lines", "count"),
    ("value", "Value", "money"),
    ("open_value", "Open value", "money"),
    ("source", "Source file", "text"),
    ("sheet", "Source sheet", "text"),
    ("row", "Source row", "id"),          # a row number is an address: 2974, never "2,974"
    # findings and exceptions
    ("severity", "Severity", "text"),
    ("code", "Code", "id"),
    ("stage", "Stage", "text"),
    ("table", "Table", "text"),
    ("column", "Column", "text"),
    ("cell", "Cell", "id"),
    ("ref", "Reference", "id"),
    ("message", "Message", "long_text"),
    ("count", "Count", "count"),
    ("title", "Meaning", "text"),
    ("remedy", "What to do", "long_text"),
    # inventory
    ("location", "Location", "id"),
    ("shelf", "Shelf", "id"),
    ("bin", "Bin", "id"),
    ("on_hand", "On hand", "quantity"),
    ("allocated", "Allocated", "quantity"),
    ("backlog", "Backlog", "quantity"),
    ("on_order", "On order", "quantity"),
    ("available", "Available", "quantity"),
    ("short", "Short", "quantity"),
    # returns
    ("received_date", "Received", "date"),
    ("condition", "Condition", "text"),
    ("resolution", "Resolution", "text"),
    ("refund_amount", "Refund", "money"),
    ("restock_qty", "Restock qty", "quantity"),
    ("replacement_line", "Replacement line", "id"),
    # reorder plan and purchase-order drafts
    ("supplier_id", "Supplier", "id"),
    ("supplier_name", "Supplier name", "text"),
    ("rule", "Rule", "text"),
    ("inventory_position", "Inventory position", "quantity"),
    ("avg_daily_demand", "Avg daily demand", "quantity"),
    ("demand_std_daily", "Daily demand std dev", "quantity"),
    # demand classes (docs/reorder-planning.md, Demand classes)
    ("abc_class", "ABC class", "id"),
    ("demand_class", "Demand class", "text"),
    ("demand_method", "Demand method", "text"),
    ("adi", "Avg weeks between demand (ADI)", "ratio"),
    ("cv2", "Demand size variability (CV²)", "ratio"),
    ("short_history", "Short history", "flag"),
    ("weeks_with_demand", "Weeks with demand", "count"),
    ("lead_time_days", "Lead time (days)", "days"),
    ("service_level", "Service level", "rate"),
    ("safety_stock", "Safety stock", "quantity"),
    ("reorder_point", "Reorder point", "quantity"),
    ("order_qty", "Order qty", "quantity"),
    ("unit_cost", "Unit cost", "money"),
    ("order_value", "Order value", "money"),
    ("order_by", "Order by", "date"),
    ("expected_arrival", "Expected arrival", "date"),
    ("days_of_supply", "Days of supply", "days"),
    ("urgency", "Urgency", "text"),
    ("explanation", "Explanation", "long_text"),
    ("flags", "Check", "long_text"),
    ("email", "E-mail", "text"),
    ("units", "Units", "quantity"),
    ("lines_without_cost", "Lines without cost", "count"),
    ("fx_rate", "FX rate", "factor"),
    ("base_value", "Value in base currency", "money"),
    ("min_order_value", "Minimum order value", "money"),
    ("below_min_order_value", "Below minimum", "flag"),
    ("moq", "MOQ", "quantity"),
    ("pack_size", "Pack size", "quantity"),
    # supplier reliability (docs/learning.md): per supplier, its receipts and how late they came
    ("receipts", "Receipts", "count"),
    ("on_time", "On time", "count"),
    ("median_slip_days", "Median slip (days)", "days"),
    ("slip_std_days", "Slip std dev (days)", "days"),
    ("shift_days", "Dates moved by (days)", "days"),
    # overdue purchase orders (weekly report)
    ("open_units", "Units open", "quantity"),
    ("days_overdue", "Days overdue", "days"),
    ("waiting_lines", "Customer lines waiting", "long_text"),
    ("supplier", "Supplier", "text"),
    # dispatch: pick lists, packing slips, manifests, held lines
    ("pick_qty", "Qty to pick", "quantity"),
    ("to_follow_qty", "To follow", "quantity"),
    ("ship_to", "Ship to", "text"),
    ("ship_complete", "Ship complete", "flag"),
    ("held_by", "Held by", "text"),
    ("orders", "Orders", "count"),
    # billing: invoices, payments, receivables (docs/billing.md)
    ("invoice_id", "Invoice", "id"),
    ("invoice_date", "Invoice date", "date"),
    ("due_date", "Due date", "date"),
    ("due_from", "Due date from", "text"),
    ("invoiced_qty", "Invoiced qty", "quantity"),
    ("invoiced_amount", "Invoiced", "money"),
    ("paid_amount", "Paid", "money"),
    ("open_balance", "Open", "money"),
    ("age", "Age (days past due)", "text"),
    ("unbilled_value", "Shipped, not invoiced", "money"),
    ("dso", "DSO (days)", "days"),
    ("invoiced_last_90", "Invoiced, last 90 days", "money"),
    ("converted", "Converted", "flag"),
    ("not_due", "Not due yet", "money"),
    ("overdue_1_30", "1-30 days", "money"),
    ("overdue_31_60", "31-60 days", "money"),
    ("overdue_61_90", "61-90 days", "money"),
    ("overdue_over_90", "Over 90 days", "money"),
    ("no_due_date", "No due date", "money"),
    # what was read
    ("rows", "Rows", "count"),
    ("read_from", "Read from", "text"),
    ("columns", "Columns", "long_text"),
    ("unknown_columns", "Unknown columns", "long_text"),
    ("matched_by", "Found by", "text"),
    ("header_row", "Header row", "id"),
    ("note", "Note", "long_text"),
    ("header", "Header as written", "text"),
    ("letter", "Letter", "id"),
    ("rows_left_out", "Rows left out", "count"),
    # weekly status workbook (omxl/shipped/weekly_status.xlsx). previous/change hold KPIs of mixed units
    # (fractions, counts, money): General, the template formats them by the KPI's unit; change is also the
    # kind of a line change (text) on the Changes sheet.
    ("kpi", "KPI", "id"),
    ("label", "Measure", "text"),
    ("previous", "Previous", "text"),
    ("change", "Change", "text"),
    ("unit", "Unit", "text"),
    ("target", "Target", "text"),
    ("on_target", "On target", "flag"),
    ("better", "Better when", "text"),
    ("as_of", "As of", "date"),
    ("otif_line_rate", "OTIF line rate", "rate"),
    ("unit_fill_rate", "Unit fill rate", "rate"),
    ("late_lines", "Late lines", "count"),
    ("dimension", "By", "text"),
    ("key", "Who", "id"),
    ("share", "Share", "rate"),
    ("cumulative_share", "Cumulative share", "rate"),
    ("shipments", "Shipments", "count"),
    ("on_time_rate", "On time", "rate"),
    ("avg_transit_days", "Avg transit (days)", "days"),
    ("in_transit", "In transit", "count"),
    ("old", "Before", "text"),
    ("new", "Now", "text"),
    # the Demand Classes sheet: SKUs per ABC class (rows) and demand class (columns)
    ("smooth", "Smooth", "count"),
    ("erratic", "Erratic", "count"),
    ("intermittent", "Intermittent", "count"),
    ("lumpy", "Lumpy", "count"),
    ("no_demand", "No demand", "count"),
    ("skus", "SKUs", "count"),
    # the Improvements sheet (suggested improvements: omxl/reporting/improvements.py)
    ("rank", "Rank", "count"),
    ("applies_to", "Applies to", "id"),
    ("suggestion", "Suggestion", "long_text"),
    ("evidence", "Evidence", "long_text"),
    # the Backtest sheets (omxl/backtesting/): a metric's figure is a rate, a count or money, so plain numbers
    ("variant", "Variant", "text"),
    ("metric", "Metric", "id"),
    ("simulated", "Simulated", "quantity"),
    ("actual", "Actual", "quantity"),
    ("demand_units", "Units demanded", "quantity"),
    ("served_on_day", "Served on the day", "quantity"),
    ("fill_rate", "Fill rate", "rate"),
    ("stockout_days", "Stockout days", "count"),
    ("average_on_hand", "Average on hand", "quantity"),
    ("orders_placed", "Orders placed", "count"),
    ("units_ordered", "Units ordered", "quantity"),
    # messages (notify)
    ("recipient_id", "Recipient", "id"),
    ("name", "Name", "text"),
    ("to", "To", "text"),
    ("subject", "Subject", "long_text"),
    ("due", "Goes out", "flag"),
    ("problem", "Problem", "long_text"),
    ("attachments", "Attachments", "long_text"),
)

# The weekly report's KPIs as columns of a table with a column per KPI (the By Unit sheet, report.by_unit pivoted):
# the KPI's label, and the kind of what it counts (a rate, money, days; any other unit is a count of something).
# A KPI named above keeps its entry there.
KPI_KINDS: dict[str, str] = {"fraction": "rate", "money": "money", "days": "days", "units": "quantity"}
COLUMNS += tuple((kpi.name, kpi.label, KPI_KINDS.get(kpi.unit, "count")) for kpi in KPIS
                 if kpi.name not in {name for name, _, _ in COLUMNS})

# (sheet, name) -> label where one name means something else on that sheet.
SHEET_LABELS: dict[tuple[str, str], str] = {
    # A printed packing slip (omxl/io/save/pick_lists.py): what is in the parcel.
    ("Packing slip", "pick_qty"): "Qty packed",
    ("Returns", "reason"): "Return reason",
    ("Returns", "qty"): "Returned qty",
    ("Returns", "status"): "Return status",
    ("Sheets", "kind"): "File kind",
    ("Sheets", "table"): "Read as table",
    ("Columns", "column"): "omxl column",
    ("PO Drafts", "value"): "Draft value",
    # on_time_rate reads "On time" on Carriers; here On time is the count of receipts beside it.
    ("Supplier Reliability", "on_time_rate"): "On-time rate",
    ("Exceptions", "value"): "Value in the cell",
    ("Issues", "value"): "Value in the cell",
    ("Reading findings", "value"): "Value in the cell",
    ("Messages", "kind"): "Message kind",
    ("Improvements", "kind"): "Kind",
    ("Improvements", "units"): "Units touched",
    # The Backtest sheet: a column per metric (omxl/backtesting/, Backtest.table).
    ("Backtest", "unit_fill_rate"): "Unit fill rate",
    ("Backtest", "stockout_days"): "Stockout days",
    ("Backtest", "order_count"): "Purchase orders placed",
    ("KPIs", "target"): "Target",
    ("KPIs", "on_target"): "On target",
    ("KPIs", "reason"): "Note",
    ("By Unit", "reason"): "Note",
}

# (sheet, name) -> kind where one name is of another kind on that sheet.
SHEET_KINDS: dict[tuple[str, str], str] = {
    ("Backtest", "unit_fill_rate"): "rate",
    ("Backtest", "stockout_days"): "count",
    ("Backtest", "order_count"): "count",
    ("Exceptions", "value"): "text",
    ("Issues", "value"): "text",
    ("Reading findings", "value"): "text",
    ("Sheets", "kind"): "text",
    ("Returns", "reason"): "text",
    # The weekly workbook's KPI table is in words (presentation/kpi_words.py): KPIs of every unit in one column.
    ("KPIs", "value"): "text",
    ("KPIs", "target"): "text",
    ("By Unit", "value"): "text",
    ("By Unit", "target"): "text",
}

COLUMN_BY_NAME: dict[str, tuple[str, str]] = {name: (label, kind) for name, label, kind in COLUMNS}


def label_of(name: str, sheet: str | None = None, labels: "dict[str, str] | None" = None) -> str:
    """The header a person reads for column `name` (on `sheet`): the configured label, else the sheet's own,
    else the table's; a name omxl does not know (a column carried over from the user's sheet) stays as is."""
    if labels and name in labels:
        return labels[name]
    if sheet is not None and (sheet, name) in SHEET_LABELS:
        return SHEET_LABELS[(sheet, name)]
    known = COLUMN_BY_NAME.get(name)
    return known[0] if known else str(name)


def kind_of(name: str, sheet: str | None = None) -> str | None:
    """The kind of column `name` on `sheet`, or None for a column omxl does not know."""
    if sheet is not None and (sheet, name) in SHEET_KINDS:
        return SHEET_KINDS[(sheet, name)]
    known = COLUMN_BY_NAME.get(name)
    return known[1] if known else None
