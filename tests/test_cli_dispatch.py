"""`omxl dispatch`: the picks printed and written (.xlsx print-ready, .csv, .json), --promised-by and
--max-priority, --write-back, exit codes, and the notebook's view of a Dispatch. The expected picks are worked
out here with pandas from the reconciled lines (the allocation dispatch starts from) and the sample's sheets."""

from __future__ import annotations

import csv
import html
import json
import shutil

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from click.testing import CliRunner

import omxl
from conftest import SAMPLE
from omxl.cli import cli
from one_of_each import FIXTURES

AS_OF = "2026-11-27"
PICK_HEADER = ["order_id", "line", "customer_id", "sku", "description", "pick_qty", "location", "shelf", "bin",
               "carrier", "priority", "promised_date"]
RESULT_SHEETS = ["omxl Pick List", "omxl Held Lines", "omxl Manifests", "omxl Packing Slips"]


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["dispatch", *map(str, args)])


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    """The reconciled lines of the sample with each line's priority: its own, else its customer's (the Customers
    sheet read with pandas)."""
    rec = omxl.reconcile(omxl.read_book(SAMPLE), as_of=AS_OF)
    customers = pd.read_excel(SAMPLE, sheet_name="Customers", engine="calamine")
    by_customer = customers.drop_duplicates("Customer ID").set_index("Customer ID")["Priority"]
    own = rec.lines["priority"].astype("Float64")
    return rec.lines.assign(any_priority=own.fillna(rec.lines["customer_id"].map(by_customer).astype("Float64")))


def expected_picks(lines: pd.DataFrame, promised_by: str | None = None,
                   max_priority: int | None = None) -> pd.DataFrame:
    """The open lines with stock allocated that are not on hold, cancelled or closed (the sample has no
    ship-complete orders), kept by the day's filters."""
    keep = ((lines["allocated_qty"] > 0) & (lines["open_qty"] > 0)
            & ~lines["status"].isin(["on_hold", "cancelled", "closed"]))
    if promised_by is not None:
        keep &= (lines["promised_date"] <= pd.Timestamp(promised_by)).fillna(False)
    if max_priority is not None:
        keep &= (lines["any_priority"] <= max_priority).fillna(False)
    return lines[keep.astype(bool)]


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"order_id": str, "sku": str, "location": str})


# --- what it prints, and the exit codes --------------------------------------------------------------------

def test_the_sample_prints_the_picks_and_exits_1(lines):
    result = run(SAMPLE, "--as-of", AS_OF, "-q")
    assert result.exit_code == 1, result.output          # the sample's deliberate errors
    picked = expected_picks(lines)
    on_hold = int((lines["status"].eq("on_hold") & (lines["open_qty"] > 0)).sum())
    assert (len(picked), picked["order_id"].nunique(), picked["allocated_qty"].sum(), on_hold) == \
        (286, 172, 13175.0, 24)
    assert result.stdout.splitlines()[0] == ("286 lines of 172 orders to pick, 13,175 units from 2 locations; 24 "
                                             "held back (24 on hold).")
    assert "Pick lists by location" in result.stdout and "Manifests by carrier" in result.stdout
    # Per location: the picks of the .csv (checked against the sheets below) summed.
    rows = {tuple(line.split()) for line in result.stdout.replace("│", " ").splitlines()}
    assert ("MAIN", "170", "284", "12,707") in rows and ("WEST", "6", "6", "468") in rows
    assert ("no", "carrier", "172", "286", "13,175") in rows    # the sample's orders name no carrier


def test_a_clean_book_exits_0():
    result = run(FIXTURES / "one-of-each-fixed.xlsx", "--as-of", AS_OF, "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "9 lines of 8 orders to pick, 24 units from 1 location."


@pytest.mark.parametrize("out", ["picks.txt", "picks"])
def test_an_out_that_is_not_xlsx_csv_or_json_is_exit_2_and_writes_nothing(tmp_path, out):
    result = run(SAMPLE, "--as-of", AS_OF, "--out", tmp_path / out)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--out writes a .xlsx, .csv or .json file, chosen by its extension" in result.stderr
    assert "Nothing was written." in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_out_that_is_a_folder_is_exit_2(tmp_path):
    result = run(SAMPLE, "--as-of", AS_OF, "--out", f"{tmp_path}/")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and str(tmp_path) in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_filter_values_are_exit_2():
    priority = run(SAMPLE, "--max-priority", "0")
    assert priority.exit_code == 2 and "Invalid value for '--max-priority': 0 is not in the range x>=1." \
        in priority.stderr
    day = run(SAMPLE, "--promised-by", "2026-13-01")
    assert day.exit_code == 2
    assert "'2026-13-01' is not a date; write it as YYYY-MM-DD (e.g. 2026-11-27)." in day.stderr


# --- the filters change the picks ------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "promised_by", "max_priority", "counts"), [
    ((), None, None, (286, 172, 13175.0)),
    (("--promised-by", "2026-12-01"), "2026-12-01", None, (96, 89, 6129.0)),
    (("--max-priority", "2"), None, 2, (120, 77, 4920.0)),
    (("--promised-by", "2026-12-01", "--max-priority", "2"), "2026-12-01", 2, (45, 40, 2362.0)),
])
def test_promised_by_and_max_priority_choose_the_lines(tmp_path, lines, options, promised_by, max_priority, counts):
    out = tmp_path / "picks.csv"
    result = run(SAMPLE, "--as-of", AS_OF, *options, "--out", out, "-q")
    assert result.exit_code == 1, result.output
    expected = expected_picks(lines, promised_by, max_priority)
    assert (len(expected), expected["order_id"].nunique(), expected["allocated_qty"].sum()) == counts
    picks = read_csv(out)
    per_line = picks.groupby(["order_id", "line"])["pick_qty"].sum()
    assert {(str(o), int(n)): float(q) for (o, n), q in per_line.items()} == {
        (str(o), int(n)): float(q) for o, n, q in zip(expected["order_id"], expected["line"], expected["allocated_qty"])}
    if promised_by is not None:
        assert (pd.to_datetime(picks["promised_date"]) <= pd.Timestamp(promised_by)).all()
        assert f"promised by {promised_by}" in result.stdout.splitlines()[0]
    if max_priority is not None:
        assert f"priority 1 to {max_priority}" in result.stdout.splitlines()[0]


# --- .csv and .json hold the picks ---------------------------------------------------------------------------

def test_csv_and_json_hold_the_picks(tmp_path, lines):
    csv_out, json_out = tmp_path / "picks.csv", tmp_path / "picks.json"
    assert run(SAMPLE, "--as-of", AS_OF, "--out", csv_out, "-q").exit_code == 1
    assert run(SAMPLE, "--as-of", AS_OF, "--out", json_out, "-q").exit_code == 1
    with csv_out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == PICK_HEADER
    assert len(rows) == 290 + 1    # 286 lines; 4 of them picked from two locations
    picks = read_csv(csv_out)
    # Every picked line comes whole from its locations, and no location gives more than the Inventory sheet has.
    assert picks.groupby(["order_id", "line"]).ngroups == 286
    inventory = pd.read_excel(SAMPLE, sheet_name="Inventory", engine="calamine", dtype={"SKU": str})
    stock = inventory.groupby(["SKU", "Location"])["On Hand"].sum()
    taken = picks.groupby(["sku", "location"])["pick_qty"].sum()
    assert (taken <= stock.reindex(taken.index).to_numpy()).all()
    split = picks.groupby(["order_id", "line"])["location"].nunique()
    assert int((split == 2).sum()) == 4
    # Walking order: by location, then SKU.
    assert list(picks["location"]) == sorted(picks["location"])
    assert all(list(group["sku"]) == sorted(group["sku"]) for _, group in picks.groupby("location"))
    records = json.loads(json_out.read_text(encoding="utf-8"))
    assert len(records) == 290 and list(records[0]) == PICK_HEADER
    assert [(r["order_id"], r["line"], r["sku"], r["pick_qty"], r["location"]) for r in records] == \
        list(zip(picks["order_id"], picks["line"], picks["sku"], picks["pick_qty"], picks["location"]))
    first = lines.set_index(["order_id", "line"]).loc[(records[0]["order_id"], records[0]["line"])]
    assert records[0]["promised_date"].startswith(f"{first['promised_date']:%Y-%m-%d}")


# --- --out .xlsx: the print-ready pick lists; --write-back: the result sheets ------------------------------

def test_out_xlsx_is_the_print_ready_pick_lists_not_the_result_sheets(tmp_path):
    """Needs omxl/io/save/pick_lists.py (the print-ready writer): --out .xlsx is what Dispatch.save writes."""
    out, saved = tmp_path / "picks.xlsx", tmp_path / "saved.xlsx"
    assert run(SAMPLE, "--as-of", AS_OF, "--out", out, "-q").exit_code == 1
    omxl.dispatch(omxl.read_book(SAMPLE), as_of=AS_OF).save(saved)
    made, direct = openpyxl.load_workbook(out), openpyxl.load_workbook(saved)
    assert made.sheetnames == direct.sheetnames
    assert "Summary" not in made.sheetnames
    assert made.sheetnames != ["Pick List", "Held Lines", "Manifests", "Packing Slips"]   # not the result sheets
    for name in made.sheetnames:
        assert [[c.value for c in row] for row in made[name].iter_rows()] == \
            [[c.value for c in row] for row in direct[name].iter_rows()], name


def test_write_back_adds_the_four_sheets_and_keeps_a_backup(tmp_path, lines):
    path = tmp_path / "book.xlsx"
    shutil.copy(SAMPLE, path)
    with calamine.CalamineWorkbook.from_path(str(SAMPLE)) as book:
        before = book.sheet_names
    result = run(path, "--as-of", AS_OF, "--write-back", "-q")
    assert result.exit_code == 1, result.output
    assert "Wrote 'omxl Pick List', 'omxl Held Lines', 'omxl Manifests', 'omxl Packing Slips' into" in result.stderr
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        assert book.sheet_names == before + RESULT_SHEETS         # no Summary: a document for the warehouse
        pick_list = book.get_sheet_by_name("omxl Pick List").to_python()
        held = book.get_sheet_by_name("omxl Held Lines").to_python()
        manifests = book.get_sheet_by_name("omxl Manifests").to_python()
    assert pick_list[0] == ["Order", "Line", "Customer", "SKU", "Description", "Qty to pick", "Location", "Shelf",
                            "Bin", "Carrier", "Priority", "Promised date"]
    assert len(pick_list) == 290 + 1
    on_hold = lines[lines["status"].eq("on_hold") & (lines["open_qty"] > 0)]
    assert sorted((r[0], int(r[1])) for r in held[1:]) == sorted(zip(on_hold["order_id"], on_hold["line"]))
    assert manifests[1][:4] == ["no carrier", 172, 286, 13175]
    backups = list((tmp_path / "omxl-backups").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == SAMPLE.read_bytes()
    assert len(omxl.read_book(path).orders) == 3000         # the user's sheets read as before


# --- the notebook ----------------------------------------------------------------------------------------------

def test_the_notebook_shows_the_figures_and_the_first_picks(lines):
    picks = omxl.dispatch(omxl.read_book(SAMPLE), as_of=AS_OF)
    page = picks._repr_html_()
    assert page.startswith("<div><strong>Pick lists</strong> as of 2026-11-27<table>")
    head = "".join(f"<th>{label}</th>" for label in ("Lines to pick", "Orders to pick", "Units to pick", "Locations",
                                                     "Carriers", "Lines on hold", "Lines waiting to ship complete"))
    body = "".join(f"<td>{value}</td>" for value in ("286", "172", "13,175", "2", "1", "24", "0"))
    assert f"<thead><tr>{head}</tr></thead><tbody><tr>{body}</tr></tbody>" in page
    assert "<p>Pick list (first 10 of 290):</p>" in page
    assert ">Qty to pick</th>" in page and ">Promised date</th>" in page
    first = picks.picks.iloc[0]
    assert f">{html.escape(first['order_id'])}</td>" in page
    assert repr(picks) == ("<omxl.Dispatch as of 2026-11-27: 286 lines of 172 orders to pick, 13,175 units from 2 "
                           "locations; 24 held back (24 on hold).>")
    assert isinstance(picks, omxl.Dispatch) and "dispatch" in omxl.__all__ and "Dispatch" in omxl.__all__
