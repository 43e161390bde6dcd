"""The run history's SQLite file (embedded, no server): opening it, checking that it is an omxl history, its
tables (made when missing, so a history written by an older omxl gains the new ones on its next write), one
transaction per write; and the `drafts` table: what plan_reorders proposed, so that a later plan does not propose
it again while it waits to be ordered (docs/learning.md, "Drafts that remember").

The weekly runs (KPIs, line states, reordered SKUs) and what notify told are kept by omxl/reporting/history.py,
whose History builds on HistoryStore. This part sits below planning, which reads and writes its drafts here, and
below reporting, which plans; so there is no import circle.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import OmxlError

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
CREATE TABLE IF NOT EXISTS drafts (  -- what plan_reorders proposed per as_of: one row per SKU on a supplier's draft
    as_of TEXT NOT NULL, sku TEXT NOT NULL, supplier_id TEXT NOT NULL, currency TEXT, order_qty REAL NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS drafts_run ON drafts(as_of);
"""
# Not tied to `runs`: `omxl reorder --history` keeps its drafts without a weekly run of that day.
DRAFT_COLUMNS = ("as_of", "sku", "supplier_id", "currency", "order_qty")


class HistoryError(OmxlError):
    """The run history file cannot be used (not a history, damaged, locked); the message names the file and
    what to do. The file is left as it was."""


def _day(as_of: object) -> str:
    return pd.Timestamp(as_of).strftime("%Y-%m-%d")


def _days(text: pd.Series) -> pd.Series:
    """Stored YYYY-MM-DD days as datetime64[ns], the model's date type: pandas 3 would parse them to [us] (and an
    empty column to [s]), pandas 2 to [ns]."""
    return pd.to_datetime(text, format="%Y-%m-%d").astype("datetime64[ns]")


class HistoryStore:
    """The SQLite file of an omxl run history at `path` (created on first write; the folder must exist), and the
    drafts plan_reorders proposed. omxl.History (the weekly runs, what notify told) is one too.

    `timeout` is how many seconds to wait for another program's lock before giving up with HistoryError."""

    def __init__(self, path: "str | Path", *, timeout: float = 5.0):
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

    @staticmethod
    def _has_table(connection: sqlite3.Connection, name: str) -> bool:
        return bool(connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                                       (name,)).fetchone()[0])

    # -- writing ----------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self):
        """One write transaction on a history marked as omxl's, its tables made if new (a history of an older
        omxl gains the tables it lacks): committed when the block ends, rolled back on any error, so a failure
        half-way leaves the history as it was."""
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

    # -- drafts -----------------------------------------------------------------------------------------------
    def record_drafts(self, *, as_of: object, drafts: pd.DataFrame) -> None:
        """Store what a plan as of `as_of` proposed (`drafts`: sku, supplier_id, currency, order_qty), replacing
        what an earlier run for the same as_of stored, in one transaction."""
        day = _day(as_of)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        rows = list(zip([day] * len(drafts), _texts(drafts["sku"]), _texts(drafts["supplier_id"]),
                        _texts(drafts["currency"]), _floats(drafts["order_qty"]), [now] * len(drafts)))
        with self._transaction() as connection:
            connection.execute("DELETE FROM drafts WHERE as_of = ?", (day,))
            connection.executemany("INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?)", rows)

    def drafts(self, *, since: object, before: object) -> pd.DataFrame:
        """DRAFT_COLUMNS of the drafts proposed on as_of days from `since` up to the day before `before`, oldest
        first. A file not there yet, or a history from before drafts were kept, has none."""
        rows: list[tuple] = []
        if self.path.exists():
            with self._connect() as connection:
                if self._has_table(connection, "drafts"):
                    rows = connection.execute(
                        "SELECT as_of, sku, supplier_id, currency, order_qty FROM drafts WHERE as_of >= ? AND "
                        "as_of < ? ORDER BY as_of, rowid", (_day(since), _day(before))).fetchall()
        frame = pd.DataFrame(rows, columns=list(DRAFT_COLUMNS))
        return frame.astype({"sku": "string[python]", "supplier_id": "string[python]", "currency": "string[python]",
                             "order_qty": float}).assign(as_of=_days(frame["as_of"]))


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
