"""Company rules (contract 4.8, docs/company-rules.md): the [[rules]] of omxl.toml run over a book by
checking.check_rules, and the expression language of their `when`, such as
`priority = 1 and carrier is blank` or `order_date < as_of - 30`, parsed by a grammar and compiled to vectorised
pandas operations over a table (docs/company-rules.md). No rule's text is ever given to eval, exec, compile,
pandas.eval or DataFrame.query: what the grammar does not describe is refused, and the grammar describes no
names but a table's columns, no calls, no attributes and no subscripts.

    rule = compile_rule("qty > 500", orders, index=0, code="big-order")
    rule.mask(orders, pd.Timestamp("2026-11-27"))   # bool Series over the orders' rows
    rule.columns                                    # ('qty',): the columns named, in order of appearance

Modules, one job each:
    grammar.lark   the grammar (Lark, LALR(1))
    parsing.py     text -> parse tree: syntax errors in words, the depth limit
    compiler.py    parse tree -> a function of (table, as_of): kinds checked, columns looked up
    operations.py  the vectorised operations and the blank and text semantics
    errors.py      RuleError, the settings error naming the rule, the position and what was expected
    tables.py      the tables a rule reads: a book table, the order lines with their SKU's inventory columns,
                   order_totals and customer_months
    credit_limit.py  the built-in rule: open order value plus unpaid invoices above the customer's credit_limit
    checking.py    check_rules: every rule's findings (stage rules) and the order lines held, first rule first
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from . import operations as ops
from .compiler import KIND_WORDS, Compiler, Run
from .errors import RuleError, RuleSite
from .parsing import MAX_DEPTH, parse

__all__ = ["CompiledExpression", "CompiledRule", "MAX_DEPTH", "RuleError", "compile_expression", "compile_rule"]


@dataclass(frozen=True)
class CompiledExpression:
    """An expression ready to run over tables with the columns it was compiled against.

    `kind` is "number", "text", "date" or "test"; `columns` are the columns it names, in order of appearance."""

    text: str
    site: RuleSite
    kind: str
    columns: tuple[str, ...]
    _run: Run

    def values(self, frame: pd.DataFrame, as_of) -> pd.Series:
        """The expression's value on every row of the table (a constant repeated); blank is NA."""
        missing = [name for name in self.columns if name not in frame.columns]
        if missing:
            raise RuleError(self.site, self.text, 1, 1, f"the table has no column {missing[0]!r}",
                            f"one of its columns: {', '.join(map(str, frame.columns))}")
        return ops.broadcast(self._run(frame, pd.Timestamp(as_of).normalize()), frame.index, self.kind)


@dataclass(frozen=True)
class CompiledRule(CompiledExpression):
    """A rule's `when`: an expression that is a test."""

    def mask(self, frame: pd.DataFrame, as_of) -> pd.Series:
        """True on the rows the rule matches: a bool Series on the table's index, never NA (blank is False)."""
        return ops.as_test(self.values(frame, as_of)).astype(bool)


def column_kinds(columns: Mapping | pd.DataFrame) -> dict[str, str]:
    """Column name -> kind, from a table or from its dtypes (name -> dtype)."""
    dtypes = columns.dtypes.to_dict() if isinstance(columns, pd.DataFrame) else dict(columns)
    return {str(name): ops.kind_of(dtype) for name, dtype in dtypes.items()}


def compile_expression(text: str, columns: Mapping | pd.DataFrame, *, index: int, code: str,
                       table: str | None = None) -> CompiledExpression:
    """Parse and check an expression over a table's columns (a DataFrame, or name -> dtype).

    `index` and `code` name the rule in every error, `table` names the table in an unknown column's error.
    Raises RuleError (a ConfigError) and runs nothing when the text is not in the language or does not fit the
    table's columns."""
    site = RuleSite(index, code)
    tree = parse(text, site)
    compiler = Compiler(text, column_kinds(columns), site, table)
    part = compiler.part(tree)
    return CompiledExpression(text, site, part.kind, tuple(compiler.columns), part.run)


def compile_rule(text: str, columns: Mapping | pd.DataFrame, *, index: int, code: str,
                 table: str | None = None) -> CompiledRule:
    """compile_expression for a rule's `when`, which must be a test: `qty > 500`, not `qty + 500`."""
    expression = compile_expression(text, columns, index=index, code=code, table=table)
    if expression.kind != ops.TEST:
        raise RuleError(expression.site, text, 1, 1, f"the when is {KIND_WORDS[expression.kind]}, not a test",
                        "a test such as qty > 500")
    return CompiledRule(text, expression.site, expression.kind, expression.columns, expression._run)
