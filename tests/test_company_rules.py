"""Company rules in omxl.toml (contract 4.8, docs/company-rules.md): the eight documented examples on a
hand-built book (tests/company_rules_book.py) with their exact findings and cells, holds that change a line's
status and reason and keep it off the pick list, the built-in credit limit per currency and converted, settings
errors that name the rule, and an order total on Northwind against an independent pandas computation. The
language itself (grammar, refusals, hypothesis) is tested in test_company_rules_language.py."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from company_rules_book import AS_OF, CUSTOMERS, EXAMPLES, ORDERS, write_rules_book
from conftest import NORTHWIND
from omxl.cli import cli
from omxl.errors import ConfigError

pytestmark = pytest.mark.core

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "company-rules.md"
FINDING = ["severity", "code", "stage", "table", "sheet", "cell", "value", "message"]


@pytest.fixture(scope="module")
def book_path(tmp_path_factory) -> Path:
    return write_rules_book(tmp_path_factory.mktemp("rules") / "orders.xlsx")


@pytest.fixture(scope="module")
def rec(book_path):
    return omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config={"rules": EXAMPLES})


def rule_findings(rec) -> list[tuple]:
    found = rec.exceptions[rec.exceptions["stage"] == "rules"]
    return [tuple(row) for row in found[FINDING].astype(object).itertuples(index=False)]


def line(rec, order_id: str, number: int = 1) -> pd.Series:
    rows = rec.lines[(rec.lines["order_id"] == order_id) & (rec.lines["line"] == number)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_the_docs_examples_are_the_tested_ones():
    """Every ```toml block under "## Examples" of docs/company-rules.md, read as omxl.toml reads it, is one of
    the eight rules this file tests, in the same order."""
    text = DOC.read_text(encoding="utf-8")
    examples = text.split("\n## Examples\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", examples, flags=re.S)
    rules = [rule for block in blocks for rule in tomllib.loads(block)["rules"]]
    assert rules == EXAMPLES
    assert len(rules) == 8


def test_the_eight_examples_find_exactly_these_rows_at_these_cells(rec):
    assert rule_findings(rec) == [
        ("warning", "max-units", "rules", "orders", "Orders", "F2", "600",
         "Line 1 of O-101: 600 units of SKU-A, more than 500 in one line"),
        ("warning", "needs-approval", "rules", "order_totals", "Orders", "A4", "O-102",
         "Order O-102 is worth 10,800 EUR: a manager approves orders above 10,000"),
        ("warning", "customer-on-hold", "rules", "customers", "Customers", "A4", "C-CRUX",
         "Crux Marine is on hold until accounts clear it"),
        ("error", "below-cost", "rules", "orders", "Orders", "G7", "30",
         "SKU-C sold at 30 (discount 0), below its cost of 40"),
        # SKU-B's own lead time (10 days); SKU-D has none: its supplier's 30 days.
        ("warning", "promise-before-lead-time", "rules", "orders", "Orders", "I9", "2026-11-28",
         "Promised 2026-11-28, but SUP-1 needs 10 days from the order date"),
        ("warning", "promise-before-lead-time", "rules", "orders", "Orders", "I10", "2026-12-20",
         "Promised 2026-12-20, but SUP-2 needs 30 days from the order date"),
        # C-ACME: O-101 6,500 + O-107 4,000 in November, no single order above 10,000.
        ("info", "monthly-limit", "rules", "customer_months", "Orders", "D2", "C-ACME",
         "C-ACME ordered 10,500 EUR in 2026-11 (orders: 2): above the monthly limit of 10,000"),
        ("info", "monthly-limit", "rules", "customer_months", "Orders", "D4", "C-BOLT",
         "C-BOLT ordered 10,800 EUR in 2026-11 (orders: 1): above the monthly limit of 10,000"),
        ("error", "rush-without-carrier", "rules", "orders", "Orders", "K6", "1",
         "Priority-1 order O-103 has no carrier"),
        ("warning", "big-discount", "rules", "orders", "Orders", "H8", "0.35",
         "Line 1 of O-105: a discount of 0.35 is above 30 %"),
        # Built in: C-EAST's open O-106 (3 x 25) and unpaid INV-80 (600) against a limit of 500.
        ("warning", "credit-limit", "rules", "customers", "Customers", "C6", "500",
         "Customer C-EAST owes 600 EUR in unpaid invoices and has 75 EUR of open orders: 675 EUR, above the "
         "credit limit of 500 by 175."),
    ]
    # The findings are the reconciliation's: they are in rec.findings with the validation issues.
    assert (rec.findings["stage"] == "rules").sum() == 11


def test_holds_put_the_lines_on_hold_with_the_rules_message_as_reason(rec):
    held = {(r.order_id, r.line): (r.status, r.reason, r.action, r.allocated_qty)
            for r in rec.lines.itertuples() if r.status == "on_hold"}
    assert held == {
        ("O-101", 1): ("on_hold", "Line 1 of O-101: 600 units of SKU-A, more than 500 in one line",
                       "release the hold of rule max-units: 600 units held", 0.0),
        ("O-102", 1): ("on_hold", "Order O-102 is worth 10,800 EUR: a manager approves orders above 10,000",
                       "release the hold of rule needs-approval: 400 units held", 0.0),
        ("O-102", 2): ("on_hold", "Order O-102 is worth 10,800 EUR: a manager approves orders above 10,000",
                       "release the hold of rule needs-approval: 100 units held", 0.0),
        ("O-103", 1): ("on_hold", "Crux Marine is on hold until accounts clear it",
                       "release the hold of rule customer-on-hold: 5 units held", 0.0),
    }
    # The order's other line is not held by a line rule; rules without hold hold nothing.
    assert (line(rec, "O-101", 2)["status"], line(rec, "O-105")["status"]) == ("ready", "ready")
    assert rec.rule_holds[["order_id", "line", "rule", "open_qty"]].values.tolist() == [
        ["O-101", 1, "max-units", 600.0], ["O-102", 1, "needs-approval", 400.0],
        ["O-102", 2, "needs-approval", 100.0], ["O-103", 1, "customer-on-hold", 5.0]]
    assert list(rec.rule_holds.index) == list(rec.lines.index[rec.lines["status"] == "on_hold"])


def test_held_lines_get_no_stock_so_the_next_line_does(book_path):
    """SKU-A has 1,000 on hand: held, O-101/1 (600) leaves the 400 of O-102/1 (released) fully allocated."""
    only_units = {"rules": [EXAMPLES[0]]}
    rec = omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config=only_units)
    assert (line(rec, "O-101")["allocated_qty"], line(rec, "O-102")["allocated_qty"]) == (0.0, 400.0)
    assert rec.inventory.set_index("sku").loc["SKU-A", "allocated"] == 400.0


def test_dispatch_does_not_pick_held_lines_and_says_why(book_path):
    picked = omxl.dispatch(omxl.read_book(book_path), as_of=AS_OF, config={"rules": EXAMPLES})
    assert sorted(zip(picked.picks["order_id"], picked.picks["line"])) == [
        ("O-101", 2), ("O-104", 1), ("O-105", 1), ("O-106", 1), ("O-107", 1)]
    assert picked.held[["order_id", "line", "held_by", "reason"]].values.tolist() == [
        ["O-101", 1, "rule", "held by rule max-units: Line 1 of O-101: 600 units of SKU-A, more than 500 in one "
                             "line"],
        ["O-102", 1, "rule", "held by rule needs-approval: Order O-102 is worth 10,800 EUR: a manager approves "
                             "orders above 10,000"],
        ["O-102", 2, "rule", "held by rule needs-approval: Order O-102 is worth 10,800 EUR: a manager approves "
                             "orders above 10,000"],
        ["O-103", 1, "rule", "held by rule customer-on-hold: Crux Marine is on hold until accounts clear it"]]


def test_credit_limit_hold_holds_the_customers_open_lines(book_path):
    config = {"rules": [{"code": "credit-limit", "hold": True}]}
    rec = omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config=config)
    assert rec.rule_holds[["order_id", "line", "rule"]].values.tolist() == [["O-106", 1, "credit-limit"]]
    assert line(rec, "O-106")["reason"] == (
        "Customer C-EAST owes 600 EUR in unpaid invoices and has 75 EUR of open orders: 675 EUR, above the credit "
        "limit of 500 by 175.")
    picked = omxl.dispatch(rec)
    assert ("O-106", 1) not in set(zip(picked.picks["order_id"], picked.picks["line"]))


def test_credit_limit_with_its_own_message_and_severity(book_path):
    config = {"rules": [{"code": "credit-limit", "severity": "error",
                         "message": "{name}: {exposure} {currency} owed or ordered, limit {credit_limit}"}]}
    rec = omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config=config)
    assert rule_findings(rec) == [("error", "credit-limit", "rules", "customers", "Customers", "C6", "500",
                                   "East Yard: 675 EUR owed or ordered, limit 500")]
    assert rec.rule_holds.empty


def usd_orders() -> tuple:
    """C-DELTA (limit 1,000) also orders 30 x 20 USD: 600 USD, under the limit on its own as is its 430 EUR."""
    return ORDERS + (("O-108", 1, ORDERS[0][2], "C-DELTA", "SKU-A", 30, 20, 0, ORDERS[0][8], "open", 2, "DHL", "USD",
                      None),)


def usd_book(tmp_path) -> Path:
    return write_rules_book(tmp_path / "usd.xlsx", usd_orders())


def test_credit_limit_per_currency_never_adds_currencies(tmp_path):
    rec = omxl.reconcile(omxl.read_book(usd_book(tmp_path)), as_of=AS_OF)
    assert [row[1] for row in rule_findings(rec)] == ["credit-limit"]   # C-EAST only: 430 EUR and 600 USD apart


def test_credit_limit_converted_with_fx_rates(tmp_path):
    """430 EUR (O-104 300 + O-105 130) + 600 USD x 0.9 = 970 EUR: under 1,000; at 1.0 it is 1,030: 30 over."""
    path = usd_book(tmp_path)
    under = omxl.reconcile(omxl.read_book(path), as_of=AS_OF,
                           config={"base_currency": "EUR", "fx_rates": {"USD": 0.9}})
    assert [row[6] for row in rule_findings(under)] == ["500"]   # C-EAST's limit cell only
    over = omxl.reconcile(omxl.read_book(path), as_of=AS_OF, config={"base_currency": "EUR", "fx_rates": {"USD": 1.0}})
    assert rule_findings(over)[0] == (
        "warning", "credit-limit", "rules", "customers", "Customers", "C5", "1000",
        "Customer C-DELTA owes 0 EUR in unpaid invoices and has 1,030 EUR of open orders: 1,030 EUR, above the "
        "credit limit of 1,000 by 30.")
    # A currency without a rate is left out of the sum, and the message says so.
    unrated = omxl.reconcile(omxl.read_book(path), as_of=AS_OF,
                             config={"base_currency": "EUR", "fx_rates": {"GBP": 1.1},
                                     "rules": [{"code": "credit-limit", "message": "{exposure}{note}"}]})
    assert [row[7] for row in rule_findings(unrated)] == ["675"]
    # With a limit of 400, C-DELTA's 430 EUR alone is over: its 600 USD have no rate and are named as not counted.
    tight = tuple(row if row[0] != "C-DELTA" else ("C-DELTA", "Delta Works", 400) for row in CUSTOMERS)
    path = write_rules_book(tmp_path / "tight.xlsx", usd_orders(), tight)
    converted = omxl.reconcile(omxl.read_book(path), as_of=AS_OF,
                               config={"base_currency": "EUR", "fx_rates": {"GBP": 1.1},
                                       "rules": [{"code": "credit-limit", "message": "{exposure}{note}"}]})
    assert [row[7] for row in rule_findings(converted)] == ["430 (USD not counted: no rate in fx_rates)", "675"]


def test_severities_change_or_switch_off_a_rules_code(book_path):
    config = {"rules": EXAMPLES, "severities": {"max-units": "error", "big-discount": "off", "credit-limit": "info"}}
    rec = omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config=config)
    found = {(row[1], row[0]) for row in rule_findings(rec)}
    assert ("max-units", "error") in found and ("credit-limit", "info") in found
    assert not any(code == "big-discount" for code, _ in found)
    # Switching a holding rule's findings off does not lift its hold: the hold is the rule's, not its finding's.
    assert line(rec, "O-101")["status"] == "on_hold"


def test_the_first_rule_that_holds_a_line_names_the_hold(book_path):
    first = {"code": "acme-first", "table": "customers", "when": "customer_id = 'C-ACME'", "hold": True,
             "message": "Acme waits"}
    rec = omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config={"rules": [first, EXAMPLES[0]]})
    assert line(rec, "O-101")["reason"] == "Acme waits"
    assert set(rec.rule_holds["rule"]) == {"acme-first"}
    assert sorted(rec.rule_holds["order_id"] + "/" + rec.rule_holds["line"].astype(str)) == [
        "O-101/1", "O-101/2", "O-107/1"]


def test_a_line_on_hold_on_the_sheet_keeps_the_sheets_reason(tmp_path):
    orders = tuple(row if row[0] != "O-101" or row[1] != 1 else row[:9] + ("on hold",) + row[10:] for row in ORDERS)
    path = write_rules_book(tmp_path / "sheet-hold.xlsx", orders)
    rec = omxl.reconcile(omxl.read_book(path), as_of=AS_OF, config={"rules": [EXAMPLES[0]]})
    assert line(rec, "O-101")["reason"] == "On hold on the order sheet; 600 open units are not allocated."
    assert rec.rule_holds.empty
    assert len(rule_findings(rec)) == 2   # the finding still says the rule matched (and the credit limit)


def test_notify_and_the_weekly_report_treat_a_rule_hold_like_a_sheet_hold(tmp_path):
    """O-106 is late on 2026-12-01. Held by the credit limit, or on hold on the sheet: the same delay news, and
    the weekly report counts it on hold either way."""
    day = "2026-12-01"
    by_rule = omxl.read_book(write_rules_book(tmp_path / "rule.xlsx"))
    on_sheet_orders = tuple(row if row[0] != "O-106" else row[:9] + ("on hold",) + row[10:] for row in ORDERS)
    on_sheet = omxl.read_book(write_rules_book(tmp_path / "sheet.xlsx", on_sheet_orders))
    rule_config = {"rules": [{"code": "credit-limit", "hold": True}]}
    ruled = omxl.notify(by_rule, as_of=day, config=rule_config)
    sheet = omxl.notify(on_sheet, as_of=day)
    columns = ["kind", "recipient_id", "subject", "key", "lines"]
    assert ruled.messages[columns].equals(sheet.messages[columns])
    east = ruled.messages[(ruled.messages["recipient_id"] == "C-EAST")
                          & (ruled.messages["kind"] == "customer-delay")]["key"].item()
    text = ruled.email(east, sender="Order desk <orders@shop.example>").get_body(("plain",)).get_content()
    assert text == sheet.email(east, sender="Order desk <orders@shop.example>").get_body(("plain",)).get_content()
    assert "O-106" in text
    report = omxl.weekly_report(by_rule, as_of=day, config=rule_config)
    counts = dict(zip(report.status_counts["status"], report.status_counts["lines"]))
    assert counts["on_hold"] == 1


def test_rules_on_the_other_tables_find_but_never_hold(book_path):
    config = {"rules": [{"code": "no-cost", "table": "inventory", "when": "lead_time_days is blank",
                         "message": "{sku} has no lead time"}]}
    rec = omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config=config)
    assert rule_findings(rec)[0] == ("warning", "no-cost", "rules", "inventory", "Inventory", "F5", "",
                                     "SKU-D has no lead time")
    assert rec.rule_holds.empty


# Settings errors: named by rule (index and code), where, and what to do; nothing runs.
@pytest.mark.parametrize("rule, message", [
    ({"code": "stock-hold", "table": "inventory", "when": "on_hand < 0", "hold": True},
     "config: setting 'rules': rules[0] (code 'stock-hold'): hold = true holds order lines, so it needs a rule on "
     "orders, order_totals, customers, not on inventory; remove hold, or check the orders of what the rule finds"),
    ({"code": "x", "table": "order_lines", "when": "qty > 1"},
     "config: setting 'rules': rules[0] (code 'x'): the rule names the table 'order_lines'; use one of: orders, "
     "inventory, suppliers, customers, shipments, purchase_orders, returns, carriers, invoices, payments, "
     "order_totals, customer_months"),
    ({"code": "x", "table": "orders"},
     "config: setting 'rules': rules[0] (code 'x'): the rule has no when; write the test, e.g. when = \"qty > 500\""),
    ({"code": "Max Units", "table": "orders", "when": "qty > 1"},
     "config: setting 'rules.0.code': the code 'Max Units' must be lower-case letters, digits and dashes, e.g. "
     "\"max-units\" (found 'Max Units')"),
    ({"code": "stockout", "table": "orders", "when": "qty > 1"},
     "config: setting 'rules': rules[0] (code 'stockout'): 'stockout' is a finding code of omxl's own; give the "
     "rule another code"),
    ({"code": "credit-limit", "table": "customers", "when": "credit_limit > 0"},
     "config: setting 'rules': rules[0] (code 'credit-limit'): the built-in credit limit has no table or when (it "
     "compares each customer's open order value and unpaid invoices with credit_limit); remove them, or give your "
     "own rule another code"),
    ({"code": "x", "table": "orders", "when": "qty > 1", "message": "qty {qty:>5}"},
     "config: setting 'rules': rules[0] (code 'x'): the message names {qty:>5}, which is not a column name in "
     "braces; write {order_id}"),
    ({"code": "x", "table": "orders", "when": "qty > 1", "hold": "maybe"},
     "config: setting 'rules.0.hold': Input should be a valid boolean, unable to interpret input (found 'maybe')"),
])
def test_a_rule_that_cannot_be_is_a_settings_error_naming_it(rule, message):
    with pytest.raises(ConfigError) as caught:
        omxl.load_config({"rules": [rule]})
    assert str(caught.value) == message


def test_two_rules_with_one_code_are_refused():
    rule = {"code": "x", "table": "orders", "when": "qty > 1"}
    with pytest.raises(ConfigError, match=r"rules\[1\] \(code 'x'\): a second rule with this code; give each rule "
                                          r"a code of its own"):
        omxl.load_config({"rules": [rule, rule]})


def test_a_syntax_error_names_the_settings_file_the_rule_and_the_position(tmp_path, book_path):
    (tmp_path / "omxl.toml").write_text('[[rules]]\ncode = "max-units"\ntable = "orders"\nwhen = "qty >> 500"\n',
                                        encoding="utf-8")
    with pytest.raises(omxl.RuleError) as caught:
        omxl.load_config(tmp_path / "omxl.toml")
    assert str(caught.value).splitlines() == [
        f"{tmp_path / 'omxl.toml'}: rules[0] (code 'max-units') when, line 1, column 6: unexpected '>'; expected "
        "a number, a text in quotes, a date like 2026-11-27, a column name, true, false, as_of, '(' or '-'.",
        "    qty >> 500", "         ^"]


def test_an_unknown_column_names_the_tables_columns_and_nothing_is_held(book_path):
    config = {"rules": [EXAMPLES[0], {"code": "x", "table": "order_totals", "when": "total > 100"}]}
    with pytest.raises(omxl.RuleError) as caught:
        omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config=config)
    assert str(caught.value).splitlines()[0] == (
        "rules[1] (code 'x') when, line 1, column 1: no column 'total' in order_totals; expected one of its "
        "columns: order_id, customer_id, currency, value, lines, units.")


def test_a_message_naming_an_unknown_column_is_a_settings_error(book_path):
    config = {"rules": [{"code": "x", "table": "orders", "when": "qty > 500", "message": "{qty} of {item}"}]}
    with pytest.raises(ConfigError) as caught:
        omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config=config)
    assert str(caught.value).startswith("rules[0] (code 'x') message: {item} is not a column of orders; use one of: "
                                        "order_id, line, order_date, customer_id, sku, qty, unit_price, discount, ")
    assert str(caught.value).endswith("open_qty, lead_time_days, supplier_id, unit_cost")


def test_the_command_line_stops_with_exit_2_and_the_rules_error(tmp_path, book_path):
    (tmp_path / "omxl.toml").write_text('[[rules]]\ncode = "big"\ntable = "orders"\nwhen = "__import__(\'os\')"\n',
                                        encoding="utf-8")
    result = CliRunner().invoke(cli, ["reconcile", str(book_path), "--config", str(tmp_path / "omxl.toml"),
                                      "--as-of", AS_OF])
    assert result.exit_code == 2
    assert "rules[0] (code 'big') when, line 1, column 11: __import__(...) calls a function, and the language has " \
           "none" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_line_shows_the_rules_findings_on_the_exceptions_sheet(tmp_path, book_path):
    import openpyxl

    (tmp_path / "omxl.toml").write_text('[[rules]]\ncode = "max-units"\ntable = "orders"\nwhen = "qty > 500"\n'
                                        'hold = true\nmessage = "{qty} units in one line"\n', encoding="utf-8")
    out = tmp_path / "status.xlsx"
    result = CliRunner().invoke(cli, ["reconcile", str(book_path), "--config", str(tmp_path / "omxl.toml"),
                                      "--as-of", AS_OF, "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out, read_only=True)["Exceptions"]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    found = [dict(zip(header, r)) for r in rows[1:]]
    ours = [r for r in found if r["Code"] == "max-units"]
    assert [(r["Stage"], r["Cell"], r["Message"]) for r in ours] == [("rules", "F2", "600 units in one line")]


def test_an_order_total_on_northwind_equals_pandas():
    """Northwind's orders above 10,000 in value (quantity x unit price x (1 - discount), summed per order),
    computed by the rule and by pandas from the raw CSV exports."""
    book = omxl.read_book(NORTHWIND / "orders.csv", NORTHWIND / "order-details.csv", NORTHWIND / "products.csv",
                          NORTHWIND / "customers.csv")
    rule = {"code": "big-order", "table": "order_totals", "when": "value > 10000", "message": "{order_id} {value}"}
    rec = omxl.reconcile(book, as_of="1998-05-06", config={"rules": [rule]})
    found = rec.exceptions[rec.exceptions["code"] == "big-order"]
    details = pd.read_csv(NORTHWIND / "order-details.csv")
    value = (details["quantity"] * details["unitPrice"] * (1 - details["discount"])).groupby(details["orderID"]).sum()
    expected = sorted(str(order) for order in value[value > 10000].index)
    assert sorted(found["order_id"].astype(str)) == expected
    assert len(expected) == 10


def test_customer_months_on_northwind_equal_pandas():
    """Each customer's value per calendar month of order date, from the raw exports with pandas: the months above
    5,000 are the rule's findings, with the same values (to the cent) and order counts."""
    book = omxl.read_book(NORTHWIND / "orders.csv", NORTHWIND / "order-details.csv", NORTHWIND / "products.csv",
                          NORTHWIND / "customers.csv")
    rule = {"code": "big-month", "table": "customer_months", "when": "value > 5000",
            "message": "{customer_id}|{month}|{value}|{orders}"}
    rec = omxl.reconcile(book, as_of="1998-05-06", config={"rules": [rule]})
    found = sorted(rec.exceptions.loc[rec.exceptions["code"] == "big-month", "message"])
    # The export's addresses hold unquoted commas: its first four fields are read by position.
    with open(NORTHWIND / "orders.csv", encoding="utf-8") as handle:
        rows = [line.split(",", 4)[:4] for line in handle.read().splitlines()[1:] if line]
    orders = pd.DataFrame(rows, columns=["orderID", "customerID", "employeeID", "orderDate"])
    orders["orderID"] = orders["orderID"].astype(int)
    orders["orderDate"] = pd.to_datetime(orders["orderDate"])
    details = pd.read_csv(NORTHWIND / "order-details.csv").merge(orders[["orderID", "customerID", "orderDate"]])
    details["value"] = details["quantity"] * details["unitPrice"] * (1 - details["discount"])
    details["month"] = details["orderDate"].dt.strftime("%Y-%m")
    months = details.groupby(["customerID", "month"]).agg(value=("value", "sum"), orders=("orderID", "nunique"))
    months = months[months["value"].round(2) > 5000]
    expected = sorted((customer, month, value, orders)
                      for (customer, month), value, orders in zip(months.index, months["value"], months["orders"]))
    got = sorted((customer, month, float(value.replace(",", "")), int(orders))
                 for customer, month, value, orders in (text.split("|") for text in found))
    assert [(c, m, o) for c, m, _, o in got] == [(c, m, o) for c, m, _, o in expected]
    # A value is shown to the cent; the exact sum of prices with discounts can sit on a half cent either way.
    assert all(abs(g[2] - e[2]) <= 0.0051 for g, e in zip(got, expected))
    assert len(expected) == 48


def test_the_pages_python_examples_run(tmp_path, monkeypatch):
    """The page's first example on the book of these tests with the first example's omxl.toml, and the
    language example as written."""
    first, language = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    toml = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)[0]
    monkeypatch.chdir(tmp_path)
    write_rules_book(tmp_path / "orders.xlsx")
    (tmp_path / "omxl.toml").write_text(toml, encoding="utf-8")
    monkeypatch.setenv("OMXL_TODAY", AS_OF)
    names: dict = {}
    exec(compile(first, "company-rules.md#0", "exec"), names)
    assert names["rec"].rule_holds[["order_id", "line", "rule"]].values.tolist() == [["O-101", 1, "max-units"]]
    exec(compile(language, "company-rules.md#1", "exec"), names)
    assert names["rule"].mask(names["orders"], pd.Timestamp("2026-11-27")).tolist() == [True, False]
    assert names["rule"].columns == ("qty", "order_date")


def test_the_summary_says_how_many_lines_rules_hold(rec):
    row = rec.figures.set_index("label").loc["Held by company rules"]
    assert (row["value"], row["note"]) == (4, "on hold by max-units, needs-approval, customer-on-hold")


def test_import_omxl_does_not_load_the_rules_parser():
    """lark is loaded when a reconciliation first checks rules, not by `import omxl` (start-up time)."""
    import subprocess
    import sys

    code = "import sys, omxl; print('lark' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_without_an_inventory_row_the_lead_time_is_the_default_and_the_supplier_blank():
    orders = pd.DataFrame({"order_id": ["O-1", "O-2"], "line": [1, 1], "customer_id": ["C-1", "C-1"],
                           "sku": ["SKU-X", "SKU-Y"], "qty": [5, 7],
                           "order_date": ["2026-11-20", "2026-11-20"], "promised_date": ["2026-11-30", "2026-12-30"]})
    rule = {"code": "early", "table": "orders", "when": "promised_date < order_date + lead_time_days",
            "message": "{sku}: {lead_time_days} days, supplier [{supplier_id}]"}
    rec = omxl.reconcile(omxl.read_book({"orders": orders}), as_of=AS_OF,
                         config={"rules": [rule], "default_lead_time_days": 14})
    assert rec.exceptions.loc[rec.exceptions["code"] == "early", "message"].tolist() == [
        "SKU-X: 14 days, supplier []"]


def test_a_message_field_is_checked_even_when_the_rule_matches_nothing(book_path):
    config = {"rules": [{"code": "x", "table": "orders", "when": "qty > 100000", "message": "{qty} of {item}"},
                        {"code": "credit-limit", "message": "{customer} over"}]}
    with pytest.raises(ConfigError, match=r"^rules\[0\] \(code 'x'\) message: \{item\} is not a column of orders"):
        omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config=config)
    with pytest.raises(ConfigError) as caught:
        omxl.reconcile(omxl.read_book(book_path), as_of=AS_OF, config={"rules": config["rules"][1:]})
    assert str(caught.value) == (
        "rules[0] (code 'credit-limit') message: {customer} is not a column of customers; use one of: customer_id, "
        "name, currency, open_order_value, unpaid_invoices, exposure, credit_limit, over_by, note")
