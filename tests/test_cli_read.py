"""`omxl read`: the first thing a user runs on their own file."""

from __future__ import annotations

import json

from click.testing import CliRunner

from omxl.cli import cli


def test_read_table_output_names_tables_sheets_and_mapping(messy_workbook):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["read", str(messy_workbook)])
    assert result.exit_code == 1   # reading found errors (an ambiguous date, an error cell), as validate would
    lines = result.output.splitlines()
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert ["messy.xlsx", "Open Orders", "orders", "sheet name", "4", "5", ""] in rows
    assert ["orders", "5", "messy.xlsx!Open Orders (header row 4)"] in rows
    assert ["orders", "Open Orders", "B", "Order #", "order_id"] in rows
    assert "│ Orders 2025 │" in result.output and "hidden sheet, skipped" in result.output
    assert "Excel table 'Inventory'" in result.output
    mapping = [line for line in lines if "│ Sales Rep " in line]
    assert len(mapping) == 1 and "not recognised" in mapping[0]
    assert any("│ error    │ ambiguous-date   │ 1     │" in line for line in lines)


def test_read_json_is_machine_readable(messy_workbook):
    result = CliRunner().invoke(cli, ["read", str(messy_workbook), "--format", "json"])
    assert result.exit_code == 1   # the findings below include errors
    payload = json.loads(result.output)
    tables = {t["table"]: t for t in payload["tables"]}
    assert tables["orders"]["rows"] == 5
    assert tables["orders"]["read_from"] == "messy.xlsx!Open Orders (header row 4)"
    assert tables["inventory"]["read_from"] == "messy.xlsx!Warehouse (header row 3)"
    assert {"severity": "error", "code": "error-cell", "count": 1} in payload["findings"]
    columns = [(c["sheet"], c["letter"], c["header"], c["column"]) for c in payload["columns"]]
    assert ("Open Orders", "B", "Order #", "order_id") in columns
    sheets = {s["sheet"]: s for s in payload["sheets"]}
    assert sheets["Notes"]["note"] == "not recognised" and sheets["Notes"]["header_row"] is None


def test_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "demo" in result.output and "read" in result.output


def test_read_write_back_adds_the_result_sheets_and_keeps_a_backup(tmp_path):
    import shutil

    import python_calamine as calamine

    import omxl
    from conftest import SAMPLE
    from omxl.io.save.atomic import backups_of

    path = tmp_path / "orders.xlsx"
    shutil.copy(SAMPLE, path)
    result = CliRunner().invoke(cli, ["read", str(path), "--write-back"])
    assert result.exit_code == 1   # the sample's deliberate reading errors; the sheets are written anyway
    assert result.stderr.strip() == (f"Wrote 'omxl Tables', 'omxl Sheets', 'omxl Columns', 'omxl Reading findings' "
                                     f"into {path} (backup in omxl-backups/).")
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        tables = book.get_sheet_by_name("omxl Tables").to_python()
        findings = book.get_sheet_by_name("omxl Reading findings").to_python()
    assert tables[0] == ["Table", "Rows", "Read from", "Columns", "Unknown columns"]
    assert tables[1][:2] == ["orders", 3000.0]
    assert len(findings) == 1 + len(omxl.read_book(SAMPLE).findings)
    assert len(backups_of(path)) == 1
    assert len(omxl.read_book(path).orders) == 3000   # the result sheets are not read back as input


def test_read_write_back_into_a_locked_file_exits_2(tmp_path):
    import shutil

    from conftest import SAMPLE

    path = tmp_path / "orders.xlsx"
    shutil.copy(SAMPLE, path)
    (tmp_path / "~$orders.xlsx").write_bytes(b"owner")
    result = CliRunner().invoke(cli, ["read", str(path), "--write-back"])
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == ("omxl: orders.xlsx is open in Excel (lock file ~$orders.xlsx). "
                                               "Close it in Excel and run again; nothing was changed.")
    assert path.read_bytes() == SAMPLE.read_bytes()


def test_write_back_needs_exactly_one_workbook(tmp_path, messy_workbook):
    result = CliRunner().invoke(cli, ["read", str(messy_workbook), str(messy_workbook), "--write-back"])
    assert result.exit_code == 2
    assert "--write-back needs exactly one workbook to write into; this run read 2 files." in result.output
