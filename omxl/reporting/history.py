"""The run history: past weekly runs in an embedded SQLite file (no server), for "previous", the trend and what
changed. The caller says where the file is.

Each run keeps its as_of, a fingerprint of its inputs, its KPI rows, the state of every open order line
(status, late, at risk, projected ship date, backordered quantity) and the SKUs the plan reordered. Recording a run for
an as_of that is already there replaces it, in one transaction: a failure half-way leaves the history as it
was. A file that is not an omxl history, or one another program holds locked, stops with HistoryError naming
the file; omxl never deletes or rewrites such a file.

Apart from the runs, the `told` table keeps what each recipient of `omxl notify` was told: one row per item of
each message sent (docs/notify.md), and the `drafts` table what the reorder plans made with the history proposed
(docs/learning.md, "Drafts that remember").
"""

# The file itself (opening, checking, its tables, transactions) is omxl/history_store.py's, below planning.

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

# HistoryError is raised (and imported from here) for every history file problem; it lives with the file below.
from ..history_store import HistoryError, HistoryStore, _day, _days, _floats, _ints, _texts  # noqa: F401
from ..reconciliation.views import CLOSED_STATUSES
from .kpis import FIRST_RUN, KPI_COLUMNS, NOT_IN_PREVIOUS, add_reason, nothing_to_compare

HISTORY_NAME = "omxl-history.sqlite"
STATE_COLUMNS = ("order_id", "line", "sku", "status", "late", "at_risk", "projected_ship_date", "backordered_qty")
TOLD_COLUMNS = ("kind", "recipient", "item", "state", "as_of")


def inputs_fingerprint(book) -> str:
    """SHA-256 of the book's tables (names, columns and every value, provenance included): the same inputs give
    the same fingerprint, so a report can say whether a re-run saw other data."""
    digest = hashlib.sha256()
    for name in sorted(book.tables):
        table = book.tables[name]
        digest.update(f"{name}\x00{len(table)}\x00{'|'.join(map(str, table.columns))}\x00".encode())
        for column in table.columns:  # one hash per column: typed columns hash without a copy to objects
            values = table[column]
            try:
                hashed = _text_hashes(values)
            except TypeError:  # an unknown column holding mixed Python objects: hash their text
                hashed = pd.util.hash_pandas_object(values.astype(str), index=False).to_numpy()
            digest.update(hashed.tobytes())
    return digest.hexdigest()


_BLANK_HASH = np.iinfo(np.uint64).max   # what hash_pandas_object gives a blank
_SAMPLE = 2_000


def _text_hashes(values: pd.Series) -> np.ndarray:
    """hash_pandas_object(values, index=False), the same numbers, sooner for the text columns it is slowest on.
    It hashes a text column's distinct texts and gives a blank _BLANK_HASH: a column of blanks is all
    _BLANK_HASH, and a column of ids or tracking numbers (few repeats) hashes each text without finding the
    distinct ones first. Other columns are hashed by pandas itself."""
    array = values.array
    if type(array) is pd.arrays.StringArray:   # text kept as Python str objects (without pyarrow)
        blank = np.asarray(values.isna(), dtype=bool)
        if blank.all():
            return np.full(len(values), _BLANK_HASH, dtype=np.uint64)
        text = np.asarray(array, dtype=object)
        sample = text[:_SAMPLE][~blank[:_SAMPLE]].tolist()
        if len(set(sample)) > len(sample) // 2:
            text = text.copy()
            text[blank] = ""
            hashed = pd.util.hash_array(text, categorize=False)
            hashed[blank] = _BLANK_HASH
            return hashed
    return pd.util.hash_pandas_object(values, index=False).to_numpy()


def line_states(rec) -> pd.DataFrame:
    """The state of every order line the history keeps (STATE_COLUMNS), from a Reconciliation."""
    lines = rec.lines
    return lines[list(STATE_COLUMNS)].reset_index(drop=True)


def reordered_skus(plan) -> pd.DataFrame:
    """sku and order_qty of the SKUs a ReorderPlan orders."""
    ordered = plan.lines[plan.lines["order_qty"] > 0]
    return ordered[["sku", "order_qty"]].reset_index(drop=True)


class History(HistoryStore):
    """An omxl run history at `path` (created on first use; the folder must exist): the weekly runs, what notify
    told, and (from HistoryStore) the drafts plan_reorders proposed.

    `timeout` is how many seconds to wait for another program's lock before giving up with HistoryError."""

    def record(self, *, as_of: object, fingerprint: str, kpis: pd.DataFrame, states: pd.DataFrame,
               reorders: pd.DataFrame) -> None:
        """Store one run; a run already stored for the same as_of is replaced, all in one transaction."""
        day = _day(as_of)
        kpi_rows = [(day, i, kpi, label, None if pd.isna(value) else float(value), unit,
                     None if pd.isna(currency) else str(currency))
                    for i, (kpi, label, value, unit, currency) in enumerate(
                        kpis[["kpi", "label", "value", "unit", "currency"]].itertuples(index=False, name=None))]
        # Only lines with work open are kept: what changed is judged against the previous run's late, projected
        # and backordered lines, all open; a closed line counts as neither, like a line not there. That keeps a
        # run of a 100,000-line book to its few thousand open lines.
        state = states.loc[~states["status"].isin(CLOSED_STATUSES), list(STATE_COLUMNS)]
        projected = state["projected_ship_date"].dt.strftime("%Y-%m-%d").astype(object)
        state_rows = list(zip(
            [day] * len(state), _texts(state["order_id"]), _ints(state["line"]), _texts(state["sku"]),
            _texts(state["status"]), state["late"].astype(int).tolist(), state["at_risk"].astype(int).tolist(),
            _texts(projected), _floats(state["backordered_qty"])))
        reorder_rows = list(zip([day] * len(reorders), _texts(reorders["sku"]), _floats(reorders["order_qty"])))
        with self._transaction() as connection:
            connection.execute("DELETE FROM runs WHERE as_of = ?", (day,))
            connection.execute("INSERT INTO runs VALUES (?, ?, ?)",
                               (day, fingerprint, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))
            connection.executemany("INSERT INTO kpis VALUES (?, ?, ?, ?, ?, ?, ?)", kpi_rows)
            connection.executemany("INSERT INTO line_states VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", state_rows)
            connection.executemany("INSERT INTO reorders VALUES (?, ?, ?)", reorder_rows)

    def record_told(self, *, kind: str, recipient: str, items: pd.DataFrame, as_of: object,
                    message_id: str) -> None:
        """Store what one sent message told its recipient: `items` has `item` (a line, a PO line, a shipment)
        and `state` (what was said about it), all in one transaction. Called once per message the mail server
        accepted, so an interrupted send keeps exactly what went out (docs/notify.md)."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        rows = [(kind, recipient, item, state, _day(as_of), now, message_id)
                for item, state in zip(_texts(items["item"]), _texts(items["state"]))]
        with self._transaction() as connection:
            connection.executemany("INSERT INTO told VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def told(self) -> pd.DataFrame:
        """TOLD_COLUMNS: the latest state each recipient was told of each item (the last message sent wins)."""
        rows = []
        if self.path.exists():
            with self._connect() as connection:
                if self._has_table(connection, "told"):
                    rows = connection.execute(
                        "SELECT kind, recipient, item, state, as_of FROM told WHERE rowid IN "
                        "(SELECT max(rowid) FROM told GROUP BY kind, recipient, item) ORDER BY rowid").fetchall()
        frame = pd.DataFrame(rows, columns=list(TOLD_COLUMNS))
        return frame.astype({column: "string[python]" for column in TOLD_COLUMNS[:4]}).assign(
            as_of=_days(frame["as_of"]))

    # -- reading ----------------------------------------------------------------------------------------------
    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if not self.path.exists():
            return []
        with self._connect() as connection:
            return connection.execute(sql, params).fetchall() if self._has_table(connection, "runs") else []

    def runs(self) -> pd.DataFrame:
        """as_of (oldest first), fingerprint, recorded_at of every stored run."""
        rows = self._query("SELECT as_of, fingerprint, recorded_at FROM runs ORDER BY as_of")
        frame = pd.DataFrame(rows, columns=["as_of", "fingerprint", "recorded_at"])
        frame["as_of"] = _days(frame["as_of"])
        return frame.astype({"fingerprint": "string[python]", "recorded_at": "string[python]"})

    def previous(self, as_of: object) -> pd.Timestamp | None:
        """The as_of of the latest run before `as_of`, or None."""
        rows = self._query("SELECT max(as_of) FROM runs WHERE as_of < ?", (_day(as_of),))
        return pd.Timestamp(rows[0][0]) if rows and rows[0][0] else None

    def kpis(self, as_of: object) -> pd.DataFrame:
        """The KPI rows stored for a run (KPI_COLUMNS). Only the values are kept: previous, change, target,
        on_target and reason are blank (a blank value stays blank)."""
        rows = self._query("SELECT kpi, label, value, unit, currency FROM kpis WHERE as_of = ? ORDER BY position",
                           (_day(as_of),))
        frame = pd.DataFrame(rows, columns=["kpi", "label", "value", "unit", "currency"])
        frame["value"] = frame["value"].astype(float)
        frame["previous"] = np.nan
        frame["change"] = np.nan
        frame["target"] = np.nan
        frame["on_target"] = pd.array([pd.NA] * len(frame), dtype="boolean")
        frame["reason"] = pd.NA
        for column in ("kpi", "label", "unit", "currency", "reason"):
            frame[column] = frame[column].astype("string[python]")
        return frame[list(KPI_COLUMNS)]

    def line_states(self, as_of: object) -> pd.DataFrame:
        """The line states stored for a run (STATE_COLUMNS)."""
        rows = self._query("SELECT order_id, line, sku, status, late, at_risk, projected_ship_date, backordered_qty "
                           "FROM line_states WHERE as_of = ? ORDER BY rowid", (_day(as_of),))
        frame = pd.DataFrame(rows, columns=list(STATE_COLUMNS))
        return frame.astype({"order_id": "string[python]", "line": "Int64", "sku": "string[python]",
                             "status": "string[python]", "late": bool, "at_risk": bool,
                             "backordered_qty": float}).assign(
            projected_ship_date=_days(frame["projected_ship_date"]))

    def reorders(self, as_of: object) -> pd.DataFrame:
        """sku and order_qty of the SKUs a run reordered."""
        rows = self._query("SELECT sku, order_qty FROM reorders WHERE as_of = ? ORDER BY rowid", (_day(as_of),))
        return pd.DataFrame(rows, columns=["sku", "order_qty"]).astype({"sku": "string[python]", "order_qty": float})

    def trend(self, kpi: str, *, runs: int = 12, currency: object = None, until: object = None) -> pd.DataFrame:
        """as_of and value of `kpi` over the last `runs` runs (up to `until`, when given), oldest first (money
        KPIs: the rows in `currency`, blank = the rows without one)."""
        sql = ("SELECT runs.as_of, kpis.value FROM kpis JOIN runs ON runs.as_of = kpis.as_of "
               "WHERE kpis.kpi = ? AND kpis.currency IS ? AND runs.as_of <= ? ORDER BY runs.as_of DESC LIMIT ?")
        code = None if currency is None or pd.isna(currency) else str(currency)
        last = _day(until) if until is not None else "9999-12-31"
        rows = self._query(sql, (kpi, code, last, int(runs)))[::-1]
        frame = pd.DataFrame(rows, columns=["as_of", "value"])
        return frame.assign(as_of=_days(frame["as_of"]), value=frame["value"].astype(float))


def open_history(history: "History | str | os.PathLike | None", config) -> "History | None":
    """`history=` of a library call as a History: given (a History or a path), else the `history` setting, else
    None (no history: nothing compared, nothing recorded)."""
    if isinstance(history, History):
        return history
    if history is not None:
        return History(history)
    return History(config.history) if config.history else None


def history_beside(path: "str | os.PathLike") -> Path:
    """omxl-history.sqlite in the folder of `path` (a file, or a folder: beside it)."""
    return Path(path).resolve().parent / HISTORY_NAME


def history_for(given: "str | os.PathLike | None", config, *, beside: "str | os.PathLike | None") -> "Path | None":
    """Where a command (`omxl weekly`, `omxl notify`, the Excel button) keeps its run history: `given` (--history),
    else the `history` setting (None here: open_history takes the setting), else omxl-history.sqlite beside what
    the command writes; None when there is nothing to be beside (a workbook never saved)."""
    if given is not None:
        return Path(given)
    if config.history or beside is None:
        return None
    return history_beside(beside)


def with_previous(kpis: pd.DataFrame, history: History, as_of: object) -> pd.DataFrame:
    """`kpis` with `previous` (the value of the same KPI and currency in the latest earlier run) and `change`
    (value − previous; blank when either is blank). A row with a value but nothing to compare it with says why
    in `reason`: the first run, or no value of it in the previous run."""
    before = history.previous(as_of)
    result = kpis.copy()
    if before is None:
        return nothing_to_compare(result, FIRST_RUN)
    old = history.kpis(before)
    key = ["kpi", "currency"]
    # The currency is part of the key; a blank currency matches a blank one.
    old_values = old.assign(currency=old["currency"].fillna(""))[[*key, "value"]].rename(columns={"value": "old"})
    merged = result.assign(currency=result["currency"].fillna("")).merge(old_values, on=key, how="left")
    result["previous"] = merged["old"].to_numpy(dtype=float)
    result["change"] = result["value"] - result["previous"]
    unmatched = result["value"].notna() & result["previous"].isna()
    return add_reason(result, unmatched, NOT_IN_PREVIOUS.format(day=_day(before)))
