"""A deterministic sample workbook: a wholesale distributor's seven tables, with known defects.

`omxl demo` writes it; docs, notebooks and tests read it. Everything follows from the seed, the
number of order lines and the as-of date, never from today. Every deliberate defect sits on a
fixed row that does not depend on the seed, and `demo_defects` lists each one with its cell, so
tests can assert exact findings. docs/sample-workbook.md is the output of `demo_markdown()`.

The package: data.py generates the business, positions.py fixes where each deliberate situation sits,
defects.py types the mistakes into the sheets and lists them, sheets.py lays the sheets out and writes them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.save.atomic import atomic_save, verify_xlsx
from .data import generate_business
from .defects import inject_defects
from .sheets import EXCEL_ROWS, HEADER_ROW, SHEET_COLUMNS, Formula, write_workbook

__all__ = ["AS_OF", "MAX_LINES", "MIN_LINES", "Formula", "demo_defects", "demo_markdown", "demo_tables",
           "write_demo"]

AS_OF = dt.date(2026, 11, 27)
MIN_LINES = 200  # the fixed defect rows need this many order lines to stay apart
# The Orders sheet holds the lines and one blank row below its title block and header: 1,048,571 lines fill it.
MAX_LINES = EXCEL_ROWS - HEADER_ROW["Orders"] - 1


def demo_tables(*, seed: int = 7, lines: int = 3000, as_of: dt.date = AS_OF) -> dict[str, pd.DataFrame]:
    """The sheets exactly as `write_demo` writes them, keyed by sheet name, defects included.

    Columns are the headers as written; row i of a frame is Excel row HEADER_ROW[sheet] + 1 + i
    (the Orders blank row is an all-blank row of the frame). See docs/sample-workbook.md.
    """
    return _build(seed, lines, as_of)[0]


def demo_defects(*, seed: int = 7, lines: int = 3000, as_of: dt.date = AS_OF) -> pd.DataFrame:
    """Every deliberate defect: step (validate, reconcile, scenario, safety), code, sheet, cell, description."""
    return _build(seed, lines, as_of)[1]


def write_demo(path: str | os.PathLike, *, seed: int = 7, lines: int = 3000, as_of: dt.date = AS_OF) -> Path:
    """Write the sample workbook to `path` (via a temporary file beside it) and return the path."""
    path = Path(path)
    sheets, _ = _build(seed, lines, as_of)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_save(path, verify=verify_xlsx) as temp:
        write_workbook(str(temp), sheets, as_of)
    return path


def demo_markdown(*, seed: int = 7, lines: int = 3000, as_of: dt.date = AS_OF) -> str:
    """The text of docs/sample-workbook.md (docgen adds its header): the sheets, their sizes and every deliberate
    defect, from the generator itself."""
    sheets, defects = _build(seed, lines, as_of)
    orders, inventory = sheets["Orders"].dropna(how="all"), sheets["Inventory"]
    day = f"{pd.Timestamp(as_of):%Y-%m-%d}"
    rows = {name: f"{len(frame):,}" for name, frame in sheets.items()}
    rows["Orders"] = f"{len(orders):,} + 1 blank"
    contents = {
        "Orders": f"{orders['Order #'].nunique():,} orders, one row per line; title block in A1:A2, an autofilter, "
                  "extra columns Sales Rep and Notes",
        "Inventory": f"Excel table `Stock`; {inventory['SKU'].nunique():,} SKUs at MAIN, "
                     f"{int((inventory['Location'] == 'WEST').sum())} also at WEST; On Order is blank "
                     "(purchase orders exist)",
        "Suppliers": "lead time and its spread, minimum order value, ordering cost, currency",
        "Customers": "priority 1-3 (some blank); a second address column `E-mail`",
        "Shipments": "one row per shipment, oldest first; partially shipped lines have two",
        "Purchase Orders": f"{sheets['Purchase Orders']['PO Number'].nunique()} POs: closed ones first, then open "
                           "lines grouped per supplier",
        "Returns": "RMAs with reason, condition, resolution and status",
    }
    page = [
        "# The sample workbook\n\n",
        "`workbooks/sample.xlsx` is the made-up but realistic book of a wholesale distributor: 16 weeks of order "
        f"lines ending on the as-of date **{day}**, with stock, suppliers, customers, shipments, purchase orders "
        "and returns. It carries a small, fixed set of deliberate mistakes and reconciliation situations, each on "
        "a known cell, so docs, notebooks and tests can show and assert exactly what omxl finds.\n\n"
        "## Regenerate\n\n```bash\n"
        f"omxl demo --out workbooks/sample.xlsx   # seed {seed}, {lines:,} lines, as of {day}\n"
        "```\n\nor `omxl.demo.write_demo(path, seed=7, lines=3000, as_of=datetime.date(2026, 11, 27))`. The same "
        "three arguments give a byte-identical file; nothing depends on today's date. `demo_tables()` returns the "
        "sheets as DataFrames (a `Formula` object marks the one formula cell), `demo_defects()` the tables below. "
        "Another seed changes the data, not the defect cells; `lines` (at least 200, at most "
        f"{MAX_LINES:,}, which fill the Orders sheet) moves only the blank row and the Orders rows counted from the "
        "end.\n\n",
        f"## Sheets (seed {seed}, {lines:,} lines)\n\n"
        "| sheet | header row | data rows | contents |\n|---|---|---|---|\n",
        *(f"| {name} | {HEADER_ROW[name]} | {rows[name]} | {contents[name]} |\n" for name in SHEET_COLUMNS),
        "\nSizes follow from `lines`: Orders has exactly `lines` rows plus one blank row at data position "
        "`lines // 2`; Inventory `max(50, lines // 8)` SKUs, about 8 % of them with a second (WEST) row; Suppliers "
        "`min(40, max(8, lines // 100))` plus one duplicate; Customers `min(7999, max(10, lines // 20))`; Shipments "
        "follow the shipped lines; Purchase Orders hold open lines for 15 % of the SKUs; Returns about 1.5 % of "
        "the delivered lines.\n\n## What the data looks like\n\n"
        "- Dates are date cells (`yyyy-mm-dd`), numbers are numbers, identifiers are text (three SKUs look like "
        "numbers with leading zeros). Orders are placed on working days, a little busier on Mondays.\n"
        "- Each SKU has its own demand rate (a few fast movers, a long slow tail) and its own usual quantity; a "
        "line orders 1 to 4 times that quantity, so a 50x line stands out.\n"
        "- Lines are promised 3 to 21 days after ordering (moved to a working day). Most ship in the last third "
        "of that window, about 10 % late, about 4 % as long backorders; 12 % ship in two parts. Old lines are "
        "almost all closed, about half of the last three weeks' lines are still open, some open lines are late.\n"
        "- Statuses are written as users write them: Shipped, Complete, Closed, Open, Backorder, Hold, On Hold, "
        "Canceled, Cancelled. Closed lines are fully shipped and open lines are not, except the rows below.\n"
        "- Carriers DHL, UPS, DPD and FedEx with their tracking-number shapes; delivered 1 to 6 working days "
        "after shipping, blank when that is after the as-of date.\n"
        "- Open purchase orders go to the SKUs with the least cover and are due from two days after the as-of "
        "date; on-hand stock is at least 1 on every row except those below.\n\n"
        "## Deliberate defects\n\nThe cell is where the mistake is (the header cell for column-level findings). "
        "`validate` rows are what `omxl.validate` must report, each cell once under its own code; `reconcile` "
        "rows what `omxl.reconcile` must list in `exceptions`; `scenario` and `safety` rows are situations for "
        "allocation and for output safety. Every Orders row with a validation error is a recent open line with "
        "nothing shipped, so leaving it out changes no reconciliation result.\n\n"
        "The `future-date` row is dated in the year with its middle digits swapped (2206 for 2026), a typo no run "
        "day reaches: `future-date` is for dates after the day the run is made (today, or the environment "
        "variable `OMXL_TODAY`), not for dates after the as-of date, which a book exported later holds as a "
        "matter of course (docs/reading.md, Point in time). So the finding does not depend on the day the sample "
        "is read. Being after the as-of date as well, the line is left out of every step as an event that had "
        "not happened yet: `omxl.validate` also reports one `after-as-of` info finding on Orders (\"1 order line "
        f"dated after {day} was left out ...\"; it cites no cell, so it is not in the tables below). The row "
        "used to be dated 6 days after the as-of date, a future-date only for runs within those 6 days, and was "
        "reconciled as an open line; leaving it out is the one change that made to the sample's results: one "
        "order line and one open line fewer.\n",
    ]
    for step, group in defects.groupby("step", sort=False):
        counts = ", ".join(f"{code} {count}" for code, count in group["code"].value_counts(sort=False).items())
        page.append(f"\n### {step} ({len(group)}: {counts})\n\n| code | sheet | cell | what |\n|---|---|---|---|\n")
        page += [f"| `{defect.code}` | {defect.sheet} | {defect.sheet}!{defect.cell} | {defect.description} |\n"
                 for defect in group.itertuples()]
    return "".join(page)


def _build(seed: int, lines: int, as_of: dt.date) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    if lines < MIN_LINES:
        raise ValueError(f"lines must be at least {MIN_LINES}, so that every deliberate defect has a row of its own")
    if lines > MAX_LINES:
        raise ValueError(f"lines must be at most {MAX_LINES:,}: that many order lines, a blank row, the title block "
                         f"and the header fill the Orders sheet's {EXCEL_ROWS:,} rows")
    day = np.datetime64(pd.Timestamp(as_of).date(), "D")
    sheets, defects = inject_defects(generate_business(seed, lines, day), day)
    # Shipments run to about 95 % of the lines: checked all the same, since a row past the last is lost unsaid.
    for name, frame in sheets.items():
        if HEADER_ROW[name] + len(frame) > EXCEL_ROWS:
            raise ValueError(f"the {name} sheet of {lines:,} lines (seed {seed}) would need "
                             f"{HEADER_ROW[name] + len(frame):,} rows, more than Excel's {EXCEL_ROWS:,}; "
                             "ask for fewer lines")
    return sheets, defects
