"""The dispatch step: the day's pick lists, packing slips, carrier manifests and held lines (contract 4.6)."""

from .base import Option, Output, Step

STEP = Step(
    name="dispatch",
    function="omxl.dispatching:dispatch",
    result="omxl.dispatching:Dispatch",
    help="""Make the day's pick lists: what to pick from which location, shelf and bin for the open lines that
    have stock, the packing slip of each order, a manifest per carrier, and the lines held back and why.

    --out FILE.xlsx writes the print-ready pick lists: a sheet per location, a sheet per carrier manifest and
    the packing slips (no Summary sheet: a document for the warehouse). Exit code 1 when validation found
    errors (those rows are left out), 0 when not, 2 when a file cannot be read or an output cannot be
    written.""",
    title="Pick lists",
    many=True,
    needs=("orders", "inventory", "customers", "shipments", "purchase_orders", "returns"),
    # No Summary: the pick list is a document for the warehouse (contract 5.5).
    sheets=("Pick List", "Held Lines", "Manifests", "Packing Slips"),
    progress="Making the pick lists",
    options=(
        Option("promised_by", ("--promised-by",), "Pick only lines promised on or before that day (an order that "
               "ships complete is picked whole). Lines without a promised date are left for another day.",
               kind="date", metavar="YYYY-MM-DD", to_step=True),
        Option("max_priority", ("--max-priority",), "Pick only lines of priority 1 (the highest) to N, the "
               "line's own or its customer's. Lines without a priority are left for another day.", kind="int",
               low=1, metavar="N", to_step=True),
    ),
    output=Output(example="picks.xlsx",
                  workbook="the print-ready pick lists (a sheet per location, the carrier manifests and the "
                           "packing slips)", table="the picks", table_of="picks",
                  document="omxl.io.save.pick_lists:save_pick_lists"),
    button="Dispatch",
    instruction="Dispatch makes today's pick lists: what to pick where for the lines with stock, the packing "
                "slips, a manifest per carrier and the lines held back; a print-ready pick list file is saved "
                "beside the workbook.",
    show="omxl.cli.show:show_dispatch",
    macro="omxl.excel.buttons:DISPATCH",
)
