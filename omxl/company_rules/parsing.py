"""From an expression's text to its parse tree, or a RuleError saying where it stops being the language.

The grammar (grammar.lark, next to this module) is parsed by Lark's LALR(1) parser, which keeps its own stack:
no text, however nested, makes it recurse. The tree it builds has a node for every level of nesting, and
`parse` measures that depth with a loop and refuses anything deeper than MAX_DEPTH, so the compiler, which does
recurse, only ever sees shallow trees.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .errors import RuleError, RuleSite, line_and_column

# Deeper than anything a person writes; shallow enough that compiling the tree never nears Python's recursion limit.
MAX_DEPTH = 100

# Each terminal of the grammar in words, in the order "expected ..." lists them.
TERMINAL_WORDS: dict[str, str] = {
    "NUMBER": "a number",
    "STRING": "a text in quotes",
    "DATE": "a date like 2026-11-27",
    "NAME": "a column name",
    "QUOTED_NAME": "a column name",
    "TRUE": "true",
    "FALSE": "false",
    "AS_OF": "as_of",
    "LPAR": "'('",
    "LSQB": "'['",
    "COMPARE": "a comparison (= != < <= > >=)",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "TIMES": "'*'",
    "DIVIDED": "'/'",
    "_AND": "and",
    "_OR": "or",
    "_NOT": "not",
    "_IN": "in",
    "_IS": "is",
    "_BLANK": "blank",
    "_STARTS": "starts with",
    "_ENDS": "ends with",
    "_WITH": "with",
    "_CONTAINS": "contains",
    "RPAR": "')'",
    "RSQB": "']'",
    "COMMA": "','",
    "$END": "the end of the expression",
}
# true, false and as_of are words the NAME pattern also matches (Lark turns them into their own tokens), so a parser
# state that takes a column name takes them as well, though Lark lists only NAME.
_WITH_A_NAME = ("TRUE", "FALSE", "AS_OF")


@lru_cache(maxsize=1)
def parser() -> Lark:
    grammar = (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def parse(text: str, site: RuleSite) -> Tree | Token:
    """The parse tree of an expression (a Tree, or a lone Token never: every atom is a Tree), or RuleError."""
    if not isinstance(text, str):
        raise RuleError(site, "", 1, 1, f"the when is {type(text).__name__} {text!r}, not a text",
                        "an expression in quotes, such as \"qty > 500\"")
    if not text.strip():
        raise RuleError(site, text, 1, 1, "the when is empty", "a test such as qty > 500")
    try:
        tree = parser().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text, site) from None
    _refuse_deep(tree, text, site)
    return tree


def expected_words(terminals: set[str]) -> str:
    if "NAME" in terminals:
        terminals = terminals | set(_WITH_A_NAME)
    words = list(dict.fromkeys(word for name, word in TERMINAL_WORDS.items() if name in terminals))
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _syntax_error(error: UnexpectedInput, text: str, site: RuleSite) -> RuleError:
    if isinstance(error, UnexpectedCharacters):
        line, column = line_and_column(text, error.pos_in_stream)
        return RuleError(site, text, line, column, f"unexpected character {text[error.pos_in_stream]!r}",
                         expected_words(set(error.allowed)))
    if isinstance(error, UnexpectedToken):
        expected = expected_words(set(error.expected))
        if error.token.type == "$END":
            line, column = line_and_column(text, len(text.rstrip()))
            return RuleError(site, text, line, column, "the expression ends too soon", expected)
        offset = error.token.start_pos
        line, column = line_and_column(text, offset)
        called = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", text[:offset])
        if error.token.type == "LPAR" and called:
            return RuleError(site, text, line, column,
                             f"{called.group(1)}(...) calls a function, and the language has none", expected)
        return RuleError(site, text, line, column, f"unexpected {error.token.value!r}", expected)
    line, column = line_and_column(text, 0)   # Lark's parsers raise only the two above; kept for its API's sake
    return RuleError(site, text, line, column, "not an expression of the language", "a test such as qty > 500")


def _refuse_deep(tree: Tree, text: str, site: RuleSite) -> None:
    """RuleError at the first node nested deeper than MAX_DEPTH; measured with a loop, never by recursion."""
    stack: list[tuple[Tree, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            line, column = line_and_column(text, node.meta.start_pos)
            raise RuleError(site, text, line, column,
                            f"the expression is nested more than {MAX_DEPTH} levels deep "
                            "(parentheses, not, minus signs)", "an expression with fewer levels")
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
