"""Turn one raw column (cell values as read) into its canonical dtype, with findings.

Contract section 2.4. Each converter works on whole columns: cells are classified
once by their Python type (a map over the column), and each class is converted
with vectorised pandas operations. Only findings, never rows, are looped over.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ...config import Config, toml_string
from ...findings import display, findings_frame, message
from ...model import BOOL, DATE, DTYPES, ENUM, FALSE_TEXT, ID, INT, NUMBER, TEXT, TRUE_TEXT, Column, fold
from ..cells import BLANK, BOOLEAN, DATETIME, NUM, OTHER, STR, TIME, classify
from .sources import ERROR_LITERALS
from .together import Files, first_of_each, tagged


KIND_WORDS = {NUMBER: "a number", INT: "a whole number", DATE: "a date", BOOL: "yes/no"}

_NUMBER_TEXT = re.compile(r"^[+-]?[$€£¥]?[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})( \d{1,2}:\d{2}(:\d{2})?)?$")
_UTC_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_INTEGER_FLOAT_TEXT = re.compile(r"^-?\d+\.0+$")
_BLANKS = re.compile(r"\s+")
# Printable ASCII, no blank at either end, no doubled blank, not integer-valued float text.
_TIDY_ASCII_ID = re.compile(r"(?!-?\d+\.0+$)(?!.*  )[!-~](?:[ -~]*[!-~])?")
_INTEGER_FLOAT_LINE = re.compile(_INTEGER_FLOAT_TEXT.pattern, re.MULTILINE)   # the same, one line of many


@dataclass(frozen=True)
class ColumnOrigin:
    """Where a column came from, for findings."""

    table: str
    source: str
    sheet: str
    header: str
    letter: str
    typed_source: bool  # False for CSV: text is the native type there, so parsing text is no fix
    decimal: str = "."  # decimal separator of numbers written as text (sources.RawSheet.decimal)
    files: Files | None = None  # files of one layout typed together: each row's file (together.py)


def _findings(code: str, origin: ColumnOrigin, positions: np.ndarray, rows: np.ndarray, **fields) -> pd.DataFrame:
    """Findings about the column's cells at `positions`, each naming its file when files are typed together."""
    frame = findings_frame(code, table=origin.table, source=origin.source, sheet=origin.sheet, rows=rows[positions],
                           column=origin.header, letter=origin.letter, **fields)
    return frame if origin.files is None else tagged(frame, origin.files, origin.files.of_row[positions])


def _per_file(origin: ColumnOrigin, positions: np.ndarray) -> list[np.ndarray]:
    """Sorted positions, one array per file (one array when the column is one file's)."""
    return [positions] if origin.files is None else origin.files.groups(positions)


def per_unique(values: pd.Series, func, codes: np.ndarray | None = None) -> pd.Series | pd.DataFrame:
    """Apply `func` (Series -> Series/DataFrame aligned with its input) once per distinct value.

    Order data repeats itself (a few thousand SKUs and customers over 100,000 lines,
    a few hundred days), so text work costs per distinct value, not per cell. `values`
    must hold one Python type only, so that 1 and True never share a slot. `codes`, when the reader gives
    them (a text's code in the sheet's table of texts, one per cell of `values`), stand for the values: the
    distinct ones are found among integers, not by hashing every text.
    """
    return _per_distinct(values, func, _distinct(values.to_numpy(dtype=object), codes))


def _distinct(values: np.ndarray, codes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(per value, the number of its distinct value; the distinct values), as per_unique finds them."""
    if codes is None:
        return pd.factorize(values, use_na_sentinel=False)
    labels, n_distinct = _relabel(codes)
    # A cell of each distinct code: the cells of one code hold one value, so any of them gives it.
    some = np.empty(n_distinct, dtype=np.int64)
    some[labels] = np.arange(len(labels))
    return labels, values[some]


def _relabel(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes (indexes into a table of a sheet's texts or dates, 0 and up) renumbered 0, 1, ... per distinct
    code, and how many there are. The codes index a table, so one mark per entry finds the distinct ones: a
    fourth of hashing them (pd.factorize) in a column of a million ids. Codes far beyond the column's length
    (a large table), or below 0, are hashed instead."""
    size = int(codes.max()) + 1 if len(codes) else 0
    if size > 8 * len(codes) or (len(codes) and codes.min() < 0):
        relabelled, distinct = pd.factorize(codes)
        return relabelled, len(distinct)
    seen = np.zeros(size, dtype=bool)
    seen[codes] = True
    distinct = np.flatnonzero(seen)
    label = np.empty(size, dtype=np.int64)
    label[distinct] = np.arange(len(distinct))
    return label[codes], len(distinct)


def apply_values(raw: pd.Series, column: Column, codes: dict[str, str]) -> tuple[pd.Series, pd.Series | None]:
    """Coded values (`[values]` in the configuration, contract 2.3): each cell whose text, trimmed, is one of
    `codes` becomes its word, as the cell the column's kind reads (a number, a date, yes/no, text), so every
    step sees the word. Returns the column and, when some cell was mapped, those cells as written (NA
    elsewhere) for findings to cite. A numeric cell 1 or 1.0 is the code "1", as identifiers are read."""
    classes = classify(raw)
    keys = pd.Series(pd.NA, index=raw.index, dtype=object)
    text, numeric = classes == STR, classes == NUM
    if text.any():
        keys[text] = per_unique(raw[text], stripped_texts).to_numpy()
    if numeric.any():
        keys[numeric] = per_unique(raw[numeric], lambda u: u.map(_number_text)).to_numpy()
    native = {code: _native_word(word, column) for code, word in codes.items()}
    hit = keys.isin(list(native)).to_numpy(dtype=bool)
    if not hit.any():
        return raw, None
    cells = raw.to_numpy(dtype=object, copy=True)
    cells[hit] = keys[hit].map(native).to_numpy(dtype=object)
    mapped = pd.Series(cells, index=raw.index, dtype=object)
    written = pd.Series(pd.NA, index=raw.index, dtype="string[python]")
    written[hit] = per_unique(raw[hit], lambda u: u.map(display)).to_numpy()
    return mapped, written


def _native_word(word: str, column: Column) -> object:
    """A word of `[values]` as the cell that writes it: a number for number columns, a date for dates, True or
    False for yes/no, else the text (config.Config checked that it reads as the column's kind)."""
    if column.kind in (NUMBER, INT):
        return float(word.replace(",", ""))
    if column.kind == DATE:
        return dt.datetime.fromisoformat(word)
    if column.kind == BOOL:
        return fold(word) in TRUE_TEXT
    return word


@dataclass(frozen=True)
class _Known:
    """What the reader told convert of the column's cells (each None when it did not)."""

    object_codes: np.ndarray | None = None   # per date (or other object) cell, its code in the sheet's objects
    numbers: np.ndarray | None = None        # float64 per number cell; `raw` then holds "" in those cells
    # The column's distinct texts, found once by convert for the flags and the converter alike: per cell, the
    # number of its text among `text_uniques` (meaningful for the cells still text); the texts (object array).
    text_labels: np.ndarray | None = None
    text_uniques: np.ndarray | None = None

    def texts(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(per text cell at `positions`, the number of its text; the distinct texts, a superset of theirs)."""
        return self.text_labels[positions], self.text_uniques


def convert(raw: pd.Series, column: Column, origin: ColumnOrigin, rows: np.ndarray, error_cells: np.ndarray | None,
            config: Config, classes: np.ndarray | None = None, text_codes: np.ndarray | None = None,
            object_codes: np.ndarray | None = None,
            numbers: np.ndarray | None = None) -> tuple[pd.Series, list[pd.DataFrame]]:
    """Convert a raw column to `column.kind`. Returns the typed Series and its findings.

    `error_cells` holds, per cell, the Excel error it shows (#N/A, #REF!, ...) or None (None for a column
    without an error cell). `classes` (what classify gives), `text_codes` (per text cell, its code in the
    sheet's table of texts) and `object_codes` (per date cell, its code in the sheet's table of other values)
    come from a reader that knows them already (omxl's .xlsx reader), so that no cell is looked at one by one.
    `numbers` (a number or whole-number column only, with `classes`): the number cells' values as float64, those
    cells left "" in `raw`, so that a column of a million numbers is never a million Python objects.
    """
    if numbers is not None and (classes is None or column.kind not in (NUMBER, INT)):
        raise ValueError("numbers are given apart only for a number column whose classes are known")
    classes = classify(raw) if classes is None else classes.copy()
    findings: list[pd.DataFrame] = []
    text_labels = text_uniques = None
    positions = np.flatnonzero(classes == STR)
    if len(positions):
        # Each distinct text found once, flagged once, and handed to the converter: per cell only gathers.
        cells = raw.to_numpy(dtype=object)
        labels, text_uniques = _distinct(cells if len(positions) == len(cells) else cells[positions],
                                         None if text_codes is None else text_codes[positions])
        flags = _text_flags(pd.Series(text_uniques, dtype=object), config.null_values)
        blank, error, null = (flags[flag].to_numpy(dtype=bool) for flag in ("blank", "error", "null"))
        if blank.any():
            classes[positions[blank[labels]]] = BLANK
        literal_error = error[labels] if error.any() else np.zeros(len(positions), dtype=bool)
        if literal_error.any():
            # the caller's array is not written to: a copy, made only when some text is an error's text
            error_cells = np.full(len(raw), None, dtype=object) if error_cells is None else error_cells.copy()
            error_cells[positions[literal_error]] = raw.iloc[positions[literal_error]].str.strip().to_numpy()
        null_positions = positions[null[labels] & ~literal_error] if null.any() else positions[:0]
        if len(null_positions):
            classes[null_positions] = BLANK
            findings.append(_fixed(origin, rows, null_positions, raw.iloc[null_positions],
                                   lambda first: f"read as blank (null value {first!r})"))
        # The flagged texts' cells are blank or errors now: the converter sees only the others' texts.
        kept = ~(blank | error | null)
        if not kept.all():
            labels, text_uniques = (np.cumsum(kept) - 1)[labels], text_uniques[kept]
        text_labels = np.full(len(raw), -1, dtype=np.int64)
        text_labels[positions] = labels
    error_positions = np.flatnonzero(pd.notna(error_cells)) if error_cells is not None else positions[:0]
    if len(error_positions):
        shown = error_cells[error_positions].tolist()
        findings.append(_findings("error-cell", origin, error_positions, rows, values=shown,
                                  messages=[message("error-cell", value=v) for v in shown]))
        classes[error_positions] = BLANK
    converter = _CONVERTERS[column.kind]
    typed, more = converter(raw, classes, column, origin, rows, config,
                            _Known(object_codes, numbers, text_labels, text_uniques))
    findings.extend(more)
    return typed.astype(DTYPES[column.kind]) if column.kind != DATE else typed, findings


def _per_distinct(cells: pd.Series, func, distinct: tuple[np.ndarray, np.ndarray]) -> pd.Series | pd.DataFrame:
    """per_unique of `cells` whose distinct values are known (`distinct`: per cell, the number of its value; the
    values, as _distinct and _Known.texts give them): `func` applied to the distinct values and taken back to the
    cells."""
    labels, uniques = distinct
    taken = func(pd.Series(uniques, dtype=object)).iloc[labels]
    taken.index = cells.index
    return taken


def _at(codes: np.ndarray | None, positions: np.ndarray) -> np.ndarray | None:
    return None if codes is None else codes[positions]


def _text_flags(text: pd.Series, null_values: list[str]) -> pd.DataFrame:
    """Per text: is it blank, an error's text (#N/A) or a null value, once trimmed. Only the texts that could
    be are trimmed and looked up (_could_be_flagged): in a column of ids, none."""
    maybe = _could_be_flagged(text.tolist(), ERROR_LITERALS.union(null_values))
    if maybe is None:
        return _trimmed_flags(text, null_values)
    flags = np.zeros((len(text), 3), dtype=bool)
    if len(maybe):
        flags[maybe] = _trimmed_flags(text.iloc[maybe], null_values).to_numpy(dtype=bool)
    return pd.DataFrame(flags, columns=["blank", "error", "null"], index=text.index)


def _trimmed_flags(text: pd.Series, null_values: list[str]) -> pd.DataFrame:
    stripped = stripped_texts(text)
    return pd.DataFrame({"blank": stripped.eq(""), "error": stripped.isin(ERROR_LITERALS),
                         "null": stripped.isin(null_values)})


# The ASCII characters str.strip() takes off (Python counts \x1c-\x1f as blanks too).
_STRIPPED = np.array([chr(c).isspace() for c in range(256)], dtype=bool)


def _could_be_flagged(texts: list[str], literals: frozenset[str]) -> np.ndarray | None:
    """Positions of the texts that, trimmed, could be "" or one of `literals`: empty, with a blank at either
    end, or as short as the longest literal and starting as one of them does. Found from the texts joined by
    newlines (a few passes over one string, not a call per text); None when they are not all ASCII without
    newlines of their own (then every text is trimmed)."""
    ends = _text_ends(texts)
    if ends is None:
        return None
    first, last, lengths = ends
    ascii_literals = [literal for literal in literals if literal.isascii() and literal]
    starts_like = np.zeros(256, dtype=bool)
    starts_like[[ord(literal[0]) for literal in ascii_literals]] = True
    longest = max((len(literal) for literal in ascii_literals), default=0)
    maybe = (lengths == 0) | _STRIPPED[first] | _STRIPPED[last] | ((lengths <= longest) & starts_like[first])
    return np.flatnonzero(maybe)


def _text_ends(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per text: its first and last byte, and its length, from the texts joined by newlines; None when they are
    not all ASCII without newlines of their own. An empty text's bytes are its neighbours' (or a newline): its
    length tells it apart."""
    joined = _joined_ascii(texts)
    if joined is None:
        return None
    codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    if not len(codes):   # every text empty
        nothing = np.zeros(len(texts), dtype=np.uint8)
        return nothing, nothing, np.zeros(len(texts), dtype=np.int64)
    breaks = np.flatnonzero(codes == 0x0A)
    starts = np.concatenate([[0], breaks + 1])
    stops = np.concatenate([breaks, [len(codes)]])
    return codes[np.minimum(starts, len(codes) - 1)], codes[np.maximum(stops - 1, 0)], stops - starts


def _joined_ascii(texts: list[str]) -> str | None:
    """The texts joined by newlines when every one is ASCII without a newline of its own (the newlines are then
    exactly the joins), else None: one string that a few scans answer for all the texts."""
    joined = "\n".join(texts)
    if not texts or not joined.isascii() or joined.count("\n") != len(texts) - 1:
        return None
    return joined


def stripped_texts(text: pd.Series, chars: str | None = None) -> pd.Series:
    """`text.str.strip(chars)` for a Series of str only. The method itself, called in one comprehension: a
    third of what the .str accessor costs per value, and typing calls it on every distinct text."""
    return pd.Series([value.strip(chars) for value in text.tolist()], index=text.index, dtype=object)


def _type_errors(origin: ColumnOrigin, positions: np.ndarray, rows: np.ndarray, values: pd.Series, what: str,
                 fix: str) -> pd.DataFrame:
    """One type-error per cell at `positions` (`values` are those cells)."""
    shown = [display(v) for v in values]
    return _findings("type-error", origin, positions, rows, values=shown,
                     messages=[message("type-error", what=what, value=repr(v) if isinstance(v, str) else display(v),
                                       fix=fix) for v in values])


def _fixed(origin: ColumnOrigin, rows: np.ndarray, positions: np.ndarray, examples: pd.Series,
           how: str | Callable[[object], str]) -> pd.DataFrame:
    """One aggregated normalized-value finding per file for the cells at `positions` (`examples` are those
    cells): count, first cell, an example.

    `how` (or `how(first cell)`) reads after "N values in column X", written for the plural; "were" becomes
    "was" for one."""
    firsts, counts = first_of_each(origin.files, positions)
    shown, messages = [], []
    for first_at, count in zip(firsts.tolist(), counts.tolist()):
        first = display(examples.iloc[first_at])
        text = how(examples.iloc[first_at]) if callable(how) else how
        if count == 1:
            text = text.replace("were ", "was ").replace("numbers", "a number").replace("dates", "a date")
        noun = "value" if count == 1 else "values"
        row = int(rows[positions[first_at]])
        shown.append(first)
        messages.append(message("normalized-value", what=f"{count:,} {noun} in column '{origin.header}' {text} "
                                                         f"(first at {origin.letter}{row}: {first!r})."))
    return _findings("normalized-value", origin, positions[firsts], rows, values=shown, messages=messages,
                     count=counts.tolist())


def _expected(column: Column, origin: ColumnOrigin) -> str:
    return f"'{origin.header}' must be {KIND_WORDS[column.kind]}"


# --- numbers -----------------------------------------------------------------------------------

def _to_number(raw, classes, column, origin, rows, config, known=_Known()):
    out = np.full(len(raw), np.nan)
    findings: list[pd.DataFrame] = []
    numeric = classes == NUM
    out[numeric] = raw[numeric].astype(float).to_numpy() if known.numbers is None else known.numbers[numeric]
    text_positions = np.flatnonzero(classes == STR)
    bad_positions = np.flatnonzero(np.isin(classes, (BOOLEAN, DATETIME, TIME, OTHER)))
    if len(text_positions):
        text = raw.iloc[text_positions]
        parsed = _per_distinct(text, _parse_number_text if origin.decimal == "." else _parse_comma_decimal_text,
                               known.texts(text_positions))
        ok = parsed["ok"].to_numpy(dtype=bool)
        out[text_positions[ok]] = parsed["value"].to_numpy(dtype=float)[ok]
        fixed = ok & (parsed["needed_cleaning"].to_numpy(dtype=bool) | origin.typed_source)
        if fixed.any():
            findings.append(_fixed(origin, rows, text_positions[fixed], text[fixed],
                                   "were numbers written as text and were converted"))
        bad_positions = np.union1d(bad_positions, text_positions[~ok])
    if column.kind == INT:
        fraction = np.flatnonzero(~np.isnan(out) & (np.floor(out) != out))
        bad_positions = np.union1d(bad_positions, fraction)
    if len(bad_positions):
        out[bad_positions] = np.nan
        fix = "Type the quantity as a plain number." if column.kind == NUMBER else "Type a whole number."
        findings.append(_type_errors(origin, bad_positions, rows, _cells_at(raw, bad_positions, classes, known),
                                     _expected(column, origin), fix))
    series = pd.Series(out, index=raw.index)
    if column.kind == INT:
        series = series.round().astype("Int64")
    return series, findings


def _cells_at(raw: pd.Series, positions: np.ndarray, classes: np.ndarray, known: _Known) -> pd.Series:
    """The cells at `positions` as read, number cells given apart (`known.numbers`) as the Python floats a
    reader gives."""
    cells = raw.iloc[positions]
    if known.numbers is None:
        return cells
    values = cells.to_numpy(dtype=object, copy=True)
    number = classes[positions] == NUM
    values[number] = known.numbers[positions[number]].tolist()
    return pd.Series(values, index=cells.index, dtype=object)


def _parse_number_text(text: pd.Series) -> pd.DataFrame:
    """'1,200', ' 7 ', '$12.50' -> numbers; flags whether the text needed more than a plain parse."""
    text = text.astype(str)
    cleaned = text.str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    plain = cleaned.str.fullmatch(_PLAIN_NUMBER.pattern) & (cleaned == text)
    shaped = cleaned.str.fullmatch(_NUMBER_TEXT.pattern) & cleaned.str.contains(r"\d")
    value = pd.to_numeric(cleaned.where(shaped, "").str.replace(r"[,$€£¥]", "", regex=True), errors="coerce")
    return pd.DataFrame({"value": value.astype(float), "ok": shaped & value.notna(), "needed_cleaning": ~plain})


def _parse_comma_decimal_text(text: pd.Series) -> pd.DataFrame:
    """'1,5', '1.234,5', '1 234,5' (decimal comma, point or blank between thousands) -> numbers. The text is
    rewritten to decimal-point form first, so "1,5" in a file that writes decimals that way is no fix."""
    text = text.astype(str)
    grouped = text.str.strip().str.fullmatch(r"[+-]?[$€£¥]?[+-]?\d{1,3}(\.\d{3})+(,\d+)?")
    swapped = text.where(~grouped, text.str.replace(".", "", regex=False)).str.replace(",", ".", regex=False)
    parsed = _parse_number_text(swapped)
    parsed["needed_cleaning"] = parsed["needed_cleaning"] | grouped
    return parsed


# --- dates -------------------------------------------------------------------------------------

def _to_date(raw, classes, column, origin, rows, config, known=_Known()):
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    findings: list[pd.DataFrame] = []
    dates = classes == DATETIME
    if dates.any():
        out[dates] = per_unique(raw[dates], lambda u: pd.to_datetime(u.map(_as_datetime), errors="coerce")
                                .astype("datetime64[ns]"), _at(known.object_codes, np.flatnonzero(dates))).to_numpy()
    bad_positions = np.flatnonzero(np.isin(classes, (NUM, BOOLEAN, TIME, OTHER)))
    text_positions = np.flatnonzero(classes == STR)
    if len(text_positions):
        text = raw.iloc[text_positions]
        parsed_frame = _per_distinct(text, lambda u: _parse_date_text(u, config.date_formats),
                                     known.texts(text_positions))
        parsed, ambiguous = parsed_frame["date"], parsed_frame["ambiguous"].to_numpy(dtype=bool)
        text = parsed_frame["text"]
        ok = parsed.notna().to_numpy()
        out.iloc[text_positions[ok]] = parsed[ok].to_numpy()
        if origin.typed_source and ok.any():
            findings.append(_fixed(origin, rows, text_positions[ok], text[ok],
                                   "were dates written as text and were converted"))
        if ambiguous.any():
            amb = text_positions[ambiguous]
            readings = [_two_readings(v) for v in text[ambiguous]]
            findings.append(_findings(
                "ambiguous-date", origin, amb, rows, values=list(text[ambiguous]),
                messages=[message("ambiguous-date", value=v, what=r, **_date_formats(v))
                          for v, r in zip(text[ambiguous], readings)]))
        bad_positions = np.union1d(bad_positions, text_positions[~ok & ~ambiguous])
    if len(bad_positions):
        fix = "Make the cell a date, or type it as YYYY-MM-DD."
        findings.append(_type_errors(origin, bad_positions, rows, raw.iloc[bad_positions],
                                     _expected(column, origin), fix))
    return out, findings


def _as_datetime(value):
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return value
    return dt.datetime(value.year, value.month, value.day)


def _parse_date_text(text: pd.Series, formats: list[str]) -> pd.DataFrame:
    """ISO text, then the configured formats, then d/m/y text that has one reading only."""
    text = text.astype(str).str.normalize("NFKC").str.strip()
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    iso = text.str.fullmatch(_ISO_DATE.pattern).to_numpy()
    if iso.any():
        # The time as written, the offset dropped: each text on its own, so that +01:00 beside +02:00 (a summer
        # time change) or beside no offset reads as it does alone.
        parsed[iso] = pd.to_datetime(text[iso].str.replace(_UTC_OFFSET.pattern, "", regex=True), format="ISO8601",
                                     errors="coerce")
    for fmt in formats:
        todo = parsed.isna().to_numpy()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    ambiguous = np.zeros(len(text), dtype=bool)
    todo = parsed.isna().to_numpy()
    if todo.any() and not formats:
        parts = text[todo].str.extract(_DMY.pattern)
        if parts[0].notna().any():
            first, second = parts[0].astype(float), parts[1].astype(float)
            year = parts[2].astype(float)
            year = year.where(year >= 100, year + 2000)
            rest = parts[3].fillna("")
            day_first = _build(year, second, first, rest)
            month_first = _build(year, first, second, rest)
            one = day_first.where(month_first.isna() | (day_first == month_first), pd.NaT)
            one = one.where(day_first.notna(), month_first)
            both = (day_first.notna() & month_first.notna() & (day_first != month_first)).to_numpy()
            idx = np.flatnonzero(todo)
            parsed.iloc[idx[~both]] = one[~both].to_numpy()
            ambiguous[idx[both]] = True
    return pd.DataFrame({"date": parsed, "ambiguous": ambiguous, "text": text})


def _build(year: pd.Series, month: pd.Series, day: pd.Series, rest: pd.Series) -> pd.Series:
    text = (year.astype("Int64").astype(str) + "-" + month.astype("Int64").astype(str).str.zfill(2) + "-"
            + day.astype("Int64").astype(str).str.zfill(2) + rest)
    return pd.to_datetime(text, format="mixed", errors="coerce").astype("datetime64[ns]")


def _date_formats(value: str) -> dict[str, str]:
    """The date_formats entries that read `value` day first ("format") and month first ("other"), as TOML
    strings: the same separator, a four- or two-digit year, and the time when the text has one."""
    m = _DMY.match(value)
    separator = value[len(m.group(1))]
    year = "%Y" if len(m.group(3)) == 4 else "%y"
    clock = "" if not m.group(4) else (" %H:%M:%S" if m.group(5) else " %H:%M")
    day_first = separator.join(("%d", "%m", year)) + clock
    month_first = separator.join(("%m", "%d", year)) + clock
    return {"format": toml_string(day_first), "other": toml_string(month_first)}


def _two_readings(value: str) -> str:
    m = _DMY.match(value)
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    y = y + 2000 if y < 100 else y
    return f"{dt.date(y, b, a):%d %B %Y} or {dt.date(y, a, b):%d %B %Y}"


# --- identifiers and text ----------------------------------------------------------------------

def _to_id(raw, classes, column, origin, rows, config, known=_Known()):
    out, changed = _as_text(raw, classes)
    text_positions = np.flatnonzero(classes == STR)
    if len(text_positions):
        labels, uniques = known.texts(text_positions)
        tidy = _tidy_identifier(pd.Series(uniques, dtype=object))
        # The distinct texts taken back to every row, one string object per id, never the cells: a CSV's cells
        # are a new string each, and every later hash and comparison of the ids (grouping, matching) costs more.
        if len(text_positions) == len(out):   # every cell text: the column is one gather
            out = tidy["text"].to_numpy()[labels]
        else:
            out[text_positions] = tidy["text"].to_numpy()[labels]
        changed[text_positions] = tidy["changed"].to_numpy(dtype=bool)[labels]
    findings = []
    if changed.any():
        positions = np.flatnonzero(changed)
        findings.append(_fixed(origin, rows, positions, raw.iloc[positions],
                               "were tidied as identifiers (numbers to text, spaces, Unicode forms)"))
    return pd.Series(out, index=raw.index, dtype=object, copy=False), findings


def _tidy_identifier(original: pd.Series) -> pd.DataFrame:
    """NFKC, no surrounding or doubled blanks, '17850.0' -> '17850'. Most IDs are already tidy: the untidy ones
    are found at once (_untidy_ascii; a regex per text when they are not all ASCII), and only those go through the
    full tidy."""
    untidy = _untidy_ascii(original.tolist())
    if untidy is None:
        untidy = np.flatnonzero(~original.str.fullmatch(_TIDY_ASCII_ID.pattern).to_numpy(dtype=bool))
    tidy, changed = original.copy(), np.zeros(len(original), dtype=bool)
    if len(untidy):
        dirty = original.iloc[untidy]
        fixed = dirty.str.normalize("NFKC").str.strip().str.replace(_BLANKS.pattern, " ", regex=True)
        fixed = fixed.where(~fixed.str.fullmatch(_INTEGER_FLOAT_TEXT.pattern),
                            fixed.str.replace(r"\.0+$", "", regex=True))
        tidy.iloc[untidy] = fixed.to_numpy()
        changed[untidy] = (fixed != dirty).to_numpy(dtype=bool)
    return pd.DataFrame({"text": tidy, "changed": changed}, index=original.index)


def _all_tidy_ascii(texts: list[str]) -> bool:
    """Does `_TIDY_ASCII_ID` match every text (found as _untidy_ascii finds the others)?"""
    untidy = _untidy_ascii(texts)
    return untidy is not None and not len(untidy)


def _untidy_ascii(texts: list[str]) -> np.ndarray | None:
    """Positions of the texts `_TIDY_ASCII_ID` does not match; None when they are not all ASCII without newlines
    of their own. Found from the texts joined by newlines, so that a column of distinct order numbers costs a few
    scans of one string instead of a regex call per text: a tidy text is printable ASCII, not empty, has no blank
    at either end and no doubled blank, and is not an integer-valued float such as '17850.0'."""
    inner = _joined_ascii(texts)
    if inner is None:
        return None
    joined = "\n" + inner + "\n"   # text k lies between the k-th and the next newline
    codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    newline = codes == 0x0A
    offending = ((codes < 0x20) & ~newline) | (codes == 0x7F)   # a control character
    # two blanks or newlines side by side: an empty text, a blank at either end, or a doubled blank
    blankish = newline | (codes == 0x20)
    offending[:-1] |= blankish[:-1] & blankish[1:]
    at = np.flatnonzero(offending)
    if ".0" in joined:
        at = np.concatenate([at, [m.start() for m in _INTEGER_FLOAT_LINE.finditer(joined)]]).astype(np.int64)
    # the text of a byte (of a newline: the text after it) is the number of newlines up to it, less one
    return np.unique(np.searchsorted(np.flatnonzero(newline), at, side="right") - 1)


def _to_text(raw, classes, column, origin, rows, config, known=_Known()):
    out, _ = _as_text(raw, classes)
    text_positions = np.flatnonzero(classes == STR)
    if len(text_positions):
        labels, uniques = known.texts(text_positions)
        out[text_positions] = _trimmed_texts(uniques)[labels]
    return pd.Series(out, index=raw.index, dtype=object, copy=False), []


_TEXT_BLANKS = " \t\r\n\u00a0"   # what a text column's texts are trimmed of
_ASCII_TEXT_BLANK = np.array([chr(c) in _TEXT_BLANKS for c in range(256)], dtype=bool)


def _trimmed_texts(texts: np.ndarray) -> np.ndarray:
    """The texts without _TEXT_BLANKS at either end. When they are all ASCII, only those starting or ending with
    one are trimmed (found from the texts joined into one string): a column of tracking numbers trims none."""
    ends = _text_ends(texts.tolist())
    if ends is None:
        return stripped_texts(pd.Series(texts, dtype=object), _TEXT_BLANKS).to_numpy()
    first, last, _lengths = ends
    padded = np.flatnonzero(_ASCII_TEXT_BLANK[first] | _ASCII_TEXT_BLANK[last])
    if not len(padded):
        return texts
    trimmed = texts.copy()
    trimmed[padded] = stripped_texts(pd.Series(texts[padded], dtype=object), _TEXT_BLANKS).to_numpy()
    return trimmed


def _as_text(raw: pd.Series, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-text cells as text: 17850.0 -> '17850', dates as ISO. Returns values (an object array, NA where blank
    or text) and a changed mask."""
    out = np.full(len(raw), pd.NA, dtype=object)
    changed = np.zeros(len(raw), dtype=bool)
    for cls, render in ((NUM, _number_text), (BOOLEAN, lambda v: "TRUE" if v else "FALSE"),
                        (DATETIME, display), (TIME, str), (OTHER, str)):
        mask = classes == cls
        if mask.any():
            out[mask] = per_unique(raw[mask], lambda u, render=render: u.map(render)).to_numpy()
            changed |= mask
    return out, changed


def _number_text(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.15g}"


# --- enums and booleans ------------------------------------------------------------------------

def _to_enum(raw, classes, column, origin, rows, config, known=_Known()):
    lookup = {fold(alias): canonical for canonical, aliases in column.values.items()
              for alias in (canonical, *aliases)}
    out = pd.Series(pd.NA, index=raw.index, dtype=object)
    present = np.flatnonzero(classes != BLANK)
    findings = []
    if len(present):
        def words(values: pd.Series) -> pd.Series:
            return values.map(fold).map(lookup)

        if (classes[present] == STR).all():   # one Python type: the column's distinct texts stand for the cells
            mapped = _per_distinct(raw.iloc[present], words, known.texts(present))
        else:
            mapped = per_unique(raw.iloc[present], words)
        out.iloc[present] = mapped.to_numpy()
        unknown = mapped.isna().to_numpy()
        if unknown.any():
            allowed = ", ".join(column.values)
            for cells in _per_file(origin, present[unknown]):   # each file's lines name its own codes
                findings.append(_type_errors(
                    origin, cells, rows, raw.iloc[cells], f"'{origin.header}' must be one of {allowed}",
                    f"Use one of {allowed}, or map the codes to words in omxl.toml with these lines, putting the "
                    f"right word for each code" + values_lines(origin.table, column, raw.iloc[cells])))
    return out, findings


MOST_CODES_SUGGESTED = 50


def values_lines(table: str, column: Column, unknown: pd.Series) -> str:
    """What the type-error of an unknown word suggests: a colon, then on lines of their own the exact `[values]`
    lines that map the column's unknown codes (each cell's text, trimmed; numbers as identifiers are written),
    every code to the column's first word for the user to correct. The lines load as configuration as they
    stand. `unknown` is a Series of the cells (repeats welcome: the codes are its distinct values)."""
    unknown = pd.Series(pd.unique(unknown.to_numpy(dtype=object)), dtype=object)
    numeric = unknown.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
    codes = pd.concat([unknown[~numeric].astype(str).str.strip(), unknown[numeric].map(_number_text)])
    distinct = sorted(set(codes[codes != ""]), key=lambda c: (not c.lstrip("-").isdigit(), len(c), c))
    first_word = next(iter(column.values))
    shown = distinct[:MOST_CODES_SUGGESTED]
    more = (f" (the first {len(shown)} of {len(distinct):,} codes; add the others the same way)"
            if len(distinct) > len(shown) else "")
    lines = "\n".join([f"[values.{table}.{column.name}]", *(f"{toml_string(c)} = {toml_string(first_word)}"
                                                              for c in shown)])
    return f"{more}:\n{lines}"


def _to_bool(raw, classes, column, origin, rows, config, known=_Known()):
    out = pd.Series(pd.NA, index=raw.index, dtype=object)
    findings = []
    present = np.flatnonzero(classes != BLANK)
    if len(present):
        values = raw.iloc[present]
        folded = values.map(lambda v: fold(_number_text(v)) if isinstance(v, (int, float)) and not isinstance(v, bool)
                            else fold(v))
        truth = pd.Series(pd.NA, index=values.index, dtype=object)
        truth[folded.isin(TRUE_TEXT)] = True
        truth[folded.isin(FALSE_TEXT)] = False
        is_bool = (classes[present] == BOOLEAN)
        truth[is_bool] = values[is_bool].astype(bool)
        out.iloc[present] = truth.to_numpy()
        unknown = truth.isna().to_numpy()
        if unknown.any():
            findings.append(_type_errors(origin, present[unknown], rows, values[unknown],
                                         _expected(column, origin), "Write yes or no (or TRUE/FALSE, 1/0)."))
    return out, findings


_CONVERTERS = {NUMBER: _to_number, INT: _to_number, DATE: _to_date, ID: _to_id, TEXT: _to_text,
               ENUM: _to_enum, BOOL: _to_bool}
