"""Hostile and messy input, generated at test time: each case reads cleanly (values or findings), never a
traceback. The table of cases is docs/bad-input.md."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

import omxl
from omxl.findings import FINDING_COLUMNS

pytestmark = pytest.mark.core

HEADER = "Order ID,Order Date,Customer ID,SKU,Quantity,Unit Price\n"


def found(book, code):
    rows = book.findings[book.findings["code"] == code]
    return sorted(zip(rows["sheet"], rows["cell"], rows["value"], rows["count"]))


def orders_book(tmp_path, rows, *, name="orders.xlsx", header=("Order ID", "Order Date", "Customer ID", "SKU",
                                                               "Quantity"), above=(), epoch=None, **config):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    if epoch is not None:
        wb.epoch = epoch
    for row in above:
        ws.append(list(row))
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    path = tmp_path / name
    wb.save(path)
    return path


# --- CSV variants ------------------------------------------------------------------------------

def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "SO-1,2026-11-02,C-1,P-1,5,2.5\n").encode())
    book = omxl.read_book(path)
    assert book.orders[["order_id", "qty", "unit_price"]].values.tolist() == [["SO-1", 5.0, 2.5]]
    assert book.column_map["header"].tolist()[0] == "Order ID"
    assert book.findings.empty


def test_semicolon_csv_with_decimal_commas_reads_them_as_decimals(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order ID;Order Date;Customer ID;SKU;Quantity;Unit Price\n"
                    "SO-1;2026-11-02;C-1;P-1;1,5;2,25\n"
                    "SO-2;2026-11-03;C-2;P-2;3;1.234,5\n", encoding="utf-8")
    book = omxl.read_book(path)
    assert book.orders[["qty", "unit_price"]].values.tolist() == [[1.5, 2.25], [3.0, 1234.5]]
    # Only the thousands point was a tidy-up; "1,5" is how this file writes numbers.
    assert found(book, "normalized-value") == [("orders", "F3", "1.234,5", 1)]


def test_semicolon_csv_with_decimal_points_keeps_them(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order ID;Order Date;Customer ID;SKU;Quantity;Unit Price\n"
                    "SO-1;2026-11-02;C-1;P-1;2;2.25\n"
                    "SO-2;2026-11-03;C-2;P-2;1,200;4\n", encoding="utf-8")
    book = omxl.read_book(path)
    assert book.orders[["qty", "unit_price"]].values.tolist() == [[2.0, 2.25], [1200.0, 4.0]]


def test_configured_decimal_comma_applies_to_a_comma_separated_file(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + 'SO-1,2026-11-02,C-1,P-1,"1,5","0,75"\n', encoding="utf-8")
    # Unconfigured, "1,5" is no number (a thousands comma needs three digits after it): an error, not 15.
    plain = omxl.read_book(path)
    assert found(plain, "type-error") == [("orders", "E2", "1,5", 1), ("orders", "F2", "0,75", 1)]
    book = omxl.read_book(path, config={"decimal": ","})
    assert book.orders[["qty", "unit_price"]].values.tolist() == [[1.5, 0.75]]


def test_decimal_setting_is_checked():
    with pytest.raises(omxl.ConfigError, match="decimal"):
        omxl.read_book(io.BytesIO(HEADER.encode()), config={"decimal": ";"})


def test_carriage_return_only_line_ends(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + "SO-1,2026-11-02,C-1,P-1,5,2.5\nSO-2,2026-11-03,C-2,P-2,6,1\n")
                     .replace("\n", "\r").encode())
    book = omxl.read_book(path)
    assert book.orders[["order_id", "qty", "row"]].values.tolist() == [["SO-1", 5.0, 2], ["SO-2", 6.0, 3]]


def test_latin1_bytes_are_decoded_not_mojibake(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + "SO-1,2026-11-02,Müller Señor Ærø,P-1,5,2.5\n"
                               "SO-2,2026-11-03,Café © «x»,P-2,1,1\n").encode("latin-1"))
    book = omxl.read_book(path)
    assert book.orders["customer_id"].tolist() == ["Müller Señor Ærø", "Café © «x»"]
    assert "\ufffd" not in "".join(book.orders["customer_id"])


# --- workbook oddities -------------------------------------------------------------------------

def test_1904_date_system_gives_the_right_dates(tmp_path):
    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", 5),
                                  ("SO-2", dt.datetime(1999, 12, 31), "C-1", "P-1", 1)],
                       epoch=openpyxl.utils.datetime.CALENDAR_MAC_1904)
    with zipfile.ZipFile(path) as archive:
        assert b"date1904" in archive.read("xl/workbook.xml")
    book = omxl.read_book(path)
    assert book.orders["order_date"].tolist() == [pd.Timestamp("2026-11-02"), pd.Timestamp("1999-12-31")]


def test_formula_without_cached_value_is_a_finding_per_cell(tmp_path):
    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", "=2+3"),
                                  ("SO-2", dt.datetime(2026, 11, 2), "C-1", "P-1", 4),
                                  ("SO-3", dt.datetime(2026, 11, 2), "C-1", "P-1", '=IF(A4="SO-3",1,2)')])
    book = omxl.read_book(path)
    assert found(book, "formula-without-value") == [("Orders", "E2", "=2+3", 1),
                                                    ("Orders", "E4", '=IF(A4="SO-3",1,2)', 1)]
    rows = book.findings[book.findings["code"] == "formula-without-value"]
    assert set(rows["severity"]) == {"error"}
    assert "save it" in rows["message"].iloc[0]
    assert book.orders["qty"].tolist()[1] == 4.0


def test_formula_with_a_cached_value_is_no_finding(tmp_path):
    import xlsxwriter

    path = tmp_path / "orders.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Orders")
    ws.write_row(0, 0, ["Order ID", "Order Date", "Customer ID", "SKU", "Quantity"])
    ws.write_row(1, 0, ["SO-1", "2026-11-02", "C-1", "P-1"])
    ws.write_formula(1, 4, "=2+3", None, 5)
    wb.close()
    book = omxl.read_book(path)
    assert book.orders["qty"].tolist() == [5.0]
    assert found(book, "formula-without-value") == []


def test_formula_calculated_to_empty_text_is_no_finding(tmp_path):
    # Excel stores =IF(...,"") that came out empty as t="str" with an empty value: a value, not a missing one.
    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", 5, "NOTE")],
                       header=("Order ID", "Order Date", "Customer ID", "SKU", "Quantity", "Notes"))
    patched = tmp_path / "empty-text.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cell = data[data.index(b'<c r="F2"'):]
                cell = cell[:cell.index(b"</c>") + 4]
                data = data.replace(cell, b'<c r="F2" t="str"><f>IF(E2&gt;9,"big","")</f><v></v></c>')
            target.writestr(item, data)
    book = omxl.read_book(patched)
    assert found(book, "formula-without-value") == []
    assert book.orders["qty"].tolist() == [5.0]



def test_ods_formula_without_value_is_a_finding_per_cell(tmp_path):
    from ods_writer import build_ods, ods_cell, ods_row

    def data(order, qty=None):
        return "".join(ods_cell(v) for v in [order, "2026-11-02", "C-1", "P-1"] + ([qty] if qty is not None else []))

    no_value = '<table:table-cell table:formula="of:=[.E2]*2"/>'
    calculated = ('<table:table-cell table:formula="of:=[.E3]*2" office:value-type="float" office:value="8">'
                  "<text:p>8</text:p></table:table-cell>")
    # A formula whose value is an empty text keeps it in office:string-value: a value, not a missing one.
    empty_text = ('<table:table-cell table:formula="of:=&quot;&quot;" office:value-type="string" '
                  'office:string-value=""><text:p/></table:table-cell>')
    repeated = '<table:table-cell table:formula="of:=SUM([.E2:.E3])" table:number-columns-repeated="2"/>'
    rows = (ods_row("".join(ods_cell(h) for h in ["Order ID", "Order Date", "Customer ID", "SKU", "Quantity",
                                                    "Double", "Note"]))
            + ods_row(data("SO-1", 5) + no_value + empty_text)
            + ods_row(data("SO-2", 4) + calculated + empty_text)
            # the same row twice (rows-repeated), its formula cell twice across (columns-repeated)
            + ods_row(data("SO-3") + repeated, 2))
    book = omxl.read_book(build_ods(tmp_path / "formulas.ods", rows))
    assert found(book, "formula-without-value") == [("Orders", "E4", "=SUM(E2:E3)", 1),
                                                    ("Orders", "E5", "=SUM(E2:E3)", 1),
                                                    ("Orders", "F2", "=E2*2", 1),
                                                    ("Orders", "F4", "=SUM(E2:E3)", 1),
                                                    ("Orders", "F5", "=SUM(E2:E3)", 1)]
    rows = book.findings[book.findings["code"] == "formula-without-value"]
    assert set(rows["severity"]) == {"error"} and set(rows["column"]) == {"Quantity", "Double"}
    assert book.orders["qty"].tolist()[:2] == [5.0, 4.0] and book.orders["qty"].isna().tolist()[2:] == [True, True]
    assert book.orders["Double"].tolist()[1] == 8.0


def test_ods_and_xls_written_by_libreoffice_carry_every_formula_value(tmp_path):
    # The .xlsx has no cached values (openpyxl never calculates): one finding per formula. LibreOffice calculates
    # on load and writes each value into the .ods (office:value) and the .xls (every FORMULA record holds its
    # result; the format cannot leave it out), so the same formulas read as values there.
    from conftest import convert_with_libreoffice

    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", "=2+3"),
                                  ("SO-2", dt.datetime(2026, 11, 2), "C-1", "P-1", '=IF(A3="SO-2",7,1)')])
    assert found(omxl.read_book(path), "formula-without-value") == [("Orders", "E2", "=2+3", 1),
                                                                    ("Orders", "E3", '=IF(A3="SO-2",7,1)', 1)]
    for kind in ("ods", "xls"):
        book = omxl.read_book(convert_with_libreoffice(path, kind, tmp_path))
        assert book.layout["kind"].tolist() == [kind]
        assert book.orders["qty"].tolist() == [5.0, 7.0]
        assert found(book, "formula-without-value") == []

def test_merged_header_cells_and_a_group_row_above_the_headers(tmp_path):
    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", 5)],
                       above=[("Order", None, "Customer", None, None)])
    wb = openpyxl.load_workbook(path)
    wb["Orders"].merge_cells("A1:B1")
    wb["Orders"].merge_cells("C1:E1")
    wb.save(path)
    book = omxl.read_book(path)
    assert book.layout[["sheet", "table", "header_row"]].values.tolist() == [["Orders", "orders", 2]]
    assert book.orders[["order_id", "qty", "row"]].values.tolist() == [["SO-1", 5.0, 3]]


def test_merged_cells_across_a_header_name(tmp_path):
    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", 5, None)],
                       header=("Order ID", "Order Date", "Customer ID", "SKU", "Quantity", None))
    wb = openpyxl.load_workbook(path)
    wb["Orders"].merge_cells("E1:F1")
    wb.save(path)
    book = omxl.read_book(path)
    assert book.orders["qty"].tolist() == [5.0]
    assert found(book, "unknown-column") == []


def test_duplicated_header_names(tmp_path):
    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", 5, 7)],
                       header=("Order ID", "Order Date", "Customer ID", "SKU", "Quantity", "Quantity"))
    book = omxl.read_book(path)
    assert book.orders["qty"].tolist() == [5.0]
    assert found(book, "duplicate-column") == [("Orders", "F1", "Quantity", 1)]


def test_16384_columns(tmp_path):
    header = ["Order ID", "Order Date", "Customer ID", "SKU", "Quantity"] + [f"x{i}" for i in range(5, 16384)]
    path = orders_book(tmp_path, [["SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", 5] + [None] * 16378 + ["end"]],
                       header=header)
    book = omxl.read_book(path)
    assert book.orders[["order_id", "qty"]].values.tolist() == [["SO-1", 5.0]]
    assert book.orders["x16383"].tolist() == ["end"]
    unknown = book.findings[book.findings["code"] == "unknown-column"]
    assert len(unknown) == 16379
    assert unknown["cell"].iloc[-1] == "XFD1"


def test_100000_character_strings(tmp_path):
    # Excel caps a cell at 32,767 characters (openpyxl truncates to that), but other writers do not: the
    # long text is put into the sheet XML directly, and into a CSV.
    long_name = "Ä" + "x" * 99_998 + "Z"
    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "LONG", "P-1", 5)])
    patched = tmp_path / "long.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert data.count(b"<t>LONG</t>") == 1
                data = data.replace(b"<t>LONG</t>", f"<t>{long_name}</t>".encode())
            target.writestr(item, data)
    csv_path = tmp_path / "orders.csv"
    csv_path.write_text(HEADER + f"SO-1,2026-11-02,{long_name},P-1,5,1\n", encoding="utf-8")
    for book in (omxl.read_book(patched), omxl.read_book(csv_path)):
        assert book.orders["customer_id"].str.len().tolist() == [100_000]
        assert book.orders["customer_id"].iloc[0] == long_name
        assert "error" not in set(omxl.validate(book)["severity"])


def test_emoji_and_right_to_left_names(tmp_path):
    path = orders_book(tmp_path, [("SO-1", dt.datetime(2026, 11, 2), "شركة النور", "📦-BOX-1", 5),
                                  ("SO-2", dt.datetime(2026, 11, 2), "חברה 👍", "ספק-2", 1)])
    book = omxl.read_book(path)
    assert book.orders[["customer_id", "sku"]].values.tolist() == [["شركة النور", "📦-BOX-1"],
                                                                   ["חברה 👍", "ספק-2"]]


def test_header_only_sheet_is_an_empty_table(tmp_path):
    path = orders_book(tmp_path, [])
    book = omxl.read_book(path)
    assert len(book.orders) == 0
    assert {"order_id", "qty", "source", "sheet", "row"} <= set(book.orders.columns)
    assert book.layout[["sheet", "table", "rows"]].values.tolist() == [["Orders", "orders", 0]]


def test_text_dates_in_several_formats(tmp_path):
    rows = [("SO-1", "2026-11-02"), ("SO-2", "03/04/2025"), ("SO-3", "25/12/2025"), ("SO-4", "12/25/2025"),
            ("SO-5", "2 Nov 2026"), ("SO-6", "not a date")]
    path = orders_book(tmp_path, [(o, d, "C-1", "P-1", 1) for o, d in rows])
    book = omxl.read_book(path)
    dates = book.orders.set_index("order_id")["order_date"]
    assert dates["SO-1"] == pd.Timestamp("2026-11-02")
    assert found(book, "ambiguous-date") == [("Orders", "B3", "03/04/2025", 1)]
    assert pd.isna(dates["SO-2"])
    assert dates["SO-3"] == pd.Timestamp("2025-12-25")   # only one reading is a real date
    assert dates["SO-4"] == pd.Timestamp("2025-12-25")
    # Month names are no format the contract lists: an error citing the cell, like any other non-date.
    assert found(book, "type-error") == [("Orders", "B6", "2 Nov 2026", 1), ("Orders", "B7", "not a date", 1)]
    assert dates[["SO-5", "SO-6"]].isna().tolist() == [True, True]
    # Text in a workbook's date column is a tidy-up even when it is ISO: one finding counting the three read.
    assert found(book, "normalized-value") == [("Orders", "B2", "2026-11-02", 3)]   # B2, B4, B5
    configured = omxl.read_book(path, config={"date_formats": ["%d/%m/%Y"]})
    assert configured.orders.set_index("order_id")["order_date"]["SO-2"] == pd.Timestamp("2025-04-03")
    assert found(configured, "ambiguous-date") == []


# --- fuzzing: damaged workbooks give a Book or an OmxlError, nothing else -----------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

@pytest.fixture(scope="module")
def valid_xlsx(tmp_path_factory):
    path = orders_book(tmp_path_factory.mktemp("fuzz"),
                       [("SO-1", dt.datetime(2026, 11, 2), "C-1", "P-1", 5),
                        ("SO-2", "2026-11-03", "C-2", "P-2", "=2+3"),
                        ("SO-3", dt.datetime(2026, 11, 4), "C-3", "P-3", 7)])
    return path.read_bytes()


def _rebuild(data: bytes, change) -> bytes:
    """The workbook with each zip member passed through `change(name, bytes)` (None drops the member)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            changed = change(item.filename, source.read(item.filename))
            if changed is not None:
                target.writestr(item.filename, changed)
    return out.getvalue()


def _outcome(data: bytes) -> str:
    """Read and validate in-process; any exception other than OmxlError fails the test."""
    try:
        book = omxl.read_book(io.BytesIO(data))
    except omxl.OmxlError as exc:
        assert str(exc).strip()
        return "error"
    findings = omxl.validate(book, as_of="2026-11-27")
    assert list(findings.columns) == list(FINDING_COLUMNS)
    return "book"


_MEMBERS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet1.xml", "xl/styles.xml", "docProps/app.xml", "docProps/core.xml"]

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
                derandomize=True, database=None)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=8))
def test_fuzz_flipped_bytes(valid_xlsx, flips):
    data = bytearray(valid_xlsx)
    for position, mask in flips:
        data[position % len(data)] ^= mask
    _outcome(bytes(data))


@FUZZ
@given(st.sets(st.sampled_from(_MEMBERS), min_size=1, max_size=4))
def test_fuzz_dropped_zip_members(valid_xlsx, dropped):
    _outcome(_rebuild(valid_xlsx, lambda name, data: None if name in dropped else data))


@FUZZ
@given(st.sampled_from(_MEMBERS), st.floats(0, 1))
def test_fuzz_truncated_xml(valid_xlsx, member, fraction):
    _outcome(_rebuild(valid_xlsx, lambda name, data: data[:int(len(data) * fraction)] if name == member else data))


@FUZZ
@given(st.integers(0, 10**6))
def test_fuzz_truncated_file(valid_xlsx, cut):
    _outcome(valid_xlsx[:cut % len(valid_xlsx)])


def test_the_unmutated_workbook_reads(valid_xlsx):
    book = omxl.read_book(io.BytesIO(valid_xlsx))
    assert book.orders["qty"].isna().tolist() == [False, True, False]
    assert book.orders["qty"].iloc[[0, 2]].tolist() == [5.0, 7.0]
    assert found(book, "formula-without-value") == [("Orders", "E3", "=2+3", 1)]
