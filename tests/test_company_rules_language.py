"""The expression language of company rules (omxl/company_rules/, docs/company-rules.md): exact masks for every
construct, exact errors for what it refuses, and no way for a rule's text to run code."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omxl.company_rules import MAX_DEPTH, RuleError, compile_expression, compile_rule
from omxl.errors import ConfigError

pytestmark = pytest.mark.core

AS_OF = pd.Timestamp("2026-11-27")
TEXT = "string[python]"


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    """Five order lines, the fifth blank wherever it can be."""
    return pd.DataFrame({
        "order_id": pd.Series(["SO-1", "SO-2", "SO-3", "SO-4", "SO-5"], dtype=TEXT),
        "customer_id": pd.Series(["C7", "c9", "C1", "C9", None], dtype=TEXT),
        "sku": pd.Series(["WID-1", "GAD-2", "wid-3", "BOLT", ""], dtype=TEXT),
        "qty": pd.Series([600.0, 10.0, 500.0, 501.0, np.nan]),
        "unit_price": pd.Series([2.0, 5.0, 3.0, 1.0, np.nan]),
        "unit_cost": pd.Series([1.5, 6.0, 3.0, 2.0, 1.0]),
        "discount": pd.Series([0.0, 0.35, 0.3, 0.5, np.nan]),
        "priority": pd.Series([1, 1, 2, 1, pd.NA], dtype="Int64"),
        "carrier": pd.Series(["DHL", "", None, "  ", "UPS"], dtype=TEXT),
        "order_date": pd.to_datetime(["2026-10-01", "2026-11-20", "2026-10-28", "2026-11-01", None]),
        "promised_date": pd.to_datetime(["2026-10-05", "2026-12-20", "2026-11-01", "2026-11-03", "2026-12-01"]),
        "lead_time_days": pd.Series([7.0, 14.0, np.nan, 1.0, 3.0]),
        "rush": pd.Series([True, False, pd.NA, True, False], dtype="boolean"),
    })


def mask(text: str, frame: pd.DataFrame) -> list[bool]:
    result = compile_rule(text, frame, index=0, code="test").mask(frame, AS_OF)
    assert result.dtype == bool and result.index.equals(frame.index)
    return result.tolist()


def refusal(text: str, columns, index: int = 2, code: str = "max-units") -> str:
    with pytest.raises(RuleError) as caught:
        compile_rule(text, columns, index=index, code=code)
    assert isinstance(caught.value, ConfigError)
    return str(caught.value)


# -- the issue's eight examples -------------------------------------------------------------------------------
def test_the_issues_examples_on_order_lines(orders):
    assert mask("qty > 500", orders) == [True, False, False, True, False]
    assert mask("customer_id in ['C7', 'C9']", orders) == [True, True, False, True, False]
    assert mask("unit_price < unit_cost", orders) == [False, True, False, True, False]
    assert mask("promised_date < order_date + lead_time_days", orders) == [True, False, False, False, False]
    assert mask("priority = 1 and carrier is blank", orders) == [False, True, False, True, False]
    assert mask("discount > 0.3", orders) == [False, True, False, True, False]


def test_the_issues_examples_on_order_totals_and_customer_months():
    order_totals = pd.DataFrame({"order_id": pd.Series(["SO-1", "SO-2", "SO-3"], dtype=TEXT),
                                 "customer_id": pd.Series(["C1", "C2", "C1"], dtype=TEXT),
                                 "currency": pd.Series(["EUR", "EUR", "USD"], dtype=TEXT),
                                 "value": [10000.0, 10000.01, 250.0], "lines": [3, 1, 2], "units": [40.0, 1.0, 9.0]})
    assert mask("value > 10000", order_totals) == [False, True, False]
    customer_months = pd.DataFrame({"customer_id": pd.Series(["C1", "C2"], dtype=TEXT),
                                    "currency": pd.Series(["EUR", "EUR"], dtype=TEXT),
                                    "month": pd.to_datetime(["2026-10-01", "2026-11-01"]),
                                    "value": [50000.0, 72000.5], "orders": [4, 9], "lines": [10, 30]})
    assert mask("value > 50000", customer_months) == [False, True]


# -- every construct ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("qty = 500", [False, False, True, False, False]),
    ("qty == 500", [False, False, True, False, False]),
    ("qty != 500", [True, True, False, True, False]),      # a blank compared is False, != too
    ("qty <> 500", [True, True, False, True, False]),
    ("qty < 500", [False, True, False, False, False]),
    ("qty <= 500", [False, True, True, False, False]),
    ("qty >= 500", [True, False, True, True, False]),
    ("qty * unit_price >= 1000", [True, False, True, False, False]),
    ("qty / 2 - 1 = 249", [False, False, True, False, False]),
    ("-qty < -500", [True, False, False, True, False]),
    ("qty / 0 is blank", [True, True, True, True, True]),   # dividing by zero is blank, not infinity
    ("(qty - 1) * 2 = 1000", [False, False, False, True, False]),
    ("qty - 1 * 2 = 598", [True, False, False, False, False]),
    ("qty > 500 or discount > 0.4", [True, False, False, True, False]),
    ("qty > 500 and not rush", [False, False, False, False, False]),
    ("not qty > 500", [False, True, True, False, True]),
    ("rush", [True, False, False, True, False]),            # a blank flag counts as false
    ("rush = false", [False, True, False, False, True]),
    ("not (qty > 500 or priority = 2)", [False, True, False, False, True]),
    ("qty in [10, 500]", [False, True, True, False, False]),
    ("qty in [-1, 10,]", [False, True, False, False, False]),
    ("customer_id not in ['c7']", [False, True, True, True, False]),   # blank: not in is False too
    ("customer_id = 'c7'", [True, False, False, False, False]),       # text compares without case
    ("customer_id < 'c5'", [False, False, True, False, False]),
    ("carrier is blank", [False, True, True, True, False]),            # NA, '' and spaces are blank
    ("carrier is not blank", [True, False, False, False, True]),
    ("qty is blank", [False, False, False, False, True]),
    ("order_date is blank", [False, False, False, False, True]),
    ("sku starts with 'wid'", [True, False, True, False, False]),
    ("sku ends with '-2'", [False, True, False, False, False]),
    ("sku contains 'D-'", [True, True, True, False, False]),
    ("sku contains '.'", [False, False, False, False, False]),         # not a pattern: a dot is a dot
    ("order_date < as_of - 30", [True, False, False, False, False]),
    ("order_date >= 2026-11-01", [False, True, False, True, False]),
    ("order_date in [2026-10-01, 2026-11-20]", [True, True, False, False, False]),
    ("promised_date - order_date > 7", [False, True, False, False, False]),
    ("as_of - order_date = 30", [False, False, True, False, False]),
    ("30 + order_date = 2026-10-31", [True, False, False, False, False]),
    ("promised_date > as_of", [False, True, False, False, True]),
    ("`unit_price` > 2", [False, True, True, False, False]),
    ("QTY > 500 AND Priority = 1", None),   # keywords without case; column names exactly as the table has them
    ("true", [True] * 5),
    ("1 < 2 and false", [False] * 5),
    ("'abc' = 'ABC'", [True] * 5),
])
def test_each_construct_gives_its_exact_mask(orders, text, expected):
    if expected is None:
        assert "no column 'QTY' in the table" in refusal(text, orders)
    else:
        assert mask(text, orders) == expected


def test_a_column_with_spaces_is_named_in_backquotes():
    frame = pd.DataFrame({"unit price": [1.0, 3.0], "and": [1.0, 0.0]})
    assert mask("`unit price` > 2 or `and` = 1", frame) == [True, True]


def test_long_flat_chains_evaluate(orders):
    """A long chain is flat (a + b + ...): 10,000 terms compile and run, only nesting is limited."""
    assert mask(" + ".join(["1"] * 10_000) + " = 10000", orders) == [True] * 5
    assert mask(" and ".join(["qty > 500"] * 5_000), orders) == [True, False, False, True, False]
    assert mask("(" * 50 + "qty > 500" + ")" * 50, orders) == [True, False, False, True, False]


def test_values_and_columns_in_order_of_appearance(orders):
    expression = compile_expression("promised_date - order_date + qty * 0", orders, index=1, code="gap")
    assert expression.kind == "number" and expression.columns == ("promised_date", "order_date", "qty")
    assert expression.values(orders, AS_OF).tolist()[:4] == [4.0, 30.0, 4.0, 2.0]
    assert compile_rule("carrier is blank or qty > carrier_weight", {"carrier": TEXT, "qty": "float64",
                                                                      "carrier_weight": "Int64"},
                        index=0, code="x").columns == ("carrier", "qty", "carrier_weight")


def test_compiling_against_dtypes_then_running_on_the_table(orders):
    rule = compile_rule("qty > 500 and order_date < as_of", orders.dtypes.to_dict(), index=0, code="x")
    assert rule.mask(orders, "2026-11-27 17:30").tolist() == [True, False, False, True, False]


# -- refusals: exact errors -----------------------------------------------------------------------------------
OPERATOR_EXPECTED = ("a comparison (= != < <= > >=), '+', '-', '*', '/', and, or, not, in, is, starts with, "
                     "ends with, contains or ')'")
OPERAND_EXPECTED = ("a number, a text in quotes, a date like 2026-11-27, a column name, true, false, as_of, "
                    "'(' or '-'")


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('x')",
     f"rules[2] (code 'max-units') when, line 1, column 11: __import__(...) calls a function, and the language has "
     f"none; expected {OPERATOR_EXPECTED}.\n    __import__('os').system('x')\n              ^"),
    ("a.__class__",
     f"rules[2] (code 'max-units') when, line 1, column 2: unexpected character '.'; expected {OPERATOR_EXPECTED}."
     f"\n    a.__class__\n     ^"),
    ("qty[0] > 1",
     f"rules[2] (code 'max-units') when, line 1, column 4: unexpected '['; expected {OPERATOR_EXPECTED}."
     f"\n    qty[0] > 1\n       ^"),
    ("lambda: 1",
     f"rules[2] (code 'max-units') when, line 1, column 7: unexpected character ':'; expected {OPERATOR_EXPECTED}."
     f"\n    lambda: 1\n          ^"),
    ("max(qty) > 1",
     f"rules[2] (code 'max-units') when, line 1, column 4: max(...) calls a function, and the language has none; "
     f"expected {OPERATOR_EXPECTED}.\n    max(qty) > 1\n       ^"),
    ("f'{qty}' = 'x'",
     f"rules[2] (code 'max-units') when, line 1, column 2: unexpected \"'{{qty}}'\"; expected {OPERATOR_EXPECTED}."
     f"\n    f'{{qty}}' = 'x'\n     ^"),
    ("[q for q in qty]",
     f"rules[2] (code 'max-units') when, line 1, column 1: unexpected '['; expected {OPERAND_EXPECTED}."
     f"\n    [q for q in qty]\n    ^"),
    ("qty >> 5",
     f"rules[2] (code 'max-units') when, line 1, column 6: unexpected '>'; expected {OPERAND_EXPECTED}."
     f"\n    qty >> 5\n         ^"),
    ("qty > 500 and",
     "rules[2] (code 'max-units') when, line 1, column 14: the expression ends too soon; expected "
     "a number, a text in quotes, a date like 2026-11-27, a column name, true, false, as_of, '(', '-' or not."
     "\n    qty > 500 and\n                 ^"),
])
def test_code_and_nonsense_are_refused_with_position_and_expectation(orders, text, message):
    assert refusal(text, orders) == message


def test_nothing_is_executed_by_a_refused_rule(orders, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for text in ["__import__('os').system('touch pwned')", "open('pwned', 'w').write('x')",
                 "__import__('pathlib').Path('pwned').touch()"]:
        refusal(text, orders)
    assert list(tmp_path.iterdir()) == []


def test_type_errors_name_both_sides_and_what_was_expected(orders):
    assert refusal("qty > 'a'", orders) == (
        "rules[2] (code 'max-units') when, line 1, column 7: qty (a number) cannot be compared with 'a' (a text); "
        "expected a number after >.\n    qty > 'a'\n          ^")
    assert refusal("order_date < 'soon'", orders).startswith(
        "rules[2] (code 'max-units') when, line 1, column 14: order_date (a date) cannot be compared with 'soon' "
        "(a text); expected a date after <.")
    assert refusal("customer_id + 1 > 2", orders).startswith(
        "rules[2] (code 'max-units') when, line 1, column 13: cannot add customer_id (a text) and 1 (a number); "
        "expected numbers, or a date and a number of days.")
    assert refusal("qty in ['10']", orders).startswith(
        "rules[2] (code 'max-units') when, line 1, column 9: '10' (a text) in a list for qty (a number); expected "
        "a number in the list.")
    assert refusal("qty starts with '5'", orders).startswith(
        "rules[2] (code 'max-units') when, line 1, column 1: qty (a number) is not a text; expected a text before "
        "starts with.")
    assert refusal("qty and rush", orders).startswith(
        "rules[2] (code 'max-units') when, line 1, column 1: qty (a number) is not a test; expected a test such as "
        "qty > 0 on each side of and.")
    assert refusal("qty * 2", orders) == ("rules[2] (code 'max-units') when, line 1, column 1: the when is a "
                                          "number, not a test; expected a test such as qty > 500.\n    qty * 2\n    ^")
    assert refusal("order_date = 2026-02-30", orders).startswith(
        "rules[2] (code 'max-units') when, line 1, column 14: 2026-02-30 is not a day; expected a date written "
        "year-month-day, like 2026-11-27.")
    assert refusal("   ", orders, index=0, code="empty") == (
        "rules[0] (code 'empty') when, line 1, column 1: the when is empty; expected a test such as qty > 500."
        "\n       \n    ^")


def test_an_unknown_column_names_the_tables_columns():
    columns = {"order_id": TEXT, "qty": "float64", "order_date": "datetime64[ns]"}
    assert compile_rule and refusal("qtty > 1 and\n  qty > 2", columns) == (
        "rules[2] (code 'max-units') when, line 1, column 1: no column 'qtty' in the table; expected one of its "
        "columns: order_id, qty, order_date.\n    qtty > 1 and\n    ^")
    with pytest.raises(RuleError) as caught:
        compile_rule("qty > 1 and\n  colour = 'red'", columns, index=4, code="red", table="orders")
    assert str(caught.value) == (
        "rules[4] (code 'red') when, line 2, column 3: no column 'colour' in orders; expected one of its columns: "
        "order_id, qty, order_date.\n      colour = 'red'\n      ^")
    assert (caught.value.index, caught.value.code, caught.value.line, caught.value.column) == (4, "red", 2, 3)


@pytest.mark.parametrize("text, column", [
    ("(" * 10_000 + "qty > 1" + ")" * 10_000, MAX_DEPTH + 1),
    ("not " * 10_000 + "qty > 1", 4 * MAX_DEPTH + 1),
    ("-" * 10_000 + "qty > 1", MAX_DEPTH),   # the comparison around them is the first level
])
def test_deep_nesting_is_refused_without_a_recursion_error(orders, text, column):
    message = refusal(text, orders)
    assert message.startswith(f"rules[2] (code 'max-units') when, line 1, column {column}: the expression is nested "
                              f"more than 100 levels deep (parentheses, not, minus signs); expected an expression "
                              f"with fewer levels.\n    ...")
    assert len(message.splitlines()[1]) == len("    ...") + 80 + len("...")   # the line around the problem
    assert message.splitlines()[2] == " " * (4 + 3 + 40) + "^"


def test_a_date_out_of_range_is_a_rule_error_when_run(orders):
    rule = compile_rule("as_of + 99999999 > order_date", orders, index=3, code="far")
    with pytest.raises(RuleError, match=r"^rules\[3\] \(code 'far'\) when, line 1, column 7: a date here falls "
                                        r"outside the years 1677 to 2262"):
        rule.mask(orders, AS_OF)


# -- property: anything compiles and runs, or is refused as a settings error ------------------------------------
TOKENS = ["qty", "customer_id", "order_date", "rush", "carrier", "as_of", "1", "0", "-", "+", "*", "/", "(", ")",
          "[", "]", ",", "=", "!=", "<", ">=", "and", "or", "not", "in", "is", "blank", "starts", "with", "contains",
          "'C7'", "2026-11-01", "true", "__import__", ".", "lambda", ":", "{", "`", "\"", "'", "eval"]


def outcome(text: str, frame: pd.DataFrame) -> None:
    try:
        rule = compile_rule(text, frame, index=7, code="prop")
    except RuleError as error:
        assert str(error).startswith("rules[7] (code 'prop') when, line ")
        return
    try:
        result = rule.mask(frame, AS_OF)
    except RuleError as error:
        assert "falls outside the years" in str(error)
        return
    assert result.dtype == bool and len(result) == len(frame)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join) | st.text(max_size=40))
def test_random_token_soup_and_strings_compile_and_run_or_are_refused(orders, text):
    outcome(text, orders)


def expressions() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(["qty", "unit_price", "discount", "priority", "order_date", "promised_date",
                             "customer_id", "carrier", "rush", "as_of", "0", "1.5", "500", "'C7'", "2026-11-01",
                             "true", "lead_time_days"])

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(" ".join),
            st.tuples(inner, st.sampled_from(["=", "!=", "<", ">="]), inner).map(" ".join),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
            inner.map(lambda e: f"not {e}"), inner.map(lambda e: f"({e})"), inner.map(lambda e: f"-{e}"),
            inner.map(lambda e: f"{e} is blank"), inner.map(lambda e: f"{e} is not blank"),
            inner.map(lambda e: f"{e} in [1, 'C7', 2026-11-01]"), inner.map(lambda e: f"{e} not in ['c9']"),
            inner.map(lambda e: f"{e} starts with 'W'"), inner.map(lambda e: f"{e} contains '1'"))
    return st.recursive(atoms, extend, max_leaves=12)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expressions())
def test_random_expressions_of_the_grammar_compile_and_run_or_are_refused(orders, text):
    outcome(text, orders)


# -- no eval anywhere in the package ----------------------------------------------------------------------------
def test_the_package_never_calls_eval_exec_compile_or_query():
    forbidden = {"eval", "exec", "compile", "query", "__import__", "getattr"}
    package = Path(__file__).resolve().parents[1] / "omxl" / "company_rules"
    calls = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name in forbidden:
                    calls.append(f"{path.name}:{node.lineno} {ast.unparse(node.func)}")
    assert calls == []
    # the language's five modules, and tables, credit_limit and checking that run the rules over a book
    assert len(list(package.glob("*.py"))) == 8
