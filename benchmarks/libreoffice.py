"""Time the buttons of an .ods in LibreOffice: `omxl libreoffice-setup`, then each button pressed in a headless
LibreOffice (tests/lo_buttons.py, the driver the tests use), with the seconds of each press and the peak memory
of the office (soffice.bin, where the buttons' Python runs omxl).

    python -m benchmarks.libreoffice                    # the sample workbook and a 10,000-line demo book
    python -m benchmarks.libreoffice --lines 3000 20000 # demo books of these sizes instead

The first press of a session loads omxl and pandas into LibreOffice's Python; the table shows it separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from omxl.demo import AS_OF, write_demo
from omxl.excel.odsbook import libreoffice_setup

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "lo_buttons.py"
SAMPLE = ROOT / "workbooks" / "sample.xlsx"
SAMPLE_AS_OF = dt.date(2026, 11, 27)
PRESSES = ("Validate", "Reconcile", "Reorder", "Weekly report", "Validate")
_MB = 1024 * 1024


def python_with_uno() -> str:
    for candidate in ("/usr/bin/python3", sys.executable, shutil.which("python3") or ""):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    raise SystemExit("python-UNO is not installed (apt-get install python3-uno)")


class OfficePeak:
    """The highest resident memory of the office processes started by `process` (sampled every 20 ms)."""

    def __init__(self, process: subprocess.Popen):
        self.root = psutil.Process(process.pid)
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            try:
                total = sum(child.memory_info().rss for child in self.root.children(recursive=True)
                            if child.name().startswith("soffice"))
            except psutil.Error:
                total = 0
            self.peak = max(self.peak, total)
            time.sleep(0.02)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak / _MB


def measure(book: Path, as_of: dt.date, folder: Path) -> dict:
    started = time.perf_counter()
    ods = libreoffice_setup(book, out=folder / f"{book.stem}.ods")
    setup_seconds = time.perf_counter() - started
    serial = (as_of - dt.date(1899, 12, 30)).days
    steps = [{"set": ["omxl", "B3", serial]}] + [{"press": label} for label in PRESSES]
    plan = folder / "plan.json"
    plan.write_text(json.dumps({"document": str(ods), "profile": str(folder / "profile"), "steps": steps}))
    process = subprocess.Popen([python_with_uno(), str(DRIVER), str(plan)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=DRIVER.parent)
    peak = OfficePeak(process)
    out, err = process.communicate()
    office_mb = peak.stop()
    if process.returncode != 0:
        raise SystemExit(err[-3000:])
    pressed = [json.loads(line) for line in out.splitlines() if '"pressed"' in line]
    return {"book": book.name, "setup": setup_seconds, "presses": pressed, "office_peak_mb": office_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="*", default=[10_000], help="demo books of these order lines")
    parser.add_argument("--no-sample", action="store_true", help="leave out the sample workbook")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="omxl-lo-bench-") as work:
        books = [] if args.no_sample else [(SAMPLE, SAMPLE_AS_OF)]
        for lines in args.lines:
            path = write_demo(Path(work) / f"demo-{lines}.xlsx", seed=11, lines=lines)
            books.append((path, AS_OF))
        print(f"python {sys.version.split()[0]}; LibreOffice's Python runs omxl; {psutil.cpu_count()} cpus")
        print(f"{'book':<18}{'setup s':>9}  " + "  ".join(f"{label:>13}" for label in PRESSES) + "   office peak MB")
        for index, (book, as_of) in enumerate(books):
            folder = Path(work) / f"run{index}"
            folder.mkdir()
            found = measure(book, as_of, folder)
            seconds = "  ".join(f"{p['seconds']:>13.2f}" for p in found["presses"])
            print(f"{found['book']:<18}{found['setup']:>9.2f}  {seconds}   {found['office_peak_mb']:>10.0f}")
            for press in found["presses"]:
                print(f"    {press['pressed']}: {press['status'][:150]}")
        print("The first Validate of each book includes loading omxl and pandas into LibreOffice's Python; the "
              "last one is a press with them loaded.")


if __name__ == "__main__":
    main()
