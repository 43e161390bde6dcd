"""Canonical digests of the core results, the same whichever string dtype pandas picks.

The results (validation issues, reconciliation, reorder plan) of the committed sample workbook and of
Northwind are rendered as canonical CSV and hashed; test_result_digests.py compares the hashes with
tests/result_digests.json, in the environment without pyarrow and in the one with it (scripts/test.sh).

Canonical CSV: the columns in the result's order under a header row; every cell as text that does not
depend on the dtype holding it (missing of any kind is `<NA>`; numbers rounded to 9 decimals, written
without trailing zeros, so 5, 5.0 and 5.0000000001 read `5`; booleans `true`/`false`; dates ISO 8601);
the rows sorted.

After an intended change of results, regenerate the committed digests (from the repository root):

    python3 tests/result_digests.py --write

Without --write it prints which digests differ from the committed ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import omxl
from conftest import SAMPLE
from northwind import northwind_book

DIGESTS = Path(__file__).with_name("result_digests.json")
SAMPLE_AS_OF = "2026-11-27"
NORTHWIND_AS_OF = "1998-05-06"
MISSING = "<NA>"


def cell_text(value: object) -> str:
    """One cell as canonical text (see the module docstring)."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return MISSING
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = f"{round(float(value), 9):.9f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        stamp = pd.Timestamp(value)
        return MISSING if pd.isna(stamp) else stamp.isoformat()
    if isinstance(value, (pd.Timedelta, dt.timedelta, np.timedelta64)):
        delta = pd.Timedelta(value)
        return MISSING if pd.isna(delta) else delta.isoformat()
    return str(value)


def canonical_csv(frame: pd.DataFrame) -> str:
    rows = sorted(tuple(cell_text(v) for v in row)
                  for row in zip(*(frame[c].astype(object).tolist() for c in frame.columns)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([str(c) for c in frame.columns])
    writer.writerows(rows)
    return out.getvalue()


def digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(canonical_csv(frame).encode("utf-8")).hexdigest()


def sample_results() -> dict[str, pd.DataFrame]:
    """The sample workbook's full pipeline as of 2026-11-27."""
    book = omxl.read_book(SAMPLE)
    rec = omxl.reconcile(book, as_of=SAMPLE_AS_OF)
    plan = omxl.plan_reorders(book, as_of=SAMPLE_AS_OF)
    return {
        "sample validate issues": omxl.validate(book, as_of=SAMPLE_AS_OF),
        "sample reconcile lines": rec.lines,
        "sample reconcile orders": rec.orders,
        "sample reconcile exceptions": rec.exceptions,
        "sample plan lines": plan.lines,
    }


def northwind_results(book: omxl.Book | None = None) -> dict[str, pd.DataFrame]:
    """plan_reorders on Northwind as of 1998-05-06 (its last order day)."""
    plan = omxl.plan_reorders(northwind_book() if book is None else book, as_of=NORTHWIND_AS_OF)
    return {
        "northwind plan lines": plan.lines,
        "northwind plan skus": plan.skus,
        "northwind plan purchase orders": plan.purchase_orders,
    }


def all_results() -> dict[str, pd.DataFrame]:
    return {**northwind_results(), **sample_results()}


def committed() -> dict[str, dict[str, object]]:
    return json.loads(DIGESTS.read_text(encoding="utf-8"))


def current(results: dict[str, pd.DataFrame] | None = None) -> dict[str, dict[str, object]]:
    results = all_results() if results is None else results
    return {name: {"rows": len(frame), "sha256": digest(frame)} for name, frame in results.items()}


def main(argv: list[str]) -> int:
    now = current()
    if "--write" in argv:
        DIGESTS.write_text(json.dumps(now, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {DIGESTS} ({len(now)} digests, pandas {pd.__version__}, "
              f"text dtype {pd.Series(['x']).dtype!r})")
        return 0
    before = committed()
    changed = sorted(name for name in {*now, *before} if now.get(name) != before.get(name))
    for name in changed:
        print(f"{name}: committed {before.get(name)}, now {now.get(name)}")
    print("all digests match" if not changed else f"{len(changed)} differ; `--write` to commit the new ones")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
