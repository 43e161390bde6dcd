"""Steps as the unit (contract 3): the registry, run_step, the results protocol, and a step added with one
definition appearing in every front door."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import zipfile
from typing import ClassVar

import olefile
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
import omxl.macros as macros
from omxl import docgen, steps
from omxl.cli import cli
from omxl.excel.filebook import FileWorkbook
from omxl.findings import FINDING_COLUMNS
from omxl.excel import ovba
from omxl.position import Position, prepare
from omxl.presentation.notebook import result_html
from omxl.presentation.sheets import result_sheet
from omxl.presentation.summary_sheet import with_summary

from conftest import SAMPLE

pytestmark = pytest.mark.core
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def book() -> omxl.Book:
    return omxl.read_book(SAMPLE)


@pytest.fixture(scope="module")
def position(book) -> Position:
    return prepare(book, as_of=AS_OF)


@pytest.fixture(scope="module")
def results(position, tmp_path_factory) -> dict[str, object]:
    history = tmp_path_factory.mktemp("history") / "history.sqlite"
    # A backtest replays the 8 weeks up to the sample's day, its stock counted that day (inventory_as_of).
    options = {"weekly": {"history": history}, "notify": {"history": history},
               "backtest": {"start": "2026-10-03", "end": AS_OF,
                            "config": position.config.model_copy(update={"inventory_as_of": pd.Timestamp(AS_OF).date()})}}
    return {name: steps.run_step(name, position, **options.get(name, {})) for name in steps.REGISTRY}


# --- the registry and the protocol ------------------------------------------------------------------------

def test_the_registry_holds_the_contract_steps_in_order():
    assert list(steps.REGISTRY) == ["validate", "reconcile", "reorder", "weekly", "notify", "dispatch",
                                    "improvements", "backtest"]
    assert [s.name for s in steps.with_buttons()] == ["validate", "reconcile", "reorder", "weekly", "dispatch"]
    assert steps.REGISTRY["notify"].button is None   # no button, no Control action, no macro
    assert steps.REGISTRY["improvements"].button is None
    assert steps.REGISTRY["backtest"].button is None


@pytest.mark.parametrize("name", list(steps.REGISTRY))
def test_every_registered_step_returns_a_result(results, name):
    definition = steps.REGISTRY[name]
    result = results[name]
    assert isinstance(result, steps.Result)
    assert isinstance(result, steps.resolve(definition.result))
    assert result.step == name
    assert tuple(result.figures.columns) == steps.FIGURE_COLUMNS
    assert len(result.figures) > 0
    assert set(FINDING_COLUMNS) <= set(result.findings.columns)
    sheets = result.result_sheets()
    # The sample has no invoices: the Billing sheets are left out, every other sheet is written.
    assert tuple(sheets) == definition.sheets_for({"orders", "inventory"})
    assert all(table == "invoices" for _, table in definition.sheets_if)
    assert "<strong>" in result._repr_html_()


def test_summary_titles_come_from_the_registry(results):
    from omxl.io.xlsx.freesheet import FreeSheet

    titles = {}
    for name, result in results.items():
        if name == "dispatch":
            # a pick list is a document for the warehouse: no Summary (contract 5.5)
            assert "Summary" not in result.result_sheets()
            continue
        summary = result.result_sheets()["Summary"]
        assert isinstance(summary, FreeSheet)
        titles[name] = summary.rows[0][0].value
    assert titles == {"validate": "Data check as of 2026-11-27", "reconcile": "Order status as of 2026-11-27",
                      "reorder": "Reorder plan as of 2026-11-27", "weekly": "Weekly status as of 2026-11-27",
                      "notify": "Messages as of 2026-11-27",
                      "improvements": "Suggested improvements as of 2026-11-27",
                      "backtest": "Backtest as of 2026-11-27"}


def test_run_step_is_the_same_computation_as_the_public_functions(book, position, results):
    assert results["validate"].issues.equals(omxl.validate(book, as_of=AS_OF))
    validation = steps.run_step("validate", book, as_of=AS_OF)
    assert validation.issues.equals(omxl.validate(book, as_of=AS_OF))
    assert int(validation.left_out["rows_left_out"].sum()) == 14
    pd.testing.assert_frame_equal(steps.run_step("reconcile", book, as_of=AS_OF).lines,
                                  omxl.reconcile(book, as_of=AS_OF).lines)
    plan = steps.run_step("reorder", position, service_level=0.98)
    assert plan.service_level == 0.98
    pd.testing.assert_frame_equal(plan.lines, omxl.plan_reorders(position, service_level=0.98).lines)
    picks = steps.run_step("dispatch", position, max_priority=2)
    assert picks.max_priority == 2
    pd.testing.assert_frame_equal(picks.picks, omxl.dispatch(position, max_priority=2).picks)


def test_a_position_and_another_as_of_is_refused(position):
    with pytest.raises(ValueError):
        steps.run_step("reconcile", position, as_of="2026-11-20")


def test_an_unknown_step_names_the_steps_there_are(book):
    with pytest.raises(KeyError, match="no step named 'billing'; the steps are validate, reconcile, reorder, "
                                       "weekly, notify, dispatch, improvements, backtest"):
        steps.run_step("billing", book)


def test_figures_are_the_summary_figures(results):
    figures = results["reconcile"].figures
    by_label = dict(zip(figures["label"], figures["value"]))
    assert (by_label["Open lines"], by_label["Late lines"], by_label["At-risk lines"]) == (366, 64, 62)
    assert (by_label["Backordered lines"], by_label["Backordered qty"], by_label["Open orders"]) == (117, 4049.0, 194)
    (value,) = figures[figures["label"] == "Open value"].itertuples(index=False)
    assert (value.value, value.format, value.unit) == (pytest.approx(184149.23), "#,##0.00", "unknown currency")
    assert [by_label[f"Exceptions: {s}"] for s in ("error", "warning", "info")] == [0, 17, 1]


def test_validation_counts_and_repr(results):
    validation = results["validate"]
    assert int(validation.issues["severity"].eq("error").sum()) == 14
    assert repr(validation).startswith("<omxl.Validation as of 2026-11-27: 14 errors, 9 warnings")
    assert validation is not None and validation.clean   # made from a position


# --- one new step, one definition: every front door offers it ---------------------------------------------

@dataclasses.dataclass(frozen=True)
class Tally:
    """A toy result: order lines per SKU."""

    position: Position
    step: ClassVar[str] = "tally"

    @property
    def table(self) -> pd.DataFrame:
        lines = self.position.lines
        return lines.groupby("sku", as_index=False).agg(lines=("sku", "size")).astype({"sku": "string[python]"})

    @property
    def figures(self) -> pd.DataFrame:
        return steps.figures_frame([("SKUs with lines", len(self.table), "#,##0", "", "on the Tally sheet")])

    @property
    def findings(self) -> pd.DataFrame:
        return self.position.issues

    def result_sheets(self) -> dict[str, object]:
        return with_summary(self, {"Tally": result_sheet(self.table, "Tally")})

    def _repr_html_(self) -> str:
        return result_html(self, "Tally", self.table, "Lines per SKU")


def tally(book, *, as_of=None, config=None) -> Tally:
    return Tally(prepare(book, as_of=as_of, config=config))


TALLY = steps.Step(
    name="tally", function=tally, result=Tally, title="Line tally",
    help="Count the order lines per SKU.\n\nExit code 1 when validation found errors.",
    sheets=("Summary", "Tally"), progress="Counting",
    output=steps.Output(example="tally.xlsx", workbook="a Summary and a Tally sheet", table="the tally",
                        table_of="table"),
    button="Tally", instruction="Tally counts the order lines of each SKU.")


@pytest.fixture
def with_tally(monkeypatch):
    monkeypatch.setitem(steps.REGISTRY, "tally", TALLY)
    return TALLY


def test_a_new_step_is_a_command(with_tally, tmp_path):
    runner = CliRunner()
    listing = runner.invoke(cli, ["--help"], prog_name="omxl")
    # click pads every command name to the longest one's width (libreoffice-setup).
    assert re.search(r"^  tally +Count the order lines per SKU\.$", listing.output, flags=re.M)
    assert "Count the order lines per SKU." in runner.invoke(cli, ["tally", "--help"]).output
    out = tmp_path / "tally.xlsx"
    done = runner.invoke(cli, ["tally", str(SAMPLE), "--as-of", AS_OF, "--out", str(out)])
    assert done.exit_code == 1, done.output     # the sample's deliberate errors
    assert "SKUs with lines" in done.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Tally"]
    assert wb["Summary"]["A1"].value == "Line tally as of 2026-11-27"
    assert [c.value for c in wb["Tally"][1]] == ["SKU", "Lines"]
    assert runner.invoke(cli, ["tally", str(SAMPLE), "--as-of", AS_OF, "--out", str(tmp_path / "t.csv")]
                         ).exit_code == 1
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()[0] == "sku,lines"


def tally_document(result: Tally, path) -> None:
    """A toy document of its own for --out .xlsx: one sheet, a title and the lines per SKU, no Summary."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Tally to print"
    sheet.append([f"Lines per SKU as of {AS_OF}"])
    for sku, lines in zip(result.table["sku"], result.table["lines"]):
        sheet.append([sku, int(lines)])
    wb.save(path)


def test_an_output_may_name_its_own_workbook_writer(monkeypatch, tmp_path):
    """Output.document: --out .xlsx is what that writer makes of the result (dispatch's print-ready pick lists);
    .csv still holds the main table and --write-back still writes the result sheets."""
    output = dataclasses.replace(TALLY.output, document=tally_document)
    monkeypatch.setitem(steps.REGISTRY, "tally", dataclasses.replace(TALLY, output=output))
    runner, out, table = CliRunner(), tmp_path / "tally.xlsx", tmp_path / "tally.csv"
    book = tmp_path / "book.xlsx"
    shutil.copy(SAMPLE, book)
    done = runner.invoke(cli, ["tally", str(book), "--as-of", AS_OF, "--out", str(out), "--write-back"])
    assert done.exit_code == 1, done.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Tally to print"]
    expected = prepare(omxl.read_book(SAMPLE), as_of=AS_OF).lines.groupby("sku").size()
    rows = list(wb["Tally to print"].iter_rows(values_only=True))
    assert rows[0] == (f"Lines per SKU as of {AS_OF}", None)
    assert dict(rows[1:]) == {sku: int(n) for sku, n in expected.items()}
    assert openpyxl.load_workbook(book, read_only=True).sheetnames[-2:] == ["omxl Summary", "omxl Tally"]
    assert runner.invoke(cli, ["tally", str(SAMPLE), "--as-of", AS_OF, "--out", str(table)]).exit_code == 1
    assert table.read_text(encoding="utf-8-sig").splitlines()[0] == "sku,lines"


def test_a_new_step_is_a_button_an_action_and_a_macro(with_tally, tmp_path):
    source = tmp_path / "orders.xlsx"
    shutil.copy(SAMPLE, source)
    made = omxl.excel_setup(source)
    with zipfile.ZipFile(made) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    wb = openpyxl.load_workbook(made)
    control = wb["omxl"]
    (validation,) = [v for v in control.data_validations.dataValidation if v.type == "list"]
    assert validation.formula1 == '"validate,reconcile,reorder,weekly,dispatch,tally"'
    texts = [control.cell(row, 1).value for row in range(1, control.max_row + 1)]
    assert "7. Tally counts the order lines of each SKU." in texts
    assert "8. Or choose an action in B2 and press 'Run the chosen action'." in texts
    vml = next(data for name, data in parts.items() if name.endswith(".vml")).decode()
    assert "[0]!omxl_tally" in vml and ">Tally</font>" in vml
    with olefile.OleFileIO(io.BytesIO(parts["xl/vbaProject.bin"])) as ole:
        stream = ole.openstream("VBA/omxl").read()
    source_code = ovba.decompress(stream).decode("cp1252")   # omxl's module has no p-code before its source
    assert 'Sub omxl_tally()\r\n    RunPython "import omxl.macros; omxl.macros.tally()"\r\nEnd Sub' in source_code
    # ... and the macro the button calls runs the step in the open workbook
    book = FileWorkbook(made)
    book.write_cell("omxl", "B3", dt.datetime(2026, 11, 27))
    macros.tally(book)
    status = book.read_cell("omxl", "B4")
    assert status.startswith("Line tally as of 2026-11-27: SKUs with lines: ")
    assert "'omxl Summary'" in status
    assert "tally" in macros.__all__ and "tally" in dir(macros)


def test_a_new_step_is_in_the_generated_docs(with_tally):
    page = docgen.steps_reference()
    assert "| `tally` | Count the order lines per SKU. | `omxl tally` | 'Tally' (`omxl.macros.tally()`) | Line tally |" \
        in page
    assert "## `omxl tally`" in docgen.cli_reference()


def test_a_step_without_a_button_gets_no_button(monkeypatch, tmp_path):
    monkeypatch.setitem(steps.REGISTRY, "tally", dataclasses.replace(TALLY, button=None))
    assert "tally" not in macros.actions()
    with pytest.raises(AttributeError):
        macros.tally
    from omxl.excel.vbaproject import buttons

    assert [b.function for b in buttons()] == ["validate", "reconcile", "reorder", "weekly", "dispatch", "main"]


def test_figures_read_in_words_as_their_number_format_shows_them(results):
    from omxl.presentation.notebook import figure_text

    said = {label: figure_text(value, num_format, unit)
            for label, value, num_format, unit, _ in results["reconcile"].figures.itertuples(index=False)}
    assert (said["Open lines"], said["Backordered qty"], said["Open value"]) == (
        "366", "4,049", "unknown currency 184,149.23")
    assert figure_text(0.8125, "0.0%", "") == "81.3%"                 # rounded as a spreadsheet shows it
    assert figure_text(1234.5, "#,##0.00", "EUR") == "EUR 1,234.50"
    assert figure_text(2.25, "#,##0.0", "days") == "2.3 days"
    assert figure_text(None, "#,##0", "") == ""


def test_a_step_writes_a_sheet_of_sheets_if_only_when_the_book_has_its_table():
    reconcile = steps.REGISTRY["reconcile"]
    assert reconcile.sheets_for({"orders"}) == ("Summary", "Order Status", "Closed Lines", "Orders", "Exceptions",
                                                "Inventory", "Returns")
    assert reconcile.sheets_for({"orders", "invoices"})[-3:] == ("Billing", "Receivables", "Billing Lines")
    assert steps.REGISTRY["weekly"].sheets_for({"invoices"})[-2:] == ("Billing", "Data Issues")
