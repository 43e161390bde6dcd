"""Workbooks for the macro tests: the sample and a small workbook, each with the Control sheet in front, opened
in the file-backed stand-in; and the ways the tests look at the result."""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from omxl.cli import cli
from omxl.excel.filebook import FileWorkbook
from one_of_each import FIXTURES

AS_OF = dt.datetime(2026, 11, 27)
ERROR_FILL, WARNING_FILL, LATE_FILL, AT_RISK_FILL, HEADER_FILL = (
    "FFFFC7CE", "FFFFEB9C", "FFF4B183", "FFDDEBF7", "FFD9E1F2")


@pytest.fixture(scope="module")
def control_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a Control sheet in front, as the ready macro workbook has it. Its G2990 holds =NA(),
    never calculated in the file; Excel shows #N/A there, so the copy holds that error value, as a workbook Excel
    has calculated does."""
    path = tmp_path_factory.mktemp("control") / "orders.xlsx"
    wb = openpyxl.load_workbook(SAMPLE)
    control = wb.create_sheet("omxl", 0)
    control["A2"], control["A3"], control["A4"] = "Action", "As of", "Status"
    control["B2"], control["B3"] = "reconcile", AS_OF
    wb["Orders"]["G2990"] = "#N/A"
    wb.save(path)
    return path


@pytest.fixture
def book(control_book: Path, tmp_path: Path) -> FileWorkbook:
    path = tmp_path / control_book.name
    shutil.copy(control_book, path)
    return FileWorkbook(path)


@pytest.fixture(scope="module")
def small_control_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small workbook (one row of each kind of problem) with the Control sheet: for the runs whose point is
    the Control sheet or a problem, not the figures."""
    path = tmp_path_factory.mktemp("small") / "orders.xlsx"
    wb = openpyxl.load_workbook(FIXTURES / "one-of-each.xlsx")
    control = wb.create_sheet("omxl", 0)
    control["A2"], control["A3"], control["A4"] = "Action", "As of", "Status"
    control["B2"], control["B3"] = "reconcile", AS_OF
    wb.save(path)
    return path


@pytest.fixture
def small(small_control_book: Path, tmp_path: Path) -> FileWorkbook:
    path = tmp_path / small_control_book.name
    shutil.copy(small_control_book, path)
    return FileWorkbook(path)


@pytest.fixture
def cli_run(control_book: Path, tmp_path_factory: pytest.TempPathFactory):
    """The same run through the command line (`omxl COMMAND BOOK --as-of 2026-11-27 --out OUT.xlsx`), whose
    workbook is written by the package-level writer, not through the Workbook interface."""
    def run(command: str) -> openpyxl.Workbook:
        out = tmp_path_factory.mktemp("cli") / f"{command}.xlsx"
        result = CliRunner().invoke(cli, [command, str(control_book), "--as-of", "2026-11-27", "--out", str(out)])
        assert result.exit_code in (0, 1), result.output
        return openpyxl.load_workbook(out)
    return run


def saved(book: FileWorkbook) -> openpyxl.Workbook:
    """The workbook as the stand-in saves it, read back."""
    return openpyxl.load_workbook(book.save(book.path().with_name("after.xlsx")))


def in_memory(book: FileWorkbook) -> openpyxl.Workbook:
    """The workbook as it is open (what save() would write), for the runs whose figures are the point: saving
    and reading back the sample with seven result sheets takes most of a test's time."""
    return book.book


def status(wb: openpyxl.Workbook) -> str:
    return wb["omxl"]["B4"].value


def same_cells(macro_sheet, cli_sheet) -> None:
    """Cell by cell: the value (an empty text cell the command line writes is an empty cell here), the number
    format of number and date cells, and the fill."""
    assert macro_sheet.max_row == cli_sheet.max_row and macro_sheet.max_column == cli_sheet.max_column
    for mine, theirs in zip(macro_sheet.iter_rows(), cli_sheet.iter_rows()):
        for a, b in zip(mine, theirs):
            expected = None if b.value == "" else b.value
            if isinstance(expected, float):
                # openpyxl saves the stand-in's floats to 16 significant digits, the command line to 17
                assert a.value == pytest.approx(expected, rel=1e-15), (a.coordinate, a.value, expected)
            else:
                assert a.value == expected, (a.coordinate, a.value, expected)
            if isinstance(b.value, (int, float, dt.datetime)) and not isinstance(b.value, bool):
                assert a.number_format == b.number_format, (a.coordinate, a.number_format, b.number_format)
            assert (a.fill.fgColor.rgb if a.fill.fill_type else None) == \
                (b.fill.fgColor.rgb if b.fill.fill_type else None), a.coordinate


def marked_cells(wb: openpyxl.Workbook) -> int:
    """Cells of the user's sheets with a note of omxl's."""
    return sum(1 for ws in wb.worksheets if not ws.title.startswith("omxl") for row in ws.iter_rows() for c in row
               if c.comment is not None and c.comment.text.startswith("omxl:\n"))


@functools.cache
def orders_sheet() -> pd.DataFrame:
    """The sample's Orders sheet read by pandas (header in row 4): index + 5 is the Excel row."""
    return pd.read_excel(SAMPLE, sheet_name="Orders", header=3, engine="calamine")
