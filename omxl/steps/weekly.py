"""The weekly step: the weekly status report, its KPIs, root causes and what changed (contract 4.4)."""

from .base import MAIL_OPTIONS, Option, Step

STEP = Step(
    name="weekly",
    function="omxl.reporting.weekly:weekly_report",
    result="omxl.reporting.weekly:Report",
    help="""Make the weekly status report: KPIs with last week's values and the trend, root causes of late and
    backordered lines, what changed since the last run, and a sheet per table (docs/weekly-report.md).

    Each run is recorded in the run history; running the same as-of day again replaces its run. Exit code 1
    when validation found errors (those rows are left out of every figure), 0 when not, 2 when a file cannot be
    read or an output cannot be written.""",
    title="Weekly status",
    many=True,
    needs=("orders", "inventory", "suppliers", "customers", "shipments", "purchase_orders", "returns", "invoices",
           "payments"),
    sheets=("Summary", "KPIs", "Late & At Risk", "Changes", "Root Causes", "Open Orders", "Backorders",
            "Overdue POs", "Inventory", "Reorder", "Demand Classes", "Purchase Orders",
            "Supplier Reliability", "Carriers", "Improvements", "Returns", "Billing",
            "Data Issues"),
    # The weekly workbook always has its Billing sheet (it says when the book has no invoices); --write-back and
    # the button add it to the user's workbook only for a book with invoices.
    sheets_if=(("Billing", "invoices"),),
    legend=("late", "at_risk"),
    progress="Reconciling, planning and computing the KPIs",
    options=(
        Option("out", ("--out",), "Where to save the report: .xlsx (the weekly status workbook), or .csv / .json "
               "(the KPI table). Default: weekly-status-<ISO year>-W<week>.xlsx in the current folder.",
               metavar="FILE"),
        Option("template", ("--template",), "Your own layout to fill instead of omxl/shipped/weekly_status.xlsx "
               "(docs/templates.md).", kind="path", metavar="TEMPLATE.xlsx"),
        Option("history", ("--history",), "The run history (SQLite) for last week's figures, the trend and what "
               "changed. Default: the history setting, else omxl-history.sqlite beside the report.", kind="path",
               metavar="FILE"),
        Option("mail_to", ("--mail-to",), "Also mail the workbook to ADDRESS (repeat for several), with the KPI "
               "table and the root causes in the body (docs/email.md).", metavar="ADDRESS", multiple=True),
        *MAIL_OPTIONS,
    ),
    button="Weekly report",
    instruction="Weekly report gives the week's figures: on-time in full, backorders, late lines and their causes.",
    show="omxl.cli.show:show_weekly",
    command="omxl.cli.hooks:WEEKLY",
    macro="omxl.excel.buttons:WEEKLY",
)
