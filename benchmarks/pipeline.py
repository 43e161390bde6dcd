"""Time and measure the omxl pipeline, stage by stage, on a synthetic book.

    python -m benchmarks.pipeline --lines 100000 [--seed 1] [--stages read] [--json]
    python -m benchmarks.pipeline --lines 100000 --rows-only

See benchmarks/README.md for what each stage measures and the targets.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import json
import os
import platform
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import psutil

import omxl
from omxl.dispatching import dispatch as omxl_dispatch
from omxl.model import TABLE_NAMES
from omxl.company_rules.checking import check_rules
from omxl.config import RuleSetting
from omxl.reconciliation.billing import reconcile_billing

from .make_book import build_book, expected_rows

CACHE = Path(__file__).resolve().parent / ".cache"
_MB = 1024 * 1024

Context = dict[str, Any]
StageFn = Callable[[Context], Context]
ReportFn = Callable[[Context], list[str]]


@dataclass(frozen=True)
class Stage:
    run: StageFn  # takes the context, returns the entries later stages need (merged into the context)
    report: ReportFn | None = None  # lines printed under the stage's timing line


# Stages in pipeline order; each may use what the earlier ones returned.
STAGES: dict[str, Stage] = {}


def stage(name: str, report: ReportFn | None = None) -> Callable[[StageFn], StageFn]:
    """Register a stage at the end of the pipeline."""
    def register(run: StageFn) -> StageFn:
        STAGES[name] = Stage(run, report)
        return run
    return register


def _table_rows(ctx: Context) -> list[str]:
    expected = ctx["expected_rows"]
    lines = []
    for table in TABLE_NAMES:
        rows = len(getattr(ctx["book"], table))
        want = expected.get(table, 0)
        mark = "" if rows == want else f"   <- book has {want:,}"
        lines.append(f"    {table:<16} {rows:>10,} rows{mark}")
    return lines


@stage("read", report=_table_rows)
def read(ctx: Context) -> Context:
    return {"book": omxl.read_book(ctx["path"])}


def _issue_counts(ctx: Context) -> list[str]:
    counts = ctx["issues"].groupby(["severity", "code"])["count"].sum()
    return [f"    {severity:<8} {code:<18} {int(n):>8,}" for (severity, code), n in counts.items()]


@stage("validate", report=_issue_counts)
def validate(ctx: Context) -> Context:
    return {"issues": omxl.validate(ctx["book"], as_of="2026-11-27")}


def _status_counts(ctx: Context) -> list[str]:
    rec = ctx["reconciliation"]
    counts = rec.lines["status"].value_counts()
    return [f"    {status:<20} {int(n):>9,}" for status, n in counts.items()] + \
        [f"    exceptions           {len(rec.exceptions):>9,}"]


@stage("reconcile", report=_status_counts)
def reconcile(ctx: Context) -> Context:
    """Includes its own validation of the book (rows with errors are left out)."""
    return {"reconciliation": omxl.reconcile(ctx["book"], as_of="2026-11-27")}


def _exception_counts(exceptions: pd.DataFrame) -> list[str]:
    counts = exceptions["code"].value_counts().sort_index()
    return [f"    {code:<24} {int(n):>9,}" for code, n in counts.items()]


def _without_billing_counts(ctx: Context) -> list[str]:
    return [f"    exceptions           {len(ctx['exceptions_without_billing']):>9,}   (with billing "
            f"{len(ctx['reconciliation'].exceptions):,})"]


@stage("reconcile_no_billing", report=_without_billing_counts)
def reconcile_no_billing(ctx: Context) -> Context:
    """omxl.reconcile on the same book with its invoices and payments emptied (their columns kept), as a book
    without billing tables is reconciled: `reconcile` minus this is what billing adds to reconcile."""
    book = ctx["book"]
    tables = {**book.tables, "invoices": book.invoices.iloc[:0], "payments": book.payments.iloc[:0]}
    rec = omxl.reconcile(dataclasses.replace(book, tables=tables), as_of="2026-11-27")
    return {"exceptions_without_billing": rec.exceptions[["code"]]}


def _billing_counts(ctx: Context) -> list[str]:
    billing, receivables, exceptions = ctx["billing"]
    return ([f"    billing rows {len(billing):>9,}   receivables {len(receivables):,}   "
             f"open {receivables['open_balance'].gt(0.005).sum():,}"] + _exception_counts(exceptions))


@stage("billing", report=_billing_counts)
def billing(ctx: Context) -> Context:
    """reconcile_billing alone (omxl/reconciliation/billing.py), on the reconciliation's prepared position:
    rec.billing, rec.receivables and the six billing exceptions, without the rest of reconcile."""
    position = ctx["reconciliation"].position
    clean = position.book
    return {"billing": reconcile_billing(position.lines, clean.invoices, clean.payments, clean.customers,
                                         position.return_lines, position.as_of, clean.column_map,
                                         base_currency=position.config.base_currency)}


# Five company rules of docs/company-rules.md's kinds: a line rule, an order total, a customer list, a rule
# on the inventory join and one per customer and month (the credit limit runs besides, built in).
BENCHMARK_RULES = [
    {"code": "max-units", "table": "orders", "when": "qty > 500", "hold": True,
     "message": "Line {line} of {order_id}: {qty} units of {sku}"},
    {"code": "needs-approval", "table": "order_totals", "when": "value > 10000", "hold": True,
     "message": "Order {order_id} is worth {value} {currency}"},
    {"code": "customer-on-hold", "table": "customers", "when": "customer_id in ['C-0001', 'C-0002', 'C-0003']",
     "hold": True, "message": "{customer_id} is on hold"},
    {"code": "promise-before-lead-time", "table": "orders",
     "when": "open_qty > 0 and promised_date < order_date + lead_time_days",
     "message": "Promised {promised_date}, but {supplier_id} needs {lead_time_days} days"},
    {"code": "monthly-limit", "table": "customer_months", "when": "value > 50000",
     "message": "{customer_id} ordered {value} {currency} in {month}"},
]


def _rule_counts(ctx: Context) -> list[str]:
    outcome = ctx["rules"]
    counts = outcome.findings["code"].value_counts().sort_index()
    lines = [f"    {code:<24} {int(n):>9,}" for code, n in counts.items()] + \
        [f"    held lines               {len(outcome.holds):>9,}"]
    for label, seconds in (("five rules", ctx["rules_seconds"]), ("and credit limits", ctx["credit_seconds"])):
        runs = ", ".join(f"{t:.3f}" for t in seconds)
        lines.append(f"    {label:<18} median {sorted(seconds)[1]:.3f} s (runs {runs})")
    return lines


@stage("rules", report=_rule_counts)
def rules(ctx: Context) -> Context:
    """check_rules alone (omxl/company_rules/checking.py) on the reconciliation's position, three times each:
    the five BENCHMARK_RULES on the book as it is (its customers have no credit limit, so the built-in rule has
    nothing to check), then with every customer given a credit limit of 20,000, so that the credit limit runs
    too (the findings and holds printed are that run's)."""
    reconciliation = ctx["reconciliation"]
    position = reconciliation.position
    clean = position.book
    config = position.config.model_copy(update={"rules": [RuleSetting(**rule) for rule in BENCHMARK_RULES]})

    def timed(tables: dict) -> tuple[list[float], object]:
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            outcome = check_rules(config, lines=position.lines, tables=tables, receivables=reconciliation.receivables,
                                  as_of=position.as_of, column_map=clean.column_map, convert=None)
            seconds.append(time.perf_counter() - start)
        return seconds, outcome

    rules_seconds, _ = timed(clean.tables)
    credit_seconds, outcome = timed({**clean.tables, "customers": clean.customers.assign(credit_limit=20000.0)})
    return {"rules": outcome, "rules_seconds": rules_seconds, "credit_seconds": credit_seconds}


def _dispatch_counts(ctx: Context) -> list[str]:
    result = ctx["dispatch"]
    picks, held = result.picks, result.held
    lines = len(picks[["order_id", "line"]].drop_duplicates())
    split = int((picks.groupby(["order_id", "line"], sort=False).size() > 1).sum())
    per_location = picks.groupby("location", sort=True).agg(picks=("pick_qty", "size"), units=("pick_qty", "sum"))
    held_by = held["held_by"].value_counts()
    return ([f"    picks {len(picks):>9,}   lines {lines:,} ({split:,} split over locations)   "
             f"orders {picks['order_id'].nunique():,}   units {picks['pick_qty'].sum():,.0f}"]
            + [f"    {location:<8} {int(row.picks):>9,} picks {row.units:>12,.0f} units"
               for location, row in per_location.iterrows()]
            + [f"    held     {len(held):>9,}   " + "   ".join(f"{kind} {int(n):,}" for kind, n in held_by.items()),
               f"    slips    {result.slips['order_id'].nunique():>9,} orders   manifests {len(result.manifests):,}"])


@stage("dispatch", report=_dispatch_counts)
def dispatch(ctx: Context) -> Context:
    """omxl.dispatch given the reconciliation: reconcile's allocation is reused, so this is dispatch's own work
    (dispatch columns, ship-complete orders, filters and holds, the split over locations, slips, manifests)."""
    return {"dispatch": omxl_dispatch(ctx["reconciliation"])}


@stage("dispatch_out")
def dispatch_out(ctx: Context) -> Context:
    """Dispatch.save: the print-ready pick list workbook (a sheet per location, per carrier manifest, the packing
    slips), written by omxl/io/save/pick_lists.py."""
    target = ctx["path"].with_name("pick-lists.xlsx")
    target.unlink(missing_ok=True)  # a fresh file: no backup of the previous run's
    ctx["dispatch"].save(target)
    return {"pick_lists": target}


def _plan_summary(ctx: Context) -> list[str]:
    plan = ctx["plan"]
    return [f"    SKUs to order {len(plan.lines):>9,}   drafts {len(plan.purchase_orders):,}"]


@stage("reorder", report=_plan_summary)
def reorder(ctx: Context) -> Context:
    """plan_reorders on its own: its validation and the backlog and supply it needs included."""
    return {"plan": omxl.plan_reorders(ctx["book"], as_of="2026-11-27")}


@stage("prepare")
def prepare(ctx: Context) -> Context:
    """omxl.prepare alone: the validated Position every step starts from (the next stage plans from it)."""
    return {"position": omxl.prepare(ctx["book"], as_of="2026-11-27")}


def _class_counts(ctx: Context) -> list[str]:
    skus = ctx["plan_by_class"].skus
    counts = skus.groupby([skus["demand_class"].fillna("(no demand)"), skus["demand_method"]]).size()
    return [f"    {demand_class:<14} {method:<8} {int(n):>9,} SKUs" for (demand_class, method), n in counts.items()]


@stage("plan_position", report=_class_counts)
def plan_position(ctx: Context) -> Context:
    """plan_reorders from the prepared Position: the demand classes (ABC, Syntetos-Boylan), each class's method
    (the weekly mean; SBA for intermittent and lumpy items) and the plan. The Position is let go afterwards."""
    return {"plan_by_class": omxl.plan_reorders(ctx["position"]), "position": None}


@stage("write_back")
def write_back(ctx: Context) -> Context:
    """A 1,000-row result sheet written into a copy of the book (the copy itself takes ~10 ms)."""
    target = ctx["path"].with_name("write-back-target.xlsx")
    shutil.copy(ctx["path"], target)
    omxl.write_back(target, {"Order Status": ctx["book"].orders.head(1000)}, backup=False)
    return {"written": target}


@stage("prepared", report=_plan_summary)
def prepared(ctx: Context) -> Context:
    """The daily job as a program runs it: one omxl.prepare, then reconcile and plan_reorders from that
    Position (compare with reconcile + reorder above, which each prepare the book themselves)."""
    position = omxl.prepare(ctx["book"], as_of="2026-11-27")
    return {"reconciliation": omxl.reconcile(position), "plan": omxl.plan_reorders(position)}


@stage("write_status")
def write_status(ctx: Context) -> Context:
    """What `reconcile --out status.xlsx` adds to reconcile: the result sheets as people read them (labels,
    formats, fills; rec.result_sheets()) and the new workbook written, verified and saved (save_workbook)."""
    from omxl.io.save.write import save_workbook

    target = ctx["path"].with_name("status-out.xlsx")
    save_workbook(ctx["reconciliation"].result_sheets(), target, backup=False)
    return {"status_out": target}


@stage("reconcile_out")
def reconcile_out(ctx: Context) -> Context:
    """`omxl reconcile BOOK --as-of 2026-11-27 --out status.xlsx` end to end, as a user runs it: a new Python
    process (imports included) that reads, reconciles, prints and writes the workbook. The peak MB column is
    this process's, not the child's."""
    import subprocess

    target = ctx["path"].with_name("status-cli.xlsx")
    target.unlink(missing_ok=True)
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "omxl", "reconcile", str(ctx["path"]), "--as-of", "2026-11-27",
                           "--out", str(target)], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)})
    if done.returncode not in (0, 1) or not target.exists():
        raise RuntimeError(f"omxl reconcile --out failed ({done.returncode}): {done.stderr.strip()}")
    return {"status_cli": target}


def _child_peak(ctx: Context) -> list[str]:
    return [f"  the omxl process: {ctx['weekly_child_seconds']:.2f} s, peak {ctx['weekly_child_peak_mb']:.0f} MB "
            "(its own high-water mark)"]


@stage("weekly")
def weekly(ctx: Context) -> Context:
    """omxl.weekly_report from the book (prepare, reconcile, plan, KPIs, causes, carriers, the run history: the
    previous run looked up, this one recorded) and Report.save (the template rendered into the workbook)."""
    history = ctx["path"].with_name("weekly-history.sqlite")
    history.unlink(missing_ok=True)
    report = omxl.weekly_report(ctx["book"], as_of="2026-11-27", history=history)
    target = ctx["path"].with_name("weekly-status.xlsx")
    report.save(target, backup=False)
    return {"weekly_report": report, "weekly_out": target}


@stage("weekly_out", report=_child_peak)
def weekly_out(ctx: Context) -> Context:
    """`omxl weekly BOOK --as-of 2026-11-27 --out weekly.xlsx` end to end in a new Python process, as a user or a
    scheduler runs it (imports, read, every step, the printed KPIs, the workbook, a new history recorded). The
    child reports its own time and peak memory (its high-water mark), printed under the stage line."""
    import subprocess

    target = ctx["path"].with_name("weekly-cli.xlsx")
    history = ctx["path"].with_name("weekly-cli-history.sqlite")
    history.unlink(missing_ok=True)
    root = Path(__file__).resolve().parents[1]
    # VmHWM, not getrusage's ru_maxrss: Linux carries the parent's high-water mark across fork and exec into
    # ru_maxrss, so a child of a 600 MB benchmark process would report at least 600 MB.
    code = ("import atexit, re, sys, time\n"
            "start = time.perf_counter()\n"
            "def peak():\n"
            "    status = open('/proc/self/status').read()\n"
            "    return int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
            "atexit.register(lambda: sys.stderr.write(f'PEAK_KB {peak()} SECONDS {time.perf_counter() - start}\\n'))\n"
            "from omxl.cli import main\n"
            "sys.argv = ['omxl'] + sys.argv[1:]\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code, "weekly", str(ctx["path"]), "--as-of", "2026-11-27", "--out",
                           str(target), "--history", str(history), "-q"], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)})
    if done.returncode not in (0, 1) or not target.exists():
        raise RuntimeError(f"omxl weekly failed ({done.returncode}): {done.stderr.strip()}")
    peak_kb, seconds = (float(x) for x in done.stderr.rsplit("PEAK_KB ", 1)[1].split(" SECONDS "))
    return {"weekly_cli": target, "weekly_child_peak_mb": peak_kb / 1024, "weekly_child_seconds": seconds}


@stage("dispatch_book")
def dispatch_book(ctx: Context) -> Context:
    """omxl.dispatch from the book, as `omxl dispatch BOOK` computes it: prepare and reconcile (its validation
    included) and then dispatch. Last in the pipeline: the process's resident memory does not shrink back after
    the second position it prepares (some 70 MB on 100,000 lines), which would raise what later stages start
    from."""
    omxl_dispatch(ctx["book"], as_of="2026-11-27")
    return {}


# ---- measuring ------------------------------------------------------------------------------------------


class PeakRss:
    """Peak resident memory of this process while the `with` block runs.

    A thread samples RSS every few ms. A sampler alone can miss a short peak when
    native code holds the GIL, so on Linux the kernel's own high-water mark
    (VmHWM) is reset before the block and read after it, and the larger wins.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.process = psutil.Process()
        self.before = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._hwm_reset = False

    def __enter__(self) -> PeakRss:
        gc.collect()  # garbage left by the previous stage is not this stage's memory
        self.before = self.peak = self.process.memory_info().rss
        self._hwm_reset = _reset_hwm()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        if self._hwm_reset:
            self.peak = max(self.peak, _read_hwm())

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.process.memory_info().rss)


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # "5" resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _read_hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_rss: int
    rss_before: int


def run_stage(name: str, ctx: Context, stages: dict[str, Stage] | None = None) -> Measure:
    """Run one stage of `stages` (default: this pipeline's), merging what it returns into ctx; time and measure it."""
    with PeakRss() as memory:
        start = time.perf_counter()
        ctx.update((STAGES if stages is None else stages)[name].run(ctx))
        seconds = time.perf_counter() - start
    return Measure(seconds, memory.peak, memory.before)


STAGE_HEADER = f"{'stage':<20} {'seconds':>9} {'peak MB':>9} {'before MB':>10}"


def stage_line(name: str, measure: Measure) -> str:
    """One row under STAGE_HEADER."""
    return f"{name:<20} {measure.seconds:>9.3f} {measure.peak_rss / _MB:>9.1f} {measure.rss_before / _MB:>10.1f}"


def stage_result(measure: Measure) -> dict[str, float]:
    """The stage's entry in the --json object."""
    return {"seconds": round(measure.seconds, 4), "peak_rss_mb": round(measure.peak_rss / _MB, 1)}


# ---- command line ---------------------------------------------------------------------------------------


GENERATOR = Path(__file__).resolve().parent / "make_book.py"


def generator_key() -> str:
    """The first 8 hex digits of make_book.py's SHA-256: a changed generator names a new cached book, so the
    books of two versions sit side by side (an old-against-new comparison, several worktrees sharing one
    cache) and a book is never rebuilt under another version's name."""
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:8]


def book_path(lines: int, seed: int, shared_strings: bool = True) -> Path:
    strings = "" if shared_strings else "-inline"
    return CACHE / f"book-{lines}-seed{seed}{strings}-{generator_key()}.xlsx"


def ensure_book(lines: int, seed: int, rebuild: bool, shared_strings: bool = True) -> tuple[Path, float | None]:
    """The cached book of this generator, built when missing. Returns (path, build seconds or None)."""
    path = book_path(lines, seed, shared_strings)
    if not rebuild and path.exists():
        return path, None
    start = time.perf_counter()
    build_book(path, lines, seed, shared_strings)
    return path, time.perf_counter() - start


def selected_stages(names: str | None) -> list[str]:
    """The named stages and every stage before them: each stage consumes what earlier ones return."""
    if not names:
        return list(STAGES)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s): {', '.join(unknown)}; known: {', '.join(STAGES)}")
    last = max(list(STAGES).index(n) for n in wanted)
    return list(STAGES)[: last + 1]


def _cpu_line() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"python {platform.python_version()}  pandas {pd.__version__}  numpy {np.__version__}  "
            f"cpus {os.cpu_count()} (usable {usable})")


def _book_line(path: Path, built: float | None) -> str:
    size = path.stat().st_size / _MB
    how = f"built in {built:.2f} s" if built is not None else "cached"
    return f"book   {path}  {size:.1f} MB  {how}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000, help="order lines in the book (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the book (default 1)")
    parser.add_argument("--stages", help=f"comma-separated stages to run, with every earlier one ({', '.join(STAGES)})")
    parser.add_argument("--json", action="store_true", help="end with a JSON object of seconds and peak RSS per stage")
    parser.add_argument("--rows-only", action="store_true", help="only (re)build the book; print its size and build time")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached book")
    parser.add_argument("--inline-strings", action="store_true",
                        help="write text as inline strings (some exporters do) instead of Excel's shared strings")
    parser.add_argument("--book", type=Path,
                        help="run the stages on this book, built by make_book.py (e.g. an earlier version's cached "
                             "book, to compare versions), instead of building or reusing the cached one")
    args = parser.parse_args(argv)
    try:
        names = selected_stages(args.stages)
    except ValueError as error:
        parser.error(str(error))

    if args.rows_only:
        # Always a fresh build: the point of this mode is the build time.
        path, built = ensure_book(args.lines, args.seed, rebuild=True, shared_strings=not args.inline_strings)
        print(_book_line(path, built))
        return 0

    print(_cpu_line())
    if args.book is not None:
        path, built = args.book.resolve(), None
    else:
        path, built = ensure_book(args.lines, args.seed, args.rebuild, shared_strings=not args.inline_strings)
    print(_book_line(path, built))
    rows = expected_rows(path)
    lines = rows.get("orders", args.lines) if args.book is not None else args.lines
    ctx: Context = {"path": path, "lines": lines, "seed": args.seed, "expected_rows": rows}
    run_and_print(names, ctx, STAGES, as_json=args.json)
    return 0


def run_and_print(names: list[str], ctx: Context, stages: dict[str, Stage], as_json: bool) -> None:
    """Run the named stages in order, printing a line per stage and its report; with `as_json`, end with
    one JSON object of seconds and peak RSS per stage."""
    results: dict[str, dict[str, float]] = {}
    print(STAGE_HEADER)
    for name in names:
        measure = run_stage(name, ctx, stages)
        print(stage_line(name, measure))
        report = stages[name].report
        if report is not None:
            print("\n".join(report(ctx)))
        sys.stdout.flush()
        results[name] = stage_result(measure)
    if as_json:
        print(json.dumps(results))


if __name__ == "__main__":
    sys.exit(main())
