"""RuleError: a company rule's expression that cannot run, told as a settings error.

The message names the rule (its index among [[rules]] and its code), the line and column of the problem in the
expression, the expression's line with a caret under that column, and what was expected there.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

SHOWN_WIDTH = 80   # the most of an expression's line an error shows


@dataclass(frozen=True)
class RuleSite:
    """Which rule an expression belongs to, as every error about it names it: rules[2] (code 'max-units')."""

    index: int
    code: str

    def __str__(self) -> str:
        return f"rules[{self.index}] (code {self.code!r})"


class RuleError(ConfigError):
    """An expression of a company rule is not in the language, or asks for something its table cannot give.

    Nothing of the rule ran. `line` and `column` count from 1; `problem` and `expected` are the message's parts."""

    def __init__(self, site: RuleSite, text: str, line: int, column: int, problem: str, expected: str,
                 origin: str = ""):
        self.site, self.text, self.origin = site, text, origin
        self.index, self.code = site.index, site.code
        self.line, self.column, self.problem, self.expected = line, column, problem, expected
        lines = text.split("\n") or [""]
        shown, caret = lines[min(line, len(lines)) - 1].replace("\t", " "), column - 1
        if len(shown) > SHOWN_WIDTH:   # a long line: the part around the problem, so the caret stays in sight
            start = max(0, caret - SHOWN_WIDTH // 2)
            before, after = ("..." if start else ""), ("..." if start + SHOWN_WIDTH < len(shown) else "")
            shown, caret = before + shown[start:start + SHOWN_WIDTH] + after, caret - start + len(before)
        said_from = f"{origin}: " if origin else ""
        super().__init__(f"{said_from}{site} when, line {line}, column {column}: {problem}; expected {expected}.\n"
                         f"    {shown}\n"
                         f"    {' ' * caret}^")

    def from_origin(self, origin: str) -> "RuleError":
        """The same error, said as coming from a settings file (or `config`)."""
        return RuleError(self.site, self.text, self.line, self.column, self.problem, self.expected, origin)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset into the text (the end of the text is a position too)."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
