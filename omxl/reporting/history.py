"""The run history: past weekly runs in an embedded SQLite file (no server), for "previous", the trend and what
changed. The caller says where the file is.

Each run keeps its as_of, a fingerprint of its inputs, its KPI rows, the state of every open order line
(status, late, at risk, projected ship date, backordered quantity) and the SKUs the plan reordered. Recording a run for
an as_of that is already there replaces it, in one transaction: a failure half-way leaves the history as it
was. A file that is not an omxl history, or one another program holds locked, stops with HistoryError naming
the file; omxl never deletes or rewrites such a file.

Apart from the runs, the `told` table keeps what each recipient of `omxl notify` was told: one row per item of
each message sent (docs/notify.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import OmxlError
from ..reconciliation.views import CLOSED_STATUSES
from .kpis import FIRST_RUN, KPI_COLUMNS, NOT_IN_PREVIOUS, add_reason, nothing_to_compare

HISTORY_NAME = "omxl-history.sqlite"
STATE_COLUMNS = ("order_id", "line", "sku", "status", "late", "at_risk", "projected_ship_date", "backordered_qty")
# Marks the file as an omxl history (PRAGMA application_id), so another program's SQLite file is not taken for one.
APPLICATION_ID = 0x6F6D786C  # "omxl"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    as_of TEXT PRIMARY KEY,          -- YYYY-MM-DD
    fingerprint TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kpis (
    as_of TEXT NOT NULL REFERENCES runs(as_of) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kpi TEXT NOT NULL, label TEXT, value REAL, unit TEXT, currency TEXT
);
CREATE TABLE IF NOT EXISTS line_states (
    as_of TEXT NOT NULL REFERENCES runs(as_of) ON DELETE CASCADE,
    order_id TEXT NOT NULL, line INTEGER, sku TEXT, status TEXT, late INTEGER, at_risk INTEGER,
    projected_ship_date TEXT, backordered_qty REAL
);
CREATE TABLE IF NOT EXISTS reorders (
    as_of TEXT NOT NULL REFERENCES runs(as_of) ON DELETE CASCADE,
    sku TEXT NOT NULL, order_qty REAL
);
CREATE INDEX IF NOT EXISTS kpis_run ON kpis(as_of);
CREATE INDEX IF NOT EXISTS line_states_run ON line_states(as_of);
CREATE INDEX IF NOT EXISTS reorders_run ON reorders(as_of);
CREATE TABLE IF NOT EXISTS told (  -- what each recipient of omxl notify was told, one row per item of a sent message
    kind TEXT NOT NULL, recipient TEXT NOT NULL, item TEXT NOT NULL, state TEXT NOT NULL,
    as_of TEXT NOT NULL, sent_at TEXT NOT NULL, message_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS told_recipient ON told(kind, recipient, item);
"""
TOLD_COLUMNS = ("kind", "recipient", "item", "state", "as_of")


class HistoryError(OmxlError):
    """The run history file cannot be used (not a history, damaged, locked); the message names the file and
    what to do. The file is left as it was."""


def _day(as_of: object) -> str:
    return pd.Timestamp(as_of).strftime("%Y-%m-%d")


def _days(text: pd.Series) -> pd.Series:
    """Stored YYYY-MM-DD days as datetime64[ns], the model's date type: pandas 3 would parse them to [us] (and an
    empty column to [s]), pandas 2 to [ns]."""
    return pd.to_datetime(text, format="%Y-%m-%d").astype("datetime64[ns]")


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
                hashed = pd.util.hash_pandas_object(values, index=False)
            except TypeError:  # an unknown column holding mixed Python objects: hash their text
                hashed = pd.util.hash_pandas_object(values.astype(str), index=False)
            digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


def line_states(rec) -> pd.DataFrame:
    """The state of every order line the history keeps (STATE_COLUMNS), from a Reconciliation."""
    lines = rec.lines
    return lines[list(STATE_COLUMNS)].reset_index(drop=True)


def reordered_skus(plan) -> pd.DataFrame:
    """sku and order_qty of the SKUs a ReorderPlan orders."""
    ordered = plan.lines[plan.lines["order_qty"] > 0]
    return ordered[["sku", "order_qty"]].reset_index(drop=True)


class History:
    """An omxl run history at `path` (created on first use; the folder must exist).

    `timeout` is how many seconds to wait for another program's lock before giving up with HistoryError."""

    def __init__(self, path: str | Path, *, timeout: float = 5.0):
        self.path = Path(path)
        self.timeout = timeout

    # -- connection -------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self):
        try:
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as error:
            raise self._error(error) from None
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            self._check(connection)
            yield connection
        except sqlite3.Error as error:
            raise self._error(error) from None
        finally:
            connection.close()

    def _check(self, connection: sqlite3.Connection) -> None:
        """A new (empty) file may become a history (record marks it); an existing one must be an omxl history.
        Reading the header raises DatabaseError for a file that is not SQLite at all."""
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application == APPLICATION_ID:
            return
        if application != 0 or tables:
            raise HistoryError(f"{self.path}: this SQLite file is not an omxl run history. It was left as it is; "
                               "pass another history location.")

    def _error(self, error: sqlite3.Error) -> HistoryError:
        text = str(error)
        if "locked" in text or "busy" in text:
            return HistoryError(f"{self.path}: the run history is locked by another program (it may be writing "
                                "to it). Nothing was changed; try again when it has finished.")
        if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text
                                                         or "corrupt" in text):
            return HistoryError(f"{self.path}: this file is not a readable omxl run history (damaged, or another "
                                "kind of file). It was left as it is; move it aside to start a new history, or "
                                "pass another history location.")
        return HistoryError(f"{self.path}: the run history could not be used ({text}). Nothing was changed.")

    # -- writing ----------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self):
        """One write transaction on a history marked as omxl's, its tables made if new: committed when the block
        ends, rolled back on any error, so a failure half-way leaves the history as it was."""
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

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
                exists = connection.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'told'").fetchone()[0]
                if exists:
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
            has_runs = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone()[0]
            return connection.execute(sql, params).fetchall() if has_runs else []

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


# Plain Python values for sqlite3 (it binds neither numpy scalars nor pandas.NA), blanks as None; whole columns at
# a time, so storing 100,000 lines costs no Python work per value beyond tolist().
def _ints(series: pd.Series) -> list:
    blank = series.isna().to_numpy()
    values = series.fillna(0).astype("int64").to_numpy().astype(object)
    values[blank] = None
    return values.tolist()


def _floats(series: pd.Series) -> list:
    values = series.astype(float).to_numpy()
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def _texts(series: pd.Series) -> list:
    out = series.astype(object).to_numpy(copy=True)
    out[series.isna().to_numpy()] = None
    return out.tolist()
