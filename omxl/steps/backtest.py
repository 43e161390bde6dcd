"""The backtest step: what a past period would have looked like under other settings (contract 4.3, issue
"Backtests", docs/backtest.md). No button: a question asked before changing settings, not a daily action, and the
weekly workbook does not run it."""

from .base import Option, Output, Step

STEP = Step(
    name="backtest",
    function="omxl.backtesting:run_backtest",
    result="omxl.backtesting:Backtest",
    help="""Replay a past period under the configured settings and up to three variants, beside what happened.

    Starts from the stock rolled back to --start (inventory_as_of must say when the stock was counted), serves each
    day's orders from stock, reviews the plan weekly and receives what it ordered after the lead time plus the
    supplier's measured slip; then sets unit fill rate, stockout days, average inventory value and purchase orders
    placed beside what the book shows happened (docs/backtest.md). A variant is named settings over the configured
    ones: --variant high:service_level=0.99 (the value is read as in omxl.toml; give --variant again for another
    setting or another variant).

    Exit code 1 when validation found errors (those rows are left out), 0 when not, 2 when a file cannot be
    read, an option is wrong or an output cannot be written.""",
    title="Backtest",
    prepares=False,
    needs=("orders", "inventory", "suppliers", "shipments", "purchase_orders"),
    sheets=("Summary", "Backtest", "Backtest SKUs"),
    progress="Replaying the days",
    options=(
        Option("start", ("--start",), "The first day replayed.", kind="date", required=True, to_step=True),
        Option("end", ("--end",), "The last day replayed.", kind="date", required=True, to_step=True),
        Option("variant", ("--variant",), "A variant: NAME:key=value, a setting of omxl.toml with its value "
               "(e.g. high:service_level=0.99); repeat for more settings or variants, at most three variants.",
               kind="text", metavar="NAME:KEY=VALUE", multiple=True, to_step=True),
    ),
    output=Output(example="backtest.xlsx", workbook="the Summary, Backtest (a chart per metric) and Backtest SKUs "
                  "sheets", table="the results", table_of="results", document="omxl.io.save.charts:save_backtest"),
    write_back=False,
    button=None,
    show="omxl.cli.show:show_backtest",
    command="omxl.cli.hooks:BACKTEST",
)
