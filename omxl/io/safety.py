"""Text safety and safe output names, shared by every writer omxl has.

User text (a customer name, a note) must never become a formula in a file omxl
writes. In .xlsx it is stored as a literal string cell (never an `<f>` element,
never a string a writer library may turn into a formula); in CSV, following the
OWASP CSV-injection guidance, a value starting with = + - @, tab or CR gets a
leading apostrophe so spreadsheet programs show it as text.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from ..errors import OmxlError

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_LIKE = re.compile(r"^[=+\-@\t\r]")
# XML 1.0 forbids most control characters even when escaped; Excel refuses a file holding them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_FORBIDDEN_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
MAX_NAME_LENGTH = 100


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet program would read as a formula (or a DDE payload)."""
    return isinstance(value, str) and bool(value) and value[0] in FORMULA_TRIGGERS


def formula_like_mask(values: pd.Series) -> np.ndarray:
    """Vectorised is_formula_like over a column of any dtype."""
    text = values.astype("string[python]")
    return text.str.match(_FORMULA_LIKE.pattern).fillna(False).to_numpy(dtype=bool)


def neutralise_for_csv(values: pd.Series) -> pd.Series:
    """OWASP: prefix formula-like text with an apostrophe; other values unchanged."""
    mask = formula_like_mask(values)
    if not mask.any():
        return values
    out = values.astype(object).copy()
    out[mask] = "'" + values[mask].astype(str)
    return out


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` for CSV: formula-like text in text columns and headers neutralised; numbers and
    dates untouched (a negative quantity keeps its sign)."""
    safe = frame.copy()
    for column in safe.columns:
        kind = safe[column].dtype
        if not pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_datetime64_any_dtype(kind):
            safe[column] = neutralise_for_csv(safe[column])
    safe.columns = ["'" + str(c) if is_formula_like(str(c)) else str(c) for c in safe.columns]
    return safe


def xml_text(value: str) -> str:
    """Text that is legal inside an XML element: illegal control characters removed."""
    return _XML_ILLEGAL.sub("", value)


def xml_escape(value: str) -> str:
    """Element text escaped for XML; CR as a character reference, which XML parsers would otherwise turn
    into LF."""
    return escape(xml_text(value)).replace("\r", "&#13;")


def safe_filename(name: object, suffix: str = "") -> str:
    """A file name built from data (a supplier or customer name) that is valid on Windows,
    macOS and Linux: no path separators, forbidden characters or reserved device names."""
    text = unicodedata.normalize("NFKC", str(name if name is not None else ""))
    text = _FORBIDDEN_IN_NAMES.sub("_", text)
    text = re.sub(r"\.{2,}", "_", text)  # no '..' left to climb with
    text = re.sub(r"\s+", " ", text).strip().strip(".").strip()
    text = re.sub(r"_+", "_", text)
    if not text or set(text) <= {"_", " ", "."}:
        text = "unnamed"
    if text.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    text = text[:MAX_NAME_LENGTH].rstrip(" .")
    return text + suffix


def output_path(folder: str | Path, name: object, suffix: str = "") -> Path:
    """`folder / safe_filename(name)`, guaranteed to stay inside `folder`."""
    base = Path(folder).resolve()
    target = (base / safe_filename(name, suffix)).resolve()
    if target.parent != base:
        raise OmxlError(f"{name!r}: the output name would leave the folder {base}; nothing was written.")
    return target
