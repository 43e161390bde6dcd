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


def plain_pandas_defects(files: list[Path]) -> dict[str, int]:
    """The data set's known defects counted with plain pandas, independently of omxl (shared/data/README.md)."""
    import pandas as pd

    frame = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    qty, price = frame["Quantity"].astype(float), frame["UnitPrice"].astype(float)
    credit = frame["InvoiceNo"].str.startswith("C")
    blank_customer = frame["CustomerID"].eq("")
    # A repeated line: the same invoice, item, quantity, date, price and customer (description and country
    # are not order data; two such rows differ only in the description).
    repeated = frame.duplicated(["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"])
    return {
        "lines": len(frame),
        "blank CustomerID (missing-value)": int(blank_customer.sum()),
        "zero UnitPrice (constraint warning)": int((price == 0).sum()),
        "Quantity <= 0 off credit notes, UnitPrice < 0 (constraint error)": int(((qty <= 0) & ~credit).sum()
                                                                                + (price < 0).sum()),
        "repeated lines (duplicate-key)": int(repeated.sum()),
        # Credit notes with an error of their own (no customer, a repeat) are left out before matching.
        "credit-note lines without errors (cancellation)": int((credit & ~blank_customer & ~repeated).sum()),
    }


def _defect_check(ctx: Context) -> list[str]:
    """The validation's counts beside plain pandas' (the check fails the run when they differ)."""
    issues, book = ctx["issues"], ctx["book"]
    found = {
        "lines": len(book.orders),
        "blank CustomerID (missing-value)": int((issues["code"].eq("missing-value")
                                                 & issues["column"].eq("CustomerID")).sum()),
        "zero UnitPrice (constraint warning)": int((issues["code"].eq("constraint-error")
                                                    & issues["severity"].eq("warning")).sum()),
        "Quantity <= 0 off credit notes, UnitPrice < 0 (constraint error)": int(
            (issues["code"].eq("constraint-error") & issues["severity"].eq("error")).sum()),
        "repeated lines (duplicate-key)": int(issues["code"].eq("duplicate-key").sum()),
        "credit-note lines without errors (cancellation)": int(issues["code"].eq("cancellation").sum()),
    }
    expected = plain_pandas_defects(ctx["files"])
    ctx["defects_differ"] = [name for name in expected if expected[name] != found[name]]
    return [f"    {name:<66} omxl {found[name]:>9,}   pandas {expected[name]:>9,}   "
            f"{'ok' if found[name] == expected[name] else 'DIFFERS'}" for name in expected]


def _validation_report(ctx: Context) -> list[str]:
    return _issue_counts(ctx) + ["    defects, omxl against plain pandas:"] + _defect_check(ctx)


STAGES: dict[str, Stage] = {
    "read": Stage(_read, _rows),
    "validate": Stage(_validate, _validation_report),
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
    if ctx.get("defects_differ"):
        print(f"online_retail: omxl's counts differ from plain pandas for: {', '.join(ctx['defects_differ'])}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
