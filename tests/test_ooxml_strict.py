"""Every kind of workbook omxl writes opens in Excel without repair: the strict OOXML check of openxml-audit (a
Python port of the Open XML SDK's validator), as `openxml-audit FILE -f microsoft365 --policy strict` runs it,
finds no error in any of them. The check is first shown to catch a broken part, so these tests can fail.

The warnings omxl keeps on purpose are listed in docs/safe-output.md ("Workbooks that open without repair"),
with the reason; any other warning fails here too.

The status, reorder, weekly workbooks and the PO drafts are made from the sample workbook (the figures of a real
book, once for the module); write-back, the marked copy and excel-setup start from the small one-of-each fixture:
it has a finding of every code (so every kind of mark) in a few rows, and the check's time grows with the user's
own sheets, which these three copy as they are. workbooks/omxl.xlsm, the ready macro workbook around the sample,
is checked as committed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from openxml_audit import FileFormat, OpenXmlValidator

import omxl
from conftest import ROOT, SAMPLE
from omxl.cli import cli
from one_of_each import FIXTURES

AS_OF = "2026-11-27"
# Inline strings instead of a shared-strings table, for speed: docs/safe-output.md says why.
INLINE_STRINGS = "Excel_InlineStrCells"


@pytest.fixture(scope="module")
def validator() -> OpenXmlValidator:
    """The validator `openxml-audit -f microsoft365 --policy strict` makes (openxml_audit/cli.py): the rules of
    Microsoft 365, errors fatal."""
    return OpenXmlValidator(file_format=FileFormat.MICROSOFT_365, strict=True)


def check(validator: OpenXmlValidator, path: Path) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the strict check, each error as 'part path: description' and each warning as its id
    and part, so a failing assert shows where."""
    result = validator.validate(path)
    errors = [f"{e.part_uri} {e.path} {e.node or ''}: {e.description}" for e in result.errors
              if e.severity.value == "error"]
    warnings = [f"{e.id} {e.part_uri}" for e in result.errors if e.severity.value == "warning"]
    return errors, warnings


def omxl_cli(*args: object) -> None:
    result = CliRunner().invoke(cli, [*map(str, args), "--quiet"])
    assert result.exit_code in (0, 1), result.output   # 1: the books' deliberate data errors, written all the same
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Each kind of workbook omxl writes -> the files of that kind, made once for the module."""
    folder = tmp_path_factory.mktemp("written")
    omxl_cli("reconcile", SAMPLE, "--as-of", AS_OF, "--out", folder / "status.xlsx")
    omxl_cli("reorder", SAMPLE, "--as-of", AS_OF, "--out", folder / "reorder.xlsx", "--po-dir", folder / "po")
    omxl_cli("weekly", SAMPLE, "--as-of", AS_OF, "--out", folder / "weekly.xlsx",
             "--history", folder / "history.sqlite")
    rendered = omxl.render_template(ROOT / "omxl" / "shipped" / "late_lines.xlsx", late_lines_context(),
                                    folder / "late-lines.xlsx")

    small = Path(shutil.copy(FIXTURES / "one-of-each.xlsx", folder / "orders.xlsx"))
    omxl_cli("excel-setup", small, "--out", folder / "orders.xlsm")
    omxl_cli("validate", small, "--as-of", AS_OF, "--mark", folder / "marked.xlsx")
    omxl_cli("validate", folder / "orders.xlsm", "--as-of", AS_OF, "--mark", folder / "marked.xlsm")
    written_back = Path(shutil.copy(small, folder / "written-back.xlsx"))
    omxl_cli("validate", written_back, "--as-of", AS_OF, "--write-back")
    # A second run adds the reconciliation's sheets and replaces the Summary in place.
    omxl_cli("reconcile", written_back, "--as-of", AS_OF, "--write-back")
    return {
        "status workbook (reconcile --out)": [folder / "status.xlsx"],
        "reorder list (reorder --out)": [folder / "reorder.xlsx"],
        "purchase-order drafts (reorder --po-dir)": sorted((folder / "po").glob("*.xlsx")),
        "weekly workbook (weekly)": [folder / "weekly.xlsx"],
        "rendered template (render_template of late_lines.xlsx)": [rendered],
        "macro workbook (excel-setup)": [folder / "orders.xlsm"],
        "ready macro workbook (workbooks/omxl.xlsm)": [ROOT / "workbooks" / "omxl.xlsm"],
        "written back (validate, then reconcile --write-back)": [written_back],
        "marked copy (validate --mark), .xlsx and .xlsm": [folder / "marked.xlsx", folder / "marked.xlsm"],
    }


def late_lines_context() -> dict[str, object]:
    """What omxl/shipped/late_lines.xlsx asks for: three late lines, one customer name that looks like a formula."""
    frame = pd.DataFrame({
        "order_id": pd.Series(["SO-00001", "SO-00002", "SO-00003"], dtype="string[python]"),
        "customer_name": pd.Series(["Acme", "=1+1", "Globex & Co"], dtype="string[python]"),
        "sku": pd.Series(["SKU-1", "SKU-2", "SKU-3"], dtype="string[python]"),
        "open_qty": pd.Series([12, 5, 40], dtype="int64"),
        "promised_date": pd.to_datetime(["2026-11-02", "2026-11-10", "2026-11-20"]),
        "days_late": pd.Series([25, 17, 7], dtype="int64"),
        "open_value": pd.Series([120.5, 45.0, 980.25], dtype="float64"),
    })
    return {"as_of": dt.date(2026, 11, 27), "company": "Fabrikam & Sons",
            "kpis": {"otif_line_rate": 0.8734, "open_value": 1145.75, "worst_customer": "Acme"},
            "late_lines": frame}


# --- the check catches a broken part ------------------------------------------------------------------------

def broken_copy(source: Path, out: Path, change) -> Path:
    """A copy of `source` whose parts go through change(name, text) -> new text (None: leave the part out)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in original.namelist():
            text = change(name, original.read(name).decode("utf-8"))
            if text is not None:
                copy.writestr(name, text)
    return out


def _unknown_element(name: str, text: str) -> str:
    return text.replace("<sheetData>", "<omxlUnknown/><sheetData>", 1) if name == "xl/worksheets/sheet1.xml" else text


def _no_sheet_data(name: str, text: str) -> str:
    return re.sub(r"<sheetData>.*</sheetData>", "", text, flags=re.S) if name == "xl/worksheets/sheet1.xml" else text


def _two_theme_fills(name: str, text: str) -> str:
    """The theme with two fill styles where the schema asks for at least three."""
    fill = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    return text.replace(f"<a:fillStyleLst>{fill}", "<a:fillStyleLst>", 1) if name == "xl/theme/theme1.xml" else text


def _no_theme(name: str, text: str) -> str | None:
    """The workbook as omxl wrote it before it had a theme: no part, relationship or content type."""
    if name == "xl/theme/theme1.xml":
        return None
    return re.sub(r'<(Relationship|Override)\b[^>]*theme[^>]*/>', "", text)


@pytest.mark.parametrize("change, error", [
    (_unknown_element, "/xl/worksheets/sheet1.xml /worksheet[1] omxlUnknown: Unexpected element 'omxlUnknown' found"),
    (_no_sheet_data, "/xl/worksheets/sheet1.xml /worksheet[1] sheetData: Required element 'sheetData' is missing "
                     "(minOccurs=1, found=0)"),
    (_two_theme_fills, "/xl/theme/theme1.xml /theme[1]/themeElements[1]/fmtScheme[1]/fillStyleLst[1] : Choice "
                       "requires at least 3 occurrence(s), found 2"),
    (_no_theme, "/xl/workbook.xml  Relationship: A required relationship type "
                "'http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme' is missing."),
], ids=["unknown element", "required element missing", "theme one fill short", "no theme"])
def test_the_check_finds_a_broken_part(validator, written, tmp_path, change, error):
    # The unbroken file has no error (test_every_kind_opens_without_repair).
    broken = broken_copy(written["reorder list (reorder --out)"][0], tmp_path / "broken.xlsx", change)
    assert error in check(validator, broken)[0]


def test_the_command_line_of_the_check_agrees(written, tmp_path):
    """`openxml-audit FILE -f microsoft365 --policy strict`, as the issue names it: exit 0 and no error for the
    reorder list, exit 1 for a copy without its theme."""
    reorder_list = written["reorder list (reorder --out)"][0]
    broken = broken_copy(reorder_list, tmp_path / "no-theme.xlsx", _no_theme)
    runs = [subprocess.run([sys.executable, "-m", "openxml_audit", str(path), "-f", "microsoft365", "--policy",
                            "strict"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
            for path in (reorder_list, broken)]
    assert [run.returncode for run in runs] == [0, 1]
    assert "Errors: 0" in runs[0].stdout
    assert "Errors: 1" in runs[1].stdout
    assert "relationships/theme' is missing." in runs[1].stdout


# --- every kind omxl writes -----------------------------------------------------------------------------------

KINDS = ["status workbook (reconcile --out)", "reorder list (reorder --out)",
         "purchase-order drafts (reorder --po-dir)", "weekly workbook (weekly)",
         "rendered template (render_template of late_lines.xlsx)", "macro workbook (excel-setup)",
         "ready macro workbook (workbooks/omxl.xlsm)", "written back (validate, then reconcile --write-back)",
         "marked copy (validate --mark), .xlsx and .xlsm"]
# The kinds save_workbook makes from nothing, with inline strings and no shared-strings table.
INLINE_KINDS = {"status workbook (reconcile --out)", "reorder list (reorder --out)"}


def test_each_kind_written_is_checked(written):
    assert sorted(written) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_opens_without_repair(validator, written, kind):
    assert written[kind], f"no {kind} was written"
    for path in written[kind]:
        errors, warnings = check(validator, path)
        assert errors == [], path.name
        with zipfile.ZipFile(path) as archive:
            sheets = sum(name.startswith("xl/worksheets/sheet") for name in archive.namelist())
        if kind in INLINE_KINDS:
            # One warning per sheet, each the inline strings kept on purpose.
            assert {warning.split()[0] for warning in warnings} == {INLINE_STRINGS}, path.name
            assert len(warnings) == sheets, path.name
        else:
            assert warnings == [], path.name


def test_the_status_workbook_has_excel_s_office_theme(written):
    status = written["status workbook (reconcile --out)"][0]
    with zipfile.ZipFile(status) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        types = archive.read("[Content_Types].xml").decode("utf-8")
    assert ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" '
            'Target="theme/theme1.xml"/>') in rels
    assert ('<Override PartName="/xl/theme/theme1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>') in types
    # openpyxl, another reader, finds the theme through the relationship and reads its colours and fonts.
    book = openpyxl.load_workbook(status, read_only=False)
    theme = book.loaded_theme.decode("utf-8")
    assert 'name="Office Theme"' in theme
    assert '<a:accent1><a:srgbClr val="4472C4"/></a:accent1>' in theme
    assert '<a:minorFont><a:latin typeface="Calibri" panose="020F0502020204030204"/>' in theme
    assert book.sheetnames[0] == "Summary"
