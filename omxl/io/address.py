"""A1 addresses: the one place column numbers, letters and cell references are converted."""

from __future__ import annotations

import re

CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?([1-9][0-9]{0,6})")


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def cell_position(ref: str) -> tuple[int, int] | None:
    """(row, column), both from 1, of an A1-style reference ('D17', '$D$17', upper case); None if it is
    not one."""
    found = CELL_REF.fullmatch(ref)
    return (int(found.group(2)), column_index(found.group(1)) + 1) if found else None
