"""Point in time (contract 2.3): a book exported after the day a report is for. What is dated after as_of is
left out of every step and counted once per table (`after-as-of`); stock counted later is rolled back with
inventory_as_of; `future-date` is for dates after the day of the run (OMXL_TODAY, set in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest

import omxl
from conftest import ROOT, RUN_DAY, SAMPLE
from omxl.config import run_day
from omxl.io.save.write import save_workbook

pytestmark = pytest.mark.core

AS_OF = "2026-11-20"
COUNTED = "2026-11-27"       # the day the stock of the export was counted
PROVENANCE = ["source", "sheet", "row"]
D = pd.Timestamp


def sheets(*, as_of_day: bool) -> dict[str, pd.DataFrame]:
    """A book exported on 2026-11-28, and (as_of_day) the same book as it stood on 2026-11-20, made by hand:
    the later rows deleted, the later receipt and delivery blanked, the line whose shipment came later and the
    PO line whose receipt came later open as they were, the stock as it was (rolled back by hand)."""
    orders = pd.DataFrame({
        "Order #": ["SO-1", "SO-1", "SO-2", "SO-3", "SO-4"], "Line": [1, 2, 1, 1, 1],
        "Order Date": [D("2026-11-02"), D("2026-11-02"), D("2026-11-16"), D("2026-11-23"), D("2026-11-10")],
        "Customer": ["C-1", "C-1", "C-2", "C-1", "C-2"], "SKU": ["A", "B", "A", "B", "C"], "Qty": [4, 6, 5, 3, 2],
        "Unit Price": [10.0, 20.0, 10.0, 20.0, 30.0],
        "Promised Date": [D("2026-11-10"), D("2026-11-18"), D("2026-11-25"), D("2026-11-30"), D("2026-11-19")],
        "Status": ["Closed", "Shipped", "Open", "Open", "Open"]})
    shipments = pd.DataFrame({
        "Shipment ID": ["SH-1", "SH-2", "SH-3", "SH-4", "SH-5"], "Order #": ["SO-1", "SO-1", "SO-2", "SO-2", "SO-3"],
        "Line": [1, 2, 1, 1, 1], "SKU": ["A", "B", "A", "A", "B"], "Qty": [4, 6, 2, 3, 3],
        "Ship Date": [D("2026-11-09"), D("2026-11-24"), D("2026-11-18"), D("2026-11-23"), D("2026-11-26")],
        "Carrier": ["UPS"] * 5, "Tracking Number": ["T1", "T2", "T3", "T4", "T5"],
        "Delivered Date": [D("2026-11-12"), D("2026-11-26"), D("2026-11-21"), pd.NaT, pd.NaT]})
    purchase_orders = pd.DataFrame({
        "PO Number": ["PO-1", "PO-2", "PO-3", "PO-4"], "Supplier": ["SUP-1"] * 4, "SKU": ["C", "A", "B", "A"],
        "Qty": [10, 8, 12, 5],
        "Order Date": [D("2026-11-05"), D("2026-11-06"), D("2026-11-24"), D("2026-11-21")],
        "Expected Date": [D("2026-11-19"), D("2026-11-15"), D("2026-12-04"), D("2026-11-28")],
        "Received Qty": [10.0, 8.0, np.nan, 5.0],
        "Received Date": [D("2026-11-22"), D("2026-11-14"), pd.NaT, D("2026-11-28")],
        "Status": ["Closed", "Closed", "Open", "Closed"]})
    returns = pd.DataFrame({
        "RMA": ["RMA-1", "RMA-2", "RMA-3"], "Order #": ["SO-1", "SO-1", "SO-3"], "Line": [1, 2, 1],
        "SKU": ["A", "B", "B"], "Qty": [1, 2, 1],
        "Received Date": [D("2026-11-15"), D("2026-11-26"), D("2026-11-27")],
        "Condition": ["resellable", "resellable", "damaged"], "Resolution": ["refund", "refund", "refund"],
        "Status": ["closed", "received", "received"]})
    # Counted on 2026-11-27: A shipped 3 after 2026-11-20 (SH-4); B shipped 6 + 3 (SH-2, SH-5) and got 2 back
    # resellable (RMA-2); C received 10 (PO-1). PO-4's receipt (2026-11-28) is after the count.
    inventory = pd.DataFrame({"SKU": ["A", "A", "B", "C"], "Location": ["MAIN", "WEST", "MAIN", "MAIN"],
                              "On Hand": [10, 5, 20, 10], "Supplier": ["SUP-1"] * 4, "Unit Cost": [4.0, 4.0, 8.0, 12.0]})
    if as_of_day:
        orders = orders[orders["Order #"] != "SO-3"].assign(Status=["Closed", "Open", "Open", "Open"])
        shipments = shipments[shipments["Shipment ID"].isin(["SH-1", "SH-3"])].assign(
            **{"Delivered Date": [D("2026-11-12"), pd.NaT]})
        purchase_orders = purchase_orders[purchase_orders["PO Number"].isin(["PO-1", "PO-2"])].assign(
            **{"Received Qty": [0.0, 8.0], "Received Date": [pd.NaT, D("2026-11-14")], "Status": ["Open", "Closed"]})
        returns = returns[returns["RMA"] == "RMA-1"]
        inventory = inventory.assign(**{"On Hand": [13, 5, 27, 0]})   # A 10 + 3, B 20 + 9 - 2, C 10 - 10
    return {"Orders": orders, "Shipments": shipments, "Purchase Orders": purchase_orders, "Returns": returns,
            "Inventory": inventory, "Suppliers": pd.DataFrame({"Supplier ID": ["SUP-1"], "Lead Time Days": [7]}),
            "Customers": pd.DataFrame({"Customer ID": ["C-1", "C-2"], "Name": ["Ann", "Bo"]})}


def write(path, frames):
    with pd.ExcelWriter(path, engine="xlsxwriter", datetime_format="yyyy-mm-dd") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("point_in_time")
    exported = omxl.read_book(write(folder / "exported.xlsx", sheets(as_of_day=False)))
    by_hand = omxl.read_book(write(folder / "by_hand.xlsx", sheets(as_of_day=True)))
    return exported, by_hand


def without_provenance(frame: pd.DataFrame) -> pd.DataFrame:
    """A result frame without where its rows came from (the two books are different files with different rows)."""
    return frame.drop(columns=[c for c in [*PROVENANCE, "cell", "line_index", "shipment_index"] if c in frame]) \
        .reset_index(drop=True)


def test_the_book_as_of_an_earlier_day_equals_the_book_with_the_later_rows_deleted(books):
    exported, by_hand = books
    later = omxl.reconcile(exported, as_of=AS_OF, config={"inventory_as_of": COUNTED})
    then = omxl.reconcile(by_hand, as_of=AS_OF)
    for frame in ("lines", "orders", "inventory", "returns", "open_supply"):
        pd.testing.assert_frame_equal(without_provenance(getattr(later, frame)),
                                      without_provenance(getattr(then, frame)), obj=frame)
    # The exceptions too, but for the cells they cite: the rows moved up where later rows were deleted.
    pd.testing.assert_frame_equal(without_provenance(later.exceptions), without_provenance(then.exceptions))
    lines = later.lines.set_index(["order_id", "line"])
    # SO-1/2 shipped on 2026-11-24: open again (its sheet status 'Shipped' was reached after as_of), and late.
    assert lines.loc[("SO-1", 2), ["shipped_qty", "open_qty", "late"]].tolist() == [0.0, 6.0, True]
    # SO-2/1 shipped 2 on 2026-11-18 and 3 on 2026-11-23: as of 2026-11-20, 2 shipped and not yet delivered.
    assert lines.loc[("SO-2", 1), ["shipped_qty", "open_qty", "status"]].tolist() == [2.0, 3.0, "partially_shipped"]
    assert ("SO-3", 1) not in lines.index                                    # ordered on 2026-11-23
    assert later.lines["open_qty"].gt(0).sum() == 3
    # PO-1 received on 2026-11-22: as of 2026-11-20 its 10 are still on order, and overdue; PO-3 and PO-4 were
    # ordered later.
    supply = later.open_supply.set_index("po_id")
    assert supply["open_qty"].to_dict() == {"PO-1": 10.0, "PO-2": 0.0}
    assert bool(supply.loc["PO-1", "overdue"])
    assert later.returns["rma_id"].tolist() == ["RMA-1"]


def test_reorder_plans_and_weekly_kpis_as_of_the_day_equal_the_book_with_the_later_rows_deleted(books):
    exported, by_hand = books
    settings = {"inventory_as_of": COUNTED}
    pd.testing.assert_frame_equal(without_provenance(omxl.plan_reorders(exported, as_of=AS_OF, config=settings).lines),
                                  without_provenance(omxl.plan_reorders(by_hand, as_of=AS_OF).lines))
    later = omxl.weekly_report(exported, as_of=AS_OF, config=settings).kpis
    then = omxl.weekly_report(by_hand, as_of=AS_OF).kpis
    pd.testing.assert_frame_equal(later, then)
    kpis = later.set_index("kpi")["value"]
    # 14-20 November: SO-2 was ordered; SH-3 shipped 2 of SO-2/1 at 10.00; RMA-1 came back.
    assert kpis[["orders_received", "shipped_lines", "shipped_value", "units_returned"]].tolist() == [1, 1, 20, 1]
    assert kpis["late_lines"] == 2                   # SO-1/2 (promised 2026-11-18), SO-4/1 (2026-11-19)
    assert kpis["backorder_lines"] == 1              # SO-4/1: C had 0 on 2026-11-20
    assert kpis[["overdue_po_lines", "overdue_po_value"]].tolist() == [1, 120]      # PO-1: 10 x 12.00
    assert kpis["inventory_value"] == 18 * 4 + 27 * 8 + 0 * 12                     # the stock rolled back


def test_one_after_as_of_finding_per_table_with_what_it_left_out(books):
    exported, _ = books
    issues = omxl.validate(exported, as_of=AS_OF, config={"inventory_as_of": COUNTED})
    later = issues[issues["code"] == "after-as-of"]
    assert later[["severity", "stage", "table", "value", "count", "message"]].values.tolist() == [
        ["info", "validate", "orders", "2026-11-20", 1,
         "1 order line dated after 2026-11-20 was left out: as of that day it had not happened yet."],
        ["info", "validate", "shipments", "2026-11-20", 4,
         "3 shipments dated after 2026-11-20 were left out: as of that day they had not happened yet. 1 delivery "
         "dated after it does not count either: the shipment was still on its way as of that day."],
        ["info", "validate", "purchase_orders", "2026-11-20", 3,
         "2 purchase-order lines ordered after 2026-11-20 were left out: as of that day they had not happened yet. "
         "1 receipt dated after it does not count either: the line was not received yet as of that day."],
        ["info", "validate", "returns", "2026-11-20", 2,
         "2 returns received after 2026-11-20 were left out: as of that day they had not happened yet."]]
    # The Position's issues are validate's, and it counts the rows it took out per table.
    position = omxl.prepare(exported, as_of=AS_OF, config={"inventory_as_of": COUNTED})
    pd.testing.assert_frame_equal(position.issues, issues)
    assert position.left_out.set_index("table")["after_as_of"].to_dict() == {
        "orders": 1, "inventory": 0, "suppliers": 0, "customers": 0, "shipments": 3, "purchase_orders": 2,
        "returns": 2, "carriers": 0, "invoices": 0, "payments": 0}
    # Nothing after as_of, nothing to say.
    assert "after-as-of" not in set(omxl.validate(exported, as_of="2026-11-30")["code"])


def test_stock_counted_later_is_rolled_back_with_inventory_as_of(books):
    exported, _ = books
    position = omxl.prepare(exported, as_of=AS_OF, config={"inventory_as_of": COUNTED})
    stock = position.book.inventory.set_index(["sku", "location"])["on_hand"]
    # A: 10 + 3 shipped (SH-4) on its first row, MAIN; B: 20 + 6 + 3 shipped - 2 returned resellable;
    # C: 10 - 10 received (PO-1). PO-4's receipt on 2026-11-28 is after the count: not rolled back.
    assert stock.to_dict() == {("A", "MAIN"): 13.0, ("A", "WEST"): 5.0, ("B", "MAIN"): 27.0, ("C", "MAIN"): 0.0}
    assert position.stock.to_dict() == {"A": 18.0, "B": 27.0, "C": 0.0}
    said = position.issues[position.issues["code"] == "stock-rolled-back"]
    assert said[["severity", "table", "count", "message"]].values.tolist() == [[
        "info", "inventory", 3,
        "On hand is rolled back from 2026-11-27, the day the stock was counted (inventory_as_of), to 2026-11-20: "
        "12 units shipped in between are added back and 12 received (purchase-order receipts, resellable returns) "
        "are taken off, over 3 items, each on its first stock row."]]
    assert "stock-after-as-of" not in set(position.issues["code"])
    # Counted on as_of itself (or before): taken as it is, and nothing to warn about.
    same_day = omxl.prepare(exported, as_of=AS_OF, config={"inventory_as_of": AS_OF})
    assert same_day.stock.to_dict() == {"A": 15.0, "B": 20.0, "C": 10.0}
    assert not same_day.issues["code"].isin(["stock-rolled-back", "stock-after-as-of"]).any()


def test_without_inventory_as_of_a_warning_says_stock_may_include_later_events(books):
    exported, _ = books
    position = omxl.prepare(exported, as_of=AS_OF)
    assert position.stock.to_dict() == {"A": 15.0, "B": 20.0, "C": 10.0}          # as counted
    warning = position.issues[position.issues["code"] == "stock-after-as-of"]
    assert warning[["severity", "table", "count", "message"]].values.tolist() == [[
        "warning", "inventory", 6,
        "Stock is taken as counted, and the book holds 3 shipments, 2 purchase-order receipts and 1 resellable "
        "return dated after 2026-11-20: if the stock was counted after them, it includes them. Set "
        "inventory_as_of to the day the stock was counted, so on hand is rolled back to 2026-11-20."]]


def test_the_summary_counts_the_rows_left_out_as_after_as_of(books, tmp_path):
    exported, _ = books
    validation = omxl.steps.run_step("validate", exported, as_of=AS_OF)
    figures = validation.figures.set_index("label")["value"]
    assert figures["Rows left out"] == 8                       # none with errors: 1 + 3 + 2 + 2 dated later
    assert figures["Dated after as of"] == 8
    path = tmp_path / "issues.xlsx"
    save_workbook(validation.result_sheets(links=False), path)
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(path)["Summary"].iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[:2] == ["Table", "Rows read"]) + 1
    read = {row[0]: (row[1], row[2], row[4]) for row in rows[start:start + 7]}
    assert read["Orders"] == (5, 1, "1 dated after 2026-11-20")
    assert read["Shipments"] == (5, 3, "3 dated after 2026-11-20")
    assert read["Purchase orders"] == (4, 2, "2 dated after 2026-11-20")
    assert read["Returns"] == (3, 2, "2 dated after 2026-11-20")
    assert read["Inventory"] == (4, 0, None)


def test_future_date_is_for_dates_after_the_run_day_not_after_as_of(tmp_path, monkeypatch):
    assert run_day().isoformat() == RUN_DAY == "2026-12-05"
    frames = sheets(as_of_day=False)
    frames["Orders"].loc[4, "Order Date"] = D("2026-12-06")        # SO-4: the day after the run
    frames["Orders"].loc[4, "Promised Date"] = D("2026-12-10")
    book = omxl.read_book(write(tmp_path / "book.xlsx", frames))
    issues = omxl.validate(book, as_of=AS_OF)
    future = issues[issues["code"] == "future-date"]
    # 2026-11-23 (SO-3) and the shipments up to 2026-11-28 are after as_of, not after the run day: no finding.
    assert future[["cell", "message"]].values.tolist() == [
        ["C6", "'Order Date' 2026-12-06 is after 2026-12-05, the day this run is made: it cannot have happened yet. "
               "Correct the date."]]
    monkeypatch.setenv("OMXL_TODAY", "2026-12-06")
    assert "future-date" not in set(omxl.validate(book, as_of=AS_OF)["code"])
    # A run made on 2026-11-22 finds every date after that day, in every table that has one.
    monkeypatch.setenv("OMXL_TODAY", "2026-11-22")
    found = omxl.validate(book, as_of=AS_OF).query("code == 'future-date'")
    assert sorted(zip(found["sheet"], found["cell"])) == [
        ("Orders", "C5"), ("Orders", "C6"),                                # ordered 2026-11-23 and 2026-12-06
        ("Purchase Orders", "E4"), ("Purchase Orders", "H5"),              # PO-3 ordered, PO-4 received
        ("Returns", "F3"), ("Returns", "F4"),
        ("Shipments", "F3"), ("Shipments", "F5"), ("Shipments", "F6"), ("Shipments", "I3")]


def test_an_invalid_run_day_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("OMXL_TODAY", "5.12.2026")
    with pytest.raises(omxl.ConfigError) as caught:
        run_day()
    assert str(caught.value) == ("The environment variable OMXL_TODAY is '5.12.2026', which is not a day: write it "
                                 "as YYYY-MM-DD (e.g. 2026-12-05), or unset it to run as of today.")
    # The command line says so and stops with exit code 2, like every bad setting.
    done = subprocess.run([sys.executable, "-m", "omxl", "validate", str(SAMPLE), "--as-of", "2026-11-27"],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "OMXL_TODAY": "2026-13-01", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2
    assert "The environment variable OMXL_TODAY is '2026-13-01', which is not a day" in done.stderr + done.stdout


def test_the_sample_as_of_two_weeks_earlier_reports_as_open_the_lines_shipped_later():
    # Counted independently from the sheets: order lines placed by 2026-11-13 with a shipment dated after it.
    day = D("2026-11-13")
    orders = pd.read_excel(SAMPLE, sheet_name="Orders", header=3, engine="openpyxl").dropna(how="all")
    shipments = pd.read_excel(SAMPLE, sheet_name="Shipments", engine="openpyxl")
    placed = orders[pd.to_datetime(orders["Order Date"], errors="coerce") <= day]
    shipped_later = shipments.loc[shipments["Ship Date"] > day, ["Order #", "Line"]].drop_duplicates()
    expected = placed.merge(shipped_later, on=["Order #", "Line"])[["Order #", "Line"]]
    assert len(shipped_later) == 424 and len(expected) == 302
    rec = omxl.reconcile(omxl.read_book(SAMPLE), as_of="2026-11-13")
    lines = rec.lines.set_index(["order_id", "line"])
    keys = list(zip(expected["Order #"], expected["Line"].astype(int)))
    assert (lines.loc[keys, "open_qty"] > 0).all()
    # Each open by what it had not shipped yet: its quantity less what shipped by 2026-11-13.
    shipped_by_then = shipments[shipments["Ship Date"] <= day].groupby(["Order #", "Line"])["Qty Shipped"].sum()
    qty = placed.set_index(["Order #", "Line"])["Qty"].astype(float)
    want = (qty.loc[expected.set_index(["Order #", "Line"]).index]
            - shipped_by_then.reindex(expected.set_index(["Order #", "Line"]).index).fillna(0)).to_numpy()
    assert lines.loc[keys, "open_qty"].to_numpy().tolist() == want.tolist()
    later = rec.issues[rec.issues["code"] == "after-as-of"].set_index("table")["count"]
    assert later.to_dict() == {"orders": 401, "shipments": 573, "purchase_orders": 46, "returns": 8}


def test_inventory_as_of_is_a_day_in_the_settings_file(books, tmp_path):
    exported, _ = books
    settings = tmp_path / "omxl.toml"
    settings.write_text(f"inventory_as_of = {COUNTED}\n", encoding="utf-8")       # a TOML date
    assert omxl.prepare(exported, as_of=AS_OF, config=settings).stock.to_dict() == {"A": 18.0, "B": 27.0, "C": 0.0}
    with pytest.raises(omxl.ConfigError) as caught:
        omxl.prepare(exported, as_of=AS_OF, config={"inventory_as_of": "last friday"})
    assert str(caught.value).startswith("config: setting 'inventory_as_of': Input should be a valid date")


def test_after_as_of_findings_obey_the_severities_setting(books):
    exported, _ = books
    issues = omxl.validate(exported, as_of=AS_OF, config={"severities": {"after-as-of": "off",
                                                                         "stock-after-as-of": "info"}})
    assert "after-as-of" not in set(issues["code"])
    assert issues.loc[issues["code"] == "stock-after-as-of", "severity"].tolist() == ["info"]


def test_invoices_and_payments_after_as_of_are_left_out_and_counted(tmp_path):
    frames = sheets(as_of_day=False)
    frames["Invoices"] = pd.DataFrame({
        "Invoice No": ["INV-1", "INV-2"], "Order No": ["SO-1", "SO-2"], "Line": [1, 1], "SKU": ["A", "A"],
        "Qty": [4, 2], "Amount": [40.0, 20.0], "Invoice Date": [D("2026-11-10"), D("2026-11-24")],
        "Due Date": [D("2026-11-25"), D("2026-12-24")], "Currency": ["EUR", "EUR"]})
    frames["Payments"] = pd.DataFrame({
        "Payment ID": ["P-1", "P-2"], "Invoice No": ["INV-1", "INV-1"], "Amount": [15.0, 25.0],
        "Paid Date": [D("2026-11-15"), D("2026-11-22")]})
    exported = omxl.read_book(write(tmp_path / "billed.xlsx", frames))
    issues = omxl.validate(exported, as_of=AS_OF)
    later = issues[(issues["code"] == "after-as-of") & issues["table"].isin(["invoices", "payments"])]
    assert later[["severity", "stage", "table", "cell", "value", "count", "message"]].values.tolist() == [
        ["info", "validate", "invoices", "", "2026-11-20", 1,
         "1 invoice row dated after 2026-11-20 was left out: as of that day it had not happened yet."],
        ["info", "validate", "payments", "", "2026-11-20", 1,
         "1 payment paid after 2026-11-20 was left out: as of that day it had not happened yet."]]
    position = omxl.prepare(exported, as_of=AS_OF)
    counted = position.left_out.set_index("table")["after_as_of"]
    assert counted[["invoices", "payments"]].tolist() == [1, 1]
    assert position.book.invoices["invoice_id"].tolist() == ["INV-1"]
    assert position.book.payments["payment_id"].tolist() == ["P-1"]
    # Billing as of the day: INV-2 (issued 2026-11-24) is not open, P-2 (paid 2026-11-22) not paid; SO-2/1's 2
    # units shipped on 2026-11-18 are not invoiced yet.
    rec = omxl.reconcile(exported, as_of=AS_OF)
    assert rec.receivables[["invoice_id", "invoiced_amount", "paid_amount", "open_balance", "age"]] \
        .values.tolist() == [["INV-1", 40.0, 15.0, 25.0, "not due"]]
    unbilled = rec.exceptions[rec.exceptions["code"] == "shipped-not-invoiced"]
    assert unbilled[["order_id", "line", "cell"]].values.tolist() == [["SO-2", 1, "F4"]]

    # The validate Summary: 8 rows of events after as_of as before, and the invoice row and payment.
    validation = omxl.steps.run_step("validate", exported, as_of=AS_OF)
    figures = validation.figures.set_index("label")["value"]
    assert figures["Rows left out"] == figures["Dated after as of"] == 10
    path = tmp_path / "issues.xlsx"
    save_workbook(validation.result_sheets(links=False), path)
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(path)["Summary"].iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[:2] == ["Table", "Rows read"]) + 1
    read = {row[0]: (row[1], row[2], row[4]) for row in rows[start:] if row and row[0] in ("Invoices", "Payments")}
    assert read == {"Invoices": (2, 1, "1 dated after 2026-11-20"), "Payments": (2, 1, "1 dated after 2026-11-20")}
