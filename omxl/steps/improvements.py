"""The improvements step: what to change so that less is late, from what the book shows happening (issue
"Learning from what happened", docs/learning.md). No button (contract 3): a page to read now and then, not a
daily action."""

from .base import Output, Step

STEP = Step(
    name="improvements",
    function="omxl.reporting.improvements:suggest_improvements",
    result="omxl.reporting.improvements:Improvements",
    help="""Suggest at most ten improvements from what happened, each with the numbers behind it and what it
    applies to, most units touched first: a supplier's lead time to its measured median slip, an ABC class whose
    fill rate misses or overshoots its service level, a carrier whose deliveries often take too long, a sheet
    entered with too many errors (docs/learning.md). A book with nothing to improve gives none and says what was
    checked.

    Exit code 1 when validation found errors (those rows are left out), 0 when not, 2 when a file cannot be
    read or an output cannot be written.""",
    title="Suggested improvements",
    needs=("orders", "inventory", "suppliers", "shipments", "purchase_orders"),
    sheets=("Summary", "Improvements"),
    progress="Measuring what happened",
    output=Output(example="improvements.xlsx", workbook="the Summary and Improvements sheets",
                  table="the suggestions", table_of="suggestions"),
    button=None,
    show="omxl.cli.show:show_improvements",
)
