"""Supplier reliability at work (issue "Learning from what happened", docs/learning.md): an open PO's expected date
moved by its supplier's median slip in the projected ship date and the line's reason, sigma_L from the slip's spread
when the book gives none, and the Supplier Reliability sheet of the reorder output and the weekly workbook."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import omxl
from omxl import reorder
from northwind import NORTHWIND_2007
from test_purchasing_books import NORTHWIND_2007_CONFIG

pytestmark = pytest.mark.core

AS_OF = "2026-11-27"
T = pd.Timestamp
SHIFTED_REASON = ("No stock for the 5 open units; PO-7 expected 2026-12-08 + 4 days (SUP-1's median slip over 3 "
                  "receipts) covers them.")
HEADER = ["Supplier", "Supplier name", "Receipts", "On time", "On-time rate", "Median slip (days)",
          "Slip std dev (days)", "Dates moved by (days)", "Note"]
SUP1_ROW = ["SUP-1", "Acme Tools", 3, 0, 0, 4, 2, 4, "3 receipts, median 4 days late: dates moved by the median"]


def hand_book(*, received: int = 3, lead_time_std: float | None = None) -> omxl.Book:
    """SUP-1's POs PO-1..PO-3 received 2, 4 and 6 days late (the first `received` of them), and its open PO-7 of 20
    W-1 expected 2026-12-08; no W-1 in stock, so order SO-1's 5 units (promised 2026-12-10) wait for PO-7. Twelve
    weeks of closed orders give W-1 its demand (7, 14, 7, 14, ...: smooth, the weekly mean)."""
    pos = pd.DataFrame({
        "po_id": ["PO-1", "PO-2", "PO-3", "PO-7"], "supplier_id": ["SUP-1"] * 4, "sku": ["W-1"] * 4,
        "qty": [10.0, 10.0, 10.0, 20.0],
        "order_date": [T("2026-09-01"), T("2026-09-20"), T("2026-10-05"), T("2026-11-20")],
        "expected_date": [T("2026-09-15"), T("2026-10-01"), T("2026-10-20"), T("2026-12-08")],
        "received_date": [T("2026-09-17"), T("2026-10-05"), T("2026-10-26"), pd.NaT],
        "status": ["closed", "closed", "closed", "open"]})
    pos = pos.drop(index=range(received, 3)).reset_index(drop=True)
    suppliers = pd.DataFrame({"supplier_id": ["SUP-1"], "name": ["Acme Tools"], "lead_time_days": [14.0],
                              "lead_time_std_days": [lead_time_std]})
    inventory = pd.DataFrame({"sku": ["W-1"], "on_hand": [0.0], "supplier_id": ["SUP-1"], "unit_cost": [5.0]})
    history = [{"order_id": f"H-{week:02d}", "line": 1, "order_date": T(AS_OF) - pd.Timedelta(days=7 * week),
                "customer_id": "C-1", "sku": "W-1", "qty": 7.0 if week % 2 else 14.0, "unit_price": 10.0,
                "promised_date": T(AS_OF) - pd.Timedelta(days=7 * week), "status": "closed"} for week in range(12)]
    waiting = {"order_id": "SO-1", "line": 1, "order_date": T("2026-11-26"), "customer_id": "C-1", "sku": "W-1",
               "qty": 5.0, "unit_price": 10.0, "promised_date": T("2026-12-10"), "status": "open"}
    return omxl.read_book({"orders": pd.DataFrame([*history, waiting]), "inventory": inventory,
                           "suppliers": suppliers, "purchase_orders": pos})


@pytest.fixture(scope="module")
def position():
    return omxl.prepare(hand_book(), as_of=AS_OF)


def waiting_line(rec: omxl.Reconciliation) -> pd.Series:
    return rec.lines.set_index("order_id").loc["SO-1"]


# --- projected ship dates ------------------------------------------------------------------------------------

def test_median_slip_of_three_late_receipts_moves_the_open_po(position):
    table = position.supplier_reliability.set_index("supplier_id")
    assert table.loc["SUP-1", ["receipts", "on_time", "median_slip_days", "slip_std_days", "shift_days"]].tolist() \
        == [3, 0, 4.0, 2.0, 4.0]
    line = waiting_line(omxl.reconcile(position))
    # 2026-12-08 + 4 days; promised 2026-12-10, so the shifted date puts the line at risk.
    assert line["projected_ship_date"] == T("2026-12-12")
    assert line["reason"] == SHIFTED_REASON
    assert (bool(line["at_risk"]), bool(line["late"])) == (True, False)
    assert line["covering_po"] == "PO-7"
    # The action chases the PO against the date its supplier gave.
    assert line["action"] == "chase PO PO-7 with Acme Tools (due 2026-12-08)"


def test_two_receipts_give_no_shift_and_say_so():
    position = omxl.prepare(hand_book(received=2), as_of=AS_OF)
    line = waiting_line(omxl.reconcile(position))
    assert line["projected_ship_date"] == T("2026-12-08")
    assert line["reason"] == "No stock for the 5 open units; PO-7 expected 2026-12-08 covers them."
    assert not bool(line["at_risk"])
    sheet = omxl.plan_reorders(position).supplier_reliability
    assert sheet[["supplier_id", "receipts", "shift_days", "note"]].values.tolist() == [
        ["SUP-1", 2, 0.0, "2 receipts: fewer than 3, no shift"]]


def test_northwind_2007_purchase_orders_have_no_expected_dates(tmp_path):
    settings = tmp_path / "omxl.toml"
    settings.write_text(NORTHWIND_2007_CONFIG, encoding="utf-8")
    files = [NORTHWIND_2007 / name for name in ("purchase_orders.csv", "purchase_order_details.csv", "suppliers.csv")]
    position = omxl.prepare(omxl.read_book(*files, config=settings), as_of="2006-06-30")
    table = omxl.plan_reorders(position).supplier_reliability.set_index("supplier_id")
    # Supplier 1 ("Supplier A") had POs received (43 lines have a received date), but none with an expected date:
    # no receipt counts, and nothing is moved.
    assert int(position.book.purchase_orders["received_date"].notna().sum()) == 43
    assert table.loc["1", ["supplier_name", "receipts", "on_time", "shift_days", "note"]].tolist() == [
        "Supplier A", 0, 0, 0.0, "no expected dates on its purchase orders: no shift"]
    assert table.loc["1", ["on_time_rate", "median_slip_days", "slip_std_days"]].isna().all()
    assert table.loc["9", "note"] == "no purchase orders in the book: no shift"
    assert (table["shift_days"] == 0).all()
    assert position.book.purchase_orders["expected_date"].isna().all()


# --- sigma_L -------------------------------------------------------------------------------------------------

def test_lead_time_std_from_the_slip_when_the_book_gives_none(position):
    plan = omxl.plan_reorders(position)
    item = plan.skus.set_index("sku").loc["W-1"]
    assert item["rule"] == "computed"
    expected = reorder.safety_stock(item["service_level"], item["demand_std_daily"], item["lead_time_days"],
                                    item["avg_daily_demand"], 2.0)
    assert item["safety_stock"] == expected
    assert f"SS {expected:.1f} at 95%, lead time std dev 2 d from SUP-1's slip over 3 receipts)" \
        in item["explanation"]


def test_a_lead_time_std_in_the_book_is_kept():
    plan = omxl.plan_reorders(hand_book(lead_time_std=1.0), as_of=AS_OF)
    item = plan.skus.set_index("sku").loc["W-1"]
    assert item["safety_stock"] == reorder.safety_stock(item["service_level"], item["demand_std_daily"],
                                                        item["lead_time_days"], item["avg_daily_demand"], 1.0)
    assert "slip" not in item["explanation"]


# --- the Supplier Reliability sheet ------------------------------------------------------------------------

def test_the_reorder_output_has_the_sheet(position, tmp_path):
    plan = omxl.plan_reorders(position)
    assert list(plan.result_sheets()) == ["Summary", "Reorder List", "PO Drafts", "Supplier Reliability"]
    out = omxl.save_workbook(plan.result_sheets(), tmp_path / "plan.xlsx")
    sheet = openpyxl.load_workbook(out)["Supplier Reliability"]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert [cell.value for cell in sheet[2]] == SUP1_ROW
    assert sheet.max_row == 2
    assert sheet["E2"].number_format == "0.0%"


def test_the_weekly_workbook_has_the_sheet(position, tmp_path):
    report = omxl.weekly_report(position)
    assert report.supplier_reliability is report.plan.supplier_reliability
    sheet = openpyxl.load_workbook(report.save(tmp_path / "weekly.xlsx"))["Supplier Reliability"]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3, max_row=4, max_col=9)]
    assert cells == [HEADER, SUP1_ROW]
