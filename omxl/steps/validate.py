"""The validate step: every rule of the contract over the book, each issue with its cell (contract 4.1)."""

from .base import Option, Output, Step

STEP = Step(
    name="validate",
    function="omxl.validation_result:validation",
    result="omxl.validation_result:Validation",
    help="""Check BOOKS against every rule; list each issue with its cell.

    Exit code 1 when there are errors, 0 when there are none, 2 when a file cannot be read or an output
    cannot be written.""",
    title="Data check",
    needs=("orders", "inventory", "suppliers", "customers", "shipments", "purchase_orders", "returns", "invoices",
           "payments"),
    sheets=("Summary", "Issues"),
    legend=("error", "warning"),
    progress="Validating",
    prepares=False,
    options=(
        Option("output_format", ("--format",), "How to print the result.", kind="choice",
               choices=("table", "csv", "json"), default="table", show_default=True),
        Option("limit", ("--limit",), "How many issues the table shows (the --out file has all).", kind="int",
               low=0, default=25, show_default=True),
        Option("entry_lists", ("--entry-lists",), "With --write-back: also add entry lists to the workbook's "
               "entry sheets (an order's SKU from the inventory sheet, customers, suppliers and carriers from "
               "theirs, dates as dates, quantities above 0; docs/excel.md, Entry lists). Cells that already "
               "have a validation keep it.", kind="flag", default=False),
    ),
    output=Output(example="issues.xlsx", workbook="a Summary and an Issues sheet", table="the issues",
                  table_of="issues"),
    mark=True,
    button="Validate",
    instruction="Validate checks the tables: problem cells are filled and get a comment, and the list of issues "
                "appears on a new sheet.",
    show="omxl.cli.show:show_issues",
    command="omxl.cli.hooks:VALIDATE",
    macro="omxl.excel.buttons:VALIDATE",
)
