"""The same sources read by calamine and by omxl's own .xlsx reader, for tests that compare the two."""

from __future__ import annotations

import pytest

from omxl import Book, read_book
from omxl.io.read.sources import CALAMINE, OWN, READER_VARIABLE


def read_by_both(*sources) -> tuple[Book, Book]:
    """(the book as calamine reads it, as omxl's own reader reads it)."""
    read = {}
    with pytest.MonkeyPatch.context() as patch:
        for reader in (CALAMINE, OWN):
            patch.setenv(READER_VARIABLE, reader)
            read[reader] = read_book(*sources)
    return read[CALAMINE], read[OWN]
