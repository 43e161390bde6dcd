"""How many lines wrapped text takes in a column, as spreadsheet programs wrap it: greedily, at spaces and after
hyphens, a piece longer than a line broken where it must, explicit line breaks kept.

The count is wrapped_lines for one text, text_lines_many for thousands of distinct texts at once (the same
count, in arrays).

Neither the file format nor LibreOffice grows a row to its wrapped text when a file is opened, so every writer
that wraps text (the Summary sheet, the template engine's tables) writes the height itself, from this count.
"""

from __future__ import annotations

import re

import numpy as np

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


_ASCII_SPACE = np.array([chr(c).isspace() for c in range(128)], dtype=bool)


def text_lines_many(texts: "list[str]", line: int) -> np.ndarray:
    """Lines each text takes where a line holds `line` characters: the count of wrapped_lines
    (greedy, at spaces and after hyphens, a piece longer than a line broken, line breaks kept) for thousands of
    distinct texts at once (an explanation per SKU), without a Python step per word: the pieces are found on the
    texts' characters as one array, then the greedy fill takes the j-th piece of every text together."""
    counts = np.array([t.count("\n") + 1 for t in texts], dtype=np.int64)   # one line per paragraph at least
    if not texts:
        return counts
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    chars = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = _ASCII_SPACE[np.minimum(chars, 127)]   # re's \s: Unicode whitespace
    wide = chars > 127
    if wide.any():
        distinct, inverse = np.unique(chars[wide], return_inverse=True)
        space[wide] = np.array([chr(c).isspace() for c in distinct.tolist()], dtype=bool)[inverse]
    hyphen = chars == ord("-")
    # A piece (_PIECE: "[^\s-]+-?|-") starts at a non-space after a space, a hyphen or the start; it runs to
    # the next space or start.
    before = np.concatenate(([True], space[:-1] | hyphen[:-1]))
    starts = np.flatnonzero(~space & before)
    text_of = np.repeat(np.arange(len(texts)), lengths + 1)[starts]   # +1: the joining line break
    spaces = np.append(np.flatnonzero(space), len(chars))
    stop = np.minimum(np.append(starts[1:], len(chars)), spaces[np.searchsorted(spaces, starts)])
    size = stop - starts
    spaced = space[np.maximum(starts - 1, 0)] & (starts > 0)
    paragraph = np.cumsum(chars == ord("\n"))[starts]
    first = np.concatenate(([True], text_of[1:] != text_of[:-1]))
    new_paragraph = first | np.concatenate(([True], paragraph[1:] != paragraph[:-1]))
    n_pieces = np.bincount(text_of, minlength=len(texts))
    # Texts with the most pieces first: at step j the texts still going are a prefix of that order.
    order = np.argsort(-n_pieces, kind="stable")
    offsets = (np.cumsum(n_pieces) - n_pieces)[order]
    remaining = n_pieces[order]
    used = np.zeros(len(order), dtype=np.int64)
    extra = np.zeros(len(order), dtype=np.int64)
    for j in range(int(remaining[0])):
        k = int(np.searchsorted(-remaining, -j, side="left"))   # the texts with more than j pieces
        at = offsets[:k] + j
        u, s = np.where(new_paragraph[at], 0, used[:k]), size[at]
        gap = ((u > 0) & spaced[at]).astype(np.int64)
        broken = (u > 0) & (u + gap + s > line)
        extra[:k] += broken
        u = np.where(broken, 0, u + gap)
        over = s > line
        extra[:k] += np.where(over, (u + s - 1) // line, 0)
        used[:k] = np.where(over, (u + s) % line, u + s)
    counts[order] += extra
    return counts
