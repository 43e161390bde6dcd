"""How many lines wrapped text takes in a column, as spreadsheet programs wrap it: greedily, at spaces and after
hyphens, a piece longer than a line broken where it must, explicit line breaks kept.

Neither the file format nor LibreOffice grows a row to its wrapped text when a file is opened, so every writer
that wraps text (the Summary sheet, the template engine's tables) writes the height itself, from this count.
"""

from __future__ import annotations

import re

# A piece of a line: text up to a space or just after a hyphen; group 1 holds the space before it.
_PIECE = re.compile(r"(\s*)([^\s-]+-?|-)")


def wrapped_lines(text: str, room: float) -> int:
    """Lines `text` takes where a line holds `room` characters."""
    whole = max(int(room), 1)
    lines = 0
    for paragraph in str(text).split("\n"):
        used, count = 0, 1
        for match in _PIECE.finditer(paragraph):
            gap = 1 if used and match.group(1) else 0
            size = len(match.group(2))
            if used and used + gap + size > room:
                count, used, gap = count + 1, 0, 0
            used += gap
            if size > room:   # a piece longer than the line: it breaks over several
                count += (used + size - 1) // whole
                used = (used + size) % whole
            else:
                used += size
        lines += count
    return lines
