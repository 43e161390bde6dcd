"""Coded values (`[values]`), per-source column maps and setting suggestions that load (contract 2.3, 6).

A purchasing book in AdventureWorks' shape (PurchaseOrderHeader + PurchaseOrderDetail, Status coded 1-4) and the
Northwind 2007 purchase-order files, written and read as real CSV files. Each book also holds a one-line orders
CSV, so that reading does not depend on whether a book without orders may be read.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import omxl
from omxl.config import DIFFERENT_PREFIX_LINE, load_config
from omxl.errors import ConfigError, SourceError
from omxl.excel.interface import SheetExistsError
from omxl.io.read.guards import remedy_setting
from omxl.io.read.tables import _tables_remedy
from omxl.messaging.smtp import check_sending

NORTHWIND_2007 = Path(__file__).parent / "data" / "northwind2007"

PO_HEADER = """PurchaseOrderID,RevisionNumber,Status,EmployeeID,VendorID,ShipMethodID,OrderDate,ShipDate,SubTotal
1,4,4,258,1580,3,2026-01-05,2026-01-14,201.04
2,4,1,254,1496,5,2026-01-06,2026-01-15,272.10
3,4,2,257,1494,2,2026-01-07,2026-01-16,8847.30
4,4,3,261,1650,5,2026-01-08,2026-01-17,171.08
"""
PO_DETAIL = """PurchaseOrderID,PurchaseOrderDetailID,DueDate,OrderQty,ProductID,UnitPrice,ReceivedQty,RejectedQty,StockedQty
1,1,2026-01-19,4,1,50.26,3,0,3
2,2,2026-01-20,3,359,45.12,3,0,3
2,3,2026-01-20,3,360,45.58,3,0,3
3,4,2026-01-21,550,530,16.09,550,0,550
4,5,2026-01-22,3,4,57.03,0,0,0
"""
ORDERS = "order_id,order_date,customer_id,sku,qty\nSO1,2026-01-05,C1,1,2\n"
ADVENTURE_WORKS_STATUS = {"1": "open", "2": "open", "3": "cancelled", "4": "closed"}


def purchasing_book(folder: Path, detail: str = PO_DETAIL) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "PurchaseOrderHeader.csv", folder / "PurchaseOrderDetail.csv", folder / "orders.csv"]
    for path, text in zip(paths, (PO_HEADER, detail, ORDERS)):
        path.write_text(text, encoding="utf-8")
    return paths


def suggested_lines(message: str) -> str:
    """The TOML lines a message suggests: everything after its last colon that ends a line."""
    assert ":\n" in message, message
    return message.rsplit(":\n", 1)[1]


def loads(lines: str, folder: Path) -> omxl.Config:
    """The lines loaded as configuration both ways, as a TOML file and as a dict; the file's is returned."""
    path = folder / "suggested.toml"
    path.write_text(lines + "\n", encoding="utf-8")
    from_file = load_config(path)
    assert load_config(tomllib.loads(lines)) == from_file
    return from_file


def status_errors(book: omxl.Book) -> pd.DataFrame:
    found = book.findings
    return found[(found["code"] == "type-error") & (found["column"] == "Status")].reset_index(drop=True)


# --- coded values -----------------------------------------------------------------------------------------------

STATUS_MESSAGE = (
    "'Status' must be one of open, cancelled, closed (found '1'). Use one of open, cancelled, closed, or map the "
    "codes to words in omxl.toml with these lines, putting the right word for each code:\n"
    "[values.purchase_orders.status]\n"
    '"1" = "open"\n'
    '"2" = "open"\n'
    '"3" = "open"\n'
    '"4" = "open"')


def test_coded_statuses_without_values_are_type_errors_with_the_exact_lines(tmp_path):
    book = omxl.read_book(*purchasing_book(tmp_path))
    errors = status_errors(book)
    assert errors["cell"].tolist() == ["C2", "C3", "C4", "C5"]
    assert errors["value"].tolist() == ["4", "1", "2", "3"]
    assert set(errors["source"]) == {"PurchaseOrderHeader.csv"}
    one = errors[errors["cell"] == "C3"].iloc[0]
    assert one["message"] == STATUS_MESSAGE
    assert book.purchase_orders["status"].isna().all()


def test_the_suggested_lines_load_and_the_codes_become_words(tmp_path):
    paths = purchasing_book(tmp_path / "book")
    message = status_errors(omxl.read_book(*paths))["message"].iloc[0]
    settings = loads(suggested_lines(message), tmp_path)
    assert settings.values == {"purchase_orders": {"status": {"1": "open", "2": "open", "3": "open", "4": "open"}}}
    again = omxl.read_book(*paths, config=settings)
    assert status_errors(again).empty
    assert again.purchase_orders["status"].tolist() == ["open"] * 5
    # With the right word for each code (AdventureWorks: 1 pending, 2 approved, 3 rejected, 4 complete).
    (tmp_path / "book" / "omxl.toml").write_text(
        "[values.purchase_orders.status]\n" + "".join(f'"{c}" = "{w}"\n' for c, w in ADVENTURE_WORKS_STATUS.items()),
        encoding="utf-8")
    mapped = omxl.read_book(*paths)   # the omxl.toml beside the first file
    assert status_errors(mapped).empty
    purchase_orders = mapped.purchase_orders
    assert purchase_orders["po_id"].tolist() == ["1", "2", "2", "3", "4"]
    assert purchase_orders["status"].tolist() == ["closed", "open", "open", "open", "cancelled"]
    assert purchase_orders["status (as written)"].tolist() == ["4", "1", "1", "2", "3"]
    assert purchase_orders["supplier_id"].tolist() == ["1580", "1496", "1496", "1494", "1650"]
    assert purchase_orders["expected_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-01-19", "2026-01-20", "2026-01-20", "2026-01-21", "2026-01-22"]


def test_a_finding_about_a_coded_cell_keeps_the_code(tmp_path):
    detail = PO_DETAIL.replace("5,2026-01-22,3,4,", "5,2026-01-22,-,4,")
    config = {"values": {"purchase_orders": {"status": ADVENTURE_WORKS_STATUS, "qty": {"-": 0}}}}
    book = omxl.read_book(*purchasing_book(tmp_path, detail), config=config)
    assert book.purchase_orders["qty"].tolist() == [4.0, 3.0, 3.0, 550.0, 0.0]
    issues = omxl.validate(book)
    zero = issues[(issues["code"] == "constraint-error") & (issues["table"] == "purchase_orders")]
    assert zero[["source", "cell", "value", "message"]].values.tolist() == [
        ["PurchaseOrderDetail.csv", "D6", "-",
         "'OrderQty' must be more than 0 (found 0). Correct the ordered quantity or cancel the PO line."]]


def test_codes_are_compared_as_text_after_trimming_numbers_as_identifiers(tmp_path):
    purchase_orders = pd.DataFrame({
        "po_id": ["P1", "P2", "P3", "P4", "P5"], "supplier_id": ["S1"] * 5, "sku": ["A", "B", "C", "D", "E"],
        "qty": [1, 2, 3, 4, 5],
        "status": pd.Series([1, 2.0, " 3 ", "4", "Open"], dtype=object),
        "received_qty": pd.Series(["n/a", 1, "n/a", 0, 2], dtype=object)})
    orders = pd.DataFrame({"order_id": ["SO1"], "order_date": ["2026-01-05"], "customer_id": ["C1"], "sku": ["A"],
                           "qty": [1]})
    config = {"values": {"purchase_orders": {"status": ADVENTURE_WORKS_STATUS, "received_qty": {"n/a": "0"}}}}
    book = omxl.read_book({"purchase_orders": purchase_orders, "orders": orders}, config=config)
    assert book.purchase_orders["status"].tolist() == ["open", "open", "cancelled", "closed", "open"]
    assert book.purchase_orders["status (as written)"].tolist() == ["1", "2", " 3 ", "4", pd.NA]
    assert book.purchase_orders["received_qty"].tolist() == [0.0, 1.0, 0.0, 0.0, 2.0]
    assert book.findings[book.findings["code"] == "type-error"].empty


@pytest.mark.parametrize("values, said", [
    ({"purchase_orders": {"status": {"1": "open", "9": "lost"}}},
     "setting 'values.purchase_orders.status': '9' maps to 'lost', which status does not accept; use one of "
     "open, cancelled, closed"),
    ({"purchase_order": {"status": {"1": "open"}}},
     "setting 'values.purchase_order': 'purchase_order' is not a table (use one of: orders, inventory, suppliers, "
     "customers, shipments, purchase_orders, returns, carriers, invoices, "
     "payments)"),
    ({"purchase_orders": {"state": {"1": "open"}}},
     "setting 'values.purchase_orders.state': purchase_orders has no column 'state' (use one of: po_id, "
     "supplier_id, sku, qty, order_date, expected_date, received_qty, received_date, status, unit_cost, currency)"),
    ({"inventory": {"discontinued": {"D": "maybe"}}},
     "setting 'values.inventory.discontinued': 'D' maps to 'maybe', which discontinued does not accept; use yes or "
     "no (or true/false, 1/0)"),
    ({"orders": {"qty": {"-": "none"}}},
     "setting 'values.orders.qty': '-' maps to 'none', which qty does not accept; use a number, e.g. 0"),
    ({"orders": {"priority": {"H": "1.5"}}},
     "setting 'values.orders.priority': 'H' maps to '1.5', which priority does not accept; use a whole number, "
     "e.g. 1"),
    ({"orders": {"promised_date": {"ASAP": "31/01/2026"}}},
     "setting 'values.orders.promised_date': 'ASAP' maps to '31/01/2026', which promised_date does not accept; use "
     "a date written YYYY-MM-DD, e.g. 2026-01-31"),
    ({"purchase_orders": {"status": {"1": "open", " 1 ": "closed"}}},
     "setting 'values.purchase_orders.status': '1' is given twice, as 'open' and 'closed' (codes are compared "
     "after trimming surrounding spaces)"),
])
def test_invalid_mappings_are_settings_errors_naming_the_setting(values, said, tmp_path):
    with pytest.raises(ConfigError) as from_dict:
        load_config({"values": values})
    assert str(from_dict.value) == f"config: {said}"


def test_an_invalid_mapping_in_a_file_names_the_file_and_the_setting(tmp_path):
    path = tmp_path / "omxl.toml"
    path.write_text('[values.purchase_orders.status]\n"1" = "open"\n"9" = "lost"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (f"{path}: setting 'values.purchase_orders.status': '9' maps to 'lost', which status "
                                 "does not accept; use one of open, cancelled, closed")


def test_words_may_be_aliases_booleans_numbers_and_dates():
    settings = load_config({"values": {
        "purchase_orders": {"status": {"P": "Pending", "R": "received"}, "expected_date": {"TBD": "2026-12-31"}},
        "inventory": {"discontinued": {"D": True, "A": "no"}, "on_hand": {"-": 0}}}})
    assert settings.values == {
        "purchase_orders": {"status": {"P": "Pending", "R": "received"}, "expected_date": {"TBD": "2026-12-31"}},
        "inventory": {"discontinued": {"D": "true", "A": "no"}, "on_hand": {"-": "0"}}}
    # A dict config may give codes as numbers: they are the same text codes.
    assert load_config({"values": {"purchase_orders": {"status": {1: "open", 4.0: "closed"}}}}).values == {
        "purchase_orders": {"status": {"1": "open", "4": "closed"}}}


# --- per-source column maps --------------------------------------------------------------------------------------

def northwind_purchasing(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("purchase_orders.csv", "purchase_order_details.csv"):
        shutil.copy(NORTHWIND_2007 / name, folder / name)
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    return [folder / "purchase_orders.csv", folder / "purchase_order_details.csv", folder / "orders.csv"]


NORTHWIND_SETTINGS = """\
[columns."purchase_orders.csv"]   # its `id` is the PO number; purchase_order_details.csv has an id of its own
id = "po_id"

[values.purchase_orders.status]   # purchase_order_status.csv: 0 New, 1 Submitted, 2 Approved, 3 Closed
"0" = "open"
"1" = "open"
"2" = "open"
"3" = "closed"
"""


@pytest.mark.skipif(not NORTHWIND_2007.is_dir(), reason="the Northwind 2007 CSV files are not on this machine")
def test_northwind_2007_purchase_orders_need_one_source_map_and_the_status_codes(tmp_path):
    paths = northwind_purchasing(tmp_path)
    (tmp_path / "omxl.toml").write_text(NORTHWIND_SETTINGS, encoding="utf-8")
    book = omxl.read_book(*paths)
    details = pd.read_csv(NORTHWIND_2007 / "purchase_order_details.csv", dtype=str)
    headers = pd.read_csv(NORTHWIND_2007 / "purchase_orders.csv", dtype=str)
    purchase_orders = book.purchase_orders
    assert len(purchase_orders) == len(details) == 55
    assert purchase_orders["po_id"].tolist() == details["purchase_order_id"].tolist()
    assert purchase_orders["sku"].tolist() == details["product_id"].tolist()
    first = purchase_orders.iloc[0]
    assert (first["po_id"], first["supplier_id"], first["sku"], first["qty"], first["status"]) == ("90", "1", "1",
                                                                                                  40.0, "open")
    assert f"{first['received_date']:%Y-%m-%d}" == "2006-01-22"
    codes = headers.set_index("id")["status_id"]
    words = {"0": "open", "1": "open", "2": "open", "3": "closed"}
    assert purchase_orders["status"].tolist() == [words[codes[p]] for p in purchase_orders["po_id"]]
    found = book.findings
    assert found[found["severity"] == "error"].empty
    # The map of purchase_orders.csv is that file's alone: the details' own `id` stays an unknown column.
    unknown = found[found["code"] == "unknown-column"]
    assert "id" in unknown.loc[unknown["source"] == "purchase_order_details.csv", "column"].tolist()
    mapped = book.column_map
    assert mapped[(mapped["source"] == "purchase_orders.csv") & (mapped["header"] == "id")]["column"].tolist() == [
        "po_id"]
    assert mapped[(mapped["source"] == "purchase_order_details.csv") & (mapped["header"] == "id")]["column"] \
        .tolist() == [""]


@pytest.mark.skipif(not NORTHWIND_2007.is_dir(), reason="the Northwind 2007 CSV files are not on this machine")
def test_without_the_source_map_the_po_headers_are_not_joined(tmp_path):
    book = omxl.read_book(*northwind_purchasing(tmp_path),
                          config={"values": {"purchase_orders": {"status": {"0": "open", "1": "open", "2": "open",
                                                                            "3": "closed"}}}})
    lines = book.purchase_orders[book.purchase_orders["source"] == "purchase_order_details.csv"]
    assert len(lines) == 55 and lines["supplier_id"].isna().all()
    missing = book.findings[book.findings["code"] == "missing-column"]
    assert missing[["source", "column"]].values.tolist() == [
        ["purchase_orders.csv", "po_id"], ["purchase_orders.csv", "sku"], ["purchase_orders.csv", "qty"],
        ["purchase_order_details.csv", "supplier_id"]]


def test_a_source_map_wins_over_the_aliases_and_the_table_map_and_is_named_without_extension(tmp_path):
    paths = purchasing_book(tmp_path)
    config = {"columns": {"purchase_orders": {"DueDate": "received_date"},
                          # the file's own map, by its name without .csv: DueDate is the expected date there
                          "purchaseorderdetail": {"DueDate": "expected_date", "ReceivedQty": "received_qty"}},
              "values": {"purchase_orders": {"status": ADVENTURE_WORKS_STATUS}}}
    book = omxl.read_book(*paths, config=config)
    assert book.purchase_orders["expected_date"].notna().all()
    assert book.purchase_orders["received_date"].isna().all()


def test_a_source_map_named_by_sheet_applies_to_that_sheet_only(tmp_path):
    from openpyxl import Workbook
    workbook = Workbook()
    headers = workbook.active
    headers.title = "PO Headers"
    for row in (["id", "Supplier", "Order Date", "Status"], ["P-1", "S1", "2026-03-02", 1],
                ["P-2", "S2", "2026-03-03", 3.0]):
        headers.append(row)
    lines = workbook.create_sheet("PO Lines")
    for row in (["id", "PO", "SKU", "Qty"], [1, "P-1", "A", 5], [2, "P-2", "B", 7]):
        lines.append(row)
    orders = workbook.create_sheet("Orders")
    for row in (["Order ID", "Order Date", "Customer", "SKU", "Qty"], ["SO1", "2026-03-01", "C1", "A", 1]):
        orders.append(row)
    path = tmp_path / "purchasing.xlsx"
    workbook.save(path)
    book = omxl.read_book(path, config={"columns": {"PO Headers": {"id": "po_id"}},
                                        "values": {"purchase_orders": {"status": ADVENTURE_WORKS_STATUS}}})
    assert book.purchase_orders[["po_id", "supplier_id", "sku", "qty", "status"]].values.tolist() == [
        ["P-1", "S1", "A", 5.0, "open"], ["P-2", "S2", "B", 7.0, "cancelled"]]
    assert book.purchase_orders["status (as written)"].tolist() == ["1", "3"]


def test_a_map_named_like_a_table_but_no_file_read_is_a_typo_of_that_table(tmp_path):
    paths = purchasing_book(tmp_path)
    with pytest.raises(ConfigError) as caught:
        omxl.read_book(*paths, config={"columns": {"purchase_order": {"DueDate": "expected_date"}}})
    assert str(caught.value) == (
        "setting 'columns.purchase_order': no table is called 'purchase_order' and no file or sheet read has that "
        "name. Did you mean [columns.purchase_orders]? A map for one file or sheet names it as it is "
        "(docs/configuration.md).")
    # A map for a file this run does not read (one omxl.toml serves several runs) and unlike any table: quiet.
    book = omxl.read_book(*paths, config={"columns": {"Vendor": {"BusinessEntityID": "supplier_id"}}})
    assert len(book.purchase_orders) > 0


def test_a_source_map_to_no_column_of_any_table_is_a_settings_error():
    with pytest.raises(ConfigError) as caught:
        load_config({"columns": {"purchase_orders.csv": {"id": "po_number"}}})
    assert str(caught.value) == (
        "config: setting 'columns.\"purchase_orders.csv\"': 'id' maps to 'po_number', which is not a column of any "
        "table (\"purchase_orders.csv\" is not a table name, so it names one file or sheet; the columns are listed "
        "in docs/workbook-format.md)")


# --- every message that suggests a setting gives lines that load -----------------------------------------------

def reading_suggestions(tmp_path: Path) -> dict[str, str]:
    """The messages of reading findings that suggest settings, from real files."""
    folder = tmp_path / "messy"
    folder.mkdir()
    (folder / "orders.csv").write_text(
        "Order ID,Order Date,Customer,Item,Qty,Status,Colour\n"
        "SO1,03/04/2026,C1,A,2,Backlog,red\n", encoding="utf-8")
    (folder / "stock.csv").write_text("SKU,Location\nA,MAIN\n", encoding="utf-8")
    book = omxl.read_book(folder / "orders.csv", folder / "stock.csv")
    found = book.findings.set_index("code")["message"]
    return {code: found[code] for code in ("type-error", "ambiguous-date", "unknown-column", "missing-column")}


def test_every_message_that_suggests_a_setting_gives_lines_that_load(tmp_path):
    messages = reading_suggestions(tmp_path)
    assert messages["type-error"].endswith(
        "map the codes to words in omxl.toml with these lines, putting the right word for each code:\n"
        '[values.orders.status]\n"Backlog" = "open"')
    assert messages["ambiguous-date"] == (
        "Date '03/04/2026' can be read as 03 April 2026 or 04 March 2026. Write it as YYYY-MM-DD, make the cell a "
        'date, or say how dates are written in omxl.toml with this line ("%m/%d/%Y" when the month comes first):\n'
        'date_formats = ["%d/%m/%Y"]')
    assert messages["unknown-column"] == (
        "Column 'Colour' is not a known orders column; it is carried through unchanged. If it is one, map it in "
        "omxl.toml with these lines, writing the column it is in place of line:\n[columns.orders]\n"
        '"Colour" = "line"')
    assert messages["missing-column"] == (
        "The inventory table has no 'on_hand' column. Add a column headed 'On Hand', 'Qty On Hand', 'In Stock', or "
        "map the header you have to it in omxl.toml with these lines, writing your header in place of Your "
        'header:\n[columns.inventory]\n"Your header" = "on_hand"')
    with pytest.raises(SourceError) as too_large:
        omxl.read_book(tmp_path / "messy" / "orders.csv", config={"max_file_mb": 0.00001})
    messages["max_file_mb"] = str(too_large.value)
    messages["no tables"] = _tables_remedy()
    messages["sheet_prefix"] = str(SheetExistsError("omxl Issues"))
    for setting, needed in (("max_zip_members", 25), ("max_unzipped_mb", 3.2), ("max_zip_ratio", 1_024.5),
                            ("max_sheet_cells", 1_048_576 * 1_024)):
        messages[setting] = remedy_setting(setting, needed)
    assert messages["max_sheet_cells"].endswith("with this line:\nmax_sheet_cells = 1_100_000_000")
    assert DIFFERENT_PREFIX_LINE in messages["sheet_prefix"]
    settings = {name: loads(suggested_lines(text), tmp_path) for name, text in messages.items()}
    assert settings["max_file_mb"].max_file_mb == 10
    assert settings["ambiguous-date"].date_formats == ["%d/%m/%Y"]
    assert settings["unknown-column"].columns == {"orders": {"Colour": "line"}}
    # Each is a setting that does what the message says: the date is read, the header is mapped.
    messy = tmp_path / "messy"
    reread = omxl.read_book(messy / "orders.csv", messy / "stock.csv",
                            config={"date_formats": settings["ambiguous-date"].date_formats,
                                    "values": settings["type-error"].values})
    assert f"{reread.orders['order_date'].iloc[0]:%Y-%m-%d}" == "2026-04-03"
    assert reread.orders["status"].tolist() == ["open"]
    assert set(reread.findings["code"]) & {"ambiguous-date", "type-error"} == set()


@pytest.mark.parametrize("smtp, line", [
    ({}, 'host = "smtp.example.com"'),
    ({"host": "smtp.example.com"}, 'sender = "orders@example.com"'),
    ({"host": "smtp.example.com", "sender": "orders@example.com", "username": "orders"},
     'password_env = "OMXL_SMTP_PASSWORD"'),
])
def test_the_smtp_messages_name_a_line_under_smtp_that_loads(smtp, line, tmp_path):
    with pytest.raises(ConfigError) as caught:
        check_sending(omxl.Config(smtp=smtp))
    text = str(caught.value)
    assert "under [smtp]" in text
    suggested = re.search(r'\w+ = "[^"]*"', text).group()
    assert suggested == line
    settings = loads(f"[smtp]\n{suggested}", tmp_path)
    name, _, value = suggested.partition(" = ")
    assert getattr(settings.smtp, name) == value.strip('"')
