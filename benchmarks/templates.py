"""Time and measure rendering a report template with a big table (docs/templates.md).

    python -m benchmarks.templates --rows 100000 [--seed 1] [--json]

Renders the example template omxl/shipped/late_lines.xlsx (a Summary sheet, a Late sheet with a table marker, a
total under it, a chart, a conditional format, a validation, a filter, a print area, a logo) with a frame of
`--rows` late lines in 10 columns (text, whole numbers, fractions, dates). Target: 100,000 rows within 3 s and
600 MB peak (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import omxl

from .pipeline import Measure, PeakRss, STAGE_HEADER, stage_line, stage_result

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "omxl" / "shipped" / "late_lines.xlsx"


def late_lines(rows: int, seed: int) -> pd.DataFrame:
    """`rows` late lines in 10 columns, as omxl's late-lines view holds them."""
    rng = np.random.default_rng(seed)
    customers = np.array([f"Customer {i}" for i in range(2000)] + ['=HYPERLINK("http://x","y")', "Fish & Chips"],
                         dtype=object)
    return pd.DataFrame({
        "order_id": pd.Series([f"SO-{i:07d}" for i in range(rows)], dtype="string[python]"),
        "line": rng.integers(1, 8, rows),
        "customer_name": pd.Series(rng.choice(customers, rows), dtype="string[python]"),
        "sku": pd.Series(rng.choice([f"SKU-{i:05d}" for i in range(5000)], rows), dtype="string[python]"),
        "open_qty": rng.integers(1, 500, rows),
        "unit_price": np.round(rng.random(rows) * 200, 2),
        "promised_date": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 330, rows), unit="D"),
        "days_late": rng.integers(1, 60, rows),
        "open_value": np.round(rng.random(rows) * 5000, 2),
        "status": pd.Series(rng.choice(["late", "at risk"], rows), dtype="string[python]"),
    })


def measure(run) -> tuple[Measure, object]:
    with PeakRss() as memory:
        start = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - start
    return Measure(seconds, memory.peak, memory.before), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.templates", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the table (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--json", action="store_true", help="end with a JSON object of seconds and peak RSS")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    print(STAGE_HEADER)
    frame_measure, frame = measure(lambda: late_lines(args.rows, args.seed))
    print(stage_line("frame", frame_measure))
    results["frame"] = stage_result(frame_measure)
    context = {"as_of": dt.date(2026, 11, 27), "company": "Fabrikam",
               "kpis": {"otif_line_rate": 0.91, "open_value": float(frame["open_value"].sum()),
                        "worst_customer": "Customer 7"}, "late_lines": frame}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "late_lines-rendered.xlsx"
        render_measure, _ = measure(lambda: omxl.render_template(TEMPLATE, context, out, backup=False))
        print(stage_line("render", render_measure))
        print(f"    {args.rows:,} rows x {len(frame.columns)} columns, {out.stat().st_size / 2**20:.1f} MB written")
    results["render"] = stage_result(render_measure)
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
