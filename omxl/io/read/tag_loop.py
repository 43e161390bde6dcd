"""The compiled loop that finds the cell tags of a piece of sheet XML (sheet_tags.py says what it gives), and
reads the plain numbers and shared-string indexes among their values.

One pass over the bytes, compiled by numba and run without the interpreter's lock, so two pieces are read
at once: the work NumPy does in some twenty passes over arrays as long as the piece (sheet_xml._tags and
_parse_numbers). It takes only the plainest XML, as Excel, LibreOffice and the usual libraries write it;
anything else (a tag it does not know, blanks inside a cell, an attribute it does not read, a second r) makes
it give the piece up (last row -1), and the NumPy scan reads it, deciding as it always has whether calamine
must read the sheet.

Every index is checked (boundscheck, a tenth of the loop's time): a byte looked for past the piece's end
raises IndexError, and sheet_xml.read_sheet has calamine read that sheet, rather than a wrong byte being read.
"""

import numpy as np
from numba import njit

LT, GT, QU, SL, SP = 60, 62, 34, 47, 32     # < > " / and a space
END_F = np.frombuffer(b"</f>", dtype=np.uint8)
END_C = np.frombuffer(b"</c>", dtype=np.uint8)
END_V = np.frombuffer(b"</v></c>", dtype=np.uint8)
END_T = np.frombuffer(b"</t></is></c>", dtype=np.uint8)
END_ROW = np.frombuffer(b"</row>", dtype=np.uint8)


@njit(cache=True, nogil=True, boundscheck=True)
def _is_blank(b):
    return b == 32 or b == 9 or b == 10 or b == 13


@njit(cache=True, nogil=True, boundscheck=True)
def _is_word(b):
    return (48 <= b <= 57) or (65 <= b <= 90) or (97 <= b <= 122) or b == 95


@njit(cache=True, nogil=True, boundscheck=True)
def _scan_to(data, k, end, bad):
    """(the first `end` byte from k: len(data) when there is none, -1 when a `bad` byte comes first; whether a
    quote stands before it). A text ends at '<' and holds no '>'; a tag ends at '>' and holds no '<'."""
    quote = False
    while k < len(data) and data[k] != end:
        if data[k] == bad:
            return -1, quote
        if data[k] == QU:
            quote = True
        k += 1
    return k, quote


@njit(cache=True, nogil=True, boundscheck=True)
def _next_attribute(data, j):
    """(the first byte after blanks from j, what it is): 0 an attribute's name, 1 the tag's '>' or '/', -1
    nothing this loop reads (the tag runs off the piece, or a name follows no blank)."""
    while j < len(data) and _is_blank(data[j]):
        j += 1
    if j >= len(data):
        return j, -1
    if data[j] == GT or data[j] == SL:
        return j, 1
    return j, (0 if _is_blank(data[j - 1]) else -1)


@njit(cache=True, nogil=True, boundscheck=True)
def _value_end(data, q, no_equals):
    """The quote that closes the attribute value from q, or -1 when a '<' or '>' (or, `no_equals`, a '=')
    comes first or it does not close."""
    while q < len(data) and data[q] != QU:
        if data[q] == LT or data[q] == GT or (no_equals and data[q] == 61):
            return -1
        q += 1
    return q if q < len(data) else -1


@njit(cache=True, nogil=True, boundscheck=True)
def _digits(data, start, stop):
    """The number data[start:stop] writes in 1 to 15 decimal digits, or -1."""
    if stop - start < 1 or stop - start > 15:
        return -1
    value = 0
    for k in range(start, stop):
        digit = data[k] - 48
        if digit < 0 or digit > 9:
            return -1
        value = value * 10 + digit
    return value


@njit(cache=True, nogil=True, boundscheck=True)
def _closed_text(data, start, closing):
    """(where the text from `start` ends, whether a quote stands in it), or -1 for the end when the text holds a
    '>' or is not followed by `closing` ('</v></c>', ...)."""
    end, quote = _scan_to(data, start, LT, GT)
    return (end if _is_at(data, end, closing) else -1), quote


@njit(cache=True, nogil=True, boundscheck=True)
def _is_at(data, k, pattern):
    """Whether the bytes from k are `pattern`."""
    if k < 0 or k + len(pattern) > len(data):
        return False
    for m in range(len(pattern)):
        if data[k + m] != pattern[m]:
            return False
    return True


@njit(cache=True, nogil=True, boundscheck=True)
def _decimal(data, start, stop, pow10):
    """(value, read) of the text data[start:stop] as sheet_xml._parse_numbers reads it without float(): at
    most 15 characters, an optional leading '-', digits and at most one '.', at least one digit; the digits as
    one integer divided by the power of ten of those after the point (both exact doubles, so the quotient is
    correctly rounded, as calamine's parse gives)."""
    if stop - start < 1 or stop - start > 15:
        return 0.0, False
    negative = data[start] == 45          # '-'
    mantissa = 0
    digits = 0
    decimals = -1
    for k in range(start + negative, stop):
        b = data[k]
        if 48 <= b <= 57:
            mantissa = mantissa * 10 + (b - 48)
            digits += 1
            if decimals >= 0:
                decimals += 1
        elif b == 46 and decimals < 0:    # the one '.'
            decimals = 0
        else:
            return 0.0, False
    if digits == 0:
        return 0.0, False
    value = mantissa / pow10[max(decimals, 0)]
    return (-value if negative else value), True


@njit(cache=True, nogil=True, boundscheck=True)
def _type_of(data, start, length, one_letter_types):
    """A cell's t value as sheet_xml._type_code reads it: one letter by the table, 4 str, 5 inlineStr (nine
    characters from 'i'), 7 anything else."""
    if length == 1:
        return one_letter_types[data[start]]
    if length == 3 and data[start] == 115 and data[start + 1] == 116 and data[start + 2] == 114:
        return 4
    if length == 9 and data[start] == 105:
        return 5
    return 7


@njit(cache=True, nogil=True, boundscheck=True)
def _cell_attributes(data, j, one_letter_types):
    """(where the cell tag's attributes end: its '/' or '>', or -1 when the loop does not read them; 0-based
    row and column of its r; its s (0 without); its t (_type_of, 0 without); 1 when r follows a space)."""
    row = col = -1
    style = -1
    kind = -1
    spaced = 0
    while True:
        j, what = _next_attribute(data, j)
        if what == 1:
            break
        if what < 0 or j + 2 >= len(data) or data[j + 1] != 61 or data[j + 2] != QU:
            return -1, 0, 0, 0, 0, 0
        name = data[j]
        q = j + 3
        e = _value_end(data, q, False)
        if e < 0:
            return -1, 0, 0, 0, 0, 0
        if name == 114 and row < 0:                    # r: one to three capitals, then the row's digits
            letters = 0
            col = 0
            while q + letters < e and letters < 3 and 65 <= data[q + letters] <= 90:
                col = col * 26 + (data[q + letters] - 64)
                letters += 1
            row = _digits(data, q + letters, e) if letters and e - q <= 10 else -1
            if row < 1 or row > 1048576 or col > 16384:
                return -1, 0, 0, 0, 0, 0
            spaced = 1 if data[j - 1] == SP else 0
        elif name == 115 and style < 0:                # s
            style = _digits(data, q, e)
            if style < 0:
                return -1, 0, 0, 0, 0, 0
        elif name == 116 and kind < 0:                 # t
            kind = _type_of(data, q, e - q, one_letter_types)
        else:                                          # another attribute, or one of these twice
            return -1, 0, 0, 0, 0, 0
        j = e + 1
    if row < 0:
        return -1, 0, 0, 0, 0, 0
    return j, row - 1, col - 1, max(style, 0), max(kind, 0), spaced


@njit(cache=True, nogil=True, boundscheck=True)
def _row_attributes(data, j):
    """(where the row tag's attributes end: its '/' or '>', or -1 when the loop does not read them; its number
    as the guard's pattern reads it, 0 without; 1 when that r follows a space). An attribute named r, or
    ending in r after a character that is not a word's (x:r), is the number, as in the guard's pattern."""
    number = -1
    spaced = 0
    while True:
        j, what = _next_attribute(data, j)
        if what == 1:
            break
        if what < 0:
            return -1, 0, 0
        name = j
        while j < len(data) and data[j] != 61:
            b = data[j]
            if b == QU or b == LT or b == GT or _is_blank(b):
                return -1, 0, 0
            j += 1
        if j + 1 >= len(data) or data[j + 1] != QU:
            return -1, 0, 0
        q = j + 2
        e = _value_end(data, q, True)
        if e < 0:
            return -1, 0, 0
        if data[j - 1] == 114 and (j - 1 == name or not _is_word(data[j - 2])):
            if number >= 0:
                return -1, 0, 0
            number = _digits(data, q, e)
            if number < 0:
                return -1, 0, 0
            spaced = 1 if j - 1 == name and data[name - 1] == SP else 0
        j = e + 1
    return j, max(number, 0), spaced


@njit(cache=True, nogil=True, boundscheck=True)
def cell_tags(data, pow10, one_letter_types):
    """(rows, cols, styles, types, flags, v_start, v_len, cell_from, cell_to, numbers, read, formula tags,
    last row, spaced rows, spaced refs, quotes elsewhere) of the piece `data` (uint8), as
    sheet_tags.compiled_tags reads them; last row -1 when the piece is not one this loop reads. flags: 1
    self-closing, 2 <v>, 4 inline string. numbers: the value of a <v> of a number cell (t n or none) or a
    shared string's index (t s), where `read` (`pow10`, `one_letter_types`: sheet_tags' tables)."""
    size = len(data)
    cap = size // 11 + 2       # '<c r="A1"/>', the shortest cell, is 11 bytes
    # Not zeroed: every field of a cell is written when it is found, so only the pages the cells fill are ever
    # touched (the arrays are sized for the shortest cell, some five times what a piece holds).
    rows = np.empty(cap, np.int64)
    cols = np.empty(cap, np.int64)
    styles = np.empty(cap, np.int64)
    types = np.empty(cap, np.int8)
    flags = np.empty(cap, np.int8)
    v_start = np.empty(cap, np.int64)
    v_len = np.empty(cap, np.int64)
    cell_from = np.empty(cap, np.int64)
    cell_to = np.empty(cap, np.int64)
    numbers = np.empty(cap, np.float64)
    read = np.empty(cap, np.bool_)
    formulas = np.empty(size // 4 + 2, np.int64)   # '<f/>' is 4 bytes
    n = 0
    n_f = 0
    last_row = 0
    spaced_rows = 0
    spaced_refs = 0
    elsewhere = False
    i = 0
    in_row = False
    fail = (rows[:0], cols[:0], styles[:0], types[:0], flags[:0], v_start[:0], v_len[:0], cell_from[:0],
            cell_to[:0], numbers[:0], read[:0], formulas[:0], -1, 0, 0, False)
    while True:
        i, quote = _scan_to(data, i, LT, GT)      # between tags (blanks, a line break): skipped
        elsewhere |= quote
        if i < 0:
            return fail
        if i >= size:
            break
        if i + 5 >= size:
            return fail
        if data[i + 1] == 99 and data[i + 2] == SP:            # <c
            j, row, col, style, kind, spaced = _cell_attributes(data, i + 2, one_letter_types)
            if j < 0 or not in_row:
                return fail
            rows[n], cols[n], styles[n], types[n], cell_from[n] = row, col, style, kind, i
            numbers[n], read[n] = 0.0, False
            spaced_refs += spaced
            elsewhere |= kind == 7
            if data[j] == SL:                                   # <c .../>
                if j + 1 >= size or data[j + 1] != GT:
                    return fail
                flag, after, s, k = 1, j + 2, 0, 0
            else:
                j += 1
                # formulas right after the open tag
                while j + 2 < size and data[j] == LT and data[j + 1] == 102 and (
                        _is_blank(data[j + 2]) or data[j + 2] == GT or data[j + 2] == SL):
                    formulas[n_f] = j
                    n_f += 1
                    k, quote = _scan_to(data, j + 2, GT, LT)
                    elsewhere |= quote
                    if k < 0 or k >= size:
                        return fail
                    j = k + 1
                    if data[k - 1] != SL:                       # <f>...</f>, not <f .../>
                        k, quote = _closed_text(data, j, END_F)
                        elsewhere |= quote
                        if k < 0:
                            return fail
                        j = k + 4
                if j + 4 >= size or data[j] != LT:
                    return fail
                s = k = 0   # the value's text: none unless <v> or <t>
                if _is_at(data, j, END_C):                      # </c>: nothing in it
                    flag, after = 0, j + 4
                elif data[j + 1] == 118 and data[j + 2] == GT:  # <v>
                    s = j + 3
                    k, quote = _closed_text(data, s, END_V)
                    elsewhere |= quote
                    if k < 0:
                        return fail
                    flag, after = 2, k + 8
                    if kind == 0 and k > s:
                        numbers[n], read[n] = _decimal(data, s, k, pow10)
                    elif kind == 1 and k > s:
                        index = _digits(data, s, k)
                        numbers[n], read[n] = index, index >= 0
                elif data[j + 1] == 105 and data[j + 2] == 115 and data[j + 3] == GT:  # <is><t ...>
                    k = j + 4
                    if k + 3 >= size or data[k] != LT or data[k + 1] != 116 or not (
                            data[k + 2] == GT or _is_blank(data[k + 2])):
                        return fail
                    k, quote = _scan_to(data, k + 2, GT, LT)
                    elsewhere |= quote
                    if k < 0 or k >= size or data[k - 1] == SL:
                        return fail
                    s = k + 1
                    k, quote = _closed_text(data, s, END_T)
                    elsewhere |= quote
                    if k < 0:
                        return fail
                    flag, after = 4, k + 13
                else:
                    return fail
            flags[n], v_start[n], v_len[n], cell_to[n] = flag, s, k - s, after
            i = after
            n += 1
            continue
        if data[i + 1] == 114 and data[i + 2] == 111 and data[i + 3] == 119 and (
                data[i + 4] == GT or data[i + 4] == SL or _is_blank(data[i + 4])):   # <row
            j, number, spaced = _row_attributes(data, i + 4)
            if j < 0 or in_row:
                return fail
            last_row = max(last_row, number)
            spaced_rows += spaced
            if data[j] == SL:                                   # <row .../>
                if j + 1 >= size or data[j + 1] != GT:
                    return fail
                i = j + 2
            else:
                in_row = True
                i = j + 1
            continue
        if _is_at(data, i, END_ROW):
            if not in_row:
                return fail
            in_row = False
            i += 6
            continue
        return fail
    if in_row or n == 0:
        return fail
    return (rows[:n], cols[:n], styles[:n], types[:n], flags[:n], v_start[:n], v_len[:n], cell_from[:n],
            cell_to[:n], numbers[:n], read[:n], formulas[:n_f], last_row, spaced_rows, spaced_refs, elsewhere)
