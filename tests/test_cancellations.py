"""Real books (contract 2.3): a book without an inventory table, and credit-note cancellation lines."""

from __future__ import annotations

import glob

import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from conftest import ONLINE_RETAIL
from omxl.cli import cli

pytestmark = pytest.mark.core

T = pd.Timestamp
AS_OF = "2026-11-27"
RETAIL_AS_OF = "2011-12-31"
RETAIL_FILES = sorted(glob.glob(str(ONLINE_RETAIL / "*.csv")))
RETAIL_CONFIG = {"cancelled_order_pattern": "^C"}


@pytest.fixture(scope="module")
def retail():
    book = omxl.read_book(*RETAIL_FILES, config=RETAIL_CONFIG)
    return book, omxl.prepare(book, as_of=RETAIL_AS_OF)


@pytest.fixture(scope="module")
def raw():
    """The excerpt read with plain pandas, every cell as text."""
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in RETAIL_FILES], ignore_index=True)


# --- no inventory table: stock is not judged ---------------------------------------------------------

def test_online_retail_without_inventory_judges_no_stock(retail, raw):
    book, position = retail
    assert position.stock_judged is False
    rec = omxl.reconcile(position)
    lines = rec.lines
    assert int((lines["status"] == "backordered").sum()) == 0
    assert int(lines["at_risk"].sum()) == 0
    assert float(lines["allocated_qty"].sum()) == float(lines["backordered_qty"].sum()) == 0.0
    assert "stockout" not in set(rec.exceptions["code"])
    # Every line that is not cancelled is open and its reason says stock was not checked.
    open_lines = lines[lines["open_qty"] > 0]
    assert set(open_lines["status"]) == {"open"}
    assert open_lines["reason"].str.endswith("stock not checked: no inventory table.").all()
    # The lines reconcile sees: the rows without errors, minus the credit notes (no order lines).
    credit = raw["InvoiceNo"].str.startswith("C")
    kept = len(book.orders) - int(position.left_out.loc[position.left_out["table"] == "orders",
                                                        "rows_left_out"].iloc[0])
    assert len(lines) == kept - int(credit.sum())
    # Orders without a promised date are never late.
    assert int(lines["late"].sum()) == 0
    # Checks against the missing table do not run: no "sku not in inventory".
    issues = position.issues
    assert issues[(issues["code"] == "foreign-key") & (issues["table"] == "orders")].empty
    assert issues.loc[issues["code"] == "missing-table", "table"].tolist() == ["inventory", "suppliers"]


def test_online_retail_plan_is_empty_and_says_why(retail):
    _, position = retail
    plan = omxl.plan_reorders(position)
    assert (len(plan.lines), len(plan.purchase_orders)) == (0, 0)
    assert plan.summary.startswith("Reorder plan as of 2011-12-31: no inventory table: nothing to plan.")


def test_cli_says_why_nothing_is_backordered_or_planned(tmp_path):
    (tmp_path / "omxl.toml").write_text('cancelled_order_pattern = "^C"\n', encoding="utf-8")
    config = tmp_path / "omxl.toml"
    runner = CliRunner(env={"COLUMNS": "200"})
    rec = runner.invoke(cli, ["reconcile", RETAIL_FILES[0], "--as-of", RETAIL_AS_OF, "--config", str(config)])
    assert "Stock not checked: the book has no inventory table, so no line is backordered, allocated or at risk " \
           "because of stock; open lines show as open." in rec.output
    assert "backordered" not in rec.output.split("Late lines")[0]
    plan = runner.invoke(cli, ["reorder", RETAIL_FILES[0], "--as-of", RETAIL_AS_OF, "--config", str(config)])
    assert "no inventory table: nothing to plan." in " ".join(plan.output.split())


# --- credit notes are cancellations ------------------------------------------------------------------

def test_online_retail_credit_notes_are_cancellations_not_errors(retail, raw):
    book, position = retail
    issues = position.issues
    credit = raw["InvoiceNo"].str.startswith("C")
    assert int(credit.sum()) == 38
    # Rows are read in file order, so row i of the book is row i of the plain read.
    notes = book.orders[credit.to_numpy()]
    keys = pd.MultiIndex.from_frame(notes[["source", "row"]].astype({"row": "Int64"}))
    about_notes = issues[pd.MultiIndex.from_frame(issues[["source", "row"]]).isin(keys)]
    assert about_notes[about_notes["severity"] == "error"].empty
    found = issues[issues["code"] == "cancellation"]
    assert len(found) == 38 and set(found["severity"]) == {"info"} and set(found["stage"]) == {"validate"}
    assert set(found["column"]) == {"Quantity"}
    assert len(position.cancellations) == 38
    # The credit notes are no order lines: nothing of them is allocated, demanded or open.
    assert not position.lines["order_id"].str.startswith("C").any()


def test_online_retail_cancellations_reduce_what_a_plain_loop_finds(retail, raw):
    """Independent: credit notes in date order, each reducing the most recent earlier line (same customer,
    item and price) that still has the quantity, computed one at a time in plain Python over the rows
    without errors."""
    book, position = retail
    clean = position.book.orders
    is_note = clean["order_id"].str.startswith("C").to_numpy()
    left = {i: float(q) for i, q in enumerate(clean["qty"]) if not is_note[i] and q > 0}
    rows = list(clean[["customer_id", "sku", "unit_price", "order_date", "qty"]].itertuples(index=False))
    expected = {}
    for c in sorted(map(int, is_note.nonzero()[0]), key=lambda i: (rows[i][3], i)):
        need = abs(rows[c][4])
        candidates = [i for i in left if rows[i][:3] == rows[c][:3] and rows[i][3] <= rows[c][3]
                      and left[i] >= need - 1e-9]
        if candidates:
            target = max(candidates, key=lambda i: (rows[i][3], i))
            left[target] -= need
            expected[c] = target
    got = position.cancellations.dropna(subset=["target"])
    note_positions = clean.index[is_note]
    assert dict(zip(note_positions[position.cancellations["target"].notna().to_numpy()],
                    got["target"].astype(int))) == expected
    assert len(expected) == 3       # most credit notes in four days cancel lines of days not in the excerpt
    # Every step sees the reduced quantities.
    reduced = sum(abs(rows[c][4]) for c in expected)
    total_kept = float(clean.loc[~is_note, "qty"].sum())
    assert float(position.lines["qty"].sum()) == pytest.approx(total_kept - reduced)


def cancellation_book():
    orders = pd.DataFrame([
        dict(order_id="A1", order_date=T("2026-11-01"), customer_id="K", sku="S", qty=5, unit_price=2.0),
        dict(order_id="A2", order_date=T("2026-11-03"), customer_id="K", sku="S", qty=2, unit_price=2.0),
        dict(order_id="A3", order_date=T("2026-11-04"), customer_id="K", sku="S", qty=4, unit_price=3.0),
        dict(order_id="B1", order_date=T("2026-11-04"), customer_id="L", sku="S", qty=9, unit_price=2.0),
        dict(order_id="C1", order_date=T("2026-11-05"), customer_id="K", sku="S", qty=-3, unit_price=2.0),
        dict(order_id="C2", order_date=T("2026-11-06"), customer_id="K", sku="S", qty=-2, unit_price=2.0),
        dict(order_id="C3", order_date=T("2026-11-06"), customer_id="K", sku="S", qty=-9, unit_price=2.0),
        dict(order_id="C4", order_date=T("2026-11-02"), customer_id="K", sku="S", qty=-4, unit_price=3.0),
    ])
    inventory = pd.DataFrame({"sku": ["S"], "on_hand": [100.0]})
    return omxl.read_book({"orders": orders, "inventory": inventory}, config={"cancelled_order_pattern": "^C"})


def test_a_cancellation_reduces_the_most_recent_earlier_line_that_still_has_the_quantity():
    book = cancellation_book()
    issues = omxl.validate(book, as_of=AS_OF)
    found = issues[issues["code"] == "cancellation"]
    assert found[["cell", "ref", "message"]].values.tolist() == [
        # A2 (Nov 3) is more recent but has only 2: A1 is reduced.
        ["E6", "A1", "Credit note C1 cancels 3 x S at 2.00: it reduces order A1 line 1 (row 2, ordered 5) by 3."],
        ["E7", "A2", "Credit note C2 cancels 2 x S at 2.00: it reduces order A2 line 1 (row 3, ordered 2) by 2."],
        # Only 2 left on A1: nothing of customer K at 2.00 has 9 (B1 is another customer's).
        ["E8", "", "Credit note C3 cancels 9 x S at 2.00; no earlier line of customer K with this item and price "
                   "has 9 left, so it stands alone."],
        # A3 (price 3.00) is later than the credit note: not earlier, so it stands alone.
        ["E9", "", "Credit note C4 cancels 4 x S at 3.00; no earlier line of customer K with this item and price "
                   "has 4 left, so it stands alone."],
    ]
    assert "constraint-error" not in set(issues["code"])
    rec = omxl.reconcile(book, as_of=AS_OF)
    lines = rec.lines.set_index("order_id")
    assert lines["qty"].to_dict() == {"A1": 2.0, "A2": 0.0, "A3": 4.0, "B1": 9.0}
    assert lines["status"].to_dict() == {"A1": "ready", "A2": "cancelled", "A3": "ready", "B1": "ready"}
    assert lines.loc["A1", "reason"] == ("Credit note C1 cancelled 3 of the 5 ordered. Ready to ship: all 2 open "
                                         "units allocated from stock.")
    assert lines.loc["A2", "reason"] == "Cancelled by credit note C2."
    # Credit notes take no stock: 2 + 4 + 9 allocated of the 100.
    assert float(rec.lines["allocated_qty"].sum()) == 15.0
    assert rec.inventory.set_index("sku").loc["S", "available"] == 85.0


def test_without_the_pattern_negative_quantities_stay_errors():
    book = cancellation_book()
    issues = omxl.validate(book, as_of=AS_OF, config={})
    assert "cancellation" not in set(issues["code"])
    assert (issues["code"] == "constraint-error").sum() == 4
