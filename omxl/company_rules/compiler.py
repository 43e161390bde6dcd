"""From a parse tree to a function of (table, as_of): the kinds of every part checked against the table's
columns before anything runs, then the operations of omxl.company_rules.operations over whole columns.

The tree is at most parsing.MAX_DEPTH deep, so compiling it by recursion is safe; chains (a + b + c ..., a and b
and c ...) are flat in the tree and run as loops, so a long chain neither recurses when compiled nor when run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
from lark import Token, Tree

from . import operations as ops
from .errors import RuleError, RuleSite, line_and_column
from .operations import DATE, NUMBER, TEST, TEXT

KIND_WORDS = {NUMBER: "a number", TEXT: "a text", DATE: "a date", TEST: "a test (true or false)"}
OPERATOR_WORDS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}
ARITHMETIC_EXPECTED = {
    "+": "numbers, or a date and a number of days",
    "-": "numbers, a date and a number of days, or two dates",
    "*": "numbers",
    "/": "numbers",
}

Run = Callable[[pd.DataFrame, pd.Timestamp], object]


@dataclass(frozen=True)
class Part:
    """A compiled part of an expression: its kind and how to compute it over a table."""

    kind: str
    run: Run


class Compiler:
    def __init__(self, text: str, kinds: Mapping[str, str], site: RuleSite, table: str | None):
        self.text, self.kinds, self.site, self.table = text, kinds, site, table
        self.columns: list[str] = []   # in order of appearance

    # -- errors -------------------------------------------------------------------------------------------
    def error(self, at: Tree | Token, problem: str, expected: str) -> RuleError:
        offset = at.start_pos if isinstance(at, Token) else at.meta.start_pos
        line, column = line_and_column(self.text, offset)
        return RuleError(self.site, self.text, line, column, problem, expected)

    def source(self, node: Tree | Token) -> str:
        if isinstance(node, Token):
            return node.value
        return self.text[node.meta.start_pos:node.meta.end_pos]

    def described(self, node: Tree, part: Part) -> str:
        return f"{self.source(node)} ({KIND_WORDS[part.kind]})"

    # -- the walk -----------------------------------------------------------------------------------------
    def part(self, node: Tree) -> Part:
        # node.data is one of the grammar's rule names (never the expression's text): each has its method here.
        return vars(Compiler)[f"_{node.data}"](self, node)

    def test(self, node: Tree, role: str) -> Run:
        part = self.part(node)
        if part.kind != TEST:
            raise self.error(node, f"{self.described(node, part)} is not a test", f"a test such as qty > 0 {role}")
        run = part.run
        return lambda frame, as_of: ops.as_test(run(frame, as_of))

    def _or_test(self, node: Tree) -> Part:
        tests = [self.test(child, "on each side of or") for child in node.children]

        def run(frame, as_of):
            result = tests[0](frame, as_of)
            for test in tests[1:]:
                result = result | test(frame, as_of)
            return result
        return Part(TEST, run)

    def _and_test(self, node: Tree) -> Part:
        tests = [self.test(child, "on each side of and") for child in node.children]

        def run(frame, as_of):
            result = tests[0](frame, as_of)
            for test in tests[1:]:
                result = result & test(frame, as_of)
            return result
        return Part(TEST, run)

    def _negation(self, node: Tree) -> Part:
        test = self.test(node.children[0], "after not")
        return Part(TEST, lambda frame, as_of: ops.negate(test(frame, as_of)))

    def _comparison(self, node: Tree) -> Part:
        left_node, symbol, right_node = node.children
        left, right = self.part(left_node), self.part(right_node)
        if left.kind != right.kind:
            raise self.error(right_node, f"{self.described(left_node, left)} cannot be compared with "
                             f"{self.described(right_node, right)}", f"{KIND_WORDS[left.kind]} after {symbol}")
        if left.kind == TEST and symbol.value not in ("=", "==", "!=", "<>"):
            raise self.error(symbol, f"tests are equal or not, never {symbol} one another",
                             "= or != between two tests")
        kind, op = left.kind, symbol.value
        return Part(TEST, lambda frame, as_of: ops.compare(op, left.run(frame, as_of), right.run(frame, as_of), kind))

    def _within(self, node: Tree, negated: bool = False) -> Part:
        left_node, list_node = node.children
        left = self.part(left_node)
        items = []
        for item_node in (child for child in list_node.children if isinstance(child, Tree)):
            item = self.part(item_node)
            if item.kind != left.kind:
                raise self.error(item_node, f"{self.described(item_node, item)} in a list for "
                                 f"{self.described(left_node, left)}", f"{KIND_WORDS[left.kind]} in the list")
            items.append(item.run(None, None))   # a literal: needs neither table nor as_of
        kind = left.kind

        def run(frame, as_of):
            value = left.run(frame, as_of)
            found = ops.within(value, items, kind)
            return (ops.negate(found) & ops.known(value)) if negated else found
        return Part(TEST, run)

    def _not_within(self, node: Tree) -> Part:
        return self._within(node, negated=True)

    def _blank(self, node: Tree, negated: bool = False) -> Part:
        part = self.part(node.children[0])

        def run(frame, as_of):
            blank = ops.is_blank(part.run(frame, as_of), part.kind)
            return ops.negate(blank) if negated else blank
        return Part(TEST, run)

    def _not_blank(self, node: Tree) -> Part:
        return self._blank(node, negated=True)

    def _text_test(self, node: Tree, how: str, words: str) -> Part:
        value_node, needle = node.children
        part = self.part(value_node)
        if part.kind != TEXT:
            raise self.error(value_node, f"{self.described(value_node, part)} is not a text",
                             f"a text before {words}")
        text = needle.value[1:-1]
        return Part(TEST, lambda frame, as_of: ops.text_test(how, part.run(frame, as_of), text))

    def _starts_with(self, node: Tree) -> Part:
        return self._text_test(node, "starts", "starts with")

    def _ends_with(self, node: Tree) -> Part:
        return self._text_test(node, "ends", "ends with")

    def _contains(self, node: Tree) -> Part:
        return self._text_test(node, "contains", "contains")

    def _sum(self, node: Tree) -> Part:
        first_node, *rest = node.children
        first = self.part(first_node)
        kind, steps = first.kind, []
        for symbol, operand_node in zip(rest[::2], rest[1::2]):
            operand = self.part(operand_node)
            found = ops.ARITHMETIC.get((kind, symbol.value, operand.kind))
            if found is None:
                left_text = self.text[node.meta.start_pos:symbol.start_pos].strip()
                raise self.error(symbol, f"cannot {OPERATOR_WORDS[symbol.value]} {left_text} ({KIND_WORDS[kind]}) "
                                 f"and {self.described(operand_node, operand)}", ARITHMETIC_EXPECTED[symbol.value])
            kind, function = found
            steps.append((function, operand.run, symbol))

        def run(frame, as_of):
            value = first.run(frame, as_of)
            for function, operand, symbol in steps:
                try:
                    value = function(value, operand(frame, as_of))
                except ops.DATE_OVERFLOW:
                    raise self.error(symbol, "a date here falls outside the years 1677 to 2262",
                                     "a number of days that keeps the dates within them") from None
            return value
        return Part(kind, run)

    _product = _sum

    def _negative(self, node: Tree) -> Part:
        part = self.part(node.children[1])
        if part.kind != NUMBER:
            raise self.error(node.children[1], f"{self.described(node.children[1], part)} is not a number",
                             "a number after -")
        return Part(NUMBER, lambda frame, as_of: ops.negative(part.run(frame, as_of)))

    def _parenthesis(self, node: Tree) -> Part:
        return self.part(node.children[1])

    # -- atoms --------------------------------------------------------------------------------------------
    def _number(self, node: Tree) -> Part:
        number = float(node.children[0].value)
        return Part(NUMBER, lambda frame, as_of: number)

    def _negative_number(self, node: Tree) -> Part:
        number = -float(node.children[1].value)
        return Part(NUMBER, lambda frame, as_of: number)

    def _text(self, node: Tree) -> Part:
        text = node.children[0].value[1:-1]
        return Part(TEXT, lambda frame, as_of: text)

    def _date(self, node: Tree) -> Part:
        token = node.children[0]
        try:
            day = pd.Timestamp(token.value)
        except ValueError:
            raise self.error(token, f"{token.value} is not a day", "a date written year-month-day, like 2026-11-27") \
                from None
        return Part(DATE, lambda frame, as_of: day)

    def _true(self, node: Tree) -> Part:
        return Part(TEST, lambda frame, as_of: True)

    def _false(self, node: Tree) -> Part:
        return Part(TEST, lambda frame, as_of: False)

    def _as_of(self, node: Tree) -> Part:
        return Part(DATE, lambda frame, as_of: as_of)

    def _column(self, node: Tree) -> Part:
        token = node.children[0]
        name = token.value[1:-1] if token.type == "QUOTED_NAME" else token.value
        if name not in self.kinds:
            where = f"in {self.table}" if self.table else "in the table"
            raise self.error(token, f"no column {name!r} {where}",
                             f"one of its columns: {', '.join(self.kinds) or '(it has none)'}")
        if name not in self.columns:
            self.columns.append(name)
        kind = self.kinds[name]
        return Part(kind, lambda frame, as_of: ops.column_values(frame[name], kind))
