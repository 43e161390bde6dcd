"""The reorder step: what to order, from whom, how much, by when, and why (contract 4.3)."""

from .base import Option, Output, Step

STEP = Step(
    name="reorder",
    function="omxl.planning:plan_reorders",
    result="omxl.planning:ReorderPlan",
    help="""Plan reorders: what to order, from whom, how much, by when, and why.

    Exit code 1 when validation found errors (those rows are left out), 0 when not, 2 when a file cannot be
    read or an output cannot be written.""",
    title="Reorder plan",
    many=True,
    needs=("orders", "inventory", "suppliers", "purchase_orders"),
    sheets=("Summary", "Reorder List", "PO Drafts", "Supplier Reliability"),
    legend=("critical", "high", "warning"),
    progress="Planning reorders",
    options=(
        Option("service_level", ("--service-level",), "Cycle service level for safety stock, e.g. 0.98 "
               "(default: omxl.toml, else 0.95).", kind="float", low=0, high=1, to_step=True),
        Option("po_dir", ("--po-dir",), "Also write one purchase-order draft workbook per supplier into FOLDER "
               "(made if it does not exist; the folder it goes in must exist).", kind="text", metavar="FOLDER"),
        Option("history", ("--history",), "A run history (SQLite) that remembers the drafts: what a run of the last "
               "draft_hold_days days proposed and no purchase order has taken up since is not proposed again "
               "(docs/learning.md). Without it, nothing is remembered.", kind="path", metavar="FILE", to_step=True),
        Option("fresh", ("--fresh",), "With --history: propose everything still needed again, drafted or not (this "
               "run's drafts are still recorded).", kind="flag", default=False, to_step=True),
    ),
    output=Output(example="plan.xlsx", workbook="the Summary, Reorder List, PO Drafts and Supplier Reliability sheets",
                  table="the reorder lines", table_of="lines"),
    button="Reorder",
    instruction="Reorder suggests what to buy from each supplier and how much, on a new sheet.",
    show="omxl.cli.show:show_plan",
    command="omxl.cli.hooks:REORDER",
    macro="omxl.excel.buttons:REORDER",
)
