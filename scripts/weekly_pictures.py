"""Pictures of the weekly workbook's headline page and KPI sheet as printed, for docs/weekly-report.md.

    python3 scripts/weekly_pictures.py

Runs the weekly report on workbooks/sample.xlsx twice, a week apart (as of 2026-11-20, then 2026-11-27, with a
run history in a temporary folder and the targets of docs/weekly-report.md), so the tiles show changes; prints
the second workbook to PDF with headless LibreOffice and turns its first two pages into PNGs (pdftoppm) in
docs/images/: weekly-headline-1.png (the Summary), weekly-headline-2.png (the KPI sheet). Then reports the three
branches of tests/units_books.py by unit (omxl.consolidate) and prints the By Unit sheet's first page:
weekly-by-unit-1.png.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's omxl, not an installed one
sys.path.insert(1, str(ROOT / "tests"))  # the branches of the tests

import omxl  # noqa: E402

IMAGES = ROOT / "docs" / "images"
SAMPLE = ROOT / "workbooks" / "sample.xlsx"
TARGETS = {"targets": {"otif_line_rate": 0.95, "unit_fill_rate": 0.95, "late_lines": 50, "at_risk_lines": 80,
                       "backorder_lines": 100, "overdue_po_lines": 0, "data_errors": 0}}


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        book = omxl.read_book(SAMPLE)
        history = folder / "history.sqlite"
        omxl.weekly_report(book, as_of="2026-11-20", history=history, config=TARGETS)
        report = omxl.weekly_report(book, as_of="2026-11-27", history=history, config=TARGETS)
        workbook = report.save(folder / "weekly-status.xlsx", backup=False)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to",
                        "pdf", "--outdir", str(folder), str(workbook)], check=True, capture_output=True, timeout=180)
        for old in IMAGES.glob("weekly-headline-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", str(folder / "weekly-status.pdf"),
                        str(IMAGES / "weekly-headline")], check=True, timeout=60)
        # pdftoppm pads the page number to the width of the page count ("-01" of 74 pages): give stable names.
        for number, path in enumerate(sorted(IMAGES.glob("weekly-headline-*.png")), start=1):
            print(path.rename(IMAGES / f"weekly-headline-{number}.png").relative_to(ROOT))
        print(by_unit_picture(folder).relative_to(ROOT))


def by_unit_picture(folder: Path) -> Path:
    """docs/images/weekly-by-unit-1.png: the first printed page of the By Unit sheet of three branches."""
    from units_books import AS_OF, write_branches

    paths = write_branches(folder / "branches")
    report = omxl.weekly_report(omxl.consolidate(sorted(paths.values())), as_of=AS_OF, by_unit=True)
    workbook = report.save(folder / "weekly-by-unit.xlsx", backup=False)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(folder), str(workbook)], check=True, capture_output=True, timeout=180)
    pdf = folder / "weekly-by-unit.pdf"
    page = 1
    while not subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], check=True,
                             capture_output=True, text=True).stdout.startswith("KPIs by unit"):
        page += 1
    target = IMAGES / "weekly-by-unit-1.png"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(target.with_suffix(""))], check=True, timeout=60)
    return target


if __name__ == "__main__":
    main()
