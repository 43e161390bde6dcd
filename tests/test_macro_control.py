"""The Excel buttons' Control sheet (the action in B2, the as-of in B3, the status in B4) and their problems said
in words, never a traceback: run through the file-backed stand-in on a small workbook."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, RUN_DAY
from macro_books import in_memory, small, small_control_book, status  # noqa: F401
import omxl.macros as macros

CHOICES = "Choose one of: validate, reconcile, reorder, weekly, dispatch; then press the button again."


# --- main and the Control sheet -----------------------------------------------------------------------

def test_main_runs_the_action_in_b2_read_without_regard_to_case(small):
    small.write_cell("omxl", "B2", " Reorder ")
    macros.main(small)
    wb = in_memory(small)
    assert status(wb).startswith("Reorder plan as of 2026-11-27")
    assert "omxl Reorder List" in wb.sheetnames and "omxl Order Status" not in wb.sheetnames


@pytest.mark.parametrize("action, said", [
    (None, "B2 of the 'omxl' sheet is blank. "),
    ("ship it", "B2 of the 'omxl' sheet holds 'ship it', which is not an action. "),
])
def test_main_without_a_known_action_says_which_to_choose(small, action, said):
    small.write_cell("omxl", "B2", action)
    macros.main(small)
    assert small.read_cell("omxl", "B4") == said + CHOICES
    assert small.alerts == [("omxl", said + CHOICES)]
    assert not any(s.name.startswith("omxl ") for s in small.sheets())


def test_an_as_of_that_is_not_a_date_is_said_in_words(small):
    small.write_cell("omxl", "B3", "'next Friday")
    macros.reconcile(small)
    assert small.read_cell("omxl", "B4") == ("B3 of the 'omxl' sheet holds 'next Friday', which is not a date. Enter "
                                            "the as-of date (for example 2026-11-27), or leave it blank for today.")


def test_a_blank_as_of_is_the_run_day(small, monkeypatch):
    small.write_cell("omxl", "B3", None)
    monkeypatch.setenv("OMXL_TODAY", "2026-11-30")
    macros.validate(small)
    assert small.read_cell("omxl", "B4").startswith("Checked as of 2026-11-30: ")
    monkeypatch.delenv("OMXL_TODAY")          # a real run: today
    macros.validate(small)
    assert small.read_cell("omxl", "B4").startswith(f"Checked as of {dt.date.today():%Y-%m-%d}: ")


def test_without_a_control_sheet_the_status_is_an_alert(small):
    small.book.remove(small.book["omxl"])
    macros.validate(small)
    assert len(small.alerts) == 1 and small.alerts[0][0] == "omxl"
    assert small.alerts[0][1].startswith(f"Checked as of {RUN_DAY}: ")
    assert "omxl" not in [s.name for s in small.sheets()]


def test_main_without_a_control_sheet_says_where_the_action_is_read(small):
    small.book.remove(small.book["omxl"])
    macros.main(small)
    assert small.alerts == [("omxl", "The action to run is read from B2 of a sheet named 'omxl', and this "
                                     "workbook has none. Add that sheet with the action in B2, or press a button "
                                     "that runs one action.")]


# --- problems in words ----------------------------------------------------------------------------------

def test_a_book_with_nothing_to_work_on_is_said_in_the_status_cell(small):
    for name in ("Orders", "Inventory"):
        small.book.remove(small.book[name])             # deleted in Excel, not saved
    macros.reconcile(small)                            # raises nothing
    said = small.read_cell("omxl", "B4")
    assert said.startswith("orders.xlsx: no orders, inventory or purchase orders table was found; found: Customers "
                           "(customers), Shipments (shipments). Name a sheet 'Orders'")
    assert small.alerts == [("omxl", said)]
    assert "Traceback" not in said


def test_a_sheet_of_the_users_with_a_result_name_is_left_alone(small):
    small.book.create_sheet("omxl Issues")["A1"] = "my notes"
    macros.validate(small)
    assert small.read_cell("omxl", "B4") == (
        "A sheet named 'omxl Issues' already exists and was not written by omxl, so it is left alone and nothing "
        "was written. Rename that sheet, or set a different sheet_prefix in omxl.toml with a line such as:\n"
        "sheet_prefix = \"omxl2 \"")
    assert small.read_cell("omxl Issues", "A1") == "my notes"
    assert [s.name for s in small.sheets()] == ["omxl", "Orders", "Inventory", "Customers", "Shipments",
                                                "omxl Issues"]       # no Summary written either
    assert not any(c.comment for ws in small.book.worksheets for row in ws.iter_rows() for c in row)   # no marks


def test_an_unexpected_error_names_the_log(small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import omxl.reconciliation

    def broken(*args, **kwargs):
        raise RuntimeError("allocation table is inconsistent")

    monkeypatch.setattr(omxl.reconciliation, "reconcile", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    macros.reconcile(small)                            # raises nothing
    log = tmp_path / "omxl-macros.log"
    said = small.read_cell("omxl", "B4")
    assert said == (f"omxl could not finish reconcile: something unexpected went wrong (details in {log}). Send "
                    "that file to whoever looks after omxl.")
    assert small.alerts == [("omxl", said)]
    text = log.read_text(encoding="utf-8")
    assert re.match(r"--- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d reconcile in orders\.xlsx\nTraceback", text)
    assert "RuntimeError: allocation table is inconsistent" in text


# --- what the package holds -----------------------------------------------------------------------------

def test_no_paid_xlwings_parts_and_no_licence_keys():
    pattern = re.compile(r"xlwings\.pro|xlwings\s+pro\b|licen[cs]e[_ ]?key|XLWINGS_LICENSE", re.I)
    for path in sorted((ROOT / "omxl").rglob("*")):
        if path.suffix in (".py", ".md", ".toml", ".txt", ".bas", ".json") and path.is_file():
            assert not pattern.search(path.read_text(encoding="utf-8", errors="replace")), path
    imports = re.compile(r"^\s*(import|from)\s+xlwings\b", re.M)
    importing = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "omxl").rglob("*.py")
                       if imports.search(p.read_text(encoding="utf-8")))
    assert importing == ["omxl/excel/xlwings_adapter.py"]


def test_the_buttons_functions_exist_and_take_no_arguments():
    import inspect

    for name in ("validate", "reconcile", "reorder", "weekly", "dispatch", "main"):
        function = getattr(macros, name)
        assert all(p.default is None for p in inspect.signature(function).parameters.values()), name


def test_the_docs_example_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "macros.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    exec(compile(block.replace("/tmp/", f"{tmp_path}/"), "macros.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("Reorder plan as of 2026-11-27 at a 95% service level: 240 SKUs to order")
    assert printed[1] == "['SKU', 'Description', 'Supplier']"
    assert (tmp_path / "orders-planned.xlsx").exists()
