"""CSV specifics: delimiters, encodings, quoted line breaks (row = line number), title lines."""

from __future__ import annotations

import csv

import pytest

import omxl
from omxl.config import Config
from omxl.io.read.locate import Matcher
from omxl.io.read.sources import CSV_DELIMITERS, _delimiter

pytestmark = pytest.mark.core


def test_semicolon_cp1252_with_title_line_and_quoted_line_break(tmp_path):
    path = tmp_path / "Sales Orders.csv"
    text = ("Export from ERP;;;;\n"
            "Order No;Date Ordered;Account;Part Number;Units;Ship By\n"
            "SO-1;2026-11-02;Müller GmbH;P-1;2;2026-11-20\n"
            "SO-2;2026-11-03;\"Two\nLines\";P-2;1 200;\n"
            "SO-3;2026-11-04;C-3;P-3;4;2026-11-30\n")
    path.write_bytes(text.encode("cp1252"))
    book = omxl.read_book(path)
    orders = book.orders
    assert orders["customer_id"].tolist() == ["Müller GmbH", "Two Lines", "C-3"]
    assert orders["qty"].tolist() == [2.0, 1200.0, 4.0]
    # The record with a line break starts on line 4; the next record starts on line 6.
    assert orders["row"].tolist() == [3, 4, 6]
    assert book.layout[["sheet", "table", "header_row"]].values.tolist() == [["Sales Orders", "orders", 2]]
    fixes = book.findings[book.findings["code"] == "normalized-value"]
    assert fixes[["cell", "column", "count"]].values.tolist() == [["C4", "Account", 1], ["E4", "Units", 1]]


def test_plain_csv_text_is_not_counted_as_a_fix(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order ID,Order Date,Customer ID,SKU,Quantity\nSO-1,2026-11-02,C-1,00123,5\n", encoding="utf-8")
    book = omxl.read_book(path)
    assert book.orders[["sku", "qty"]].values.tolist() == [["00123", 5.0]]
    assert book.findings.empty


def test_short_records_are_padded(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order ID,Order Date,Customer ID,SKU,Quantity,Unit Price\nSO-1,2026-11-02,C-1,S-1,5\n",
                    encoding="utf-8")
    book = omxl.read_book(path)
    assert book.orders["unit_price"].isna().tolist() == [True]
    assert book.findings.empty


def test_many_daily_files_are_summarised_in_the_repr(tmp_path):
    paths = []
    for day in range(1, 6):
        path = tmp_path / f"2026-11-0{day}.csv"
        path.write_text(f"InvoiceNo,InvoiceDate,CustomerID,StockCode,Quantity\n{day},2026-11-0{day},1,S,1\n",
                        encoding="utf-8")
        paths.append(path)
    book = omxl.read_book(*paths)
    assert book.where("orders") == ("2026-11-01.csv (header row 1); ... 3 more ...; 2026-11-05.csv (header row 1) "
                                    "(5 sheets)")
    assert book.orders["order_id"].tolist() == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("sample, sniffed", [
    ('Order ID,SKU\n"SO-1, urgent",S-1\n', ","),      # quoted field: the sniffer's quote rule answers
    ("Order ID,SKU\nChildren's,S-1\nx's,S-2\n", ","),  # apostrophes taken for quotes
    ("Order ID\nSO-1\n", None),                        # one column: nothing to find
    ("Order ID,SKU,Qty\nSO-1\nSO-2,S-2\n", None),      # ragged: no consistent count
])
def test_a_sample_without_other_delimiters_reads_as_commas_without_sniffing(sample, sniffed):
    # The sniffer only answers a candidate that occurs in the sample, and nothing is read as ",": the same.
    try:
        found = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        found = None
    assert found == sniffed
    assert _delimiter(sample) == ","


def test_a_sample_with_semicolons_is_still_sniffed():
    assert _delimiter("Order ID;SKU;Note\nSO-1;S-1;a, b\nSO-2;S-2;c, d\n") == ";"


def test_the_matcher_folds_each_header_text_once_and_numbers_every_time():
    matcher = Matcher.build(Config())
    assert matcher.columns("orders", ["Order ID", "Qty", "order_id", 1, True, "1"]) == \
        ["order_id", "qty", "order_id", None, None, None]
    # 1, True and "1" are equal or alike as keys but fold to "1", "true" and "1": only text is remembered.
    assert matcher.folded == {"Order ID": "orderid", "Qty": "qty", "order_id": "orderid", "1": "1"}
