"""`omxl validate`: summary and issues, formats, --out, --write-back; exit codes 0 / 1 / 2."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pandas as pd
import python_calamine as calamine
from click.testing import CliRunner

import omxl
from omxl.findings import FINDING_COLUMNS
from conftest import SAMPLE
from omxl.cli import cli
from one_of_each import AS_OF, FIXTURES


def run(*args, **env):
    return CliRunner(env={"COLUMNS": "220", **env}).invoke(cli, ["validate", *map(str, args)])


def table_rows(output):
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines() if line.startswith("│")]


def test_errors_give_exit_1_a_summary_and_the_first_issues():
    result = run(FIXTURES / "one-of-each.xlsx", "--as-of", AS_OF, "--limit", "3")
    assert result.exit_code == 1
    rows = table_rows(result.output)
    assert ["error", "type-error", "1", "1"] in rows
    assert ["warning", "missing-table", "1", "1"] in rows
    assert "First 3 of 17 issues" in result.output   # 16 cells, and SO-7 left out as after as_of
    assert ["error", "type-error", "Orders", "F4", "five",
            "'Qty' must be a number (found 'five'). Type the quantity as a plain number."] in rows


def test_no_errors_exit_0():
    result = run(FIXTURES / "one-of-each-fixed.xlsx", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert ["info", "unknown-column", "1", "1"] in table_rows(result.output)


def test_unreadable_input_exit_2(tmp_path):
    result = run(tmp_path / "missing.xlsx")
    assert result.exit_code == 2
    assert "missing.xlsx: file not found." in result.stderr


def test_bad_as_of_is_a_usage_error():
    result = run(SAMPLE, "--as-of", "27/11/2026")
    assert result.exit_code == 2
    assert "'27/11/2026' is not a date; write it as YYYY-MM-DD" in result.output


def test_csv_and_json_formats_hold_every_issue():
    csv_result = run(FIXTURES / "one-of-each.xlsx", "--as-of", AS_OF, "--format", "csv")
    frame = pd.read_csv(io.StringIO(csv_result.output), dtype=str, keep_default_na=False)
    assert csv_result.exit_code == 1
    assert list(frame.columns) == list(FINDING_COLUMNS)
    assert len(frame) == 17
    assert frame.loc[frame["cell"] == "F7", "value"].item() == "'-3"    # neutralised for spreadsheet programs
    json_result = run(FIXTURES / "one-of-each.xlsx", "--as-of", AS_OF, "--format", "json")
    records = json.loads(json_result.output)
    assert len(records) == 17
    assert {"severity": "error", "code": "constraint-error", "cell": "F7", "row": 7}.items() <= \
        next(r for r in records if r["cell"] == "F7").items()


def test_out_writes_the_full_list_by_extension(tmp_path):
    for name in ("issues.csv", "issues.json", "issues.xlsx"):
        result = run(FIXTURES / "one-of-each.xlsx", "--as-of", AS_OF, "--out", tmp_path / name)
        assert result.exit_code == 1
        assert f"Wrote {tmp_path / name}." in result.stderr
    issues = omxl.validate(omxl.read_book(FIXTURES / "one-of-each.xlsx"), as_of=AS_OF)
    with (tmp_path / "issues.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(issues.columns) == list(FINDING_COLUMNS)
    assert len(rows) - 1 == len(issues) == 17
    cell, value = rows[0].index("cell"), rows[0].index("value")
    negative = next(r for r in rows if r[cell] == "F7")
    assert negative[:3] == ["error", "constraint-error", "validate"] and negative[value] == "'-3"   # neutralised
    records = json.loads((tmp_path / "issues.json").read_text(encoding="utf-8"))
    assert len(records) == len(issues)
    assert list(records[0]) == list(issues.columns)
    f7 = next(r for r in records if r["cell"] == "F7")
    assert (f7["code"], f7["row"], f7["value"], f7["count"]) == ("constraint-error", 7, "-3", 1)
    missing_table = next(r for r in records if r["code"] == "missing-table")
    assert missing_table["row"] is None and missing_table["cell"] == ""     # a blank number is null
    with calamine.CalamineWorkbook.from_path(str(tmp_path / "issues.xlsx")) as book:
        assert book.sheet_names == ["Summary", "Issues"]
        rows = book.get_sheet_by_name("Issues").to_python()
    assert len(rows) == 18 and rows[0][:4] == ["Severity", "Code", "Stage", "Table"]   # labels (contract 5.5)
    bad = run(FIXTURES / "one-of-each.xlsx", "--out", tmp_path / "issues.txt")
    assert bad.exit_code == 2
    assert bad.stderr == (f"omxl: {tmp_path / 'issues.txt'}: --out writes a .xlsx, .csv or .json file, chosen by "
                          f"its extension, not .txt; give a name such as {tmp_path / 'issues.xlsx'} or "
                          f"{tmp_path / 'issues.csv'}. Nothing was written.\n")


def test_write_back_adds_an_issues_sheet_with_links_to_the_cells(tmp_path):
    path = tmp_path / "orders.xlsx"
    shutil.copy(FIXTURES / "one-of-each.xlsx", path)
    result = run(path, "--as-of", AS_OF, "--write-back")
    assert result.exit_code == 1
    assert f"Wrote 'omxl Summary', 'omxl Issues' into {path}" in result.stderr
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        rows = book.get_sheet_by_name("omxl Issues").to_python()
    assert len(rows) == 18
    import zipfile

    from omxl.io.xlsx import package

    with zipfile.ZipFile(path) as archive:
        part = next(p for entry, p in package.sheet_parts(archive) if entry.name == "omxl Issues")
        sheet_xml = archive.read(part).decode("utf-8")
    assert '<hyperlink ref="I2" location="\'Orders\'!F4" display="F4"/>' in sheet_xml
    assert len(omxl.read_book(path).orders) == 17


def test_mark_writes_a_checked_copy_and_leaves_the_workbook_alone(tmp_path):
    path = tmp_path / "orders.xlsx"
    shutil.copy(FIXTURES / "one-of-each.xlsx", path)
    before = path.read_bytes()
    out = tmp_path / "orders-checked.xlsx"
    result = run(path, "--as-of", AS_OF, "--mark", out)
    assert result.exit_code == 1
    assert f"Wrote {out} (a marked copy of orders.xlsx)." in result.stderr
    assert path.read_bytes() == before
    with calamine.CalamineWorkbook.from_path(str(out)) as book:
        assert "omxl Issues" in book.sheet_names
        assert len(book.get_sheet_by_name("omxl Issues").to_python()) == 18
    same = run(path, "--as-of", AS_OF, "--mark", path)
    assert same.exit_code == 2
    assert "never changes the workbook it checks" in " ".join(same.stderr.split())
    assert path.read_bytes() == before
