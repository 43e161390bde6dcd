"""Shared fixtures: real workbooks built in tmp_path, paths to the third-party data kept in tests/data."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import xlsxwriter

# The day every test run is made (contract 2.3: `future-date` is a date after it; as_of defaults to it), so no
# result depends on the clock. Set in os.environ, so the CLI run in subprocesses has it too.
RUN_DAY = "2026-12-05"
os.environ["OMXL_TODAY"] = RUN_DAY

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"  # see tests/data/README.md for sources and licences
NORTHWIND = DATA / "northwind"
ONLINE_RETAIL = DATA / "online_retail"  # an excerpt: a few of the published daily files
SAMPLE = ROOT / "workbooks" / "sample.xlsx"
NBSP = "\u00a0"


def soffice() -> str:
    """LibreOffice is part of the test set-up (the README's test command installs it)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise RuntimeError("LibreOffice is not installed; run the README's test command, which installs it.")
    return found


RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def convert_with_libreoffice(path: Path, to: str, out_dir: Path) -> Path:
    """Convert with headless LibreOffice, the independent spreadsheet program of the tests. Its profile is set
    to recalculate every formula on load, so what it writes are its own results, not our cached values."""
    profile = out_dir / "lo-profile"
    settings = profile / "user" / "registrymodifications.xcu"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(RECALCULATE_ON_LOAD, encoding="utf-8")
    subprocess.run(
        [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", to,
         "--outdir", str(out_dir), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    result = out_dir / f"{path.stem}.{to.split(':')[0]}"
    assert result.exists(), f"LibreOffice did not write {result}"
    return result


def python_with_uno() -> str:
    """A Python that imports LibreOffice's `uno` module (Debian package python3-uno; the README's test command
    installs it). Usually the system /usr/bin/python3, not the one running the tests."""
    import sys

    for candidate in (sys.executable, "/usr/bin/python3", shutil.which("python3") or ""):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    raise RuntimeError("python-UNO is not installed (apt-get install python3-uno); run the README's test command, "
                       "which installs it.")


def save_with_password_in_libreoffice(path: Path, target: Path, password: str) -> Path:
    """`path` saved by headless LibreOffice as a password-protected .xls (tests/lo_save_with_password.py)."""
    subprocess.run(
        [python_with_uno(), str(ROOT / "tests" / "lo_save_with_password.py"), str(path), str(target), password,
         str(target.parent / "lo-uno-profile")],
        check=True, capture_output=True, timeout=180,
    )
    assert target.exists(), f"LibreOffice did not write {target}"
    return target


def write_book(path: Path, sheets: dict[str, tuple[tuple, ...]]) -> Path:
    """A workbook with one sheet per entry, rows written as given (dates as date cells), saved with openpyxl."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def build_messy_workbook(path: Path) -> Path:
    """A workbook the way people really keep one (see test_read_messy.py for what each cell tests)."""
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 11, 27)})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True})

    orders = book.add_worksheet("Open Orders")
    orders.write("A1", "ACME Wholesale: open order book", bold)
    orders.write("A2", "Exported 2026-11-27 08:00")
    # Row 3 blank; header on row 4, starting in column B; columns in an unusual order.
    headers = ["Order #", "Item Code", "Qty", "Order Date", "Customer", "Promised Date", "Sales Rep", "Status"]
    orders.write_row("B4", headers, bold)
    rows = [
        # order, sku, qty, order date, customer, promised, rep, status
        ("SO-1001", "00123", 5, dt.date(2026, 11, 2), "C-1", dt.date(2026, 11, 20), "Ann", "Open"),
        ("SO-1001", f"SKU-7{NBSP}", "1,200", dt.date(2026, 11, 2), 17850.0, "2026-11-25", "Ann", "Canceled"),
        ("SO-1002", "SKU-9", 2, "2026-11-03", "  C-2 ", "03/04/2026", "Bo", "Hold"),
        None,  # a blank row in the middle: rows after it keep their real Excel row numbers
        ("SO-1003", "SKU-7", "#N/A", dt.date(2026, 11, 4), "C-3", "13/11/2026", "Bo", "Complete"),
        ("SO-1003", 4711.0, " 7 ", dt.date(2026, 11, 4), "C-3", None, "", "open"),
    ]
    for offset, values in enumerate(rows):
        excel_row = 4 + offset  # 0-based row index of xlsxwriter == Excel row 5 + offset
        if values is None:
            continue
        for col, value in enumerate(values, start=1):
            if value is None:
                continue
            if value == "#N/A":
                orders.write_formula(excel_row, col, "=NA()", None, "#N/A")
            elif isinstance(value, dt.date):
                orders.write_datetime(excel_row, col, dt.datetime(value.year, value.month, value.day), date_format)
            elif isinstance(value, float):
                orders.write_number(excel_row, col, value)
            elif isinstance(value, int):
                orders.write_number(excel_row, col, value)
            else:
                orders.write_string(excel_row, col, value)

    stock = book.add_worksheet("Warehouse")
    stock.write("A1", "Stock by bin")
    stock.add_table("A3:D6", {
        "name": "Inventory",
        "columns": [{"header": "SKU"}, {"header": "On Hand"}, {"header": "Unit Cost"}, {"header": "Location"}],
        "data": [["00123", 40, 2.5, "MAIN"], ["SKU-7", "1,200", 1.25, None], ["SKU-9", 0, 9.0, "WEST"]],
    })

    old = book.add_worksheet("Orders 2025")
    old.write_row("A1", ["Order #", "Item Code", "Qty", "Order Date", "Customer"])
    old.write_row("A2", ["SO-0001", "SKU-1", 1, "2025-01-01", "C-9"])
    old.hide()

    notes = book.add_worksheet("Notes")
    notes.write("A1", "Ask purchasing about SKU-9")
    book.close()
    return path


@pytest.fixture
def messy_workbook(tmp_path: Path) -> Path:
    return build_messy_workbook(tmp_path / "messy.xlsx")


# A real SMTP server on 127.0.0.1 for the e-mail tests (tests/smtp_server.py documents the fixture).
from smtp_server import smtp_certificate, smtp_server  # noqa: E402,F401
