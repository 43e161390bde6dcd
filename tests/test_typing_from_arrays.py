"""Typing a column from what omxl's own .xlsx reader already holds (docs/reading.md, "Speed"): a number column's
values as one float64 array, dates by their code in the sheet's objects, texts by their code in the sheet's
table of texts, and only the texts that could be blank, an error's text or a null value trimmed. Each gives
what typing every cell as a Python object gives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from both_readers import read_by_both
from omxl import read_book
from omxl.config import Config
from omxl.io.read import normalize
from omxl.io.read.guards import replace_part
from omxl.io.read.sources import OWN, READER_VARIABLE, open_source
from omxl.io.read.sheet_cells import CellGrid, Region
from omxl.model import TABLE_BY_NAME

pytestmark = pytest.mark.core


def _patched(path: Path, sheet: str, replacements: list[tuple[bytes, bytes]]) -> Path:
    """The book at `path` with the sheet part's bytes replaced, as another program might have written them."""
    with zipfile.ZipFile(path) as source:
        xml = source.read(sheet)
    for old, new in replacements:
        assert xml.count(old) == 1, old
        xml = xml.replace(old, new)
    path.write_bytes(replace_part(path.read_bytes(), sheet, xml))
    return path


@pytest.fixture(scope="module")
def messy_numbers(tmp_path_factory) -> Path:
    """Orders whose number columns hold what users leave in them: numbers as text, a yes/no, a date, an error,
    a fraction in the line numbers, a value written ' 11' and one written 'inf' (calamine reads those two: a
    text and a number), one too large for a double, a blank; and dates that repeat."""
    path = tmp_path_factory.mktemp("typing") / "orders.xlsx"
    book = xlsxwriter.Workbook(str(path))
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Orders")
    sheet.write_row(0, 0, ["Order No", "Line", "SKU", "Qty", "Unit Price", "Order Date", "Customer"])
    for i in range(12):
        sheet.write_row(i + 1, 0, [f"SO-{100 + i // 3}", i % 3 + 1, f"SKU-{i % 4}", 10 + i, 2.5 * (i + 1)])
        sheet.write_number(i + 1, 5, 46_023 + i // 4, date)   # from 2026-01-01
        sheet.write_string(i + 1, 6, f"C-{i % 2}")
    sheet.write_string(2, 3, "1,200")           # D3
    sheet.write_boolean(4, 3, True)             # D5
    sheet.write_number(5, 3, 46_024, date)      # D6: a date in a number column
    sheet.write_formula(6, 4, "=NA()", None, "#N/A")   # E7
    sheet.write_number(7, 1, 2.5)               # B8: a fraction for a line number
    sheet.write_string(10, 5, "2026-01-09")     # F11: a date as text
    book.close()
    return _patched(path, "xl/worksheets/sheet1.xml", [(b'<c r="D4"><v>12</v>', b'<c r="D4"><v> 11</v>'),
                                                      (b'<c r="D9"><v>17</v>', b'<c r="D9"><v>inf</v>'),
                                                      (b'<c r="D10"><v>18</v></c>', b'<c r="D10"/>'),   # blank
                                                      (b'<c r="D13"><v>21</v>', b'<c r="D13"><v>1E+400</v>')])


@pytest.fixture(scope="module")
def both(messy_numbers):
    return read_by_both(messy_numbers)


def test_number_columns_typed_from_arrays_read_as_every_cell_typed_alone(both):
    slow, fast = both
    pd.testing.assert_frame_equal(fast.orders, slow.orders, check_exact=True)
    pd.testing.assert_frame_equal(fast.findings, slow.findings, check_exact=True)
    qty = fast.orders["qty"].tolist()
    assert qty[:3] + qty[5:7] + qty[9:11] == [10.0, 1200.0, 11.0, 15.0, 16.0, 19.0, 20.0]
    assert np.isnan(qty[3]) and np.isnan(qty[4])      # TRUE and a date: type errors
    assert qty[7] == qty[11] == np.inf                # 'inf' as calamine reads it, 1E+400 as both do
    assert np.isnan(qty[8])                           # the blank cell
    assert fast.orders["line"].tolist()[5:8] == [3, 1, 2]   # B8's 2.5 refused, its line numbered by position
    assert fast.orders["order_date"].dt.strftime("%Y-%m-%d").tolist()[8:11] == ["2026-01-03", "2026-01-09",
                                                                               "2026-01-03"]
    assert np.isnan(fast.orders["unit_price"].iloc[5]) and fast.orders["unit_price"].iloc[6] == 17.5


def test_the_findings_show_the_number_cells_as_written(both):
    _, fast = both
    found = fast.findings.set_index(["code", "column", "row"])
    assert found.loc[("type-error", "Line", 8), "value"] == "2.5"
    assert found.loc[("type-error", "Qty", 5), "value"] == "True"
    assert found.loc[("type-error", "Qty", 6), "value"] == "2026-01-02"
    assert found.loc[("type-error", "Line", 8), "message"] == \
        "'Line' must be a whole number (found 2.5). Type a whole number."
    assert found.loc[("error-cell", "Unit Price", 7), "value"] == "#N/A"
    assert found.loc[("normalized-value", "Order Date", 11), "value"] == "2026-01-09"
    fixed = found.loc[("normalized-value", "Qty", 3)]
    assert fixed["message"].startswith("2 values in column 'Qty' were numbers written as text and were converted "
                                       "(first at D3: '1,200')")


def test_a_regions_numbers_are_its_number_cells_and_calamines_numbers(messy_numbers, monkeypatch):
    monkeypatch.setenv(READER_VARIABLE, OWN)
    _, sheets = open_source(str(messy_numbers), 100)
    grid = next(iter(sheets)).grid
    assert isinstance(grid, CellGrid)
    region = Region(grid, 1, grid.cells.height, 0, 6)
    numbers = region.numbers(3)
    assert numbers[[0, 5, 9]].tolist() == [10.0, 15.0, 19.0]
    assert np.isinf(numbers[7]) and np.isinf(numbers[11])   # an object calamine read is a number all the same
    assert np.isnan(numbers[[1, 2, 3, 4, 8]]).all()   # texts (' 11' too, as calamine reads it), TRUE, a date, blank
    apart = region.values(3, numbers_apart=True)
    assert apart[[0, 5, 9]].tolist() == ["", "", ""]
    assert apart[[1, 2, 3, 7, 8]].tolist() == ["1,200", " 11", True, np.inf, ""]
    whole = region.values(3)
    assert whole[[0, 5]].tolist() == [10.0, 15.0] and type(whole[0]) is float
    _, _, qty_objects = region.hints(3)
    assert qty_objects[7] >= 0 and qty_objects[11] == -1   # 'inf' is an object calamine read, 1E+400 a number
    _, text_codes, object_codes = region.hints(5)
    assert (object_codes[[0, 4]] >= 0).all() and object_codes[9] == -1 and text_codes[9] >= 0


def test_numbers_apart_only_for_a_number_column_with_its_classes():
    sku = TABLE_BY_NAME["orders"].column("sku")
    origin = normalize.ColumnOrigin("orders", "b.xlsx", "Orders", "SKU", "C", True)
    with pytest.raises(ValueError, match="numbers are given apart only for a number column"):
        normalize.convert(pd.Series(["A"], dtype=object), sku, origin, np.array([2]), np.array([None]), Config(),
                          classes=np.array([1], dtype=np.int8), numbers=np.array([np.nan]))


PIECES = ["a", "S", "#", "N", "/", "A", " ", "\t", "\x1c", "\xa0", "\u2003", "E", "r", ":", "5", "!", "-", "\n", "é",
          "#N/A", "NULL", "Err:502", "#GETTING_DATA", "n/a", ""]
texts = st.lists(st.lists(st.sampled_from(PIECES), max_size=4).map("".join), min_size=1, max_size=12)


@settings(max_examples=400, deadline=None)
@given(texts, st.sampled_from([["NULL", "N/A", "-"], ["", "—", "none"], [], [" n/a "]]))
def test_only_the_texts_that_could_be_flagged_are_trimmed_and_the_flags_are_the_same(values, null_values):
    text = pd.Series(values, dtype=object)
    fast = normalize._text_flags(text, null_values)
    every = normalize._trimmed_flags(text, null_values)
    assert fast.to_numpy().tolist() == every.to_numpy().tolist()
    assert list(fast.columns) == ["blank", "error", "null"]


def test_a_column_of_ids_trims_no_text_and_a_padded_one_is_found():
    ids = [f"SH-{300_000 + i}" for i in range(1_000)]
    assert normalize._could_be_flagged(ids, frozenset({"#N/A", "NULL"})).tolist() == []
    padded = ids[:5] + [" #N/A", "", "NULL", "SH-1\t", "Err:502", "N"]
    assert normalize._could_be_flagged(padded, frozenset({"#N/A", "NULL", "Err:502"})).tolist() == \
        [5, 6, 7, 8, 9, 10]
    assert normalize._could_be_flagged(["é", "a"], frozenset({"#N/A"})) is None      # not ASCII: all trimmed
    assert normalize._could_be_flagged(["a\nb", "c"], frozenset({"#N/A"})) is None   # a newline of its own
    assert normalize._could_be_flagged(["", ""], frozenset({"#N/A"})).tolist() == [0, 1]
    # longer than any literal, yet one once trimmed
    long = pd.Series(["#N/A" + " " * 20, "x" * 30, "\tNULL"], dtype=object)
    assert normalize._text_flags(long, ["NULL"]).to_numpy().tolist() == \
        [[False, True, False], [False, False, False], [False, False, True]]


@pytest.mark.parametrize("codes", [
    np.array([5, 3, 5, 9, 3, 0]),                        # a dense table: marked, not hashed
    np.array([2_000_000, 7, 2_000_000, 7]),              # a table far larger than the column: hashed
    np.array([-1, 4, -1]),                               # codes below 0: hashed
    np.array([], dtype=np.int64),
])
def test_relabelled_codes_group_the_cells_as_the_codes_do(codes):
    labels, n_distinct = normalize._relabel(codes)
    assert n_distinct == len(set(codes.tolist()))
    assert sorted(set(labels.tolist())) == list(range(n_distinct))
    pairs = set(zip(codes.tolist(), labels.tolist()))
    assert len(pairs) == n_distinct                     # one label per code, one code per label


def test_per_unique_with_codes_calls_the_function_once_per_distinct_code():
    seen = []

    def upper(values: pd.Series) -> pd.Series:
        seen.append(values.tolist())
        return values.str.upper()

    values = pd.Series(["b", "a", "b", "c", "a"], dtype=object, index=[10, 11, 12, 13, 14])
    result = normalize.per_unique(values, upper, np.array([7, 2, 7, 4, 2]))
    assert result.tolist() == ["B", "A", "B", "C", "A"] and result.index.tolist() == [10, 11, 12, 13, 14]
    assert sorted(seen[0]) == ["a", "b", "c"]


def test_a_columns_distinct_texts_are_found_once_and_the_converter_sees_only_the_unflagged(monkeypatch):
    # Found once for the flags and the converter alike: the blank and the null value are flagged, and the
    # identifiers' tidy check sees the other texts only (with "" among them it would take the long way).
    found, tidied = [], []
    distinct, tidy = normalize._distinct, normalize._tidy_identifier
    monkeypatch.setattr(normalize, "_distinct", lambda *a: found.append(1) or distinct(*a))
    monkeypatch.setattr(normalize, "_tidy_identifier", lambda u: tidied.append(u.tolist()) or tidy(u))
    raw = pd.Series(["SO-2", "", "SO-1", "N/A", "SO-2", " SO-3", "SO-1"], dtype=object)
    origin = normalize.ColumnOrigin("orders", "orders.xlsx", "Orders", "Order #", "A", True)
    typed, findings = normalize.convert(raw, TABLE_BY_NAME["orders"].column("order_id"), origin,
                                        np.arange(2, 9), np.full(7, None, dtype=object),
                                        Config(null_values=["N/A"]), text_codes=np.array([4, 0, 1, 2, 4, 3, 1]))
    assert typed.tolist() == ["SO-2", pd.NA, "SO-1", pd.NA, "SO-2", "SO-3", "SO-1"]
    assert len(found) == 1
    assert tidied == [["SO-1", " SO-3", "SO-2"]]         # in code order, without "" and "N/A"
    assert [(f["row"].tolist(), f["value"].tolist()) for f in findings] == [([5], ["N/A"]), ([7], [" SO-3"])]
    assert findings[0]["message"].tolist() == [
        "1 value in column 'Order #' read as blank (null value 'N/A') (first at A5: 'N/A')."]


def test_a_csv_columns_ids_are_one_string_object_per_distinct_id(tmp_path):
    # A CSV's cells are each a new string; the typed ids are the distinct texts, so that grouping and matching
    # later hash each id once and compare equal ids by identity (without it, reconcile on Online Retail's files
    # took a fifth longer).
    lines = ["Order No,Line,SKU,Qty,Order Date,Customer"]
    lines += [f"SO-{100 + i // 4},{i % 4 + 1},SKU-{i % 7},{i + 1},2026-03-{1 + i % 28:02d},C-{i % 3}" for i in range(200)]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    orders = read_book(path).orders
    for column, distinct in (("order_id", 50), ("sku", 7), ("customer_id", 3)):
        cells = orders[column].to_numpy(dtype=object)
        assert len(set(cells.tolist())) == distinct
        assert len({id(cell) for cell in cells}) == distinct, column
