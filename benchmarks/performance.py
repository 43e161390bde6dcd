"""Issue 34's performance cases: omxl as a user runs it, beside a naive pandas script and the file formats' floor.

    python benchmarks/performance.py [CASE ...] [--runs 3] [--sizes 10000,100000,1000000] [--json]
    PYTHONPATH=/path/to/older/checkout python benchmarks/performance.py weekly   # time another omxl

CASE is weekly, million, online_retail or write_back (default: all four). Every measurement runs in a fresh
Python process and reports its wall time and its peak resident memory (the process's own high-water mark,
VmHWM); each figure is the median of --runs runs. omxl is imported from whatever PYTHONPATH gives (the header
names the checkout); the demo books are always made by this checkout's `omxl demo` and cached in
benchmarks/.cache. See benchmarks/README.md (Performance).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
FLOOR_VENV = HERE / ".venv-floor"
FLOOR_REQUIREMENTS = HERE / "floor-requirements.txt"
AS_OF = "2026-11-27"
SEED = 11
RETAIL_DATA = ROOT.parent / "shared" / "data" / "online_retail" / "by-day"
_MB = 1024 * 1024

# Runs before the measured code in every child: writes the child's VmHWM (kB) where the parent reads it. VmHWM,
# not the parent's getrusage(RUSAGE_CHILDREN): Linux carries a parent's high-water mark into its children's.
PEAK_PRELUDE = """\
import atexit, os, sys
def _write_peak():
    with open('/proc/self/status') as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))
    with open(os.environ['BENCH_PEAK_FILE'], 'w') as out:
        out.write(str(kb))
atexit.register(_write_peak)
"""
OMXL_CLI = PEAK_PRELUDE + "import runpy\nsys.argv[0] = 'omxl'\nrunpy.run_module('omxl', run_name='__main__')\n"

LAST_CPU = 0.0
Result = dict[str, Any]  # label -> {"seconds": s, "peak_mb": mb} plus notes


# ---- running and measuring ------------------------------------------------------------------------------


def run_child(code: str, args: list[str], *, python: str = sys.executable, cwd: Path | None = None,
              ok: tuple[int, ...] = (0, 1)) -> tuple[float, float, str]:
    """Run `python -c code args` in a fresh process: (wall seconds, peak MB, stdout). Exit codes outside `ok`
    (omxl exits 1 when validation found errors, as every benchmark book has) stop the benchmark. The child's
    CPU seconds (user + system) are kept in LAST_CPU: on a busy machine they vary less than the wall time."""
    global LAST_CPU
    with tempfile.NamedTemporaryFile(prefix="bench-peak-", delete=False) as peak_file:
        peak_path = Path(peak_file.name)
    env = {**os.environ, "BENCH_PEAK_FILE": str(peak_path)}
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([python, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    try:
        if done.returncode not in ok:
            raise RuntimeError(f"{' '.join(args[:2])} ... failed with exit code {done.returncode}:\n"
                               f"{done.stderr.strip()[-2000:]}")
        return seconds, int(peak_path.read_text()) / 1024, done.stdout
    finally:
        peak_path.unlink(missing_ok=True)


def median_of(runs: int, measure: Callable[[], dict[str, tuple[float, ...]]]) -> Result:
    """Call `measure` `runs` times (it returns label -> (seconds, peak MB[, CPU seconds])); the median of each."""
    samples = [measure() for _ in range(runs)]
    result = {label: {"seconds": statistics.median(s[label][0] for s in samples),
                      "peak_mb": statistics.median(s[label][1] for s in samples),
                      "runs": [round(s[label][0], 2) for s in samples]} for label in samples[0]}
    for label, value in result.items():
        if len(samples[0][label]) > 2:
            value["cpu_seconds"] = statistics.median(s[label][2] for s in samples)
    return result


def child(code: str, args: list[str], **options: Any) -> tuple[float, float, float]:
    """run_child's (wall seconds, peak MB, CPU seconds)."""
    seconds, peak, _ = run_child(code, args, **options)
    return seconds, peak, LAST_CPU


def omxl_run(args: list[str], cwd: Path) -> tuple[float, float, float]:
    return child(OMXL_CLI, args, cwd=cwd)


# ---- books ----------------------------------------------------------------------------------------------


def demo_key() -> str:
    """First 8 hex digits of the SHA-256 of this checkout's demo generator: a changed generator, a new book."""
    digest = hashlib.sha256()
    for source in sorted((ROOT / "omxl" / "demo").glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:8]


def demo_book(lines: int) -> Path:
    """`omxl demo --lines LINES --seed 11` by this checkout (whatever omxl is timed), cached."""
    path = CACHE / f"demo-{lines}-seed{SEED}-{demo_key()}.xlsx"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        print(f"making {path.name} ...", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "omxl", "demo", "--lines", str(lines), "--seed", str(SEED),
                               "--out", str(path), "-q"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        if done.returncode != 0:
            raise RuntimeError(f"omxl demo --lines {lines} failed: {done.stderr.strip()}")
        print(f"made {path.name} in {time.perf_counter() - start:.1f} s", flush=True)
    return path


def sheet_shapes(path: Path) -> dict[str, tuple[int, int, int]]:
    """Per sheet of a workbook: (rows, columns, non-empty cells), counted cell by cell (not from <dimension>)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    shapes = {}
    for sheet in book.worksheets:
        rows = columns = cells = 0
        for row in sheet.iter_rows(values_only=True):
            filled = [i for i, value in enumerate(row) if value is not None]
            rows += 1
            cells += len(filled)
            columns = max(columns, filled[-1] + 1 if filled else 0)
        shapes[sheet.title] = (rows, columns, cells)
    book.close()
    return shapes


# ---- weekly: omxl, the naive script, the I/O floor ------------------------------------------------------


# What a user writes for the same output sheets: pandas reads every sheet with openpyxl and writes sheets of
# the weekly workbook's sizes with openpyxl (no computation: the naive script's cost is its I/O alone).
NAIVE = PEAK_PRELUDE + """\
import json
import pandas as pd
book, out, shapes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
frames = pd.read_excel(book, sheet_name=None, engine="openpyxl")
source = max(frames.values(), key=len)
with pd.ExcelWriter(out, engine="openpyxl") as writer:
    for name, (rows, columns, _cells) in shapes.items():
        block = source.iloc[:, [i % source.shape[1] for i in range(columns)]]
        block = block.iloc[[i % len(block) for i in range(max(rows - 1, 0))]]
        block.to_excel(writer, sheet_name=name[:31], index=False)
"""

# The floor: fastexcel reads every sheet into Arrow (header found as the first full row), XlsxWriter in
# constant_memory mode writes as many cells as the weekly workbook holds, taken from what was read.
FLOOR = PEAK_PRELUDE + """\
import json
import fastexcel
import xlsxwriter
book, out, shapes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
reader = fastexcel.read_excel(book)
tables = []
for name in reader.sheet_names:
    top = reader.load_sheet(name, header_row=None, n_rows=20).to_arrow()
    full = [i for i in range(top.num_rows) if all(top.column(c)[i].is_valid for c in range(top.num_columns))]
    tables.append(reader.load_sheet(name, header_row=full[0] if full else 0).to_arrow())
source = max(tables, key=lambda t: t.num_rows)
columns = [source.column(c).to_pylist() for c in range(source.num_columns)]
workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
for name, (_rows, width, cells) in shapes.items():
    sheet = workbook.add_worksheet(name[:31])
    width = max(width, 1)
    for k in range(cells):
        row, col = divmod(k, width)
        value = columns[col % len(columns)][row % source.num_rows]
        if isinstance(value, str):
            sheet.write_string(row, col, value)
        elif value is not None and not hasattr(value, "year"):
            sheet.write_number(row, col, value)
        else:
            sheet.write_number(row, col, row)
workbook.close()
"""


def floor_python() -> str:
    """The floor's interpreter: benchmarks/.venv-floor (made with uv from floor-requirements.txt when missing)."""
    python = FLOOR_VENV / "bin" / "python"
    if not python.exists():
        print("making benchmarks/.venv-floor (fastexcel, pyarrow, xlsxwriter) ...", flush=True)
        subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(FLOOR_VENV)], check=True)
        subprocess.run(["uv", "pip", "install", "-q", "--python", str(python), "-r", str(FLOOR_REQUIREMENTS)],
                       check=True)
    return str(python)


def case_weekly(args: argparse.Namespace, work: Path) -> Result:
    book = demo_book(100_000)
    out, history = work / "weekly.xlsx", work / "weekly-history.sqlite"

    def omxl_weekly() -> tuple[float, float]:
        history.unlink(missing_ok=True)  # every run the first of its history, as the others are
        return omxl_run(["weekly", str(book), "--as-of", AS_OF, "--out", str(out), "--history", str(history),
                         "-q"], cwd=work)

    first = omxl_weekly()
    shapes = sheet_shapes(out)
    spec = json.dumps(shapes)
    python = floor_python()
    calls = iter([first])  # the run that made the workbook counts as the first

    def measure() -> dict[str, tuple[float, ...]]:
        weekly = next(calls, None) or omxl_weekly()
        naive = child(NAIVE, [str(book), str(work / "naive.xlsx"), spec], ok=(0,))
        floor = child(FLOOR, [str(book), str(work / "floor.xlsx"), spec], python=python, ok=(0,))
        return {"omxl weekly": weekly, "naive pandas+openpyxl": naive, "floor fastexcel+xlsxwriter": floor}

    result = median_of(args.runs, measure)
    omxl_s = result["omxl weekly"]["seconds"]
    cpu = {label: value["cpu_seconds"] for label, value in result.items()}
    result["notes"] = [
        f"book {book.name}; weekly workbook {len(shapes)} sheets, "
        f"{sum(r for r, _, _ in shapes.values()):,} rows, {sum(c for _, _, c in shapes.values()):,} cells",
        f"omxl is {result['naive pandas+openpyxl']['seconds'] / omxl_s:.2f}x faster than the naive script "
        "(target >= 6)",
        f"omxl takes {omxl_s / result['floor fastexcel+xlsxwriter']['seconds']:.2f}x the I/O floor (target <= 1.25)",
        f"omxl weekly {omxl_s:.2f} s, {result['omxl weekly']['peak_mb']:.0f} MB (targets <= 3 s, <= 600 MB)",
        "in CPU seconds (steadier on a busy machine): naive / omxl "
        f"{cpu['naive pandas+openpyxl'] / cpu['omxl weekly']:.2f}x, omxl / floor "
        f"{cpu['omxl weekly'] / cpu['floor fastexcel+xlsxwriter']:.2f}x",
    ]
    return result


# ---- million: the stages in one process, and their growth with the book --------------------------------


STAGES = PEAK_PRELUDE + """\
import json, time
import omxl
def hwm():
    with open('/proc/self/status') as status:
        return next(int(line.split()[1]) for line in status if line.startswith('VmHWM:')) / 1024
def reset():
    try:
        with open('/proc/self/clear_refs', 'w') as refs:
            refs.write('5')  # VmHWM back to the current RSS: each stage's own peak
    except OSError:
        pass
book_path, as_of, each_from_book, held, out = sys.argv[1], sys.argv[2], sys.argv[3] == "1", {}, {}
if each_from_book:  # every step prepares the book again, as three separate calls on a Book do
    steps = {"read": lambda: omxl.read_book(book_path),
             "validate": lambda: omxl.validate(held["read"], as_of=as_of),
             "reconcile": lambda: omxl.reconcile(held["read"], as_of=as_of),
             "plan": lambda: omxl.plan_reorders(held["read"], as_of=as_of)}
else:  # as documented for several steps (and as the command line runs them): the book validated once
    steps = {"read": lambda: omxl.read_book(book_path),
             "validate": lambda: (lambda pos: (pos, omxl.validate(pos)))(omxl.prepare(held["read"], as_of=as_of)),
             "reconcile": lambda: omxl.reconcile(held["validate"][0]),
             "plan": lambda: omxl.plan_reorders(held["validate"][0])}
for name, step in steps.items():
    reset()
    start, cpu = time.perf_counter(), time.process_time()
    held[name] = step()  # results are kept, as a program using them does
    out[name] = (time.perf_counter() - start, hwm(), time.process_time() - cpu)
print(json.dumps(out))
"""


def stage_run(book: Path, work: Path, each_from_book: bool = False) -> dict[str, tuple[float, ...]]:
    seconds, _, stdout = run_child(STAGES, [str(book), AS_OF, "1" if each_from_book else "0"], cwd=work)
    stages = {name: tuple(values) for name, values in json.loads(stdout.strip().splitlines()[-1]).items()}
    # The process's peak is its highest stage peak (each stage reset the high-water mark).
    peak = max(values[1] for values in stages.values())
    stages["read+validate+reconcile+plan"] = (sum(values[0] for values in stages.values()), peak,
                                              sum(values[2] for values in stages.values()))
    stages["process (imports included)"] = (seconds, peak, LAST_CPU)
    return stages


def case_million(args: argparse.Namespace, work: Path) -> Result:
    sizes = [int(size) for size in args.sizes.split(",")]
    result: Result = {}
    totals = {}
    for lines in sizes:
        book = demo_book(lines)
        measured = median_of(args.runs, lambda: stage_run(book, work, args.each_from_book))
        result.update({f"{lines:,}: {label}": value for label, value in measured.items()})
        totals[lines] = measured["read+validate+reconcile+plan"]
    notes = [f"books: omxl demo --lines N --seed {SEED}; stage peaks are the process's RSS while the stage ran "
             "(earlier results held)",
             "each step from the book: validate, reconcile and plan_reorders each prepare it" if args.each_from_book
             else "validate is omxl.prepare (the book validated once) and omxl.validate of the Position; reconcile "
                  "and plan_reorders start from that Position"]
    for small, big in zip(sizes, sizes[1:]):
        notes.append(f"{small:,} -> {big:,} lines: time x{totals[big]['seconds'] / totals[small]['seconds']:.1f}, "
                     f"peak memory x{totals[big]['peak_mb'] / totals[small]['peak_mb']:.1f} (target <= 11 per "
                     "10x step)")
    if 1_000_000 in totals:
        read = result["1,000,000: read"]["seconds"]
        total = totals[1_000_000]
        notes.append(f"1,000,000 lines: read {read:.1f} s (target <= 8), all four {total['seconds']:.1f} s "
                     f"(<= 20), peak {total['peak_mb']:.0f} MB (<= 2,560)")
    result["notes"] = notes
    return result


# ---- Online Retail: the 305 daily CSV files ------------------------------------------------------------


def retail_config(work: Path) -> tuple[Path, str]:
    """benchmarks/online_retail.py's CONFIG as omxl.toml in `work`, and its as-of day."""
    sys.path.append(str(ROOT))  # after PYTHONPATH: the omxl timed stays the one PYTHONPATH gives
    from benchmarks.online_retail import AS_OF as RETAIL_AS_OF, CONFIG

    lines = [f"{key} = {json.dumps(value)}" for key, value in CONFIG.items() if not isinstance(value, dict)]
    for table, mapping in CONFIG["columns"].items():
        lines += [f"\n[columns.{table}]"] + [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in mapping.items()]
    config = work / "omxl.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config, RETAIL_AS_OF


def case_online_retail(args: argparse.Namespace, work: Path) -> Result:
    files = sorted(str(f) for f in Path(args.retail_data).glob("*.csv"))
    if not files:
        return {"notes": [f"skipped: no CSV files in {args.retail_data} (pass --retail-data DIR)"]}
    config, as_of = retail_config(work)
    common = [*files, "--config", str(config), "--as-of", as_of]
    status, report, history = work / "status.xlsx", work / "retail-weekly.xlsx", work / "retail-history.sqlite"

    def measure() -> dict[str, tuple[float, ...]]:
        history.unlink(missing_ok=True)
        return {"reconcile --out status.xlsx": omxl_run(["reconcile", *common, "--out", str(status), "-q"], work),
                "weekly --out": omxl_run(["weekly", *common, "--out", str(report), "--history", str(history),
                                          "-q"], work),
                "reconcile (no --out)": omxl_run(["reconcile", *common, "-q"], work)}

    result = median_of(args.runs, measure)
    rec, weekly = result["reconcile --out status.xlsx"], result["weekly --out"]
    result["notes"] = [f"{len(files)} files in {args.retail_data}",
                       f"reconcile --out {rec['seconds']:.1f} s, {rec['peak_mb']:.0f} MB (targets <= 12 s, "
                       f"<= 1,229 MB); weekly {weekly['seconds']:.1f} s (<= 8 s)"]
    return result


# ---- write_back -----------------------------------------------------------------------------------------


# benchmarks/pipeline.py's write_back stage when this omxl can import the pipeline, else the same measurement:
# a 1,000-row Order Status sheet written into a copy of the book (the copy takes some 10 ms), timed in process.
WRITE_BACK = PEAK_PRELUDE + """\
import json, shutil, statistics, time
from pathlib import Path
import omxl
book_path, root, runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
sys.path.append(root)
try:
    from benchmarks.pipeline import write_back
except ImportError:
    def write_back(ctx):
        target = ctx["path"].with_name("write-back-target.xlsx")
        shutil.copy(ctx["path"], target)
        omxl.write_back(target, {"Order Status": ctx["book"].orders.head(1000)}, backup=False)
        return {"written": target}
ctx = {"path": book_path, "book": omxl.read_book(book_path)}
seconds = []
for _ in range(runs):
    start = time.perf_counter()
    write_back(ctx)
    seconds.append(time.perf_counter() - start)
print(json.dumps(seconds))
"""


def case_write_back(args: argparse.Namespace, work: Path) -> Result:
    book = work / "write-back-book.xlsx"
    book.write_bytes(demo_book(100_000).read_bytes())  # the target is written beside the book: in `work`
    _, peak, stdout = run_child(WRITE_BACK, [str(book), str(ROOT), str(args.runs)])
    seconds = json.loads(stdout.strip().splitlines()[-1])
    median = statistics.median(seconds)
    return {"write_back 1,000 rows": {"seconds": median, "peak_mb": peak, "runs": [round(s, 3) for s in seconds]},
            "notes": [f"into a copy of {demo_book(100_000).name}, in one process after reading it (the peak is "
                      f"that process's); target <= 0.3 s: {median:.3f} s"]}


# ---- command line ---------------------------------------------------------------------------------------


CASES: dict[str, Callable[[argparse.Namespace, Path], Result]] = {
    "weekly": case_weekly, "million": case_million, "online_retail": case_online_retail,
    "write_back": case_write_back}


def header() -> str:
    """The machine and which omxl is timed, from a child: the timed omxl is the one PYTHONPATH gives it."""
    code = ("import omxl, pandas, numpy, os, platform\n"
            "print(f'omxl from {os.path.dirname(os.path.dirname(omxl.__file__))}  python {platform.python_version()}"
            "  pandas {pandas.__version__}  numpy {numpy.__version__}')")
    # Not from the checkout's folder: `python -c` looks in the current folder first, before PYTHONPATH.
    which = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=tempfile.gettempdir()).stdout.strip()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    return f"{which}  cpus {os.cpu_count()}  RAM {memory:.0f} GB  {platform.machine()}"


def compile_timed() -> str:
    """Byte-compile the timed omxl once, as installing a package does: with PYTHONDONTWRITEBYTECODE set (as on
    this machine) every fresh process would otherwise compile every module it imports from source again."""
    code = ("import compileall, os, omxl\n"
            "folder = os.path.dirname(omxl.__file__)\n"
            "print(folder, compileall.compile_dir(folder, quiet=1))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir())
    return f"byte-compiled {done.stdout.split()[0] if done.stdout else '(omxl not found)'} first"


def print_result(name: str, result: Result) -> None:
    print(f"\n{name}\n{'':2}{'measurement':<40} {'seconds':>9} {'peak MB':>9} {'CPU s':>7}   runs")
    for label, value in result.items():
        if label != "notes":
            cpu = f"{value['cpu_seconds']:>7.2f}" if "cpu_seconds" in value else f"{'':>7}"
            print(f"  {label:<40} {value['seconds']:>9.2f} {value['peak_mb']:>9.0f} {cpu}   {value.get('runs', '')}")
    for note in result.get("notes", []):
        print(f"  - {note}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/performance.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"cases to run ({', '.join(CASES)}; default all)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement, the median printed (default 3)")
    parser.add_argument("--sizes", default="1000000",
                        help="million: the books' order lines, comma-separated (e.g. 10000,100000,1000000)")
    parser.add_argument("--each-from-book", action="store_true",
                        help="million: call validate, reconcile and plan_reorders on the Book, each preparing it "
                             "again (default: prepare once, as documented for several steps)")
    parser.add_argument("--retail-data", default=str(RETAIL_DATA), help="online_retail: the daily CSV files' folder")
    parser.add_argument("--json", action="store_true", help="end with one JSON object of every figure")
    args = parser.parse_args(argv)
    unknown = [name for name in args.cases if name not in CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}")
    print(header(), flush=True)
    print(compile_timed(), flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="omxl-performance-") as temp:
        for name in args.cases or list(CASES):
            work = Path(temp) / name
            work.mkdir()
            results[name] = CASES[name](args, work)
            print_result(name, results[name])
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
