"""The same data read from .xlsx, .ods, .xls, .csv, a file object and DataFrames gives equal tables."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pandas as pd
import pandas.testing as pdt
import pytest
import xlsxwriter

import omxl
from conftest import convert_with_libreoffice

pytestmark = pytest.mark.core

ROWS = [
    ("SO-1", 1, dt.date(2026, 11, 2), "C-1", "00123", 5, 2.5, dt.date(2026, 11, 20), "Open"),
    ("SO-1", 2, dt.date(2026, 11, 2), "C-1", "SKU-7", 1200, 0.75, dt.date(2026, 11, 25), "Canceled"),
    ("SO-2", 1, dt.date(2026, 11, 3), "C-2", "SKU-9", 2, 10.0, dt.date(2026, 12, 1), "Hold"),
    ("SO-3", 1, dt.date(2026, 11, 4), "C-3", "SKU-7", 7.5, 0.75, dt.date(2026, 12, 4), "Shipped"),
]
HEADERS = ["Order Number", "Line", "Order Date", "Customer ID", "SKU", "Quantity", "Unit Price", "Due Date", "Status"]
CONTENT = ["order_id", "line", "order_date", "customer_id", "sku", "qty", "unit_price", "promised_date", "status"]


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    path = folder / "orders.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Orders")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADERS)
    for r, values in enumerate(ROWS, start=1):
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_format)
            else:
                sheet.write(r, c, value)
    book.close()
    converted = {"xlsx": path}
    for kind in ("ods", "xls", "csv"):
        converted[kind] = convert_with_libreoffice(path, kind, folder)
    return converted


def canonical(book):
    return book.orders[CONTENT + ["row"]].reset_index(drop=True)


@pytest.mark.parametrize("kind", ["ods", "xls", "csv"])
def test_other_formats_read_equal_to_xlsx(formats, kind):
    expected = canonical(omxl.read_book(formats["xlsx"]))
    actual = canonical(omxl.read_book(formats[kind]))
    pdt.assert_frame_equal(actual, expected)
    assert expected["qty"].tolist() == [5.0, 1200.0, 2.0, 7.5]
    assert expected["status"].tolist() == ["open", "cancelled", "on_hold", "closed"]


def test_kind_comes_from_bytes_not_extension(formats, tmp_path):
    disguised = tmp_path / "orders.csv"
    shutil.copy(formats["xlsx"], disguised)
    book = omxl.read_book(disguised)
    assert book.layout["kind"].tolist() == ["xlsx"]
    pdt.assert_frame_equal(canonical(book), canonical(omxl.read_book(formats["xlsx"])))


def test_open_file_object(formats):
    with open(formats["xlsx"], "rb") as handle:
        book = omxl.read_book(handle)
    assert book.orders["source"].unique().tolist() == ["orders.xlsx"]
    pdt.assert_frame_equal(canonical(book), canonical(omxl.read_book(formats["xlsx"])))
    stream = io.BytesIO(formats["csv"].read_bytes())
    assert omxl.read_book(stream).orders["sku"].tolist() == ["00123", "SKU-7", "SKU-9", "SKU-7"]


def test_dict_of_dataframes(formats):
    frame = pd.DataFrame(ROWS, columns=HEADERS)
    book = omxl.read_book({"Sales Orders": frame})
    orders = book.orders
    assert orders["source"].unique().tolist() == ["Sales Orders"]
    assert orders["row"].tolist() == [2, 3, 4, 5]          # position + 2, as if written with a header row
    expected = canonical(omxl.read_book(formats["xlsx"]))
    pdt.assert_frame_equal(orders[CONTENT].reset_index(drop=True), expected[CONTENT])


def test_several_files_merge_into_one_book(formats, tmp_path):
    stock = tmp_path / "stock.csv"
    stock.write_text("Item Code,Qty On Hand,Warehouse\n00123,40,MAIN\nSKU-7,\"1,200\",\nSKU-9,0,WEST\n",
                     encoding="utf-8")
    book = omxl.read_book(formats["xlsx"], stock)
    assert len(book.orders) == 4
    assert book.inventory["on_hand"].tolist() == [40.0, 1200.0, 0.0]
    assert book.inventory["location"].tolist() == ["MAIN", "MAIN", "WEST"]
    assert book.inventory["row"].tolist() == [2, 3, 4]
    assert book.inventory["source"].unique().tolist() == ["stock.csv"]
    fix = book.findings[book.findings["code"] == "normalized-value"]
    assert fix[["source", "cell", "count"]].values.tolist() == [["stock.csv", "B3", 1]]


def test_two_order_files_concatenate_with_their_own_provenance(formats):
    book = omxl.read_book(formats["xlsx"], formats["csv"])
    assert len(book.orders) == 8
    assert book.orders["source"].tolist() == ["orders.xlsx"] * 4 + ["orders.csv"] * 4
    assert book.orders["row"].tolist() == [2, 3, 4, 5] * 2


@pytest.fixture(scope="module")
def error_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("errors")
    path = folder / "errors.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Orders")
    sheet.write_row(0, 0, ["Order #", "Order Date", "Customer", "SKU", "Qty", "Unit Price"])
    sheet.write_row(1, 0, ["SO-1", "2026-11-02", "C-1", "SKU-1", 2])
    sheet.write_formula(1, 5, "=1/0", None, "#DIV/0!")
    sheet.write_row(2, 0, ["SO-2", "2026-11-02", "C-1", "SKU-2"])
    sheet.write_formula(2, 4, "=NA()", None, "#N/A")
    sheet.write_number(2, 5, 3.5)
    book.close()
    return {"xlsx": path, "ods": convert_with_libreoffice(path, "ods", folder),
            "xls": convert_with_libreoffice(path, "xls", folder)}


@pytest.mark.parametrize("kind", ["xlsx", "ods", "xls"])
def test_error_cells_are_errors_never_blanks(error_book, kind):
    book = omxl.read_book(error_book[kind])
    errors = book.findings[book.findings["code"] == "error-cell"]
    assert sorted(zip(errors["cell"], errors["column"], errors["value"])) == [
        ("E3", "Qty", "#N/A"), ("F2", "Unit Price", "#DIV/0!")]
    assert errors["message"].tolist()[0].startswith("The cell holds the error ")
    assert book.orders["unit_price"].isna().tolist() == [True, False]


def test_error_text_in_a_csv_is_an_error_cell(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order #,Order Date,Customer,SKU,Qty\nSO-1,2026-11-02,C-1,SKU-1,#REF!\n", encoding="utf-8")
    book = omxl.read_book(path)
    assert book.findings.loc[book.findings["code"] == "error-cell", ["cell", "value"]].values.tolist() == \
        [["E2", "#REF!"]]
