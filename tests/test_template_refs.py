"""A1 references moved for rows a table marker inserts, and renamed sheets (omxl/render/refs.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omxl.render.refs import Moves, quote, unquote


def moves(added: int = 999, data_row: int = 6, sheet: str = "Late") -> Moves:
    found = Moves()
    found.insert(sheet, data_row, added)
    return found


@pytest.mark.parametrize("formula, host, expected", [
    ("=SUM(B6:B6)", "Late", "=SUM(B6:B1005)"),  # the one-row table the author sees, stretched
    ("=SUM($B$6:$B$6)", "Late", "=SUM($B$6:$B$1005)"),
    ("=SUM(B5:B7)", "Late", "=SUM(B5:B1006)"),  # covers the data row: stretched; its end moves down
    ("=SUM(B1:B5)", "Late", "=SUM(B1:B5)"),  # ends above the data row: untouched
    ("=SUM(B7:B9)", "Late", "=SUM(B1006:B1008)"),  # below: moved
    ("=B6", "Late", "=B6"),  # one cell on the data row is the first record
    ("=B7*2", "Late", "=B1006*2"),
    ("=AVERAGE(Late!B6:B6)", "Summary", "=AVERAGE(Late!B6:B1005)"),
    ("=SUM('Late'!$C$6:$C$6)", "Summary", "=SUM('Late'!$C$6:$C$1005)"),
    ("=SUM(B6:B6)", "Summary", "=SUM(B6:B6)"),  # another sheet's own B6
    ("=SUM(Other!B6:B6)", "Late", "=SUM(Other!B6:B6)"),
    ('=IF(A7="B6",LOG10(B7),"x:y")', "Late", '=IF(A1006="B6",LOG10(B1006),"x:y")'),  # strings, function names
    ('="say ""B7"" "&B7', "Late", '="say ""B7"" "&B1006'),  # doubled quotes inside a literal
    ("=SUM(B:B)", "Late", "=SUM(B:B)"),  # whole columns never move
    ("=SUM(6:6)", "Late", "=SUM(6:1005)"),  # whole rows do
    ("=SUM(8:9)", "Late", "=SUM(1007:1008)"),
    ("=SUM(Prices[Qty])+ATAN2(B7,1)", "Late", "=SUM(Prices[Qty])+ATAN2(B1006,1)"),
    ("=[1]Late!B7+B7", "Late", "=[1]Late!B7+B1006"),  # another book's sheet named Late is not this one
    ("=my_name_B7+B7", "Late", "=my_name_B7+B1006"),  # a name that ends like a reference
    ("='Late'!B6:B6", None, "='Late'!B6:B1005"),  # defined names and charts: sheet given
    ("=B6:B6", None, "=B6:B6"),  # no sheet, no host: nothing to move
])
def test_formula_references_move_as_excel_moves_them(formula, host, expected):
    assert moves().formula(formula, host) == expected


def test_sheet_names_are_matched_ignoring_case_and_renamed_with_quotes():
    found = moves()
    found.rename("Late", "Late 2026-11-27")
    assert found.formula("=SUM(late!B6:B6)+'LATE'!C9", None) == (
        "=SUM('Late 2026-11-27'!B6:B1005)+'Late 2026-11-27'!C1008")
    assert found.formula("=Other!B6", None) == "=Other!B6"


def test_two_tables_on_one_sheet_move_each_other():
    found = Moves()
    found.insert("Late", 4, 10)  # the upper table adds 10 rows under row 4
    found.insert("Late", 20, 5)  # the lower one 5 under row 20
    assert found.formula("=SUM(B4:B4)+SUM(B20:B20)+B25", "Late") == "=SUM(B4:B14)+SUM(B30:B35)+B40"
    assert found.row("Late", 21) == 36


def test_sqref_stretches_single_cells_on_the_data_row_but_moves_only_with_stretch_off():
    found = moves()
    assert found.sqref("C6 A1:B2 D7:E8", "Late") == "C6:C1005 A1:B2 D1006:E1007"
    assert found.sqref("C6", "Late", stretch=False) == "C6"
    assert found.sqref("C7", "Late", stretch=False) == "C1006"


def test_no_rows_inserted_changes_nothing():
    assert moves(added=0).formula("=SUM(B6:B6)+B7", "Late") == "=SUM(B6:B6)+B7"


@pytest.mark.parametrize("name, written", [("Late", "Late"), ("Late lines", "'Late lines'"), ("O'Neil", "'O''Neil'"),
                                           ("A1", "'A1'"), ("2026", "'2026'")])
def test_sheet_names_are_quoted_when_a_formula_needs_it(name, written):
    assert quote(name) == written
    assert unquote(written) == name


def _independent(row: int, end: bool, data_row: int, added: int) -> int:
    """Excel's rule, written out again: rows below the data row move; a range's end on or below it too."""
    return row + added if row > data_row or (end and row >= data_row) else row


@given(start=st.integers(1, 5000), length=st.integers(0, 50), data_row=st.integers(1, 5000),
       added=st.integers(0, 100_000), col=st.sampled_from(["A", "B", "Z", "AA", "XFD"]),
       absolute=st.booleans())
def test_any_range_moves_by_the_rule(start, length, data_row, added, col, absolute):
    dollar = "$" if absolute else ""
    end = start + length
    formula = f"=SUM({dollar}{col}{dollar}{start}:{dollar}{col}{dollar}{end})"
    moved = moves(added, data_row).formula(formula, "Late")
    new_start, new_end = _independent(start, False, data_row, added), _independent(end, True, data_row, added)
    assert moved == f"=SUM({dollar}{col}{dollar}{new_start}:{dollar}{col}{dollar}{new_end})"


@given(text=st.text(alphabet=st.characters(blacklist_characters='"', blacklist_categories=("Cs",)), max_size=40))
def test_text_inside_string_literals_is_never_touched(text):
    formula = f'=B7&"{text}"&B7'
    assert moves().formula(formula, "Late") == f'=B1006&"{text}"&B1006'


@given(name=st.from_regex(r"[A-Z]{1,3}[0-9]{1,4}", fullmatch=True))
def test_function_names_that_look_like_cells_are_not_references(name):
    formula = f"={name}(B7)"
    assert moves().formula(formula, "Late") == f"={name}(B1006)"


@given(rows=st.lists(st.integers(1, 10_000), min_size=1, max_size=6), data_row=st.integers(1, 10_000),
       added=st.integers(1, 1000))
def test_moving_keeps_the_order_of_rows(rows, data_row, added):
    found = moves(added, data_row)
    moved = [found.row("Late", r) for r in rows]
    assert [a < b for a, b in zip(rows, rows[1:])] == [a < b for a, b in zip(moved, moved[1:])]
    assert all(m - r in (0, added) for m, r in zip(moved, rows))
    assert re.fullmatch(r"=\S+", found.formula("=" + "+".join(f"C{r}" for r in rows), "Late"))


def test_a_chart_series_of_one_data_row_cell_grows_with_stretch():
    assert moves().formula("'Late'!$F$6", None, stretch=True) == "'Late'!$F$6:$F$1005"
    assert moves().formula("'Late'!$F$5", None, stretch=True) == "'Late'!$F$5"  # the header: a series name
    assert moves().formula("'Late'!$F$6", None) == "'Late'!$F$6"
