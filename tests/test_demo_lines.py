"""`omxl demo --lines` up to a full Orders sheet: the limit, and the item numbers of a book with more SKUs than
five-digit numbers. (A full 1,048,571-line book takes minutes to write: benchmarks/performance.py makes one.)"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from omxl.cli import cli
from omxl.demo import MAX_LINES, demo_tables
from omxl.demo.data import _items, _suppliers
from omxl.demo.sheets import EXCEL_ROWS, HEADER_ROW


def test_the_largest_book_fills_the_orders_sheet_to_excels_last_row():
    # Title block and header in rows 1-4, the lines and one blank row below: row 1,048,576 is the last line's.
    assert MAX_LINES == 1_048_571
    assert HEADER_ROW["Orders"] + MAX_LINES + 1 == EXCEL_ROWS == 1_048_576


def test_more_lines_than_the_sheet_holds_is_a_usage_error_naming_the_limit(tmp_path):
    out = tmp_path / "big.xlsx"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--lines", "1048572"])
    assert result.exit_code == 2
    assert ("Invalid value for '--lines': 1,048,572 lines do not fit on one Excel sheet: the Orders sheet holds at "
            "most 1,048,571 (1,048,576 rows less its title block, header and blank row).") in result.output
    assert not out.exists()


def test_the_library_refuses_more_lines_than_the_sheet_holds():
    with pytest.raises(ValueError, match=r"^lines must be at most 1,048,571: that many order lines, a blank row, "
                                         r"the title block and the header fill the Orders sheet's 1,048,576 rows$"):
        demo_tables(lines=1_048_572)


def _skus(count: int) -> list[str]:
    rng = np.random.default_rng(5)
    return _items(rng, count, _suppliers(rng, 40))["sku"].tolist()


def test_five_digit_item_numbers_while_they_suffice():
    # 80,003 SKUs (lines 640,024 to 640,031): three numeric-looking ones and every number 10000..89999.
    skus = _skus(80_003)
    assert skus[:5] == ["00160", "00616", "00875", "SKU-10000", "SKU-10001"]
    assert skus[3:] == [f"SKU-{k}" for k in range(10000, 90000)]


def test_six_digit_item_numbers_beyond_them():
    # 80,004 SKUs (640,032 lines, the first book of more): 80,001 distinct six-digit numbers, none the
    # deliberately unknown SKU-99017.
    skus = _skus(80_004)
    assert skus[:5] == ["00155", "00756", "00804", "SKU-100009", "SKU-100021"]
    assert skus[-2:] == ["SKU-999971", "SKU-999980"]
    assert len(set(skus)) == 80_004
    assert all(len(sku) == 10 for sku in skus[3:])
