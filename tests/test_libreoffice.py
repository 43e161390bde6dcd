"""The buttons in LibreOffice Calc, pressed in the real application (docs/libreoffice.md, contract 5.4).

`omxl libreoffice-setup` makes the sample into an .ods; tests/lo_buttons.py (run by the Python that has python-UNO)
starts a headless LibreOffice, opens it, finds each button's script in the button's own event binding and invokes
it through the document's script provider, as a click does, one press after another on the same open document.
The script runs in LibreOffice's own Python, which imports omxl from this environment. What the open document
then shows is compared with what the command line computes on the same book.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine
from click.testing import CliRunner

from conftest import ROOT, SAMPLE, python_with_uno
import omxl
from omxl.cli import cli
from omxl.config import ConfigError, load_config
from omxl.excel import office
from omxl.excel.grids import read_open_book
from omxl.excel.odsbook import SCRIPT_PART, buttons_script, libreoffice_setup, script_url, with_script
from omxl.excel.office import Office, OfficeError
from omxl.excel.uno_workbook import UnoWorkbook
from omxl.io.xlsx.mark import FILLS

AS_OF = dt.date(2026, 11, 27)
AS_OF_SERIAL = (dt.date(2026, 11, 27) - dt.date(1899, 12, 30)).days   # B3 typed as a date
LABELS = ["Validate", "Reconcile", "Reorder", "Weekly report", "Dispatch", "Run the chosen action"]
FUNCTIONS = ["validate", "reconcile", "reorder", "weekly", "dispatch", "main"]
STEP_BUTTONS = LABELS[:5]   # the buttons of one step each; the last runs the action chosen in B2
VALIDATE_STATUS = ("Checked as of 2026-11-27: 14 errors and 9 warnings. 23 cells marked: red for errors, yellow for "
                   "warnings, the note says why. See 'omxl Issues' for the list and 'omxl Summary' for the overview.")
RECONCILE_STATUS = ("Reconciled as of 2026-11-27: 366 open lines, 64 late, 62 at risk; 18 exceptions. 38 cells "
                    "marked: red for errors, yellow for warnings, the note says why. See 'omxl Order Status'.")
DISPATCH_STATUS = ("286 lines of 172 orders to pick, 13,175 units from 2 locations; 24 held back (24 on hold). 23 "
                   "cells marked: red for errors, yellow for warnings, the note says why. See 'omxl Pick List'.")
REORDER_STATUS = ("Reorder plan as of 2026-11-27 at a 95% service level: 240 SKUs to order, value EUR 596,525.67, "
                  "GBP 204,996.31, USD 114,167.20. 23 cells marked: red for errors, yellow for warnings, the note "
                  "says why. See 'omxl Reorder List'.")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def drive(document: Path, steps: list[dict], folder: Path) -> list[dict]:
    """Run tests/lo_buttons.py on `document` with `steps`; its JSON lines, the button list first."""
    plan = folder / "plan.json"
    plan.write_text(json.dumps({"document": str(document), "profile": str(folder / "profile"), "steps": steps}))
    done = subprocess.run([python_with_uno(), str(ROOT / "tests" / "lo_buttons.py"), str(plan)],
                          capture_output=True, text=True, timeout=900, cwd=ROOT / "tests")
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def sheet(snapshot: dict, name: str) -> dict:
    return next(s for s in snapshot["sheets"] if s["name"] == name)


def cells(grid: list[list]) -> list[list]:
    """A DataArray as comparable values: '' is None."""
    return [[None if v == "" else v for v in row] for row in grid]


@pytest.fixture(scope="module")
def sample_ods(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lo-sample")
    return libreoffice_setup(SAMPLE, out=folder / "orders.ods")


@pytest.fixture(scope="module")
def presses(sample_ods: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every button pressed once on the sample, in order, with a look at the document after each; then the
    chosen action, then an unsaved edit and Reconcile again."""
    folder = tmp_path_factory.mktemp("lo-presses")
    document = folder / sample_ods.name
    shutil.copy(sample_ods, document)
    steps = [{"set": ["omxl", "B3", AS_OF_SERIAL]}, {"snapshot": True}]
    for label in STEP_BUTTONS:
        steps += [{"press": label}, {"snapshot": True}]
        if label == "Validate":
            steps.append({"look": "omxl Issues"})
    steps += [{"set": ["omxl", "B2", "reorder"]}, {"press": LABELS[-1]},
              {"set": ["Orders", "F1240", 5000]}, {"press": "Reconcile"}, {"snapshot": True}]
    lines = drive(document, steps, folder)
    snapshots = [line["snapshot"] for line in lines if "snapshot" in line]
    pressed = [line for line in lines if "pressed" in line]
    return {"buttons": lines[0]["buttons"], "issues_sheet": next(line["look"] for line in lines if "look" in line), "before": snapshots[0], "after": dict(zip(STEP_BUTTONS, snapshots[1:6])),
            "status": [p["status"] for p in pressed], "seconds": [p["seconds"] for p in pressed],
            "edited": snapshots[6], "folder": folder}


def cli_workbook(command: str, folder: Path) -> dict[str, list[list]]:
    out = folder / f"cli-{command}.xlsx"
    result = CliRunner().invoke(cli, [command, str(SAMPLE), "--as-of", "2026-11-27", "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    with calamine.CalamineWorkbook.from_path(str(out)) as book:
        return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def comparable(value: object) -> object:
    """A cell as both sides can show it: dates as Excel serials, the book's name as the .ods's."""
    if isinstance(value, dt.datetime):
        return round((value - dt.datetime(1899, 12, 30)).total_seconds() / 86400, 6)
    if isinstance(value, dt.date):
        return float((value - dt.date(1899, 12, 30)).days)
    if isinstance(value, str):
        return None if value == "" else value.replace("sample.xlsx", "orders.ods")
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return round(float(value), 6)
    return value


def same_sheet(ours: list[list], theirs: list[list], skip_labels: tuple[str, ...] = ()) -> None:
    """Two sheets cell by cell; ours names omxl's sheets as write-back does ('omxl Order Status')."""
    unprefixed = [[v[5:] if isinstance(v, str) and v.startswith("omxl ") else v for v in row] for row in ours]
    left = [[comparable(v) for v in row] for row in unprefixed if not (row and row[0] in skip_labels)]
    right = [[comparable(v) for v in row] for row in theirs if not (row and row[0] in skip_labels)]
    width = max(len(r) for r in left + right)
    pad = lambda rows: [r + [None] * (width - len(r)) for r in rows]  # noqa: E731
    assert pad(left) == pad(right)


# --- the document setup writes ----------------------------------------------------------------------------

def test_setup_puts_the_control_sheet_and_its_bound_buttons_first(sample_ods: Path, presses: dict):
    before = presses["before"]
    assert [s["name"] for s in before["sheets"]] == ["omxl", "Orders", "Inventory", "Suppliers", "Customers",
                                                     "Shipments", "Purchase Orders", "Returns"]
    assert before["active"] == "omxl"
    control = cells(sheet(before, "omxl")["values"])
    assert [row[0] for row in control[:4]] == ["omxl: order management", "Action", "As of", "Status"]
    assert control[1][1] == "validate" and control[2][1] == AS_OF_SERIAL
    # Each button's binding, as LibreOffice reads it from the document: a press calls the document's script.
    assert [(b["label"], b["url"], b["listener"], b["type"]) for b in presses["buttons"]] == [
        (label, f"vnd.sun.star.script:omxl_buttons.py${function}?language=Python&location=document",
         "XActionListener", "Script") for label, function in zip(LABELS, FUNCTIONS)]
    assert all(b["url"] == script_url(f) for b, f in zip(presses["buttons"], FUNCTIONS))
    with zipfile.ZipFile(sample_ods) as package:
        script = package.read(SCRIPT_PART).decode()
        manifest = package.read("META-INF/manifest.xml").decode()
    assert f"PYTHON = {tuple(sys.version_info[:2])!r}" in script and "def reconcile(*event):" in script
    assert f'manifest:full-path="{SCRIPT_PART}"' in manifest
    # The user's sheets come across with their values: Orders as calamine reads the original.
    with calamine.CalamineWorkbook.from_path(str(SAMPLE)) as original:
        orders = original.get_sheet_by_name("Orders").to_python(skip_empty_area=False)
    ours = cells(sheet(before, "Orders")["values"])
    assert len(ours) == len(orders) == 3005
    assert [comparable(v) for v in ours[3]] == [comparable(v) for v in orders[3]]   # the header row
    assert [comparable(v) for v in ours[1239]] == [comparable(v) for v in orders[1239]]
    assert (ours[1239][0], ours[1239][1], ours[1239][4], ours[1239][5]) == ("SO-260418", 2.0, "SKU-39847", 5.0)


def test_setup_refuses_what_it_cannot_write_and_never_changes_the_book(tmp_path: Path, sample_ods: Path):
    before = SAMPLE.read_bytes()
    with pytest.raises(omxl.OutputError, match=r"already exists and libreoffice-setup does not replace it"):
        libreoffice_setup(SAMPLE, out=sample_ods)
    with pytest.raises(omxl.OutputError, match=r"the output must end in \.ods\. Give --out .*orders\.ods"):
        libreoffice_setup(SAMPLE, out=tmp_path / "orders.xlsx")
    with pytest.raises(omxl.SourceError, match="file not found"):
        libreoffice_setup(tmp_path / "missing.xlsx")
    assert SAMPLE.read_bytes() == before
    assert not list(SAMPLE.parent.glob(".~lock*"))


def test_setup_without_libreoffice_or_its_python_scripts_says_what_to_install(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OfficeError) as missing:
        libreoffice_setup(SAMPLE, out=tmp_path / "orders.ods")
    assert str(missing.value) == (
        "LibreOffice is not installed here (no 'soffice' program on the PATH), and libreoffice-setup needs it to "
        "write the .ods. On Debian or Ubuntu: sudo apt-get install libreoffice-calc "
        "libreoffice-script-provider-python python3-uno (docs/libreoffice.md).")
    monkeypatch.undo()
    # A LibreOffice without the Python script provider: asked, the real office answers that it has no such service.
    monkeypatch.setattr(office, "PYTHON_PROVIDER", "com.sun.star.script.provider.ScriptProviderForNoSuchLanguage")
    with pytest.raises(OfficeError, match=r"^This LibreOffice cannot run Python scripts \(its Python script provider "
                                          r"is not installed\), so the buttons would do nothing\. On Debian"):
        libreoffice_setup(SAMPLE, out=tmp_path / "orders.ods")
    assert not (tmp_path / "orders.ods").exists()


def test_the_command_writes_the_ods(tmp_path: Path):
    book = tmp_path / "orders.xlsx"
    shutil.copy(SAMPLE, book)
    result = CliRunner().invoke(cli, ["libreoffice-setup", str(book)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {tmp_path / 'orders.ods'}: your sheets, and the omxl sheet with its "
                                    "buttons first.")
    again = CliRunner().invoke(cli, ["libreoffice-setup", str(book)])
    assert again.exit_code == 2
    assert "already exists and libreoffice-setup does not replace it" in again.output


# --- the UNO workbook reads as read_book reads -----------------------------------------------------------

def test_the_uno_workbook_reads_the_sample_as_read_book_does(sample_ods: Path, tmp_path: Path):
    """The check the stand-in passes (tests/test_standin.py), against the real application: every table's
    values, dtypes and Excel rows, and the reading findings, through the Workbook interface over UNO."""
    expected = omxl.read_book(SAMPLE)
    copy = tmp_path / "orders.ods"
    shutil.copy(sample_ods, copy)
    with Office.started(tmp_path / "profile") as running:
        document = running.load(copy)
        workbook = UnoWorkbook(document)
        book = read_open_book(workbook, config=load_config(None))
        assert workbook.read_cell("Orders", "C5") == dt.datetime(2026, 8, 10)   # openpyxl reads the same
        assert workbook.read_cell("Orders", "G2990") == "#N/A"
        assert workbook.used_range("omxl").values[1] == ["Action", "validate"]
        # The Control sheet's checks, as LibreOffice read them back from the .ods.
        control = document.Sheets.getByName("omxl")
        action, as_of = (control.getCellRangeByName(ref).Validation for ref in ("B2", "B3"))
        assert (action.Type.value, action.getFormula1(), action.ErrorMessage, action.ErrorAlertStyle.value) == (
            "LIST", '"validate";"reconcile";"reorder";"weekly";"dispatch"', "Choose one of the actions in the list.", "STOP")
        assert (as_of.Type.value, as_of.getOperator().value, as_of.getFormula1(), as_of.InputMessage) == (
            "DATE", "GREATER", "1", "The day the figures are for; blank for today.")
        document.close(True)
    assert sorted(book.tables) == sorted(expected.tables)
    for name, frame in expected.tables.items():
        theirs = book.tables[name].assign(source=book.tables[name]["source"].replace("orders.ods", "sample.xlsx"))
        pd.testing.assert_frame_equal(theirs, frame, obj=name)
    findings = book.findings.replace({"orders.ods": "sample.xlsx"})
    pd.testing.assert_frame_equal(findings.reset_index(drop=True), expected.findings.reset_index(drop=True))


# --- the buttons ---------------------------------------------------------------------------------------------

def test_validate_marks_the_cells_of_the_findings(presses: dict):
    assert presses["status"][0] == VALIDATE_STATUS
    after = presses["after"]["Validate"]
    assert [s["name"] for s in after["sheets"]][-2:] == ["omxl Summary", "omxl Issues"]
    assert sheet(after, "omxl Issues")["names"] == ["_omxl_result"]
    issues = omxl.validate(omxl.read_book(SAMPLE), as_of=AS_OF)
    assert len(sheet(after, "omxl Issues")["values"]) == len(issues) + 1 == 31
    # Every note omxl left is on the cell of a finding, filled for its severity; the sample's other notes are none.
    marked = {(s["name"], n["cell"]): n for s in after["sheets"] for n in s["notes"] if n["text"].startswith("omxl:")}
    cited = issues[issues["severity"].isin(["error", "warning"]) & issues["cell"].ne("")]
    assert len(marked) == 23
    assert set(marked) == set(zip(cited["sheet"], cited["cell"]))
    severity = dict(zip(zip(cited["sheet"], cited["cell"]), cited["severity"]))
    assert all(note["fill"] == int(FILLS[severity[key]][-6:], 16) for key, note in marked.items())
    assert marked[("Orders", "E2974")]["text"] == ("omxl:\nItem 'SKU-99017' is not in the inventory. Correct the "
                                                   "item code, or add the item to the inventory sheet.")
    assert marked[("Orders", "G2990")]["fill"] == 0xFFC7CE   # the #N/A cell, an error
    # The Issues sheet as Excel's: an autofilter over the list, each issue's cell a link to it. (Its frozen header
    # is the view's: a document opened without a window, as here, has no view to freeze, so it is not looked at.)
    shown = presses["issues_sheet"]
    header = sheet(after, "omxl Issues")["values"][0]
    cell_column = "ABCDEFGHIJKLMNOP"[header.index("Cell")]
    assert shown["autofilter"] == "A1:P31"
    assert shown["links"][0] == [f"{cell_column}2", "#'Orders'.E2974"]
    assert len(shown["links"]) == int(issues["cell"].ne("").sum())
    assert shown["formats"][header.index("Source row")] in ("General", "0")


def test_reconcile_shows_what_the_command_line_computes(presses: dict, tmp_path: Path):
    assert presses["status"][1] == RECONCILE_STATUS
    after = presses["after"]["Reconcile"]
    expected = cli_workbook("reconcile", tmp_path)
    for name, rows in expected.items():
        ours = sheet(after, f"omxl {name}")["values"]
        assert len(ours) == len(rows), name
    assert len(sheet(after, "omxl Order Status")["values"]) == 367
    same_sheet(sheet(after, "omxl Summary")["values"], expected["Summary"], skip_labels=("Made on",))
    same_sheet(sheet(after, "omxl Order Status")["values"], expected["Order Status"])
    headline = {row[0]: row[1] for row in sheet(after, "omxl Summary")["values"]}
    assert (headline["Open lines"], headline["Late lines"], headline["Backordered qty"]) == (366.0, 64.0, 4049.0)
    assert sheet(after, "omxl Order Status")["header_fill"] == 0xD9E1F2


def test_reorder_and_weekly_and_the_chosen_action(presses: dict, tmp_path: Path):
    assert presses["status"][2] == REORDER_STATUS
    expected = cli_workbook("reorder", tmp_path)
    after = presses["after"]["Reorder"]
    assert len(sheet(after, "omxl Reorder List")["values"]) == len(expected["Reorder List"])
    same_sheet(sheet(after, "omxl Reorder List")["values"], expected["Reorder List"])
    weekly = presses["status"][3]
    assert weekly.startswith("Weekly report 2026-W48 as of 2026-11-27 (no earlier run to compare with): 14 errors and "
                             "9 warnings in the data; 14 rows with errors were left out of every figure (Data Issues "
                             "sheet). 23 cells marked")
    report = presses["folder"] / "weekly-status-2026-W48.xlsx"
    assert weekly.endswith(f"The full report with its charts is saved as {report}.") and report.is_file()
    assert "omxl KPIs" in [s["name"] for s in presses["after"]["Weekly report"]["sheets"]]
    assert presses["status"][5] == REORDER_STATUS   # B2 'reorder', then 'Run the chosen action'


def test_dispatch_writes_the_pick_list_sheets_and_saves_the_print_ready_file(presses: dict):
    """Needs omxl/io/save/pick_lists.py (the print-ready writer) for the file saved beside the document."""
    target = presses["folder"] / "Pick lists 2026-11-27.xlsx"
    assert presses["status"][4] == f"{DISPATCH_STATUS} The print-ready pick lists are saved as {target}."
    assert target.is_file()
    after = presses["after"]["Dispatch"]
    names = [s["name"] for s in after["sheets"]]
    assert names[-4:] == ["omxl Pick List", "omxl Held Lines", "omxl Manifests", "omxl Packing Slips"]
    rows = sheet(after, "omxl Pick List")["values"]
    assert rows[0] == ["Order", "Line", "Customer", "SKU", "Description", "Qty to pick", "Location", "Shelf", "Bin",
                       "Carrier", "Priority", "Promised date"]
    picks = omxl.dispatch(omxl.read_book(SAMPLE), as_of=AS_OF).picks
    assert len(rows) == len(picks) + 1 == 291
    assert [(r[0], int(r[1]), r[3], r[5], r[6]) for r in rows[1:]] == list(zip(
        picks["order_id"], picks["line"].astype(int), picks["sku"], picks["pick_qty"], picks["location"]))


def test_an_unsaved_edit_counts_at_the_next_press(presses: dict):
    def status_of(snapshot: dict) -> str:
        rows = sheet(snapshot, "omxl Order Status")["values"]
        header = rows[0]
        line = next(r for r in rows if r[header.index("Order")] == "SO-260418" and r[header.index("Line")] == 2)
        return line[header.index("Status")]
    assert status_of(presses["after"]["Reconcile"]) == "ready"
    # F1240 (the line's quantity) typed as 5,000 and not saved; stock of SKU-39847 does not cover it.
    assert status_of(presses["edited"]) == "partially_allocated"
    assert presses["status"][6].startswith("Reconciled as of 2026-11-27: 366 open lines")


def test_a_bad_setting_is_said_in_words_and_the_next_press_works(sample_ods: Path, tmp_path: Path):
    document = tmp_path / "orders.ods"
    shutil.copy(sample_ods, document)
    settings = tmp_path / "omxl.toml"
    settings.write_text("service_level = 2\n")
    with pytest.raises(ConfigError) as expected:
        load_config(settings)
    # A second .ods whose script was set up for another Python: it says so instead of failing to import.
    other = tmp_path / "other-python.ods"
    other.write_bytes(with_script(sample_ods.read_bytes(), buttons_script(python=(3, 99))))
    steps = [{"set": ["omxl", "B3", AS_OF_SERIAL]}, {"press": "Validate"}, {"press": "Validate"},
             {"remove": str(settings)}, {"press": "Validate"}]
    lines = drive(document, steps, tmp_path)
    statuses = [line["status"] for line in lines if "pressed" in line]
    assert statuses[0] == statuses[1] == str(expected.value)
    assert "Traceback" not in statuses[0] and "service_level" in statuses[0]
    assert statuses[2] == VALIDATE_STATUS
    (tmp_path / "other").mkdir()
    mismatch = drive(other, [{"press": "Reconcile"}], tmp_path / "other")
    running = "%d.%d" % sys.version_info[:2]
    assert mismatch[1]["status"] == (
        f"LibreOffice runs Python {running}, and omxl was set up for this workbook with Python 3.99 "
        f"({sys.executable}). Packages compiled for one version do not load in another, so nothing was run. Make "
        "omxl's environment with the Python LibreOffice uses (on Debian or Ubuntu: /usr/bin/python3 -m venv "
        "~/omxl/.venv), install omxl there, and run 'omxl libreoffice-setup' again from it.")



def test_the_libreoffice_page_examples_run(monkeypatch, tmp_path: Path, capsys):
    import re
    import shlex

    monkeypatch.chdir(ROOT)
    page = (ROOT / "docs" / "libreoffice.md").read_text(encoding="utf-8")
    shell = re.findall(r"```bash\n(.*?)```", page, flags=re.S)[0]   # the first example; the others install packages
    result = CliRunner().invoke(cli, [a.replace("/tmp/", f"{tmp_path}/") for a in shlex.split(shell)[1:]])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "orders-with-buttons.ods").is_file()
    for block in re.findall(r"```python\n(.*?)```", page, flags=re.S):
        exec(compile(block.replace("/tmp/", f"{tmp_path}/"), "libreoffice.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(tmp_path / "orders-buttons.ods"), REORDER_STATUS]


def test_the_ready_macro_workbook_becomes_an_ods_without_its_excel_code(tmp_path: Path):
    """workbooks/omxl.xlsm set up for LibreOffice: its Excel buttons (bound to VBA that LibreOffice cannot run),
    its xlwings.conf sheet and the VBA modules of omxl and xlwings are left out; the new buttons sit in D2:D7."""
    out = libreoffice_setup(ROOT / "workbooks" / "omxl.xlsm", out=tmp_path / "orders.ods")
    result = subprocess.run([python_with_uno(), str(ROOT / "tests" / "lo_list_buttons.py"), str(out),
                             str(tmp_path / "lo-profile")], check=True, capture_output=True, text=True, timeout=180)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["sheets"] == ["omxl", "Orders", "Inventory", "Suppliers", "Customers", "Shipments",
                              "Purchase Orders", "Returns"]
    assert seen["active"] == "omxl"
    assert [(b["label"], b["macro"]) for b in seen["buttons"]] == [(label, script_url(function))
                                                                   for label, function in zip(LABELS, FUNCTIONS)]
    assert "omxl" not in seen["modules"] and "xlwings" not in seen["modules"] and "Dictionary" not in seen["modules"]
    assert seen["cells"] == {"A2": "Action", "A3": "As of", "A4": "Status", "B2": "validate", "B3": "", "B4": ""}
    assert len(seen["shapes"]) == 6
    for shape, cell in zip(seen["shapes"], ("D2", "D3", "D4", "D5", "D6", "D7")):
        left, top, right, bottom = seen["boxes"][cell]
        box = shape["box"]
        assert left < box[0] < box[2] < right and top < box[1] < box[3] < bottom, (shape["label"], cell)
