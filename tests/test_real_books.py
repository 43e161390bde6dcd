"""Real books (contract 2.3): returns that name only an order, checks that need a column run only where the
row's own sheet has it, and messages that say missing values in words."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import omxl
from conftest import NORTHWIND, SAMPLE
from northwind import northwind_book, northwind_lines
from one_of_each import AS_OF as ONE_AS_OF, FIXTURES

pytestmark = pytest.mark.core

AS_OF = "2026-11-27"

# Superstore's layout: one row per order line, no status column; its Returns sheet lists returned orders.
SUPERSTORE_ORDERS = pd.DataFrame({
    "Order ID": ["CA-1", "CA-1", "CA-1", "CA-2", "CA-3", "CA-3", "US-4", "US-4"],
    "Order Date": pd.to_datetime(["2026-10-01"] * 3 + ["2026-10-02"] + ["2026-10-05"] * 2 + ["2026-10-09"] * 2),
    "Ship Date": pd.to_datetime(["2026-10-04"] * 3 + ["2026-10-06"] + ["2026-10-08"] * 2 + ["2026-10-12"] * 2),
    "Ship Mode": ["Second Class"] * 3 + ["Standard Class"] * 3 + ["First Class"] * 2,
    "Customer ID": ["CG-12520"] * 3 + ["DV-13045"] + ["SO-20335"] * 2 + ["BH-11710"] * 2,
    "Product ID": ["FUR-BO-1", "FUR-CH-2", "OFF-LA-3", "FUR-BO-1", "OFF-ST-4", "TEC-PH-5", "OFF-AR-6", "FUR-CH-2"],
    "Sales": [261.96, 731.94, 14.62, 957.58, 22.37, 907.15, 18.50, 114.90],
    "Quantity": [2, 3, 2, 5, 2, 6, 7, 3],
})
SUPERSTORE_RETURNS = pd.DataFrame({"Returned": ["Yes", "Yes", "No"], "Order ID": ["CA-1", "CA-3", "US-4"]})


def superstore_book(returns: pd.DataFrame = SUPERSTORE_RETURNS) -> omxl.Book:
    inventory = pd.DataFrame({"SKU": SUPERSTORE_ORDERS["Product ID"].unique(), "On Hand": 10})
    return omxl.read_book({"orders": SUPERSTORE_ORDERS, "returns": returns, "inventory": inventory})


@pytest.fixture(scope="module")
def superstore():
    return omxl.reconcile(superstore_book(), as_of=AS_OF)


def test_an_order_only_return_covers_every_line_of_its_order_with_its_shipped_quantity(superstore):
    # Independently: the orders returned (Returned = Yes) joined to their lines; every line shipped in full
    # (it has a ship date and no shipped quantity), so each returns its ordered quantity.
    returned = SUPERSTORE_RETURNS[SUPERSTORE_RETURNS["Returned"] == "Yes"]
    lines = SUPERSTORE_ORDERS.assign(line=SUPERSTORE_ORDERS.groupby("Order ID").cumcount() + 1)
    expected = returned.merge(lines, on="Order ID")
    got = superstore.returns
    assert got[["order_id", "line", "sku", "qty", "shipped_qty", "rma_id"]].to_dict("records") == [
        {"order_id": o, "line": line, "sku": s, "qty": float(q), "shipped_qty": float(q), "rma_id": o}
        for o, line, s, q in zip(expected["Order ID"], expected["line"], expected["Product ID"],
                                 expected["Quantity"])]
    assert len(got) == 5  # CA-1's three lines and CA-3's two; US-4 (Returned = No) is not a return
    assert got["qty"].sum() == 2 + 3 + 2 + 2 + 6
    # Each row cites the return row it came from (DataFrame rows are numbered from 2, as under a header row).
    assert got["row"].tolist() == [2, 2, 2, 3, 3]
    assert set(got["source"]) == {"returns"}


def test_an_order_only_return_raises_no_false_exception(superstore):
    codes = set(superstore.exceptions["code"])
    assert not codes & {"return-without-shipment", "return-exceeds-shipped", "status-mismatch",
                        "missing-tracking", "shipment-data-mismatch"}
    assert superstore.exceptions.empty
    issues = superstore.issues
    assert issues[issues["table"] == "returns"].empty


def test_order_only_returns_still_report_real_problems():
    # CA-9 is no order; CA-1 is returned twice (the second row's lines come to twice what shipped).
    returns = pd.DataFrame({"Order ID": ["CA-9", "CA-1", "CA-1"]})
    rec = omxl.reconcile(superstore_book(returns), as_of=AS_OF)
    without = rec.exceptions[rec.exceptions["code"] == "return-without-shipment"]
    assert without[["order_id", "row"]].to_dict("records") == [{"order_id": "CA-9", "row": 2}]
    assert without["message"].iloc[0] == ("Return CA-9 is for order CA-9, no item named, which never shipped "
                                          "(no such order line). Check the order number before refunding.")
    exceeds = rec.exceptions[rec.exceptions["code"] == "return-exceeds-shipped"]
    # Both CA-1 rows, on each of its 3 lines: returned 2 x the shipped quantity.
    assert sorted(zip(exceeds["line"], exceeds["row"])) == [(1, 3), (1, 4), (2, 3), (2, 4), (3, 3), (3, 4)]
    assert exceeds.loc[exceeds["line"] == 2, "message"].iloc[0].startswith(
        "Returns for order CA-1 line 2 come to 6 but only 3 shipped")
    # No qty column on the returns sheet: the finding cites the order number's cell.
    assert set(exceeds["cell"]) == {"A3", "A4"}
    # Validation: the unknown order is a foreign-key warning naming no item; CA-1 matches its lines.
    foreign = rec.issues[(rec.issues["table"] == "returns") & (rec.issues["code"] == "foreign-key")]
    assert foreign[["cell", "severity", "message"]].to_dict("records") == [{
        "cell": "A2", "severity": "warning", "message": "No order line matches this return (order CA-9, any "
        "line). Check the order number; reconciliation lists it as a return without a shipment."}]


def test_a_return_with_item_and_quantity_is_matched_as_before():
    returns = pd.DataFrame({"Order ID": ["CA-3"], "SKU": ["TEC-PH-5"], "Qty": [4], "Resolution": ["refund"]})
    rec = omxl.reconcile(superstore_book(returns), as_of=AS_OF)
    row = rec.returns.iloc[0]
    assert (row["rma_id"], row["line"], row["qty"], row["shipped_qty"]) == ("CA-3/TEC-PH-5", 2, 4.0, 6.0)
    assert rec.exceptions.empty


def test_an_order_only_exchange_replaces_every_shipped_line():
    returns = pd.DataFrame({"Order ID": ["CA-3"], "Resolution": ["exchange"]})
    pos = omxl.prepare(superstore_book(returns), as_of=AS_OF)
    made = pos.lines[pos.lines["kind"] == "exchange"]
    assert made[["order_id", "line", "sku", "qty", "rma_id"]].to_dict("records") == [
        {"order_id": "CA-3", "line": 3, "sku": "OFF-ST-4", "qty": 2.0, "rma_id": "CA-3"},
        {"order_id": "CA-3", "line": 4, "sku": "TEC-PH-5", "qty": 6.0, "rma_id": "CA-3"}]
    rec = omxl.reconcile(pos)
    assert rec.returns["replacement_line"].tolist() == [3, 4]


# --- checks that need a column --------------------------------------------------------------------------

def test_no_status_column_no_status_mismatch_superstore(superstore):
    assert len(superstore.lines) == len(SUPERSTORE_ORDERS)
    assert (superstore.lines["status"] == "shipped").sum() == len(SUPERSTORE_ORDERS)
    assert "status-mismatch" not in set(superstore.exceptions["code"])


def test_no_status_column_no_status_mismatch_northwind():
    rec = omxl.reconcile(northwind_book(), as_of="1998-05-06")
    assert "status-mismatch" not in set(rec.exceptions["code"])
    # Independently: Northwind's lines with a shipped date, which a status check would have called open.
    lines = northwind_lines()
    assert "status" not in lines
    assert int(lines["ship_date"].notna().sum()) == 2082


def test_the_same_northwind_lines_with_a_status_column_are_checked():
    # Northwind's lines marked Open on a Status column: every line with a ship date has shipped in full
    # (derived shipments take the whole quantity), so each is a status-mismatch.
    lines = northwind_lines()
    book = omxl.read_book({"orders": lines.assign(status="Open")}, NORTHWIND / "products.csv",
                          NORTHWIND / "suppliers.csv", NORTHWIND / "customers.csv")
    rec = omxl.reconcile(book, as_of="1998-05-06")
    mismatch = rec.exceptions[rec.exceptions["code"] == "status-mismatch"]
    shipped = lines[lines["ship_date"].notna() & (lines["qty"] > 0)]
    assert len(mismatch) == len(shipped) == 2082
    assert set(zip(mismatch["order_id"], mismatch["line"])) == set(zip(shipped["order_id"], shipped["line"]))
    first = mismatch.iloc[0]
    assert (first["cell"], first["message"]) == (
        "K2", "Order 10248 line 1 is open on the sheet but all 12 have shipped. Close the line.")


def test_status_mismatch_is_checked_per_sheet_in_a_merged_book():
    # Two order sources: the one with a Status column is checked, the one without is not.
    with_status = SUPERSTORE_ORDERS.iloc[:3].assign(Status="Open")
    without = SUPERSTORE_ORDERS.iloc[3:]
    book = omxl.read_book({"orders": with_status}, {"Order Lines": without})
    rec = omxl.reconcile(book, as_of=AS_OF)
    mismatch = rec.exceptions[rec.exceptions["code"] == "status-mismatch"]
    assert mismatch[["order_id", "line", "source"]].to_dict("records") == [
        {"order_id": "CA-1", "line": 1, "source": "orders"}, {"order_id": "CA-1", "line": 2, "source": "orders"},
        {"order_id": "CA-1", "line": 3, "source": "orders"}]
    assert mismatch["message"].iloc[1] == "Order CA-1 line 2 is open on the sheet but all 3 have shipped. Close the line."


def test_missing_tracking_needs_a_tracking_column():
    # Shipments derived from order lines without a tracking column: nothing to report.
    assert "missing-tracking" not in set(omxl.reconcile(superstore_book(), as_of=AS_OF).exceptions["code"])
    # The sample's Shipments sheet has one: its one blank tracking number is reported.
    rec = omxl.reconcile(omxl.read_book(SAMPLE), as_of=AS_OF)
    assert (rec.exceptions["code"] == "missing-tracking").sum() == 1


# --- missing values in words ----------------------------------------------------------------------------

MISSING = re.compile(r"<NA>|\bnan\b|\bNaN\b|\bNone\b|\bNaT\b")


def _blank_book() -> omxl.Book:
    """Every optional column present and blank, on every table (only the required columns filled)."""
    from omxl.model import TABLES

    filled = {"order_id": "SO-1", "order_date": "2026-11-01", "customer_id": "C1", "sku": "A1", "qty": 5,
              "on_hand": 3, "supplier_id": "S1", "ship_date": "2026-11-02", "po_id": "PO-1", "carrier_id": "X",
              "invoice_id": "I1", "amount": 10, "invoice_date": "2026-11-01", "paid_date": "2026-11-03"}
    tables = {}
    for table in TABLES:
        row = {c.name: filled.get(c.name) if c.required or c.name in ("order_id", "sku", "qty") else None
               for c in table.columns}
        tables[table.name] = pd.DataFrame([row, {**row, "qty": 2} if "qty" in row else row], dtype=object)
    return omxl.read_book(tables)


@pytest.mark.parametrize("name", ["sample", "northwind", "one-of-each", "blanks"])
def test_no_message_shows_a_missing_value_as_pandas_prints_it(name):
    book, as_of = {
        "sample": lambda: (omxl.read_book(SAMPLE), AS_OF),
        "northwind": lambda: (northwind_book(), "1998-05-06"),
        "one-of-each": lambda: (omxl.read_book(FIXTURES / "one-of-each.xlsx"), ONE_AS_OF),
        "blanks": lambda: (_blank_book(), AS_OF),
    }[name]()
    pos = omxl.prepare(book, as_of=as_of)
    rec = omxl.reconcile(pos)
    plan = omxl.plan_reorders(pos)
    texts = pd.concat([omxl.validate(pos)["message"], rec.exceptions["message"], rec.lines["reason"],
                       plan.lines["explanation"]], ignore_index=True).astype(str)
    assert len(texts) > 0
    shown = texts[texts.str.contains(MISSING)]
    assert shown.empty, shown.tolist()[:5]
