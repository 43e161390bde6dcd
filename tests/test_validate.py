"""validate: every code, addressed to the cell; rules as data; rows with errors left out downstream."""

from __future__ import annotations

import glob

import numpy as np
import pandas as pd
import pytest

import omxl
from conftest import ONLINE_RETAIL, SAMPLE
from northwind import northwind_book, northwind_headers
from omxl.findings import CATALOG, FINDING_COLUMNS
from omxl.model import TABLE_BY_NAME
from omxl.rules import RULES
from omxl.validation import CHECKS, Hits, _findings, issue_counts, usable
from omxl.validation_result import validate
from one_of_each import AS_OF, EXPECTED, FIXTURES, build

pytestmark = pytest.mark.core


def cells(issues):
    return sorted(map(tuple, issues[["code", "sheet", "cell"]].values))


def test_one_defect_of_each_code_gives_exactly_those_issues():
    issues = validate(omxl.read_book(FIXTURES / "one-of-each.xlsx"), as_of=AS_OF)
    assert list(issues.columns) == list(FINDING_COLUMNS)
    assert cells(issues) == sorted(EXPECTED)
    # `cancellation` needs cancelled_order_pattern configured: tests/test_cancellations.py covers it.
    # `formula-without-value` needs a writer that stores no formula values (XlsxWriter, which builds this
    # fixture, always stores one): tests/test_messy_corpus.py covers it. `far-cells-left-out` needs a cell at
    # the far corner of the grid: tests/test_hostile_zip.py covers it. `item-without-stock` needs an item master
    # beside stock lines (this fixture has one inventory sheet): tests/test_item_stock.py covers it. What stock is
    # taken as when the book holds stock movements after as_of (`stock-after-as-of`, `stock-rolled-back`):
    # tests/test_point_in_time.py. A workbook of several units that cannot be read (`unreadable-source`):
    # tests/test_consolidate.py.
    contract_codes = {code for code, entry in CATALOG.items() if entry.stage in ("read", "validate")} - {
        "malformed-row", "cancellation", "formula-without-value", "far-cells-left-out", "item-without-stock",
        "stock-after-as-of", "stock-rolled-back", "unreadable-source"}
    assert {code for code, _, _ in EXPECTED} == contract_codes


def test_the_fixed_workbook_has_no_errors_or_warnings():
    issues = validate(omxl.read_book(FIXTURES / "one-of-each-fixed.xlsx"), as_of=AS_OF)
    assert issues[["severity", "code", "cell"]].values.tolist() == [["info", "unknown-column", "J1"]]


def test_committed_fixtures_are_what_the_builder_writes(tmp_path):
    for name, fixed in (("one-of-each.xlsx", False), ("one-of-each-fixed.xlsx", True)):
        assert build(tmp_path / name, fixed).read_bytes() == (FIXTURES / name).read_bytes(), \
            "regenerate with: python tests/one_of_each.py"


def test_messages_say_what_was_found_and_what_to_do():
    issues = validate(omxl.read_book(FIXTURES / "one-of-each.xlsx"), as_of=AS_OF).set_index("cell")
    assert issues.loc["F7", "message"] == "'Qty' must be more than 0 (found -3). Correct the quantity or cancel the line."
    assert issues.loc["F7", ["severity", "table", "source", "sheet", "row", "column", "value"]].tolist() == \
        ["error", "orders", "one-of-each.xlsx", "Orders", 7, "Qty", "-3"]
    assert issues.loc["A8", "message"] == ("Order SO-1 line 1 appears more than once (first on row 2). Delete the "
                                           "repeated line or give it its own line number.")
    assert issues.loc["E9", "message"] == ("Item 'SKU-404' is not in the inventory. Correct the item code, or add "
                                           "the item to the inventory sheet.")
    assert issues.loc["C10", "message"] == ("'Order Date' 2026-12-15 is after 2026-12-05, the day this run is made: "
                                            "it cannot have happened yet. Correct the date.")
    assert issues.loc["D11", "message"].startswith("'Customer' is blank. Fill in the customer")
    # SKU-3 has 7 lines, fewer than outlier_min_lines (10): judged against every item's lines.
    assert issues.loc["F19", "message"] == ("'Qty' 500 is 250 times the usual order of all items (2; this item has "
                                            "only 7 lines), far outside the usual spread. Check for a typo.")
    assert issues.loc["C3", "message"] == ("'bob at example.com' is not a valid e-mail address. Correct it so "
                                           "messages can reach them.")
    assert issues.loc["F4", "message"] == "'Qty' must be a number (found 'five'). Type the quantity as a plain number."


def test_sample_defects_are_all_found_with_their_cells():
    from omxl.demo import demo_defects

    issues = validate(omxl.read_book(SAMPLE), as_of="2026-11-27")
    manifest = demo_defects()
    expected = manifest[manifest["step"] == "validate"]
    # The future-date line (2206) is after as_of too: left out of every step, said once for the table, no cell.
    later = issues[issues["code"] == "after-as-of"]
    assert later[["table", "cell", "count", "message"]].values.tolist() == [
        ["orders", "", 1, "1 order line dated after 2026-11-27 was left out: as of that day it had not happened yet."]]
    assert cells(issues.drop(later.index)) == sorted(map(tuple, expected[["code", "sheet", "cell"]].values))
    counts = issues.groupby("code").size().to_dict()
    assert counts == {"after-as-of": 1, "ambiguous-date": 1, "blank-row": 1, "constraint-error": 5,
                      "duplicate-column": 1, "duplicate-key": 2, "error-cell": 1, "foreign-key": 5, "future-date": 1, "invalid-email": 2,
                      "missing-value": 2, "normalized-value": 3, "outlier": 1, "type-error": 2, "unknown-column": 2}


def test_rows_with_errors_are_left_out_and_counted():
    book = omxl.read_book(SAMPLE)
    issues = validate(book, as_of="2026-11-27")
    clean, skipped = usable(book, issues)
    assert skipped.set_index("table")["rows_left_out"].to_dict() == {
        "orders": 10, "inventory": 2, "suppliers": 1, "customers": 0, "shipments": 1, "purchase_orders": 0,
        "returns": 0, "carriers": 0, "invoices": 0, "payments": 0}
    assert len(clean.orders) == 2990
    bad_rows = set(issues.loc[(issues["severity"] == "error") & (issues["table"] == "orders"), "row"])
    assert not bad_rows & set(clean.orders["row"])
    assert len(validate(clean, as_of="2026-11-27").query("severity == 'error' and table == 'orders'")) == 0


def test_a_missing_column_leaves_out_the_whole_sheet():
    book = omxl.read_book(FIXTURES / "one-of-each.xlsx")
    clean, skipped = usable(book, validate(book, as_of=AS_OF))
    assert len(clean.shipments) == 0
    assert skipped.set_index("table").loc["shipments", "rows_left_out"] == 1


def test_cells_are_right_with_a_title_block_columns_in_any_order_and_csv(messy_workbook, tmp_path):
    issues = validate(omxl.read_book(messy_workbook), as_of="2026-11-27")
    fk = issues[issues["code"] == "foreign-key"]
    assert fk[["sheet", "cell", "column", "value"]].values.tolist() == [["Open Orders", "C10", "Item Code", "4711"]]
    path = tmp_path / "orders.csv"
    path.write_text("Order #,Order Date,Customer,SKU,Qty\nSO-1,2026-11-02,C-1,S-1,4\nSO-2,2026-11-03,,S-1,-2\n",
                    encoding="utf-8")
    issues = validate(omxl.read_book(path), as_of="2026-11-27")
    assert issues.loc[issues["code"].isin(["missing-value", "constraint-error"]),
                      ["code", "sheet", "row", "cell"]].values.tolist() == [
        ["missing-value", "orders", 3, "C3"], ["constraint-error", "orders", 3, "E3"]]


def test_severities_are_configurable_per_code():
    book = omxl.read_book(FIXTURES / "one-of-each.xlsx")
    issues = validate(book, config={"severities": {"outlier": "off", "future-date": "error"}}, as_of=AS_OF)
    assert "outlier" not in set(issues["code"])
    assert issues.loc[issues["code"] == "future-date", "severity"].tolist() == ["error"]
    clean, skipped = usable(book, issues)
    assert "SO-7" not in set(clean.orders["order_id"])


def test_the_run_day_decides_future_dates_not_as_of(monkeypatch):
    book = omxl.read_book(FIXTURES / "one-of-each.xlsx")
    # C10 is ordered on 2026-12-15: after the run day of the tests (2026-12-05), whatever as_of.
    assert validate(book, as_of="2026-12-31").query("code == 'future-date'")["cell"].tolist() == ["C10"]
    monkeypatch.setenv("OMXL_TODAY", "2026-12-15")
    assert "future-date" not in set(validate(book, as_of="2026-11-27")["code"])
    with pytest.raises(omxl.ConfigError) as caught:
        validate(book, as_of="next tuesday")
    assert str(caught.value) == "as_of: 'next tuesday' is not a date; write it as YYYY-MM-DD (e.g. 2026-11-27)."


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_every_rule_is_well_formed(rule):
    table = TABLE_BY_NAME[rule.table]
    assert rule.code in CATALOG
    assert rule.check in CHECKS
    assert all(c in table.column_names for c in rule.columns)
    assert rule.severity in (None, "error", "warning", "info")
    text = rule.message.format(column="Qty", value="-3", other_column="Order Date", other_value="x", first_row=2,
                               run_day="2026-12-05", factor=10, reference="this item's usual order")
    assert text.endswith(".") and len(text) > 20


def test_validate_returns_an_empty_frame_with_the_columns_for_a_clean_dict_book():
    frame = pd.DataFrame({"order_id": ["A"], "order_date": [pd.Timestamp("2026-11-02")], "customer_id": ["C"],
                          "sku": ["S"], "qty": [1]})
    inventory = pd.DataFrame({"sku": ["S"], "on_hand": [3]})
    suppliers = pd.DataFrame({"supplier_id": ["P"]})
    issues = validate(omxl.read_book({"orders": frame, "inventory": inventory, "suppliers": suppliers}),
                      as_of="2026-11-27")
    assert issues.empty and list(issues.columns) == list(FINDING_COLUMNS)
    assert issue_counts(issues).empty


def _small_book():
    orders = pd.DataFrame({"order_id": ["A", "B", "C"], "customer_id": ["K", "K", "K"], "sku": ["S", "S", "S"],
                           "order_date": pd.to_datetime(["2026-11-02", "2026-12-01", "2026-12-24"]),
                           "qty": [-3, 0, 2]})
    return omxl.read_book({"orders": orders, "inventory": pd.DataFrame({"sku": ["S"], "on_hand": [3]}),
                           "suppliers": pd.DataFrame({"supplier_id": ["P"]})})


QTY_MESSAGE = "'qty' must be more than 0 (found {}). Correct the quantity or cancel the line."
FUTURE_MESSAGE = ("'order_date' {} is after 2026-12-05, the day this run is made: it cannot have happened yet. "
                  "Correct the date.")


def test_rules_with_and_without_message_fields_of_their_own_give_one_finding_per_row():
    # `positive` hits carry no message fields; `after_run_day` gives its run day once for every row. (Building
    # the per-row fields with pandas' to_dict gave no rows at all for the first under pandas 2: an internal error.)
    # 2026-12-01 is after as_of but not after the run day (OMXL_TODAY, tests/conftest.py): no future-date.
    issues = validate(_small_book(), as_of="2026-11-30")
    assert issues[["code", "column", "row", "value", "message"]].values.tolist() == [
        ["constraint-error", "qty", 2, "-3", QTY_MESSAGE.format(-3)],
        ["constraint-error", "qty", 3, "0", QTY_MESSAGE.format(0)],
        ["future-date", "order_date", 4, "2026-12-24", FUTURE_MESSAGE.format("2026-12-24")],
        # Row 3 has an error, so it is left out as that; row 4 is the one line left out as after as_of.
        ["after-as-of", "", pd.NA, "2026-11-30", "1 order line dated after 2026-11-30 was left out: as of that day "
                                                 "it had not happened yet."]]


def test_findings_of_hits_without_fields_none_or_one_field_for_all_rows():
    book = _small_book()
    as_of = pd.Timestamp("2026-11-27")
    positive = next(r for r in RULES if r.table == "orders" and r.check == "positive")
    found = _findings(positive, book.orders, Hits(np.array([0, 1])), book, as_of)
    assert found[["row", "message"]].values.tolist() == [[2, QTY_MESSAGE.format(-3)], [3, QTY_MESSAGE.format(0)]]
    assert _findings(positive, book.orders, Hits(np.array([], dtype=np.int64)), book, as_of).empty
    future = next(r for r in RULES if r.table == "orders" and r.check == "after_run_day")
    found = _findings(future, book.orders, Hits(np.array([1, 2]), {"run_day": ["2026-12-05"]}), book, as_of)
    assert found["message"].tolist() == [FUTURE_MESSAGE.format("2026-12-01"), FUTURE_MESSAGE.format("2026-12-24")]


def test_online_retail_defects_counted_like_plain_pandas():
    # The excerpt in tests/data/online_retail: four published days, chosen for their defects (see its README).
    files = sorted(glob.glob(str(ONLINE_RETAIL / "*.csv")))
    assert [f.rsplit("/", 1)[-1] for f in files] == ["2010-12-01.csv", "2010-12-22.csv", "2011-02-09.csv",
                                                     "2011-12-09.csv"]
    # The built-in aliases know these headers; the explicit map is how a user pins them down in omxl.toml.
    config = {"cancelled_order_pattern": "^C",
              "columns": {"orders": {"InvoiceNo": "order_id", "StockCode": "sku", "InvoiceDate": "order_date",
                                     "CustomerID": "customer_id", "Quantity": "qty", "UnitPrice": "unit_price"}}}
    book = omxl.read_book(*files, config=config)
    issues = validate(book, as_of="2011-12-31")
    raw = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    every = pd.concat(raw, ignore_index=True)
    assert len(book.orders) == len(every) == 5910

    # CustomerID written as a float (17850.0) is read as the whole-number ID it stands for.
    assert every["CustomerID"].str.endswith(".0").sum() == 3252
    assert (book.orders["customer_id"] == "17850").sum() == (every["CustomerID"] == "17850.0").sum() == 84
    assert not book.orders["customer_id"].dropna().str.endswith(".0").any()
    # The +/-80,995 pair of 2011-12-09: both lines kept, the second on a cancelled invoice.
    pair = book.orders[book.orders["qty"].abs() == 80995]
    assert pair[["order_id", "qty"]].values.tolist() == \
        every.loc[every["Quantity"].astype(float).abs() == 80995, ["InvoiceNo", "Quantity"]].astype(
            {"Quantity": float}).values.tolist() == [["581483", 80995.0], ["C581484", -80995.0]]
    assert pair["status"].fillna("").tolist() == ["", "cancelled"]

    def cells_of(code, column):
        found = issues[(issues["code"] == code) & (issues["column"] == column)]
        return int(found["count"].sum())

    assert cells_of("normalized-value", "InvoiceNo") == every["InvoiceNo"].str.startswith("C").sum() == 38
    # Credit notes' negative quantities are cancellations (info), not errors: only the 3 others are errors.
    credit = every["InvoiceNo"].str.startswith("C")
    assert len(issues[(issues["code"] == "constraint-error") & (issues["column"] == "Quantity")]) == \
        ((every["Quantity"].astype(float) <= 0) & ~credit).sum() == 3
    assert len(issues[issues["code"] == "cancellation"]) == credit.sum() == 38
    zero = issues[(issues["code"] == "constraint-error") & (issues["column"] == "UnitPrice")]
    assert len(zero) == (every["UnitPrice"].astype(float) == 0).sum() == 76
    assert set(zero["severity"]) == {"warning"}
    assert len(issues[issues["code"] == "duplicate-key"]) == sum(int(f.duplicated().sum()) for f in raw) == 53
    blank_customers = issues[(issues["code"] == "missing-value") & (issues["column"] == "CustomerID")]
    assert len(blank_customers) == (every["CustomerID"] == "").sum() == 2658


def test_northwind_malformed_rows_and_nulls_are_issues_not_crashes():
    issues = validate(northwind_book(), as_of="1998-05-06")
    malformed = issues[issues["code"] == "malformed-row"]
    assert malformed.groupby("table").size().to_dict() == {"customers": 24, "suppliers": 9}
    assert set(malformed["severity"]) == {"warning"}
    assert not (issues["severity"] == "error").any()
    headers = northwind_headers()
    header_issues = validate(headers, as_of="1998-05-06")
    assert sorted(header_issues.loc[header_issues["code"] == "missing-column", "column"]) == ["qty", "sku"]
    clean, skipped = usable(headers, header_issues)
    assert skipped.set_index("table").loc["orders", "rows_left_out"] == 830
