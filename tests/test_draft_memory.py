"""Drafts that remember (docs/learning.md): with a run history, a SKU drafted yesterday and not yet ordered is not
proposed again today; a purchase order placed since clears the memory for that SKU and supplier; fresh proposes
it again; a re-run of the same day proposes its own drafts again; after draft_hold_days it is proposed again;
without a history two runs give the same plan. On the command line (--history, --fresh) and in the weekly
report, which remembers in its own history. Every history is a real SQLite file."""

from __future__ import annotations

import functools
import re
import sqlite3

import pandas as pd
import pytest
from click.testing import CliRunner
from pandas.testing import assert_frame_equal

import omxl
from conftest import ROOT, write_book
from omxl.cli import cli
from omxl.history_store import APPLICATION_ID, SCHEMA

D = pd.to_datetime
DAY1, DAY2 = "2026-11-26", "2026-11-27"
LEVEL = "Reorder plan as of {day} at a 95% service level: "
COVERED = ("1 SKU has an inventory position above the reorder point (at or above the minimum for min/max items), "
           "so stock and open POs cover demand over the lead time.")
HELD_BOTH = ("2 SKUs held back: drafted on 2026-11-26 and not yet ordered (draft_hold_days 3); --fresh proposes "
             "them again.")


def hand_book(*, extra_order: float | None = None, po_date: str | None = None) -> dict[str, pd.DataFrame]:
    """A (S1, EUR 2.00, MOQ 30, pack 10): 2 on hand, 1 on backorder, reorder point 10, reorder qty 50 -> order 50.
    B (S1, EUR 1.00): 3 on hand, reorder point 10, reorder qty 40 -> order 40. C (S2): 100 on hand, covered.
    `extra_order`: a second order for A on DAY2 (its backlog grows); `po_date`: a PO of 5 x A from S1 placed that
    day (not enough to cover A: IP 6 <= 10)."""
    orders = pd.DataFrame({"order_id": ["O1"], "line": [1], "order_date": D(["2026-11-20"]), "customer_id": ["K1"],
                           "sku": ["A"], "qty": [1.0]})
    if extra_order is not None:
        orders = pd.concat([orders, pd.DataFrame({"order_id": ["O2"], "line": [1], "order_date": D([DAY2]),
                                                  "customer_id": ["K2"], "sku": ["A"], "qty": [extra_order]})])
    inventory = pd.DataFrame({"sku": ["A", "B", "C"], "description": ["Widget", "Bolt", "Nut"],
                              "on_hand": [2.0, 3.0, 100.0], "supplier_id": ["S1", "S1", "S2"],
                              "unit_cost": [2.0, 1.0, 1.0], "reorder_point": [10.0, 10.0, 5.0],
                              "reorder_qty": [50.0, 40.0, 10.0], "moq": [30.0, None, None],
                              "pack_size": [10.0, None, None]})
    suppliers = pd.DataFrame({"supplier_id": ["S1", "S2"], "name": ["Euro Parts", "Nut House"],
                              "currency": ["EUR", "EUR"]})
    book = {"orders": orders, "inventory": inventory, "suppliers": suppliers}
    if po_date is not None:
        book["purchase_orders"] = pd.DataFrame({"po_id": ["P1"], "supplier_id": ["S1"], "sku": ["A"], "qty": [5.0],
                                                "order_date": D([po_date]), "expected_date": D(["2026-12-10"])})
    return book


@functools.lru_cache(maxsize=None)
def position(as_of: str, extra_order: float | None = None, po_date: str | None = None,
             hold_days: int = 3) -> omxl.Position:
    """The hand book prepared once per day and variant (the plans themselves are what the tests compare)."""
    return omxl.prepare(omxl.read_book(hand_book(extra_order=extra_order, po_date=po_date)), as_of=as_of,
                        config={"draft_hold_days": hold_days})


def plan(as_of: str, history=None, *, fresh: bool = False, **variant) -> omxl.ReorderPlan:
    return omxl.plan_reorders(position(as_of, **variant), history=history, fresh=fresh)


def quantities(result: omxl.ReorderPlan) -> dict[str, float]:
    return dict(zip(result.lines["sku"], result.lines["order_qty"]))


def test_two_runs_a_day_apart_propose_a_sku_once(tmp_path):
    history = tmp_path / "h.sqlite"
    first = plan(DAY1, history)
    assert quantities(first) == {"A": 50.0, "B": 40.0}
    assert first.summary == LEVEL.format(day=DAY1) + "2 SKUs to order, value EUR 140.00."
    assert first.held_back.empty
    second = plan(DAY2, history)
    assert quantities(second) == {}
    assert second.purchase_orders.empty
    assert second.summary == LEVEL.format(day=DAY2) + "nothing to order: " + COVERED + " " + HELD_BOTH
    held = second.held_back
    assert held[["sku", "supplier_id", "currency", "needed_qty", "drafted_qty", "order_qty"]].astype(object).values.tolist() == [
        ["A", "S1", "EUR", 50.0, 50.0, 0.0], ["B", "S1", "EUR", 40.0, 40.0, 0.0]]
    assert held["drafted_on"].tolist() == [pd.Timestamp(DAY1)] * 2
    assert held["reason"].tolist() == ["drafted on 2026-11-26 and not yet ordered (draft_hold_days 3)"] * 2
    explained = second.skus.set_index("sku")["explanation"]
    assert explained["A"] == ("IP 1 = on hand 2 + on order 0 - backlog 1 <= reorder point 10; order 50 = max(reorder "
                              "qty 50, 10 - 1); held back: 50 drafted on 2026-11-26 and not yet ordered")
    # What each run proposed, in the history's drafts table (the second proposed nothing).
    with sqlite3.connect(history) as connection:
        rows = connection.execute("SELECT as_of, sku, supplier_id, currency, order_qty FROM drafts "
                                  "ORDER BY as_of, sku").fetchall()
    assert rows == [(DAY1, "A", "S1", "EUR", 50.0), (DAY1, "B", "S1", "EUR", 40.0)]


def test_what_is_still_needed_beyond_the_draft_is_proposed(tmp_path):
    """A's backlog grows by 60 on DAY2: 69 needed, 70 in packs of 10, less the 50 drafted = 20. The MOQ of 30 is
    not applied to the 20 again: they top up the draft of 50, which met it."""
    history = tmp_path / "h.sqlite"
    plan(DAY1, history)
    second = plan(DAY2, history, extra_order=60.0)
    assert quantities(second) == {"A": 20.0}
    line = second.lines.iloc[0]
    assert line["order_value"] == 40.0
    assert line["explanation"] == (
        "IP -59 = on hand 2 + on order 0 - backlog 61 <= reorder point 10; order 69 = max(reorder qty 50, 10 - (-59)), "
        "rounded up to pack 10 = 70; less 50 drafted on 2026-11-26 and not yet ordered: 20")
    assert second.summary == (LEVEL.format(day=DAY2) + "1 SKU to order, value EUR 40.00. 1 SKU held back and 1 "
                              "reduced: drafted on 2026-11-26 and not yet ordered (draft_hold_days 3); --fresh "
                              "proposes them again.")
    assert second.held_back[["sku", "needed_qty", "drafted_qty", "order_qty"]].values.tolist() == [
        ["A", 70.0, 50.0, 20.0], ["B", 40.0, 40.0, 0.0]]
    assert second.purchase_orders[["supplier_id", "lines", "units", "value"]].values.tolist() == [["S1", 1, 20.0, 40.0]]
    # The next day remembers both drafts of A: 50 + 20 cover the 70 still needed.
    third = plan("2026-11-28", history, extra_order=60.0)
    assert quantities(third) == {}
    assert third.held_back[["sku", "drafted_qty"]].values.tolist() == [["A", 70.0], ["B", 40.0]]
    assert third.held_back["reason"].tolist() == [
        "drafted on 2026-11-26 and 2026-11-27 and not yet ordered (draft_hold_days 3)",
        "drafted on 2026-11-26 and not yet ordered (draft_hold_days 3)"]


def test_a_purchase_order_placed_since_the_draft_clears_the_memory(tmp_path):
    history = tmp_path / "h.sqlite"
    plan(DAY1, history)
    ordered = plan(DAY2, history, po_date=DAY1)    # placed on the draft's day: it was ordered
    assert quantities(ordered) == {"A": 50.0}                       # IP 6 = 2 + 5 - 1: still needed, proposed
    assert ordered.held_back["sku"].tolist() == ["B"]
    assert ordered.summary == (LEVEL.format(day=DAY2) + "1 SKU to order, value EUR 100.00. 1 SKU held back: "
                               "drafted on 2026-11-26 and not yet ordered (draft_hold_days 3); --fresh proposes it "
                               "again.")
    # A PO placed before the draft is not the draft becoming an order: A stays held back.
    history_2 = tmp_path / "h2.sqlite"
    plan(DAY1, history_2)
    older = plan(DAY2, history_2, po_date="2026-11-25")
    assert quantities(older) == {}
    assert older.held_back["sku"].tolist() == ["A", "B"]


def test_fresh_proposes_again_and_still_records(tmp_path):
    history = tmp_path / "h.sqlite"
    plan(DAY1, history)
    fresh = plan(DAY2, history, fresh=True)
    assert quantities(fresh) == {"A": 50.0, "B": 40.0}
    assert fresh.summary == LEVEL.format(day=DAY2) + "2 SKUs to order, value EUR 140.00."
    assert fresh.held_back.empty
    third = plan("2026-11-28", history)
    assert third.held_back[["sku", "drafted_qty"]].values.tolist() == [["A", 100.0], ["B", 80.0]]
    assert third.summary.endswith("2 SKUs held back: drafted on 2026-11-26 and 2026-11-27 and not yet ordered "
                                  "(draft_hold_days 3); --fresh proposes them again.")


def test_a_rerun_of_the_same_day_proposes_its_own_drafts_again(tmp_path):
    history = tmp_path / "h.sqlite"
    first = plan(DAY1, history)
    again = plan(DAY1, history)
    assert_frame_equal(again.lines, first.lines)
    assert again.summary == first.summary
    with sqlite3.connect(history) as connection:        # replaced, not added twice
        assert connection.execute("SELECT count(*), sum(order_qty) FROM drafts").fetchone() == (2, 90.0)
    assert plan(DAY2, history).held_back["drafted_qty"].tolist() == [50.0, 40.0]


def test_after_draft_hold_days_it_is_proposed_again(tmp_path):
    history = tmp_path / "h.sqlite"
    plan(DAY1, history)
    assert quantities(plan("2026-11-29", history)) == {}                  # 3 days later: still held back
    later = plan("2026-11-30", history)                                    # 4 days later
    assert quantities(later) == {"A": 50.0, "B": 40.0}
    assert later.summary == LEVEL.format(day="2026-11-30") + "2 SKUs to order, value EUR 140.00."
    # draft_hold_days 0 remembers nothing.
    other = tmp_path / "h0.sqlite"
    plan(DAY1, other, hold_days=0)
    assert quantities(plan(DAY2, other, hold_days=0)) == {"A": 50.0, "B": 40.0}


def test_without_a_history_two_runs_give_the_same_plan():
    first, second = (omxl.plan_reorders(omxl.read_book(hand_book()), as_of=DAY1) for _ in range(2))
    for name in ("lines", "skus", "purchase_orders", "held_back"):
        assert_frame_equal(getattr(first, name), getattr(second, name))
    assert first.summary == second.summary
    assert quantities(plan(DAY2)) == {"A": 50.0, "B": 40.0}   # the next day too: nothing is remembered


def test_a_history_from_before_drafts_were_kept_gains_the_table(tmp_path):
    history = tmp_path / "old.sqlite"
    old_schema = SCHEMA.split("CREATE TABLE IF NOT EXISTS drafts")[0]
    with sqlite3.connect(history) as connection:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.executescript(old_schema)
        connection.execute("INSERT INTO runs VALUES ('2026-11-20', 'x', '2026-11-20T08:00:00+00:00')")
    assert quantities(plan(DAY1, history)) == {"A": 50.0, "B": 40.0}
    assert quantities(plan(DAY2, history)) == {}
    assert omxl.History(history).runs()["as_of"].tolist() == [pd.Timestamp("2026-11-20")]   # the weekly run kept


def test_a_history_file_that_is_not_one_stops_with_its_name(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(omxl.HistoryError, match="this SQLite file is not an omxl run history"):
        plan(DAY1, other)


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["reorder", *map(str, args)])


def test_the_reorder_command_remembers_with_history_and_fresh(tmp_path):
    frames = hand_book()
    path = write_book(tmp_path / "book.xlsx", {
        name.title(): (tuple(frame.columns), *frame.astype(object).where(frame.notna(), None).itertuples(index=False))
        for name, frame in frames.items()})
    history = tmp_path / "h.sqlite"
    first = run(path, "--as-of", DAY1, "--history", history)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[0] == LEVEL.format(day=DAY1) + "2 SKUs to order, value EUR 140.00."
    second = run(path, "--as-of", DAY2, "--history", history)
    assert second.exit_code == 0, second.output
    assert second.output.splitlines()[0] == LEVEL.format(day=DAY2) + "nothing to order: " + COVERED + " " + HELD_BOTH
    fresh = run(path, "--as-of", DAY2, "--history", history, "--fresh")
    assert fresh.exit_code == 0, fresh.output
    assert fresh.output.splitlines()[0] == LEVEL.format(day=DAY2) + "2 SKUs to order, value EUR 140.00."
    alone = run(path, "--as-of", DAY2, "--fresh")
    assert alone.exit_code == 2
    assert "--fresh proposes again what a run history remembers as drafted, so it goes with --history" in alone.output


def test_the_weekly_report_remembers_in_its_own_history(tmp_path):
    history = tmp_path / "weekly.sqlite"
    book = omxl.read_book(hand_book())
    first = omxl.weekly_report(book, as_of=DAY1, history=history)
    second = omxl.weekly_report(book, as_of=DAY2, history=history)
    skus = [report.kpis.set_index("kpi").loc["reorder_skus", "value"] for report in (first, second)]
    assert skus == [2.0, 0.0]
    assert second.plan.held_back["sku"].tolist() == ["A", "B"]
    assert second.plan.summary.endswith(HELD_BOTH)


def test_the_learning_page_example_prints_what_its_comments_say(monkeypatch, tmp_path, capsys):
    """docs/learning.md, "Drafts that remember": its example, with its history in tmp_path."""
    page = (ROOT / "docs" / "learning.md").read_text(encoding="utf-8")
    section = page.split("\n## Drafts that remember\n")[1].split("\n## ")[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    monkeypatch.chdir(ROOT)
    exec(compile(block.replace("/tmp/", f"{tmp_path}/"), "learning.md", "exec"), {})
    assert capsys.readouterr().out.splitlines() == [
        "[50.0]", "[]",
        "Reorder plan as of 2026-11-24 at a 95% service level: nothing to order. 1 SKU held back: drafted on "
        "2026-11-23 and not yet ordered (draft_hold_days 3); --fresh proposes it again.",
        "[['A', 50.0, 50.0, 0.0]]", "[50.0]"]
    assert (tmp_path / "omxl-history.sqlite").is_file()
