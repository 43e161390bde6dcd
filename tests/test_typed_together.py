"""Files of one layout typed together (omxl/io/read/together.py) give exactly what typing each file alone gives:
the same tables, findings (in the same order, each naming its own file and cell), layout and column map."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

import omxl
from omxl.io.read import tables

HEADER = "Order No,Item,,Qty,Order Date,Status,Priority,Ship Complete,Customer,Region\n"
# Each file has its own defects, so that a finding about one file could only be right if it names that file.
FILES = {
    "2026-03-02.csv": HEADER + (
        "1001,SKU-1,,5,2026-03-02,open,1,yes,C-1,North\n"
        "1001,SKU-2,,\"1,200\",02/03/2026,shiped,2,no,C-1,North\n"    # number as text with a comma; unknown status
        "1002, SKU-3 ,,NULL,31/12/2026,open,1.5,maybe,C-2,South\n"      # tidied id, null value, fraction, bad yes/no
        "C1003,SKU-1,,-5,2026-03-02T10:00+01:00,,1,,C-2,South\n"       # cancelled by the pattern
        "1004,SKU-4,,#REF!,2026-03-30T10:00+02:00,9,1,1,C-3,\n"          # an error literal; status code 9
    ),
    "2026-03-03.csv": HEADER + (
        "1001,SKU-9,extra,7,2026-03-03,zz,3,TRUE,C-4,West\n"           # the blank-headed column holds data here
        ",,,,,,,,,\n"                                                   # a blank row between data rows
        "1005,SKU-5,,abc,03/04/2026,open,1,yes,C-4,West,too many\n"    # not a number; ambiguous date; long row
        "C1006,SKU-5,,1,2026-03-03,,1,,C-5,\n"
        "C1007,SKU-6,,2,2026-03-03,,1,,C-5,\n"
    ),
    "2026-03-04.csv": HEADER + "1001,SKU-1,,3,2026-03-04,open,1,yes,C-1,North\n1008,SKU-7,,4,2026-03-04,,,,C-6,\n",
    # Another layout in between: typed on its own, then the last file again alone.
    "2026-03-05.csv": "Order No,Item,Qty,Order Date\n1009,SKU-8,2,2026-03-05\n1009,SKU-8,NULL,2026-03-05\n",
    "2026-03-06.csv": HEADER + "1010,SKU-1,,6,2026-03-06,shipped,1,no,C-7,North\n",
}
CONFIG = {"cancelled_order_pattern": "^C", "values": {"orders": {"status": {"9": "closed"}}}}


@pytest.fixture
def paths(tmp_path):
    written = []
    for name, text in FILES.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _read(paths, monkeypatch, together: bool):
    typed_at_once: list[int] = []
    typed_sheets = tables._typed_sheets

    def counting(cuts, *args):
        typed_at_once.append(len(cuts))
        return typed_sheets(cuts, *args)

    monkeypatch.setattr(tables, "_typed_sheets", counting)
    if not together:
        monkeypatch.setattr(tables.CutSheet, "same_layout", lambda self, other: False)
    book = omxl.read_book(*paths, config=CONFIG)
    monkeypatch.undo()
    return book, typed_at_once


def test_typing_files_together_equals_typing_each_alone(paths, monkeypatch):
    together, batches = _read(paths, monkeypatch, together=True)
    alone, one_by_one = _read(paths, monkeypatch, together=False)
    assert batches == [3, 1, 1]
    assert one_by_one == [1, 1, 1, 1, 1]
    for name in together.tables:
        pdt.assert_frame_equal(together.tables[name], alone.tables[name], obj=name)
    pdt.assert_frame_equal(together.findings, alone.findings)
    pdt.assert_frame_equal(together.layout, alone.layout)
    pdt.assert_frame_equal(together.column_map, alone.column_map)


def test_each_file_keeps_its_own_findings_and_line_numbers(paths, monkeypatch):
    book, _ = _read(paths, monkeypatch, together=True)
    found = book.findings
    status = found[(found["code"] == "type-error") & (found["column"] == "Status")]
    assert list(zip(status["source"], status["cell"], status["value"])) == [
        ("2026-03-02.csv", "F3", "shiped"), ("2026-03-03.csv", "F2", "zz")]
    # The lines to paste name that file's codes only.
    assert "\"shiped\" = \"open\"" in status["message"].iloc[0] and "zz" not in status["message"].iloc[0]
    assert "\"zz\" = \"open\"" in status["message"].iloc[1] and "shiped" not in status["message"].iloc[1]
    cancelled = found[found["message"].str.contains("cancelled_order_pattern")]
    assert list(zip(cancelled["source"], cancelled["cell"], cancelled["count"])) == [
        ("2026-03-02.csv", "A5", 1), ("2026-03-03.csv", "A5", 2)]
    assert cancelled["message"].iloc[1].startswith("2 lines read as cancelled")
    nulls = found[found["message"].str.contains("null value", regex=False)]
    assert list(zip(nulls["source"], nulls["cell"], nulls["count"])) == [
        ("2026-03-02.csv", "D4", 1), ("2026-03-05.csv", "C3", 1)]
    numbers = found[(found["code"] == "normalized-value") & (found["column"] == "Qty")
                    & found["message"].str.contains("written as text")]
    assert list(zip(numbers["source"], numbers["cell"])) == [("2026-03-02.csv", "D3")]
    assert list(found.loc[found["code"] == "error-cell", "cell"]) == ["D6"]
    assert list(found.loc[found["code"] == "ambiguous-date", ["source", "cell"]].itertuples(index=False)) == [
        ("2026-03-02.csv", "E3"), ("2026-03-03.csv", "E4")]
    assert list(found.loc[found["code"] == "blank-row", ["source", "row"]].itertuples(index=False)) == [
        ("2026-03-03.csv", 3)]
    assert list(found.loc[found["code"] == "malformed-row", ["source", "row"]].itertuples(index=False)) == [
        ("2026-03-03.csv", 4)]
    # The blank-headed column is reported where it holds data only; Region once for the whole book.
    unknown = found[found["code"] == "unknown-column"]
    assert list(zip(unknown["source"], unknown["column"], unknown["cell"])) == [
        ("2026-03-02.csv", "Region", "J1"), ("2026-03-03.csv", "Column C", "C1")]
    orders = book.orders
    assert list(orders["source"].value_counts(sort=False)) == [5, 4, 2, 2, 1]
    first_lines = orders[orders["order_id"] == "1001"]
    # Order 1001 appears in three files: its lines are numbered within each file.
    assert list(zip(first_lines["source"], first_lines["line"])) == [
        ("2026-03-02.csv", 1), ("2026-03-02.csv", 2), ("2026-03-03.csv", 1), ("2026-03-04.csv", 1)]
    assert list(orders.loc[orders["source"] == "2026-03-03.csv", "status"]) == [pd.NA, "open", "cancelled",
                                                                               "cancelled"]
    # The code 9 was read in the first file only: only its rows carry the code as written.
    assert orders.loc[orders["order_id"] == "1004", "status"].iloc[0] == "closed"
    assert orders.loc[orders["order_id"] == "1004", "status (as written)"].iloc[0] == "9"


def test_offsets_of_a_summer_time_change_read_as_written(tmp_path):
    """A column with +01:00 beside +02:00 (the clocks went forward) reads each time as written, the offset
    dropped, instead of stopping on mixed time zones."""
    path = tmp_path / "orders.csv"
    path.write_text("Order No,Item,Qty,Order Date\n1,SKU-1,1,2026-03-28T09:30+01:00\n"
                    "2,SKU-1,1,2026-03-30T09:30+02:00\n3,SKU-1,1,2026-03-31\n4,SKU-1,1,2026-04-01T08:00Z\n",
                    encoding="utf-8")
    book = omxl.read_book(path)
    assert list(book.orders["order_date"]) == [pd.Timestamp("2026-03-28 09:30"), pd.Timestamp("2026-03-30 09:30"),
                                               pd.Timestamp("2026-03-31"), pd.Timestamp("2026-04-01 08:00")]


@pytest.mark.parametrize("names", [["a.csv", "b.csv", "c.csv"], ["b.csv", "a.csv", "c.csv"], ["b.csv", "c.csv"]])
def test_files_with_a_header_and_no_rows_among_them(tmp_path, monkeypatch, names):
    """A file of one layout with no data rows, first, between or last, gets what it gets typed alone."""
    texts = {"a.csv": "Order No,Item,,Qty,Region\n1,SKU-1,x,2,North\n2,SKU-2,,NULL,\n",
             "b.csv": "Order No,Item,,Qty,Region\n", "c.csv": "Order No,Item,,Qty,Region\n"}
    paths = []
    for name in names:
        (tmp_path / name).write_text(texts[name], encoding="utf-8")
        paths.append(tmp_path / name)
    together, batches = _read(paths, monkeypatch, together=True)
    alone, _ = _read(paths, monkeypatch, together=False)
    assert batches == [len(names)]
    for name in together.tables:
        pdt.assert_frame_equal(together.tables[name], alone.tables[name], obj=name)
    pdt.assert_frame_equal(together.findings, alone.findings)
    pdt.assert_frame_equal(together.layout, alone.layout)
    assert list(together.layout["rows"]) == [2 if n == "a.csv" else 0 for n in names]
    made_up = together.findings[together.findings["column"] == "Column C"]
    assert list(made_up["source"]) == (["a.csv"] if "a.csv" in names else [])
