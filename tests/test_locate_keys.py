"""The header-row search skips rows that cannot name a table's required columns (Matcher.known_keys), and still
finds a header that names one only beside another (a context alias)."""

from __future__ import annotations

import pytest

import omxl
from omxl.config import Config
from omxl.io.read.locate import Matcher, folded_rows, header_row_with
from omxl.model import TABLE_BY_NAME

pytestmark = pytest.mark.core


def test_a_quantity_beside_a_location_is_on_hand_under_a_title_row(tmp_path):
    path = tmp_path / "export1.csv"
    path.write_text("Stock count of 2026-03-02,,\n,,\nSKU,Location,Quantity\nA-1,Main,4\nB-2,Annex,0\n",
                    encoding="utf-8")
    book = omxl.read_book(path)
    layout = book.layout.set_index("source")
    assert layout.loc["export1.csv", "table"] == "inventory"
    assert layout.loc["export1.csv", "header_row"] == 3
    assert book.tables["inventory"]["on_hand"].tolist() == [4, 0]


def test_known_keys_hold_aliases_configured_names_and_context_aliases():
    matcher = Matcher.build(Config(columns={"inventory": {"Bestand": "on_hand"}}))
    known = matcher.known_keys("inventory")
    assert {"sku", "onhand", "bestand", "quantity", "qty"} <= known
    assert "orderid" not in known
    grid = [["Report", None, None], ["SKU", "Bin", "Qty"], ["A-1", "B7", 3]]
    keys = folded_rows(grid, matcher)
    assert keys[1] == {"sku", "bin", "qty"}
    assert header_row_with(grid, TABLE_BY_NAME["inventory"], matcher, keys) == 1
    assert header_row_with(grid, TABLE_BY_NAME["orders"], matcher, keys) is None
