"""Northwind as exported (header + line files, a shippers file, NULL blanks, unquoted commas) through
`omxl reconcile`, checked against an independent join of the CSVs with the csv module and plain pandas."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from conftest import NORTHWIND
from omxl.cli import cli

pytestmark = pytest.mark.core

FILES = ["orders.csv", "order-details.csv", "products.csv", "customers.csv", "suppliers.csv", "shippers.csv"]


def run(tmp_path, as_of: str, name: str = "lines.csv"):
    out = tmp_path / name
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli, ["reconcile", *(str(NORTHWIND / f) for f in FILES), "--as-of", as_of, "--out", str(out)])
    return result, out


def csv_records(name: str) -> tuple[list[str], list[list[str]]]:
    with open(NORTHWIND / name, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def plain_headers() -> pd.DataFrame:
    """orders.csv by hand: the first 7 fields of every record (orderID ... shipVia) come before the address,
    so an unquoted comma in the address cannot move them."""
    header, records = csv_records("orders.csv")
    frame = pd.DataFrame([r[:7] for r in records], columns=header[:7])
    for column in ("orderDate", "requiredDate", "shippedDate"):
        frame[column] = pd.to_datetime(frame[column].where(frame[column] != "NULL"))
    return frame


def plain_lines() -> pd.DataFrame:
    details = pd.read_csv(NORTHWIND / "order-details.csv", dtype={"orderID": str, "productID": str})
    return details.merge(plain_headers(), on="orderID", how="left", validate="many_to_one")


def test_northwind_reconciles_through_the_cli_with_every_order(tmp_path):
    result, out = run(tmp_path, "1998-05-06")
    assert result.exit_code == 0, result.output     # no row of Northwind has an error
    assert "Rows left out" not in result.output
    lines = pd.read_csv(out, dtype={"order_id": str, "sku": str}, encoding="utf-8-sig")
    plain = plain_lines()
    assert len(lines) == len(plain) == 2155
    assert lines["order_id"].nunique() == 830

    # The 21 orders without a shippedDate are open, and exactly their lines, whole.
    open_plain = plain[plain["shippedDate"].isna()]
    assert open_plain["orderID"].nunique() == 21
    open_lines = lines[lines["open_qty"] > 0]
    assert sorted(zip(open_lines["order_id"], open_lines["sku"], open_lines["open_qty"])) == \
        sorted(zip(open_plain["orderID"], open_plain["productID"], open_plain["quantity"].astype(float)))
    assert len(open_lines) == 73 and open_lines["open_qty"].sum() == 1198
    assert lines.loc[lines["open_qty"] == 0, "shipped_qty"].sum() == plain.loc[plain["shippedDate"].notna(),
                                                                                "quantity"].sum() == 50119

    # Carriers by name: shipVia 1/2/3 read through shippers.csv.
    shippers = pd.read_csv(NORTHWIND / "shippers.csv", dtype={"shipperID": str})
    expected = plain["shipVia"].map(dict(zip(shippers["shipperID"], shippers["companyName"])))
    by_line = lines.set_index(["order_id", "sku"])["carrier"]
    assert by_line.loc[list(zip(plain["orderID"], plain["productID"]))].tolist() == expected.tolist()
    assert lines.loc[lines["order_id"] == "10248", "carrier"].unique().tolist() == ["Federal Shipping"]
    assert lines.loc[lines["order_id"] == "10249", "carrier"].unique().tolist() == ["Speedy Express"]

    # Line values are net of discount (orders.csv has no discount; order-details.csv does).
    assert lines.loc[(lines["order_id"] == "10260") & (lines["sku"] == "41"), "discount"].item() == 0.25


def test_northwind_late_lines_as_of_june(tmp_path):
    result, out = run(tmp_path, "1998-06-01")
    assert result.exit_code == 0, result.output
    lines = pd.read_csv(out, dtype={"order_id": str, "sku": str}, encoding="utf-8-sig")
    plain = plain_lines()
    late_plain = plain[plain["shippedDate"].isna() & (plain["requiredDate"] < pd.Timestamp("1998-06-01"))]
    late = lines[lines["late"]]
    assert sorted(zip(late["order_id"], late["sku"])) == sorted(zip(late_plain["orderID"], late_plain["productID"]))
    assert len(late) == 22 and sorted(late["order_id"].unique()) == [
        "11008", "11019", "11039", "11040", "11045", "11051", "11054", "11058", "11062", "11065"]
    days = (pd.Timestamp("1998-06-01") - late_plain["requiredDate"]).dt.days
    assert late.set_index(["order_id", "sku"])["days_late"].loc[
        list(zip(late_plain["orderID"], late_plain["productID"]))].tolist() == days.tolist()


def test_unquoted_commas_keep_their_orders_dates_and_carrier():
    header, records = csv_records("orders.csv")
    long = [r for r in records if len(r) > len(header)]
    assert len(long) == 176 and all(len(r) == len(header) + 1 for r in long)
    book = omxl.read_book(*(NORTHWIND / f for f in FILES))
    malformed = book.findings[book.findings["code"] == "malformed-row"]
    assert (malformed["table"] == "orders").sum() == 176
    assert sorted(malformed.loc[malformed["table"] == "orders", "row"].astype(int)) == \
        [records.index(r) + 2 for r in long]
    rec = omxl.reconcile(book, as_of="1998-05-06")
    assert rec.left_out.set_index("table")["rows_left_out"].to_dict() == {t: 0 for t in omxl.model.TABLE_NAMES}
    assert set(rec.issues.loc[rec.issues["severity"] == "error", "code"]) == set()
    plain = pd.DataFrame([r[:7] for r in long], columns=header[:7])
    joined = book.orders.drop_duplicates("order_id").set_index("order_id").loc[plain["orderID"]]
    assert joined["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S.000").tolist() == plain["orderDate"].tolist()
    assert joined["promised_date"].dt.strftime("%Y-%m-%d %H:%M:%S.000").tolist() == plain["requiredDate"].tolist()
    assert joined["ship_date"].dt.strftime("%Y-%m-%d %H:%M:%S.000").fillna("NULL").tolist() == \
        plain["shippedDate"].tolist()
    assert joined["carrier"].tolist() == plain["shipVia"].tolist()
    # Every one of those orders has its lines in the reconciliation.
    assert set(plain["orderID"]) <= set(rec.lines["order_id"])
    assert rec.orders["order_id"].nunique() == 830


def test_northwind_header_file_is_listed_as_the_order_header():
    book = omxl.read_book(*(NORTHWIND / f for f in FILES))
    layout = book.layout.set_index("source")
    assert layout.loc["orders.csv", "table"] == "orders"
    assert layout.loc["orders.csv", "note"] == "order header: joined onto the order lines by order_id"
    assert layout.loc["order-details.csv", "note"] == "order lines: header values joined by order_id"
    assert layout.loc["shippers.csv", "table"] == "carriers"
    assert book.tables["carriers"][["carrier_id", "name"]].values.tolist() == [
        ["1", "Speedy Express"], ["2", "United Package"], ["3", "Federal Shipping"]]
    mapped = book.column_map[book.column_map["source"] == "orders.csv"].set_index("header")["column"]
    assert mapped[["orderID", "orderDate", "requiredDate", "shippedDate", "shipVia"]].tolist() == [
        "order_id", "order_date", "promised_date", "ship_date", "carrier"]
    assert "missing-column" not in set(book.findings["code"])
    # Lines keep their own provenance; the header's is carried beside it.
    first = book.orders.iloc[0]
    assert (first["source"], first["row"], first["header_source"], first["header_row"]) == \
        ("order-details.csv", 2, "orders.csv", 2)
    # NULL in columns omxl does not use is blank too (shipRegion).
    header, records = csv_records("orders.csv")
    nulls = {r[0] for r in records if r[11] == "NULL" and len(r) == len(header)}
    blank = set(book.orders.loc[book.orders["shipRegion"].isna(), "order_id"])
    assert nulls <= blank
