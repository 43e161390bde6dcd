"""The run history (docs/kpis.md): two runs a week apart give previous values, changes and a two-point trend;
a re-run of the same week replaces it; what changed lists exactly the lines that changed; a damaged, foreign or
locked history file stops with a message naming it and is left as it was."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

import omxl
from weekly_book import AS_OF, CHANGED_NEXT_WEEK, NEXT_WEEK, hand_book, next_week_book
from omxl.errors import OmxlError
from omxl.reporting import (CHANGE_COLUMNS, History, HistoryError, compute_kpis, inputs_fingerprint, line_changes,
                            line_states, reordered_skus, with_previous)

pytestmark = pytest.mark.core


def weekly_run(history: History, book: dict, as_of: str):
    """What the weekly report does with the history: compute, fill previous and change, say what changed since
    the previous run, then record this run."""
    read = omxl.read_book(book)
    pos = omxl.prepare(read, as_of=as_of)
    rec, plan = omxl.reconcile(pos), omxl.plan_reorders(pos)
    kpis = with_previous(compute_kpis(pos, rec, plan), history, as_of)
    states, reorders = line_states(rec), reordered_skus(plan)
    before = history.previous(as_of)
    changes = None
    if before is not None:
        changes = line_changes(history.line_states(before), states, history.reorders(before), reorders,
                               previous_as_of=before, as_of=as_of)
    history.record(as_of=as_of, fingerprint=inputs_fingerprint(read), kpis=kpis, states=states, reorders=reorders)
    return kpis, changes


def kpi(kpis: pd.DataFrame, name: str, currency: str | None = None) -> pd.Series:
    rows = kpis[(kpis["kpi"] == name) & (kpis["currency"].isna() if currency is None else kpis["currency"] == currency)]
    assert len(rows) == 1, (name, currency)
    return rows.iloc[0]


def test_two_runs_a_week_apart(tmp_path):
    history = History(tmp_path / "omxl-history.sqlite")
    first, changes = weekly_run(history, hand_book(), AS_OF)
    assert changes is None and first["previous"].isna().all()
    second, changes = weekly_run(history, next_week_book(), NEXT_WEEK)

    # Previous values and changes: late lines 2 -> 3 (O3/1 and the new O10/1 late, O2/1 shipped in full);
    # backorder value EUR 100 -> 121 (O10/1 7 x 3.00); OTIF 2/5 -> 0/2 (O3/1 and O10/1 due, neither shipped).
    late = kpi(second, "late_lines")
    assert (late["value"], late["previous"], late["change"]) == (3.0, 2.0, 1.0)
    value = kpi(second, "backorder_value", "EUR")
    assert (value["value"], value["previous"], value["change"]) == (121.0, 100.0, 21.0)
    otif = kpi(second, "otif_line_rate")
    assert (otif["value"], otif["previous"]) == (0.0, 0.4) and otif["change"] == pytest.approx(-0.4)
    # USD shipped value: 3 x 4 x 0.75 = 9 in the first week, 5 x 4 x 0.75 = 15 in the second.
    shipped = kpi(second, "shipped_value", "USD")
    assert (shipped["value"], shipped["previous"], shipped["change"]) == (15.0, 9.0, 6.0)
    reorders = kpi(second, "reorder_value", "EUR")  # new this week: nothing to compare with
    assert reorders["value"] == 20.0 and pd.isna(reorders["previous"]) and pd.isna(reorders["change"])

    # Two points on the trend, oldest first.
    trend = history.trend("late_lines", runs=12)
    assert list(trend["as_of"]) == [pd.Timestamp(AS_OF), pd.Timestamp(NEXT_WEEK)]
    # The model's date type whichever pandas reads the stored days (pandas 3 alone would make them [us]).
    assert trend["as_of"].dtype == history.runs()["as_of"].dtype == "datetime64[ns]"
    assert list(trend["value"]) == [2.0, 3.0]
    assert list(history.trend("backorder_value", currency="EUR")["value"]) == [100.0, 121.0]
    assert list(history.trend("late_lines", runs=1)["value"]) == [3.0]

    # Exactly the lines that changed.
    rows = [tuple(None if pd.isna(v) else v for v in row) for row in changes.itertuples(index=False)]
    assert tuple(changes.columns) == CHANGE_COLUMNS
    assert rows == CHANGED_NEXT_WEEK


def test_rerunning_the_same_week_replaces_it(tmp_path):
    path = tmp_path / "history.sqlite"
    history = History(path)
    weekly_run(history, hand_book(), AS_OF)
    weekly_run(history, next_week_book(), NEXT_WEEK)
    again, changes = weekly_run(history, next_week_book(), NEXT_WEEK)
    runs = history.runs()
    assert list(runs["as_of"]) == [pd.Timestamp(AS_OF), pd.Timestamp(NEXT_WEEK)]
    # Previous is still the week before, not the replaced run of the same day.
    assert kpi(again, "late_lines")["previous"] == 2.0
    assert len(changes) == 7
    with sqlite3.connect(path) as db:
        counts = dict(db.execute("SELECT as_of, count(*) FROM kpis GROUP BY as_of").fetchall())
        states = dict(db.execute("SELECT as_of, count(*) FROM line_states GROUP BY as_of").fetchall())
    assert counts == {AS_OF: 29, NEXT_WEEK: 29}
    assert states == {AS_OF: 5, NEXT_WEEK: 5}  # open lines only: O2/1, O3/1, O3/2, O5/1, O7/1; then O10/1, not O2/1
    assert list(history.trend("late_lines")["value"]) == [2.0, 3.0]
    # Same inputs, same fingerprint; other inputs, another one.
    assert inputs_fingerprint(omxl.read_book(hand_book())) == runs["fingerprint"].iloc[0]
    assert runs["fingerprint"].iloc[0] != runs["fingerprint"].iloc[1]


def test_a_failed_record_leaves_the_stored_run_as_it_was(tmp_path):
    path = tmp_path / "history.sqlite"
    history = History(path)
    kpis, _ = weekly_run(history, hand_book(), AS_OF)
    pos = omxl.prepare(omxl.read_book(hand_book()), as_of=AS_OF)
    states = line_states(omxl.reconcile(pos))
    # NOT NULL: fails after the old run was deleted, inside the transaction (an open line: closed ones are not kept)
    states.loc[states.index[states["status"] == "backordered"][0], "order_id"] = pd.NA
    with pytest.raises(HistoryError):
        history.record(as_of=AS_OF, fingerprint="other", kpis=kpis, states=states, reorders=pd.DataFrame(
            {"sku": [], "order_qty": []}))
    assert list(history.runs()["fingerprint"]) == [inputs_fingerprint(omxl.read_book(hand_book()))]
    assert len(history.line_states(AS_OF)) == 5
    assert list(history.reorders(AS_OF)["sku"]) == ["B"]


def test_a_damaged_history_file_is_a_clear_message_and_stays_as_it_was(tmp_path):
    path = tmp_path / "history.sqlite"
    content = b"These are notes, not a database.\n" * 200
    path.write_bytes(content)
    history = History(path)
    message = (f"{path}: this file is not a readable omxl run history (damaged, or another kind of file). It was "
               "left as it is; move it aside to start a new history, or pass another history location.")
    with pytest.raises(HistoryError) as raised:
        weekly_run(history, hand_book(), AS_OF)
    assert str(raised.value) == message
    assert isinstance(raised.value, OmxlError) and raised.value.exit_code == 2
    with pytest.raises(HistoryError) as raised:
        history.record(as_of=AS_OF, fingerprint="x", kpis=compute_kpis(*_steps()), states=line_states(_steps()[1]),
                       reorders=reordered_skus(_steps()[2]))
    assert str(raised.value) == message
    assert path.read_bytes() == content


def test_a_truncated_history_file_is_a_clear_message(tmp_path):
    path = tmp_path / "history.sqlite"
    weekly_run(History(path), hand_book(), AS_OF)
    content = path.read_bytes()[:3000]  # the header survives, the pages do not
    path.write_bytes(content)
    with pytest.raises(HistoryError) as raised:
        History(path).kpis(AS_OF)
    assert str(raised.value).startswith(f"{path}: this file is not a readable omxl run history")
    assert path.read_bytes() == content


def test_another_programs_sqlite_file_is_not_taken_for_a_history(tmp_path):
    path = tmp_path / "inventory.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE stock (sku TEXT, qty REAL)")
        db.execute("INSERT INTO stock VALUES ('A', 1)")
    content = path.read_bytes()
    with pytest.raises(HistoryError) as raised:
        weekly_run(History(path), hand_book(), AS_OF)
    assert str(raised.value) == (f"{path}: this SQLite file is not an omxl run history. It was left as it is; "
                                 "pass another history location.")
    assert path.read_bytes() == content


def test_a_locked_history_is_a_clear_message_and_loses_nothing(tmp_path):
    path = tmp_path / "history.sqlite"
    weekly_run(History(path), hand_book(), AS_OF)
    content = path.read_bytes()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    message = (f"{path}: the run history is locked by another program (it may be writing to it). Nothing was "
               "changed; try again when it has finished.")
    try:
        history = History(path, timeout=0.2)
        with pytest.raises(HistoryError) as raised:
            weekly_run(history, next_week_book(), NEXT_WEEK)
        assert str(raised.value) == message
        pos, rec, plan = _steps()
        with pytest.raises(HistoryError) as raised:
            history.record(as_of=NEXT_WEEK, fingerprint="x", kpis=compute_kpis(pos, rec, plan),
                           states=line_states(rec), reorders=reordered_skus(plan))
        assert str(raised.value) == message
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert path.read_bytes() == content
    assert list(History(path).runs()["as_of"]) == [pd.Timestamp(AS_OF)]


def test_no_history_yet(tmp_path):
    history = History(tmp_path / "new.sqlite")
    assert history.previous(AS_OF) is None and history.runs().empty and history.trend("late_lines").empty
    assert history.runs()["as_of"].dtype == history.trend("late_lines")["as_of"].dtype == "datetime64[ns]"
    assert not (tmp_path / "new.sqlite").exists()  # reading creates nothing


def _steps():
    pos = omxl.prepare(omxl.read_book(hand_book()), as_of=AS_OF)
    return pos, omxl.reconcile(pos), omxl.plan_reorders(pos)
