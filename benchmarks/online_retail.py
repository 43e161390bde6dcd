"""Time and measure omxl on the full UCI Online Retail data set (541,909 real invoice lines).

    python -m benchmarks.online_retail [--data DIR] [--json]

DIR holds the data set's daily CSV files (default: ../shared/data/online_retail/by-day
beside the repository). All of them are read into one book, then validate, reconcile
and plan_reorders run on it. The tests use a four-day excerpt (tests/data/online_retail);
this is the whole thing. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import omxl

from .pipeline import Context, Stage, _cpu_line, _issue_counts, _plan_summary, _status_counts, run_and_print

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "online_retail" / "by-day"
AS_OF = "2011-12-31"  # after the last invoice (2011-12-09)

# How a user pins the data set's headers down in omxl.toml; cancelled invoices start with C.
CONFIG = {
    "cancelled_order_pattern": "^C",
    "columns": {"orders": {"InvoiceNo": "order_id", "StockCode": "sku", "InvoiceDate": "order_date",
                           "CustomerID": "customer_id", "Quantity": "qty", "UnitPrice": "unit_price"}},
}


def _read(ctx: Context) -> Context:
    return {"book": omxl.read_book(*ctx["files"], config=CONFIG)}


def _rows(ctx: Context) -> list[str]:
    return [f"    orders           {len(ctx['book'].orders):>10,} rows from {len(ctx['files'])} files"]


def _validate(ctx: Context) -> Context:
    return {"issues": omxl.validate(ctx["book"], as_of=AS_OF, config=CONFIG)}


def _reconcile(ctx: Context) -> Context:
    """Includes its own validation of the book (rows with errors are left out)."""
    return {"reconciliation": omxl.reconcile(ctx["book"], as_of=AS_OF, config=CONFIG)}


def _reorder(ctx: Context) -> Context:
    """plan_reorders on its own: its validation and the backlog and supply it needs included."""
    return {"plan": omxl.plan_reorders(ctx["book"], as_of=AS_OF, config=CONFIG)}


STAGES: dict[str, Stage] = {
    "read": Stage(_read, _rows),
    "validate": Stage(_validate, _issue_counts),
    "reconcile": Stage(_reconcile, _status_counts),
    "reorder": Stage(_reorder, _plan_summary),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.online_retail", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder of the daily CSV files (default: ../shared/data/online_retail/by-day "
                             "beside the repository)")
    parser.add_argument("--json", action="store_true", help="end with a JSON object of seconds and peak RSS per stage")
    args = parser.parse_args(argv)

    files = sorted(args.data.glob("*.csv")) if args.data.is_dir() else []
    if not files:
        print(f"online_retail: no daily CSV files in {args.data} (the Online Retail data set is not there; "
              f"pass --data DIR)", file=sys.stderr)
        return 2

    print(_cpu_line())
    size = sum(f.stat().st_size for f in files) / (1024 * 1024)
    print(f"data   {args.data}  {len(files)} files  {size:.1f} MB")
    ctx: Context = {"files": files}
    run_and_print(list(STAGES), ctx, STAGES, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
