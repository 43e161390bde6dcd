"""`omxl reorder`: the reorder list, purchase-order drafts per supplier with safe names, --write-back."""

from __future__ import annotations

import csv
import shutil

import python_calamine as calamine
from click.testing import CliRunner

import omxl
from conftest import SAMPLE, convert_with_libreoffice
from omxl.cli import cli


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["reorder", *map(str, args)])


def test_reorder_list_and_po_drafts(tmp_path):
    out, folder = tmp_path / "plan.xlsx", tmp_path / "drafts"
    result = run(SAMPLE, "--as-of", "2026-11-27", "--out", out, "--po-dir", folder)
    plan = omxl.plan_reorders(omxl.read_book(SAMPLE), as_of="2026-11-27")
    assert result.exit_code == 1                      # the sample's deliberate errors
    by_currency = plan.lines.groupby("currency")["order_value"].sum()   # never one sum across currencies
    assert result.output.startswith(f"Reorder plan as of 2026-11-27 at a 95% service level: {len(plan.lines):,} SKUs "
                                    f"to order, value " + ", ".join(f"{c} {v:,.2f}" for c, v in by_currency.items())
                                    + ".")
    assert f"Wrote {len(plan.purchase_orders)} purchase-order drafts into {folder}." in result.stderr
    with calamine.CalamineWorkbook.from_path(str(out)) as book:
        assert book.sheet_names == ["Summary", "Reorder List", "PO Drafts", "Supplier Reliability"]
        rows = book.get_sheet_by_name("Reorder List").to_python()
    assert rows[0][:5] == ["SKU", "Description", "Supplier", "Supplier name", "Rule"]
    assert len(rows) == len(plan.lines) + 1
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(plan.purchase_orders)
    assert "PO draft SUP-001 Falcon Industrial Supply Inc.xlsx" in names


def test_po_draft_totals_are_formulas_libreoffice_computes(tmp_path):
    folder = tmp_path / "drafts"
    run(SAMPLE, "--as-of", "2026-11-27", "--po-dir", folder)
    plan = omxl.plan_reorders(omxl.read_book(SAMPLE), as_of="2026-11-27")
    draft = folder / "PO draft SUP-001 Falcon Industrial Supply Inc.xlsx"
    lines = plan.po_lines("SUP-001")
    converted = convert_with_libreoffice(draft, "csv", tmp_path)
    rows = list(csv.reader(converted.open(encoding="utf-8")))
    assert rows[0][0] == "Purchase order draft"
    assert rows[2][:2] == ["Supplier", "SUP-001"]
    assert rows[11] == ["SKU", "Description", "Order qty", "Unit cost", "Order value", "Expected arrival", "Explanation"]
    total = rows[12 + len(lines)]
    assert total[0] == "Total"
    assert float(total[2].replace(",", "")) == lines["order_qty"].sum()
    assert float(total[4].replace(",", "")) == round(lines["order_value"].sum(), 2)


def test_supplier_names_cannot_leave_the_folder(tmp_path):
    import pandas as pd

    inventory = pd.DataFrame({"sku": ["A"], "on_hand": [0.0], "supplier_id": ["../../evil"], "reorder_point": [5.0]})
    suppliers = pd.DataFrame({"supplier_id": ["../../evil"], "name": ["CON"]})
    orders = pd.DataFrame({"order_id": ["O"], "order_date": [pd.Timestamp("2026-11-20")], "customer_id": ["C"],
                           "sku": ["A"], "qty": [1.0]})
    plan = omxl.plan_reorders(omxl.read_book({"orders": orders, "inventory": inventory, "suppliers": suppliers}),
                              as_of="2026-11-27")
    from omxl.io.save.po_drafts import write_po_drafts

    (written,) = write_po_drafts(plan, tmp_path / "drafts")
    assert written.parent == (tmp_path / "drafts").resolve()
    assert written.name == "PO draft _evil CON.xlsx"


def test_service_level_option_and_write_back(tmp_path):
    path = tmp_path / "book.xlsx"
    shutil.copy(SAMPLE, path)
    result = run(path, "--as-of", "2026-11-27", "--service-level", "0.99", "--write-back")
    assert "at a 99% service level" in result.output
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        assert book.sheet_names[-4:] == ["omxl Summary", "omxl Reorder List", "omxl PO Drafts", "omxl Supplier Reliability"]
    bad = run(path, "--service-level", "1.5")
    assert bad.exit_code == 2 and "1.5 is not in the range 0<x<1" in bad.output


def test_out_csv_and_json_hold_the_reorder_lines(tmp_path):
    import json

    plan = omxl.plan_reorders(omxl.read_book(SAMPLE), as_of="2026-11-27")
    result = run(SAMPLE, "--as-of", "2026-11-27", "--out", tmp_path / "plan.csv")
    assert result.exit_code == 1
    assert f"Wrote {tmp_path / 'plan.csv'}." in result.stderr
    with (tmp_path / "plan.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(plan.lines.columns)
    assert rows[0][:5] == ["sku", "description", "supplier_id", "supplier_name", "rule"]
    assert len(rows) - 1 == len(plan.lines) > 0
    first, expected = dict(zip(rows[0], rows[1])), plan.lines.iloc[0]
    assert (first["sku"], first["supplier_id"], first["order_by"]) == \
        (expected["sku"], expected["supplier_id"], f"{expected['order_by']:%Y-%m-%d}")
    assert float(first["order_qty"]) == expected["order_qty"]

    result = run(SAMPLE, "--as-of", "2026-11-27", "--out", tmp_path / "plan.json")
    assert result.exit_code == 1
    records = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert isinstance(records, list) and len(records) == len(plan.lines)
    assert list(records[0]) == list(plan.lines.columns)
    assert records[0]["sku"] == expected["sku"] and records[0]["order_qty"] == expected["order_qty"]
    assert records[0]["order_by"] == f"{expected['order_by']:%Y-%m-%d}"           # a date as ISO text
    assert records[0]["expected_arrival"] == f"{expected['expected_arrival']:%Y-%m-%d}"
    assert round(sum(r["order_value"] for r in records), 2) == round(plan.lines["order_value"].sum(), 2)
    unplaced = [r for r in records if r["supplier_id"] is None]                   # blanks are null
    assert len(unplaced) == int(plan.lines["supplier_id"].isna().sum())
