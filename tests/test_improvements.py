"""Suggested improvements (issue "Learning from what happened", docs/learning.md): a hand-built book with one
chronically late supplier and one late carrier gives exactly those two suggestions with their numbers; a clean book
gives none; a sheet entered with errors and an ABC class off its service level are suggested too; the command."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from omxl import steps
from omxl.cli import cli
from omxl.reporting.improvements import SUGGESTION_COLUMNS

pytestmark = pytest.mark.core

AS_OF = "2026-11-27"   # history_weeks 12: the window is 2026-09-05 .. 2026-11-27
D = pd.Timestamp


def write(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for sheet, frame in tables.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return path


def hand_tables(*, late: bool = True) -> dict[str, pd.DataFrame]:
    """SUP-028 (lead time 14) received PO-1..3 late by 5, 6 and 7 days and has PO-4 open for 40 x A; SUP-030
    received three POs on time. Six order lines, each shipped in full before its promised date: SlowFreight's
    three deliveries took 7, 8 and 9 days (10 + 20 + 30 units), QuickShip's 2, 2 and 3 days. `late=False`: the
    same book with every PO received on its expected date and SlowFreight delivering in 2 days."""
    slip = [5, 6, 7] if late else [0, 0, 0]
    transit = [7, 8, 9] if late else [2, 2, 2]
    expected = [D("2026-10-01"), D("2026-10-15"), D("2026-11-01")]
    purchase_orders = pd.DataFrame({
        "PO Number": ["PO-1", "PO-2", "PO-3", "PO-4", "PO-5", "PO-6", "PO-7"],
        "Supplier": ["SUP-028"] * 4 + ["SUP-030"] * 3,
        "SKU": ["A", "A", "A", "A", "B", "B", "B"],
        "Qty": [50, 50, 50, 40, 30, 30, 30],
        "Order Date": [D("2026-09-10"), D("2026-09-25"), D("2026-10-10"), D("2026-11-20"), D("2026-09-10"),
                       D("2026-09-30"), D("2026-10-20")],
        "Expected Date": [*expected, D("2026-12-10"), D("2026-09-20"), D("2026-10-10"), D("2026-11-05")],
        "Received Date": [*(day + pd.Timedelta(days=s) for day, s in zip(expected, slip)), None,
                          D("2026-09-20"), D("2026-10-09"), D("2026-11-05")],
        "Status": ["closed", "closed", "closed", "open", "closed", "closed", "closed"],
    })
    orders = pd.DataFrame({
        "Order ID": [f"SO-{n}" for n in range(1, 7)], "Line": [1] * 6,
        "Customer": ["C-1", "C-2", "C-3", "C-1", "C-2", "C-3"], "SKU": ["A", "A", "B", "A", "B", "B"],
        "Qty": [10, 20, 30, 5, 5, 5],
        "Order Date": [D("2026-11-01")] * 6,
        "Promised Date": [D("2026-11-12")] * 6,
    })
    ship = [D("2026-11-02"), D("2026-11-03"), D("2026-11-04"), D("2026-11-05"), D("2026-11-06"), D("2026-11-07")]
    shipments = pd.DataFrame({
        "Shipment ID": [f"SH-{n}" for n in range(1, 7)], "Order ID": orders["Order ID"], "Line": [1] * 6,
        "SKU": orders["SKU"], "Qty": orders["Qty"], "Ship Date": ship,
        "Carrier": ["SlowFreight"] * 3 + ["QuickShip"] * 3,
        "Delivered Date": [day + pd.Timedelta(days=t) for day, t in zip(ship, [*transit, 2, 2, 3])],
    })
    inventory = pd.DataFrame({"SKU": ["A", "B"], "Description": ["Anchor bolt", "Bracket"], "On Hand": [100, 50],
                              "Unit Cost": [5.0, 2.0], "Supplier": ["SUP-028", "SUP-030"]})
    suppliers = pd.DataFrame({"Supplier ID": ["SUP-028", "SUP-030"], "Name": ["Nordic Fasteners", "Brackets Ltd"],
                              "Lead Time Days": [14, 7], "Currency": ["EUR", "EUR"]})
    return {"Orders": orders, "Inventory": inventory, "Suppliers": suppliers, "Shipments": shipments,
            "Purchase Orders": purchase_orders}


@pytest.fixture(scope="module")
def late_book(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("late") / "late.xlsx", hand_tables())


def test_a_late_supplier_and_a_late_carrier_give_exactly_those_two(late_book):
    found = omxl.suggest_improvements(omxl.read_book(late_book), as_of=AS_OF)
    assert isinstance(found, omxl.Improvements) and found.step == "improvements"
    table = found.suggestions
    assert tuple(table.columns) == SUGGESTION_COLUMNS
    # Ranked by the units they touch: SlowFreight carried 60 units, SUP-028 has 40 on its open PO.
    assert table[["rank", "kind", "applies_to", "units"]].values.tolist() == [
        [1, "carrier-transit", "SlowFreight", 60.0], [2, "supplier-lead-time", "SUP-028", 40.0]]
    assert table["suggestion"].tolist() == [
        "SlowFreight: 3 of 3 deliveries took more than 5 days in transit (average 8 days): review its service or "
        "book these shipments with another carrier",
        "SUP-028: 3 receipts, median 6 days late: lead time 14 → 20 days"]
    assert table["evidence"].tolist() == [
        "3 deliveries shipped from 2026-09-05 to 2026-11-27: transit 7 to 9 days, average 8 days; 100% over 5 days "
        "(threshold 20%); 60 units shipped with it",
        "3 receipts from 2026-10-06 to 2026-11-08, 0 on time; slip 5 to 7 days, median 6; lead time 14 days (the "
        "supplier's); 40 units on its open purchase orders"]
    # The open PO's 40 units at A's unit cost, in the supplier's currency; a carrier has no value.
    assert table["value"].tolist()[1] == 200.0 and table["currency"].tolist()[1] == "EUR"
    assert pd.isna(table["value"].iloc[0]) and pd.isna(table["currency"].iloc[0])
    assert found.summary == (
        "2 suggestions, most units first: 1 supplier lead time, 1 carrier transit. Checked 2 suppliers with 3 or "
        "more receipts, no ABC class with 10 or more lines due from 2026-09-05 to 2026-11-27, 2 carriers with 3 or "
        "more deliveries and 5 sheets read.")
    figures = dict(zip(found.figures["label"], found.figures["value"]))
    assert figures == {"Suggestions": 2, "Supplier lead times": 1, "Service levels": 0, "Carrier transit": 1,
                       "Entry errors": 0}
    assert found.findings.equals(found.position.issues)
    assert list(found.result_sheets()) == ["Summary", "Improvements"]


def test_a_clean_book_gives_none(tmp_path):
    found = omxl.suggest_improvements(omxl.read_book(write(tmp_path / "clean.xlsx", hand_tables(late=False))),
                                      as_of=AS_OF)
    assert found.suggestions.empty and tuple(found.suggestions.columns) == SUGGESTION_COLUMNS
    assert found.summary == (
        "Nothing to suggest: checked 2 suppliers with 3 or more receipts, no ABC class with 10 or more lines due "
        "from 2026-09-05 to 2026-11-27, 2 carriers with 3 or more deliveries and 5 sheets read; none past its "
        "threshold.")


def test_a_sheet_entered_with_errors(tmp_path):
    # 20 order lines of which one names an item the inventory does not have (a foreign-key error): 5% > 2%.
    tables = hand_tables(late=False)
    orders = pd.DataFrame({"Order ID": [f"SO-{n}" for n in range(101, 121)], "Line": [1] * 20,
                           "Customer": ["C-9"] * 20, "SKU": ["B"] * 19 + ["ZZ-404"], "Qty": [1] * 19 + [7],
                           "Order Date": [D("2026-11-20")] * 20, "Promised Date": [D("2026-12-20")] * 20})
    tables["Orders"] = pd.concat([tables["Orders"], orders], ignore_index=True)   # 26 rows, 1 with an error
    found = omxl.suggest_improvements(omxl.read_book(write(tmp_path / "entry.xlsx", tables)), as_of=AS_OF)
    assert found.suggestions[["rank", "kind", "applies_to", "suggestion", "units"]].values.tolist() == [
        [1, "entry-errors", "entry.xlsx!Orders", "entry.xlsx!Orders: 1 of 26 rows (3.8%) has errors and was left "
         "out: check how the sheet is filled in", 7.0]]
    assert found.suggestions["evidence"].iloc[0] == (
        "1 row with errors of 26 read (3.8%, threshold 2%); error findings by code: foreign-key 1; 7 units on "
        "those rows")
    # Above the threshold only: 5% allowed, nothing to suggest.
    quiet = omxl.suggest_improvements(omxl.prepare(omxl.read_book(tmp_path / "entry.xlsx"), as_of=AS_OF,
                                                   config={"improvements": {"error_share": 0.05}}))
    assert quiet.suggestions.empty


def test_a_class_off_its_service_level(tmp_path):
    # Twelve lines of A due in the window, 10 units each: six shipped on time, six not at all: 50% against 95%.
    tables = hand_tables(late=False)
    count = 12
    orders = pd.DataFrame({"Order ID": [f"SO-{n}" for n in range(201, 201 + count)], "Line": [1] * count,
                           "Customer": ["C-1"] * count, "SKU": ["A"] * count, "Qty": [10] * count,
                           "Order Date": [D("2026-10-01")] * count, "Promised Date": [D("2026-10-20")] * count})
    shipped = pd.DataFrame({"Shipment ID": [f"SH-{n}" for n in range(201, 207)],
                            "Order ID": orders["Order ID"].iloc[:6], "Line": [1] * 6, "SKU": ["A"] * 6,
                            "Qty": [10] * 6, "Ship Date": [D("2026-10-19")] * 6, "Carrier": ["QuickShip"] * 6,
                            "Delivered Date": [D("2026-10-21")] * 6})
    tables["Orders"], tables["Shipments"] = orders, shipped
    path = write(tmp_path / "service.xlsx", tables)
    found = omxl.suggest_improvements(omxl.read_book(path), as_of=AS_OF)
    (row,) = found.suggestions.to_dict("records")
    assert (row["kind"], row["applies_to"], row["units"], row["value"], row["currency"]) == (
        "service-level", "class A", 120.0, 500.0, "EUR")
    assert row["suggestion"] == ("Class A: 50% of the units due shipped on time against a 95% service level: raise "
                                 "the class's service level setting or its reorder levels")
    assert row["evidence"] == ("12 lines due from 2026-09-05 to 2026-11-27: 60 of 120 units shipped on or before "
                               "the promised date (50%); service level 95% (service_level), tolerance 5 points; "
                               "stock of the class EUR 500.00")
    # Every line shipped on time against a 90% level for A: 100% overshoots by more than 5 points.
    every = pd.DataFrame({"Shipment ID": [f"SH-{n}" for n in range(301, 301 + count)], "Order ID": orders["Order ID"],
                          "Line": [1] * count, "SKU": ["A"] * count, "Qty": [10] * count,
                          "Ship Date": [D("2026-10-19")] * count})
    tables["Shipments"] = every
    over = omxl.suggest_improvements(omxl.read_book(write(tmp_path / "over.xlsx", tables)), as_of=AS_OF,
                                     config={"service_levels": {"A": 0.9}})
    assert over.suggestions["suggestion"].tolist() == [
        "Class A: 100% of the units due shipped on time against a 90% service level: lower the class's service "
        "level setting; its stock is worth EUR 500.00"]


def test_the_command(late_book, tmp_path):
    out = tmp_path / "improvements.xlsx"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["improvements", str(late_book), "--as-of", AS_OF,
                                                            "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2 suggestions, most units first: 1 supplier lead time, 1 carrier transit. Checked 2 suppliers with 3 or "
        "more receipts, no ABC class with 10 or more lines due from 2026-09-05 to 2026-11-27, 2 carriers with 3 or "
        "more deliveries and 5 sheets read.",
        "1. SlowFreight: 3 of 3 deliveries took more than 5 days in transit (average 8 days): review its service or "
        "book these shipments with another carrier",
        "2. SUP-028: 3 receipts, median 6 days late: lead time 14 → 20 days",
        f"Wrote {out}."]
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Summary", "Improvements"]
    sheet = workbook["Improvements"]
    rows = list(sheet.iter_rows(min_row=1, max_row=3, values_only=True))
    assert rows[0] == ("Rank", "Kind", "Applies to", "Suggestion", "Evidence", "Units touched", "Value", "Currency")
    assert rows[1][:4] == (1, "Carrier transit", "SlowFreight", "SlowFreight: 3 of 3 deliveries took more than 5 "
                           "days in transit (average 8 days): review its service or book these shipments with "
                           "another carrier")
    assert rows[1][5:] == (60, None, None)
    assert rows[2][:3] + rows[2][5:] == (2, "Supplier lead time", "SUP-028", 40, 200, "EUR")
    assert workbook["Summary"]["A1"].value == "Suggested improvements as of 2026-11-27"


def test_the_step_has_no_button():
    definition = steps.REGISTRY["improvements"]
    # After the steps with buttons (a new step goes last: the buttons people know keep their places).
    assert list(steps.REGISTRY)[-2:] == ["improvements", "backtest"] and definition.button is None
    assert "improvements" not in [s.name for s in steps.with_buttons()]
    assert definition.sheets == ("Summary", "Improvements")


def test_the_learning_page_example_prints_what_it_says(monkeypatch, capsys):
    # Only the "Suggested improvements" section's example: the page has other sections, with examples of their own.
    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "learning.md").read_text(encoding="utf-8")
    section = page.split("## Suggested improvements", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    monkeypatch.chdir(root)
    exec(compile(block, "learning.md", "exec"), {})
    shown = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    assert capsys.readouterr().out.splitlines() == shown and len(shown) == 2


def test_the_weekly_workbook_has_the_improvements_sheet(late_book, tmp_path):
    position = omxl.prepare(omxl.read_book(late_book), as_of=AS_OF)
    report = omxl.weekly_report(position)
    pd.testing.assert_frame_equal(report.sheets["Improvements"], omxl.suggest_improvements(position).suggestions)
    sheet = openpyxl.load_workbook(report.save(tmp_path / "weekly.xlsx"))["Improvements"]
    assert sheet["A1"].value == "Suggested improvements, week 2026-W48 (as of 2026-11-27)"
    assert [sheet.cell(4, col).value for col in (1, 2, 3)] == [1, "Carrier transit", "SlowFreight"]
    assert [sheet.cell(5, col).value for col in (1, 2, 3, 4)] == [
        2, "Supplier lead time", "SUP-028", "SUP-028: 3 receipts, median 6 days late: lead time 14 → 20 days"]
    # A clean book's sheet says what was checked.
    clean = omxl.weekly_report(omxl.read_book(write(tmp_path / "clean.xlsx", hand_tables(late=False))), as_of=AS_OF)
    sheet = openpyxl.load_workbook(clean.save(tmp_path / "clean-weekly.xlsx"))["Improvements"]
    assert sheet["A2"].value == clean.improvements.summary and sheet["A2"].value.startswith("Nothing to suggest: ")


def test_entry_errors_name_the_three_commonest_codes_ties_in_the_order_they_first_appear(tmp_path):
    tables = hand_tables(late=False)
    sku = ["ZZ-404", "B", "B", "ZZ-405", "B", "B", "B", None, "B", "B"]
    qty = [1, -2, 1, 1, -4, 1, 1, 1, 1, 1]
    customer = ["C-9", "C-9", None, "C-9", "C-9", None, "C-9", "C-9", "C-9", "C-9"]
    ids = [f"SO-{n}" for n in range(201, 210)] + ["SO-209"]   # the last line twice: a duplicate key
    orders = pd.DataFrame({"Order ID": ids, "Line": [1] * 10,
                           "Customer": customer, "SKU": sku, "Qty": qty,
                           "Order Date": [D("2026-11-20")] * 10, "Promised Date": [D("2026-12-20")] * 10})
    tables["Orders"] = pd.concat([tables["Orders"], orders], ignore_index=True)
    found = omxl.suggest_improvements(omxl.read_book(write(tmp_path / "ties.xlsx", tables)), as_of=AS_OF)
    errors = found.findings[(found.findings["severity"] == "error") & (found.findings["sheet"] == "Orders")]
    counts = errors["code"].value_counts()   # commonest first, equal counts as the codes first appear
    assert len(counts) >= 4 and counts.iloc[1] == counts.iloc[2]   # a tie among the three named
    expected = ", ".join(f"{code} {count}" for code, count in counts.head(3).items())
    evidence = found.suggestions.set_index("kind").loc["entry-errors", "evidence"]
    assert f"error findings by code: {expected};" in evidence
